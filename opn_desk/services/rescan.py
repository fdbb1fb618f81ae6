"""Rescan: fetching again, now and then, every cached object that can change.

Not every change shows in the Events feed (an authorization that lapses,
a dispute decided by the bank), so objects that are not final yet are
fetched again by id on an interval: charges still pending (uncaptured or
awaiting the payer), open and pending disputes (with their documents, so
a deleted document becomes a tombstone), running schedules, and refunds
not yet closed. An object the API no longer has becomes a tombstone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, null, select
from sqlalchemy.orm import Session

from opn_desk.models.db import session_scope
from opn_desk.models.sync_store import note_success, sync_state
from opn_desk.services import stores
from opn_desk.services.api import (
    FINAL_REFUND_STATUSES,
    OPEN_DISPUTE_STATUSES,
    OpnClient,
)
from opn_desk.services.backfill import (
    CancelCheck,
    ProgressCallback,
    SyncProgress,
    SyncResult,
)
from opn_desk.services.refetch import Target, refetch, store_fetched

logger = logging.getLogger(__name__)

RESCAN = "rescan"
DEFAULT_RESCAN_EVERY = timedelta(minutes=15)
# Targets fetched and committed together.
BATCH = 200


def changeable_targets(session: Session) -> list[Target]:
    """Every cached object that may still change, oldest first per kind."""
    charges, disputes = stores.CHARGES.c, stores.DISPUTES.c
    schedules, refunds = stores.SCHEDULES.c, stores.REFUNDS.c
    live = {
        "charge": select(charges.id, null())
        .where(charges.status == "pending", charges.deleted.is_(False))
        .order_by(charges.created_at),
        "dispute": select(disputes.id, null())
        .where(
            disputes.status.in_(sorted(OPEN_DISPUTE_STATUSES)),
            disputes.deleted.is_(False),
        )
        .order_by(disputes.created_at),
        "schedule": select(schedules.id, null())
        .where(schedules.active.is_(True), schedules.deleted.is_(False))
        .order_by(schedules.created_at),
        "refund": select(refunds.id, refunds.charge_id)
        .where(
            refunds.status.not_in(sorted(FINAL_REFUND_STATUSES)),
            refunds.deleted.is_(False),
        )
        .order_by(refunds.created_at),
    }
    return [
        Target(kind, object_id, parent_id)
        for kind, query in live.items()
        for object_id, parent_id in session.execute(query)
    ]


class Rescan:
    """Fetches the changeable objects again once ``every`` has passed."""

    def __init__(
        self,
        client: OpnClient,
        engine: Engine,
        *,
        every: timedelta,
        in_flight: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._client = client
        self._engine = engine
        self._every = every
        self._in_flight = in_flight
        self._clock = clock

    def due(self) -> bool:
        """True when the last rescan is older than the interval (or none)."""
        with session_scope(self._engine) as session:
            last = sync_state(session, RESCAN).last_synced_at
        return last is None or self._clock() - last >= self._every

    def run(self, progress: ProgressCallback, cancelled: CancelCheck) -> SyncResult:
        """Rescan now, a batch at a time; each batch is committed."""
        with session_scope(self._engine) as session:
            targets = changeable_targets(session)
        written = 0
        progress(SyncProgress(RESCAN, 0, len(targets)))
        for start in range(0, len(targets), BATCH):
            batch = targets[start : start + BATCH]
            found = refetch(self._client, batch, self._in_flight, cancelled)
            with session_scope(self._engine) as session:
                written += store_fetched(session, found, self._clock())
            progress(SyncProgress(RESCAN, start + len(batch), len(targets)))
        return self._finish(len(targets), written)

    def _finish(self, fetched: int, written: int) -> SyncResult:
        at = self._clock()
        with session_scope(self._engine) as session:
            note_success(session, RESCAN, at, objects_seen=fetched)
        logger.info(
            "Rescan: %d objects fetched again, %d rows written", fetched, written
        )
        return SyncResult(RESCAN, fetched, written, 0, at)
