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


def note_success(
    session: Session, resource: str, at: datetime, objects_seen: int | None = None
) -> None:
    """A run of ``resource`` finished at ``at``; it has no error any more."""
    state = sync_state(session, resource)
    state.last_synced_at = at
    state.last_error = None
    if objects_seen is not None:
        state.objects_seen = objects_seen


def note_error(session: Session, resource: str, message: str) -> None:
    """A run of ``resource`` failed; ``message`` says why, for the clerk."""
    sync_state(session, resource).last_error = message
