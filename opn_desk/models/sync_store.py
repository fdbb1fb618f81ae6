"""Reading and moving the sync position of a resource."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from opn_desk.models.sync_state import SyncState


def sync_state(session: Session, resource: str) -> SyncState:
    """The resource's sync state, created on first use."""
    state = session.get(SyncState, resource)
    if state is None:
        state = SyncState(resource=resource, backfill_done=False, objects_seen=0)
        session.add(state)
        session.flush()
    return state


def last_synced_at(session: Session, resource: str) -> datetime | None:
    state = session.get(SyncState, resource)
    return state.last_synced_at if state is not None else None
