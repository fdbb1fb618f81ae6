"""Reading the audit log and the operations that need a clerk's eye.

Results are plain frozen values, never ORM objects, so that they can be
handed from the database worker to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from opn_desk.models.db import session_scope
from opn_desk.models.journal_store import Operation, operation_view
from opn_desk.models.operations import (
    FAILED,
    OPEN_STATES,
    AuditEntry,
    OperationRecord,
)

# Failed operations stay in the Operations panel this long after they
# failed, and count towards the status bar's number this long.
FAILED_SHOWN_FOR = timedelta(days=30)
FAILED_COUNTED_FOR = timedelta(days=1)
MAX_ATTENTION_ROWS = 1000
EXPORT_BATCH_ROWS = 500

AuditSelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit entries to show; an empty field does not filter.

    ``target`` matches part of the target's id.
    """

    clerk: str | None = None
    action: str | None = None
    target: str = ""


@dataclass(frozen=True, slots=True)
class AuditListItem:
    """One audit entry without its before and after states."""

    id: int
    at: datetime
    clerk: str
    action: str
    target_id: str
    operation_id: str | None
    summary: str
    # The operation's parameters and Opn's error code, for wording the
    # entry in the clerk's language; None without an operation.
    params: dict[str, Any] | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class AuditStates:
    """The target's state before and after one audited write."""

    entry_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AuditChoices:
    """The clerks and actions the audit log holds, for its filters."""

    clerks: tuple[str, ...]
    actions: tuple[str, ...]


def count_audit_entries(session: Session, audit_filter: AuditFilter) -> int:
    statement = select(func.count()).select_from(AuditEntry)
    statement = statement.where(_matching(audit_filter))
    return int(session.scalar(statement) or 0)


def audit_page(
    session: Session, audit_filter: AuditFilter, offset: int, limit: int
) -> list[AuditListItem]:
    """One page of matching entries, newest first."""
    statement = (
        _newest_first(_list_columns().where(_matching(audit_filter)))
        .offset(offset)
        .limit(limit)
    )
    return [_list_item(row) for row in session.execute(statement)]


def iter_audit_entries(
    engine: Engine, audit_filter: AuditFilter, batch_rows: int = EXPORT_BATCH_ROWS
) -> Iterator[AuditListItem]:
    """Every matching entry, newest first, read in batches.

    Each batch has a short session of its own, so the iterator can be
    consumed slowly (by an exporter) on any one thread.
    """
    last: AuditListItem | None = None
    while True:
        statement = _list_columns().where(_matching(audit_filter))
        if last is not None:
            statement = statement.where(_older_than(last))
        with session_scope(engine) as session:
            rows = session.execute(_newest_first(statement).limit(batch_rows))
            batch = [_list_item(row) for row in rows]
        yield from batch
        if len(batch) < batch_rows:
            return
        last = batch[-1]


def audit_states(session: Session, entry_id: int) -> AuditStates | None:
    """The before and after states of one entry."""
    row = session.execute(
        select(AuditEntry.before, AuditEntry.after).where(AuditEntry.id == entry_id)
    ).one_or_none()
    if row is None:
        return None
    return AuditStates(entry_id, row.before, row.after)


def audit_choices(session: Session) -> AuditChoices:
    clerks = session.scalars(
        select(AuditEntry.clerk).distinct().order_by(AuditEntry.clerk)
    )
    actions = session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    )
    return AuditChoices(tuple(clerks), tuple(actions))


def operations_needing_attention(
    session: Session, now: datetime, limit: int = MAX_ATTENTION_ROWS
) -> list[Operation]:
    """Unsettled operations, and those failed in the last 30 days; newest first."""
    records = session.scalars(
        select(OperationRecord)
        .where(_needs_attention(now - FAILED_SHOWN_FOR))
        .order_by(OperationRecord.created_at.desc(), OperationRecord.id.desc())
        .limit(limit)
    )
    return [operation_view(record) for record in records]


def attention_count(session: Session, now: datetime) -> int:
    """Unsettled operations plus those that failed in the last day."""
    statement = select(func.count()).select_from(OperationRecord)
    statement = statement.where(_needs_attention(now - FAILED_COUNTED_FOR))
    return int(session.scalar(statement) or 0)


def _needs_attention(failed_since: datetime) -> ColumnElement[bool]:
    record = OperationRecord
    return or_(
        record.state.in_(OPEN_STATES),
        and_(record.state == FAILED, record.updated_at >= failed_since),
    )


def _matching(audit_filter: AuditFilter) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if audit_filter.clerk:
        conditions.append(AuditEntry.clerk == audit_filter.clerk)
    if audit_filter.action:
        conditions.append(AuditEntry.action == audit_filter.action)
    target = audit_filter.target.strip()
    if target:
        conditions.append(AuditEntry.target_id.icontains(target, autoescape=True))
    return and_(true(), *conditions)


def _older_than(item: AuditListItem) -> ColumnElement[bool]:
    return or_(
        AuditEntry.at < item.at,
        and_(AuditEntry.at == item.at, AuditEntry.id < item.id),
    )


def _newest_first(statement: AuditSelect) -> AuditSelect:
    return statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _list_columns() -> AuditSelect:
    return select(
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.clerk,
        AuditEntry.action,
        AuditEntry.target_id,
        AuditEntry.operation_id,
        AuditEntry.summary,
        OperationRecord.params,
        OperationRecord.error_code,
    ).outerjoin(OperationRecord, OperationRecord.id == AuditEntry.operation_id)


def _list_item(row: Any) -> AuditListItem:
    return AuditListItem(
        id=row.id,
        at=row.at,
        clerk=row.clerk,
        action=row.action,
        target_id=row.target_id,
        operation_id=row.operation_id,
        summary=row.summary,
        params=row.params if isinstance(row.params, dict) else None,
        error_code=row.error_code,
    )
