"""Reading every resource's sync position, for the sync panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opn_desk.models.sync_state import SyncState


@dataclass(frozen=True, slots=True)
class ResourceSyncStatus:
    """Where one resource's sync stands, as plain values."""

    resource: str
    last_synced_at: datetime | None
    objects_seen: int
    backfill_done: bool
    last_error: str | None


def sync_overview(session: Session) -> list[ResourceSyncStatus]:
    """Every resource that has synced at least once, by name."""
    states = session.scalars(select(SyncState).order_by(SyncState.resource))
    return [
        ResourceSyncStatus(
            resource=state.resource,
            last_synced_at=state.last_synced_at,
            objects_seen=state.objects_seen,
            backfill_done=state.backfill_done,
            last_error=state.last_error,
        )
        for state in states
    ]
