"""The operations journal and the audit log: local-only, never synced.

Every write to the API is first recorded here as an operation, then sent,
then settled; the audit log keeps who did what, when, and the state of the
target before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime

# Operation states. ``recorded``: intent written, not sent yet. ``sending``:
# may have reached the API; its outcome is unknown until settled.
# ``done``: the API applied it. ``failed``: the API certainly did not.
# ``unconfirmed``: could not be settled yet (no network); retried later.
RECORDED = "recorded"
SENDING = "sending"
DONE = "done"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
OPEN_STATES = (RECORDED, SENDING, UNCONFIRMED)


class OperationRecord(Base):
    """One write to the API and how far it got."""

    __tablename__ = "operations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    clerk: Mapped[str] = mapped_column(String(200))
    workstation: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        # At most one unsettled write per target: a second click, dialog or
        # workstation cannot start another refund while one is in flight.
        Index(
            "uq_operations_open_target",
            "target_id",
            unique=True,
            sqlite_where=text("state IN ('recorded', 'sending', 'unconfirmed')"),
            postgresql_where=text("state IN ('recorded', 'sending', 'unconfirmed')"),
        ),
        # The start-up reconciliation and the pending-operations list.
        Index("ix_operations_state_created_at", "state", "created_at"),
    )

    def __repr__(self) -> str:
        return (
            f"OperationRecord(id={self.id!r}, kind={self.kind!r}, "
            f"target_id={self.target_id!r}, state={self.state!r})"
        )


class AuditEntry(Base):
    """Who did what to which object, when, with its state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    clerk: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    target_id: Mapped[str] = mapped_column(String(64), index=True)
    operation_id: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)

    def __repr__(self) -> str:
        return f"AuditEntry(id={self.id!r}, action={self.action!r}, at={self.at!r})"
