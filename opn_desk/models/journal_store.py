"""Recording operations, moving them through their states, auditing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opn_desk.models.operations import (
    DONE,
    FAILED,
    OPEN_STATES,
    RECORDED,
    SENDING,
    UNCONFIRMED,
    AuditEntry,
    OperationRecord,
)


class OperationInFlight(RuntimeError):
    """Another write on the same target has not settled yet."""

    def __init__(self, target_id: str) -> None:
        super().__init__(target_id)
        self.target_id = target_id


@dataclass(frozen=True, slots=True)
class Operation:
    """An operation as plain values, safe to hand to another thread."""

    id: str
    kind: str
    target_id: str
    params: dict[str, Any]
    clerk: str
    state: str
    attempts: int
    result_id: str | None
    result: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime


def record_operation(
    session: Session,
    *,
    operation_id: str,
    kind: str,
    target_id: str,
    params: dict[str, Any],
    clerk: str,
    workstation: str,
    now: datetime,
) -> Operation:
    """Write the intent of an operation before anything is sent.

    Raises:
        OperationInFlight: when the target has an unsettled operation.
    """
    record = OperationRecord(
        id=operation_id,
        kind=kind,
        target_id=target_id,
        params=params,
        clerk=clerk,
        workstation=workstation,
        state=RECORDED,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError as exc:
        raise OperationInFlight(target_id) from exc
    return operation_view(record)


def claim_for_sending(
    session: Session, operation_id: str, expected: Operation, now: datetime
) -> bool:
    """Move an operation to ``sending`` unless someone else moved it first.

    The update only applies while the row is as ``expected`` was read
    (same state and time), so two workstations never both send it.
    """
    result = session.execute(
        update(OperationRecord)
        .where(
            OperationRecord.id == operation_id,
            OperationRecord.state == expected.state,
            OperationRecord.updated_at == expected.updated_at,
        )
        .values(state=SENDING, attempts=expected.attempts + 1, updated_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def settle_operation(
    session: Session,
    operation_id: str,
    state: str,
    now: datetime,
    *,
    result_id: str | None = None,
    result: dict[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
) -> Operation:
    """Record where an operation ended (done, failed or unconfirmed)."""
    if state not in (DONE, FAILED, UNCONFIRMED, RECORDED):
        raise ValueError(f"not a settling state: {state}")
    record = session.get(OperationRecord, operation_id)
    if record is None:
        raise KeyError(operation_id)
    record.state = state
    record.updated_at = now
    record.result_id = result_id or record.result_id
    record.result = result if result is not None else record.result
    record.error_code = error_code
    record.error_message = error_message
    session.flush()
    return operation_view(record)


def get_operation(session: Session, operation_id: str) -> Operation | None:
    record = session.get(OperationRecord, operation_id)
    return operation_view(record) if record is not None else None


def open_operations(session: Session) -> list[Operation]:
    """Operations not settled yet, oldest first."""
    records = session.scalars(
        select(OperationRecord)
        .where(OperationRecord.state.in_(OPEN_STATES))
        .order_by(OperationRecord.created_at)
    )
    return [operation_view(record) for record in records]


def operations_for(session: Session, target_id: str) -> list[Operation]:
    """Every operation on one target, oldest first."""
    records = session.scalars(
        select(OperationRecord)
        .where(OperationRecord.target_id == target_id)
        .order_by(OperationRecord.created_at)
    )
    return [operation_view(record) for record in records]


def add_audit_entry(
    session: Session,
    *,
    at: datetime,
    clerk: str,
    action: str,
    target_id: str,
    summary: str,
    operation_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            clerk=clerk,
            action=action,
            target_id=target_id,
            operation_id=operation_id,
            summary=summary,
            before=before,
            after=after,
        )
    )


def operation_view(record: OperationRecord) -> Operation:
    return Operation(
        id=record.id,
        kind=record.kind,
        target_id=record.target_id,
        params=dict(record.params),
        clerk=record.clerk,
        state=record.state,
        attempts=record.attempts,
        result_id=record.result_id,
        result=record.result,
        error_code=record.error_code,
        error_message=record.error_message,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
