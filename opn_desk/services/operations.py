"""Writes to the API that happen exactly once: the operations journal.

The Opn API takes no idempotency key for refunds, captures, documents or
schedules, so a POST resent after a timeout could refund twice. Every write
therefore goes through the journal:

1. its intent is recorded first (a new operation id, the kind, the target
   and the parameters), and the request carries the id in its metadata
   wherever the endpoint takes metadata;
2. it is sent once;
3. an ambiguous failure (a timeout, a dropped connection, a 5xx) is not
   resent blindly: the target is read back and searched for the
   operation's effect, and the request is sent again only when that effect
   is certainly absent; when the API cannot be read, the operation stays
   ``unconfirmed`` and is settled later;
4. at start-up, operations left unsettled are settled the same way.

Each kind of write says how to send it and how to find its effect
(``WriteKind``); every settled operation writes an audit entry.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from opn_desk.models import journal_store as store
from opn_desk.models.db import session_scope
from opn_desk.models.journal_store import Operation, OperationInFlight
from opn_desk.models.operations import (
    DONE,
    FAILED,
    RECORDED,
    SENDING,
    UNCONFIRMED,
)
from opn_desk.services.api import ApiError, OpnClient, OpnError, RateLimited

__all__ = [
    "ALREADY_DONE",
    "OPERATION_METADATA_KEY",
    "AlreadyDone",
    "Journal",
    "Operation",
    "OperationInFlight",
    "Outcome",
    "WriteKind",
]

logger = logging.getLogger(__name__)

# The metadata key that carries the operation id on the API's side.
OPERATION_METADATA_KEY = "opn_desk_operation"
# How often an ambiguous write is read back and resent before it is left
# unconfirmed for a later attempt.
MAX_SEND_ATTEMPTS = 3
# A ``sending`` operation younger than this may still be in the hands of
# the workstation that sent it; start-up settling leaves it alone.
SENDING_GRACE = timedelta(minutes=2)
MAX_RATE_LIMIT_PAUSE_S = 10.0
# The error code of an operation settled as failed because another
# operation had already made its effect (``AlreadyDone``).
ALREADY_DONE = "already_done"


class AlreadyDone(Exception):
    """Raised by a ``send`` that finds, with the target held, that another
    operation already made this one's effect: nothing is sent, and the
    operation is settled as failed with the code ``ALREADY_DONE``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = ALREADY_DONE
        self.message = message


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a write produced: the new object's id and JSON, the target after."""

    result_id: str | None
    result: dict[str, Any]


Send = Callable[[OpnClient, Operation], Outcome]
Find = Callable[[OpnClient, Operation], Outcome | None]


@dataclass(frozen=True, slots=True)
class WriteKind:
    """One kind of write: how to send it and how to find its effect.

    ``find`` returns the outcome when the API shows the operation took
    effect, None when it certainly did not, and raises ApiError when the
    API cannot tell right now. ``once_per_target`` marks a write that can
    take effect only once on its target (a capture, a release): an effect
    found there that another operation already settled as done is that
    operation's, not this one's.
    """

    name: str
    send: Send
    find: Find
    describe: Callable[[Operation], str]
    once_per_target: bool = False


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_operation_id() -> str:
    return f"op_{uuid.uuid4().hex}"


def workstation_name() -> str:
    return socket.gethostname() or "unknown"


