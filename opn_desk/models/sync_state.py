"""Where each resource's sync stands: cursors, last run, last error."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base, UtcDateTime


class SyncState(Base):
    """The sync position of one resource (``charges``, ``events``...)."""

    __tablename__ = "sync_state"

    resource: Mapped[str] = mapped_column(String(40), primary_key=True)
    backfill_cursor: Mapped[datetime | None] = mapped_column(UtcDateTime)
    backfill_done: Mapped[bool] = mapped_column(Boolean, default=False)
    last_synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    objects_seen: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A feed's position (the event feed): the last item read, and its time.
    cursor_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cursor_id: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return (
            f"SyncState(resource={self.resource!r}, "
            f"cursor={self.backfill_cursor!r}, done={self.backfill_done!r})"
        )
