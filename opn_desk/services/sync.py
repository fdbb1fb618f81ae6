"""Sync: copying the account's charges from the Opn API into the cache.

The backfill walks created-time windows from the oldest charge onwards. Each
window's charges and the cursor after it are committed in one transaction,
so a sync that is interrupted resumes at the first window it had not
finished. Rows are upserted by id, so running a sync twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from opn_desk.models.charge_store import upsert_charges
from opn_desk.models.db import session_scope
from opn_desk.models.lease import sync_lease
from opn_desk.models.sync_store import sync_state
from opn_desk.services.api import Charge, OpnClient
from opn_desk.services.rows import charge_row

logger = logging.getLogger(__name__)

CHARGES = "charges"
DEFAULT_WINDOW = timedelta(days=7)
# A finished backfill looks back this far on the next run, so a charge that
# the API dated slightly before our previous "now" is not missed.
RESYNC_OVERLAP = timedelta(hours=1)
PAGE_SIZE = 100


class SyncCancelled(Exception):
    """The sync was cancelled; what was committed before stays."""


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """How far one resource's sync has gone."""

    resource: str
    fetched: int
    total: int | None


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one sync run did."""

    resource: str
    fetched: int
    written: int
    windows: int
    finished_at: datetime


ProgressCallback = Callable[[SyncProgress], None]
CancelCheck = Callable[[], bool]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ChargeSync:
    """Backfills and refreshes the charges of one profile's cache."""

    def __init__(
        self,
        client: OpnClient,
        engine: Engine,
        *,
        window: timedelta = DEFAULT_WINDOW,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client = client
        self._engine = engine
        self._window = window
        self._page_size = page_size
        self._clock = clock

    def run(
        self,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> SyncResult:
        """Sync every charge created up to now; resumable at any point.

        Raises:
            SyncCancelled: when ``cancelled`` returns True between pages.
            LeaseHeld: when another workstation is syncing this database.
            ApiError: when the API cannot be read; committed windows stay.
        """
        with sync_lease(self._engine):
            return self._run(progress, cancelled)

    def _run(
        self, progress: ProgressCallback | None, cancelled: CancelCheck | None
    ) -> SyncResult:
        report = progress or (lambda _progress: None)
        stop = cancelled or (lambda: False)
        until = self._clock()
        start = self._start_point()
        if start is None:
            return self._finish(until, fetched=0, written=0, windows=0)

        total = self._client.list_charges(from_=start, to=until, limit=1).total
        fetched = written = windows = 0
        previous: set[str] = set()
        report(SyncProgress(CHARGES, fetched, total))
        while start < until:
            window_end = min(start + self._window, until)
            # Both window ends are inclusive: a charge created on the
            # boundary comes in twice and is counted once.
            charges = [
                charge
                for charge in self._fetch_window(start, window_end, stop)
                if charge.id not in previous
            ]
            written += self._commit_window(charges, window_end)
            fetched += len(charges)
            windows += 1
            report(SyncProgress(CHARGES, fetched, max(total, fetched)))
            previous = {charge.id for charge in charges}
            start = window_end
        return self._finish(until, fetched=fetched, written=written, windows=windows)

    def _start_point(self) -> datetime | None:
        """Where the backfill resumes, or None when the account has no charge."""
        with session_scope(self._engine) as session:
            state = sync_state(session, CHARGES)
            cursor, done = state.backfill_cursor, state.backfill_done
        if cursor is not None:
            return cursor - RESYNC_OVERLAP if done else cursor

        oldest = self._client.list_charges(limit=1, order="chronological").data
        return oldest[0].created_at if oldest else None

    def _fetch_window(
        self, start: datetime, end: datetime, stop: CancelCheck
    ) -> list[Charge]:
        charges: list[Charge] = []
        offset = 0
        while True:
            if stop():
                raise SyncCancelled()
            page = self._client.list_charges(
                from_=start, to=end, offset=offset, limit=self._page_size
            )
            charges.extend(page.data)
            offset += len(page.data)
            if not page.data or offset >= page.total:
                return charges

    def _commit_window(self, charges: list[Charge], window_end: datetime) -> int:
        fetched_at = self._clock()
        rows = [charge_row(charge, fetched_at) for charge in charges]
        with session_scope(self._engine) as session:
            written = upsert_charges(session, rows)
            state = sync_state(session, CHARGES)
            state.backfill_cursor = window_end
            state.objects_seen += len(rows)
        logger.debug("Committed %d charges up to %s", len(rows), window_end)
        return written

    def _finish(
        self, until: datetime, *, fetched: int, written: int, windows: int
    ) -> SyncResult:
        with session_scope(self._engine) as session:
            state = sync_state(session, CHARGES)
            state.backfill_cursor = until
            state.backfill_done = True
            state.last_synced_at = until
            state.last_error = None
        logger.info(
            "Charges synced: %d fetched, %d written, %d windows",
            fetched,
            written,
            windows,
        )
        return SyncResult(CHARGES, fetched, written, windows, until)