class Journal:
    """Sends writes through the journal for one profile and one clerk.

    Blocking: every method talks to the database and the API, so none may
    run on the GUI thread.
    """

    def __init__(
        self,
        engine: Engine,
        client: OpnClient,
        clerk: str,
        *,
        settle_delay_s: float = 2.0,
        sending_grace: timedelta = SENDING_GRACE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._client = client
        self._clerk = clerk
        self._settle_delay_s = settle_delay_s
        self._sending_grace = sending_grace
        self._clock = clock
        self._workstation = workstation_name()

    @property
    def engine(self) -> Engine:
        """The cache this journal writes to."""
        return self._engine

    def submit(
        self,
        kind: WriteKind,
        target_id: str,
        params: dict[str, Any],
        *,
        before: dict[str, Any] | None = None,
    ) -> Operation:
        """Record a write, send it once, settle it; the settled operation.

        Raises:
            OperationInFlight: another write on the target is unsettled.
        """
        with session_scope(self._engine) as session:
            operation = store.record_operation(
                session,
                operation_id=new_operation_id(),
                kind=kind.name,
                target_id=target_id,
                params=params,
                clerk=self._clerk,
                workstation=self._workstation,
                now=self._clock(),
            )
        logger.info("Recorded %s %s on %s", kind.name, operation.id, target_id)
        return self._run(kind, operation, before)

    def settle_open(self, kinds: dict[str, WriteKind]) -> list[Operation]:
        """Settle every operation left unsettled (at start-up, or on retry)."""
        with session_scope(self._engine) as session:
            pending = store.open_operations(session)
        settled = []
        for operation in pending:
            kind = kinds.get(operation.kind)
            if kind is None or self._maybe_in_flight_elsewhere(operation):
                continue
            settled.append(self._resume(kind, operation))
        return settled

    # Private

    def _run(
        self, kind: WriteKind, operation: Operation, before: dict[str, Any] | None
    ) -> Operation:
        for _attempt in range(MAX_SEND_ATTEMPTS):
            claimed = self._claim(operation)
            if claimed is None:
                return self._current(operation.id)
            try:
                outcome = kind.send(self._client, claimed)
            except AlreadyDone as error:
                return self._fail(kind, claimed, error, before)
            except RateLimited as error:
                # Refused before it was processed: wait, then send again.
                time.sleep(min(error.retry_after_s or 1.0, MAX_RATE_LIMIT_PAUSE_S))
                operation = self._back_to_recorded(claimed)
                continue
            except OpnError as error:
                if not error.ambiguous:
                    return self._fail(kind, claimed, error, before)
                logger.warning(
                    "%s %s: ambiguous answer %s", kind.name, claimed.id, error
                )
            except ApiError as error:
                if not error.ambiguous:
                    # Nothing reached the API: try again later.
                    return self._leave_unconfirmed(claimed, error)
                logger.warning(
                    "%s %s: ambiguous failure %s", kind.name, claimed.id, error
                )
            else:
                return self._succeed(kind, claimed, outcome, before)

            found = self._look_for_effect(kind, claimed)
            if isinstance(found, Operation):
                return found  # left unconfirmed: the API cannot tell now
            if found is not None:
                return self._succeed(kind, claimed, found, before)
            operation = self._back_to_recorded(claimed)
        return self._leave_unconfirmed(operation, None)

    def _resume(self, kind: WriteKind, operation: Operation) -> Operation:
        """Settle an operation found unsettled: find its effect, else send."""
        if operation.state != RECORDED:
            found = self._look_for_effect(kind, operation)
            if isinstance(found, Operation):
                return found
            if found is not None:
                return self._succeed(kind, operation, found, None)
            operation = self._back_to_recorded(operation)
        return self._run(kind, operation, None)

    def _look_for_effect(
        self, kind: WriteKind, operation: Operation
    ) -> Outcome | Operation | None:
        """The outcome, None when certainly absent, or the unconfirmed op."""
        if self._settle_delay_s > 0:
            time.sleep(self._settle_delay_s)
        try:
            found = kind.find(self._client, operation)
        except ApiError as error:
            return self._leave_unconfirmed(operation, error)
        if found is not None and kind.once_per_target:
            if self._done_by_another(kind, operation):
                logger.warning(
                    "%s %s: the effect found is another operation's",
                    kind.name,
                    operation.id,
                )
                return None
        return found

    def _done_by_another(self, kind: WriteKind, operation: Operation) -> bool:
        """Whether another operation of this kind on the target is done."""
        with session_scope(self._engine) as session:
            others = store.operations_for(session, operation.target_id)
        return any(
            other.kind == kind.name and other.state == DONE and other.id != operation.id
            for other in others
        )

    def _claim(self, operation: Operation) -> Operation | None:
        now = self._clock()
        with session_scope(self._engine) as session:
            if not store.claim_for_sending(session, operation.id, operation, now):
                return None
            claimed = store.get_operation(session, operation.id)
        assert claimed is not None and claimed.state == SENDING
        return claimed

    def _current(self, operation_id: str) -> Operation:
        with session_scope(self._engine) as session:
            current = store.get_operation(session, operation_id)
        assert current is not None
        return current

    def _back_to_recorded(self, operation: Operation) -> Operation:
        with session_scope(self._engine) as session:
            return store.settle_operation(
                session, operation.id, RECORDED, self._clock()
            )

    def _succeed(
        self,
        kind: WriteKind,
        operation: Operation,
        outcome: Outcome,
        before: dict[str, Any] | None,
    ) -> Operation:
        now = self._clock()
        with session_scope(self._engine) as session:
            done = store.settle_operation(
                session,
                operation.id,
                DONE,
                now,
                result_id=outcome.result_id,
                result=outcome.result,
            )
            store.add_audit_entry(
                session,
                at=now,
                clerk=operation.clerk,
                action=kind.name,
                target_id=operation.target_id,
                summary=kind.describe(done),
                operation_id=operation.id,
                before=before,
                after=outcome.result,
            )
        logger.info("%s %s done (%s)", kind.name, operation.id, outcome.result_id)
        return done

    def _fail(
        self,
        kind: WriteKind,
        operation: Operation,
        error: OpnError | AlreadyDone,
        before: dict[str, Any] | None,
    ) -> Operation:
        now = self._clock()
        with session_scope(self._engine) as session:
            failed = store.settle_operation(
                session,
                operation.id,
                FAILED,
                now,
                error_code=error.code,
                error_message=error.message,
            )
            store.add_audit_entry(
                session,
                at=now,
                clerk=operation.clerk,
                action=f"{kind.name}_refused",
                target_id=operation.target_id,
                summary=f"{kind.describe(failed)}: refused ({error.code})",
                operation_id=operation.id,
                before=before,
            )
        logger.info("%s %s refused by the API: %s", kind.name, operation.id, error.code)
        return failed

    def _leave_unconfirmed(
        self, operation: Operation, error: ApiError | None
    ) -> Operation:
        with session_scope(self._engine) as session:
            left = store.settle_operation(
                session,
                operation.id,
                UNCONFIRMED,
                self._clock(),
                error_code=type(error).__name__ if error else "too_many_attempts",
                error_message=str(error) if error else None,
            )
        logger.warning("%s left unconfirmed: %s", operation.id, error)
        return left

    def _maybe_in_flight_elsewhere(self, operation: Operation) -> bool:
        recent = self._clock() - operation.updated_at < self._sending_grace
        return operation.state == SENDING and recent
