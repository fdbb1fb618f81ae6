"""Incremental sync: reading the Events feed after the last event seen.

Each event names an object that changed; that object (and the one it
changed along with it: a refund's charge, a dispute's charge) is fetched
again by id, since an event's copy is the object as it was, in the API
version of its time. Events are read oldest first, a page at a time; each
page's events, the objects they touched and the feed's cursor are
committed together, so a feed interrupted anywhere resumes after the last
page written and loses nothing.

The cursor is the time and id of the last event read. The API filters by
whole seconds, so the next read starts at that second and skips the events
up to and including that id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.sync_store import note_success, sync_state
from opn_desk.services import stores
from opn_desk.services.api import MAX_PAGE_SIZE, Event, OpnClient
from opn_desk.services.backfill import (
    CancelCheck,
    ProgressCallback,
    SyncCancelled,
    SyncProgress,
    SyncResult,
)
from opn_desk.services.refetch import Target, refetch, store_fetched

logger = logging.getLogger(__name__)

EVENT_FEED = "event_feed"

# Objects fetched through their owner: the owner's list tells what is gone.
_OWNERS = {"document": "dispute", "card": "customer"}
# Objects that change another along with them.
_COMPANIONS = {"dispute": "charge", "occurrence": "schedule"}


def targets_of(event: Event) -> list[Target]:
    """The objects an event says changed, and the objects they changed."""
    data, kind, object_id = event.data, event.data_object, event.data_id
    if not object_id:
        return []
    parent = _parent_of(kind, data)
    if kind == "refund":
        # A refund is only served under its charge, which it changed too.
        if parent is None:
            logger.info(
                "event %s names refund %s without a charge", event.id, object_id
            )
            return []
        return [Target("refund", object_id, parent), Target("charge", parent)]
    if kind in _OWNERS:
        return [Target(_OWNERS[kind], parent)] if parent else []
    targets = [Target(kind, object_id)]
    if kind in _COMPANIONS and parent:
        targets.append(Target(_COMPANIONS[kind], parent))
    return targets


def _parent_of(kind: str, data: dict[str, Any]) -> str | None:
    """The id of the object that owns or is changed with ``data``."""
    if kind in ("refund", "dispute"):
        return _id_of(data.get("charge"))
    if kind == "occurrence":
        return _id_of(data.get("schedule"))
    collection = {"document": "disputes", "card": "customers"}.get(kind)
    location = data.get("location")
    if collection is None or not isinstance(location, str):
        return None
    parts = location.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == collection:
        return parts[1]
    return None


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


@dataclass(slots=True)
class _Cursor:
    """Where the feed stands: the time and id of the last event read.

    Without an id every event from ``at`` on is new; without either, every
    event is.
    """

    at: datetime | None
    event_id: str | None
    skipping: bool = True

    def fresh(self, event: Event) -> bool:
        """True for an event after the cursor (those up to it were read)."""
        if not self.skipping or self.at is None or self.event_id is None:
            return True
        if event.created_at > self.at:
            self.skipping = False
            return True
        if event.id == self.event_id:
            self.skipping = False
        return False


class EventFeed:
    """Applies every event after the cursor to the cache."""

    def __init__(
        self,
        client: OpnClient,
        engine: Engine,
        *,
        in_flight: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._engine = engine
        self._in_flight = in_flight
        self._clock = clock

    def start(self) -> None:
        """On a first sync, place the cursor on the newest event there is.

        Called before the backfill, so that what changes while it runs is
        applied afterwards. The position comes from the API, not from this
        computer's clock, which may be off. An account without events keeps
        no cursor: its feed is read from the start. Does nothing once the
        feed has a cursor.
        """
        with session_scope(self._engine) as session:
            if sync_state(session, EVENT_FEED).cursor_at is not None:
                return
        page = self._client.list_events(order="reverse_chronological", limit=1)
        if not page.data:
            return
        newest = page.data[0]
        with session_scope(self._engine) as session:
            state = sync_state(session, EVENT_FEED)
            state.cursor_at, state.cursor_id = newest.created_at, newest.id

    def run(self, progress: ProgressCallback, cancelled: CancelCheck) -> SyncResult:
        """Apply every event after the cursor, a page at a time."""
        with session_scope(self._engine) as session:
            state = sync_state(session, EVENT_FEED)
            cursor = _Cursor(state.cursor_at, state.cursor_id)
        fetched = written = pages = 0
        for events in self._pages(cursor.at):
            if cancelled():
                raise SyncCancelled()
            fresh = [event for event in events if cursor.fresh(event)]
            if fresh:
                written += self._apply(fresh, cancelled)
            fetched += len(fresh)
            pages += 1
            progress(SyncProgress(EVENT_FEED, fetched, None))
        return self._finish(fetched, written, pages)

    def _pages(self, start: datetime | None) -> Iterator[list[Event]]:
        """Pages of events from ``start``, the window pinned at the first."""
        to: datetime | None = None
        offset = 0
        while True:
            page = self._client.list_events(
                from_=start, to=to, offset=offset, limit=MAX_PAGE_SIZE
            )
            to = to or page.to
            if not page.data:
                return
            yield page.data
            offset += len(page.data)
            if offset >= page.total:
                return

    def _apply(self, fresh: list[Event], cancelled: CancelCheck) -> int:
        targets = [target for event in fresh for target in targets_of(event)]
        found = refetch(self._client, targets, self._in_flight, cancelled)
        at = self._clock()
        with session_scope(self._engine) as session:
            written = stores.store_events(session, fresh, at)
            written += store_fetched(session, found, at)
            state = sync_state(session, EVENT_FEED)
            state.cursor_at, state.cursor_id = fresh[-1].created_at, fresh[-1].id
            state.objects_seen += len(fresh)
        return written

    def _finish(self, fetched: int, written: int, pages: int) -> SyncResult:
        at = self._clock()
        with session_scope(self._engine) as session:
            note_success(session, EVENT_FEED, at)
        logger.info("Event feed: %d events, %d rows written", fetched, written)
        return SyncResult(EVENT_FEED, fetched, written, pages, at)
