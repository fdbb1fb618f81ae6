"""Sync: keeping a profile's cache equal to the account on the Opn API.

Each resource is backfilled window by window (see ``backfill``); a sync run
holds the database's sync lease, so that on a shared PostgreSQL database
only one workstation syncs at a time while the others keep reading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.charge_store import upsert_charges
from opn_desk.models.lease import LeaseHeld, sync_lease
from opn_desk.services.api import Charge, OpnClient, Page
from opn_desk.services.backfill import (
    DEFAULT_IN_FLIGHT,
    DEFAULT_WINDOW,
    Backfill,
    CancelCheck,
    ListResource,
    ProgressCallback,
    SyncCancelled,
    SyncProgress,
    SyncResult,
    utc_now,
)
from opn_desk.services.rows import charge_row

__all__ = [
    "CHARGES",
    "ChargeSync",
    "LeaseHeld",
    "SyncCancelled",
    "SyncProgress",
    "SyncResult",
]

logger = logging.getLogger(__name__)

CHARGES = "charges"


def _list_charges(
    client: OpnClient,
    start: datetime | None,
    end: datetime | None,
    offset: int,
    limit: int,
) -> Page[Charge]:
    return client.list_charges(from_=start, to=end, offset=offset, limit=limit)


def _store_charges(
    session: Session, charges: Sequence[Charge], fetched_at: datetime
) -> int:
    return upsert_charges(session, [charge_row(c, fetched_at) for c in charges])


CHARGE_RESOURCE = ListResource(CHARGES, _list_charges, _store_charges)


class ChargeSync:
    """Backfills and refreshes the charges of one profile's cache."""

    def __init__(
        self,
        client: OpnClient,
        engine: Engine,
        *,
        window: timedelta = DEFAULT_WINDOW,
        in_flight: int = DEFAULT_IN_FLIGHT,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._backfill = Backfill(
            client,
            engine,
            CHARGE_RESOURCE,
            window=window,
            in_flight=in_flight,
            clock=clock,
        )

    def run(
        self,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> SyncResult:
        """Sync every charge created up to now; resumable at any point.

        Raises:
            SyncCancelled: when ``cancelled`` returns True.
            LeaseHeld: when another workstation is syncing this database.
            ApiError: when the API cannot be read; finished windows stay.
        """
        with sync_lease(self._engine):
            return self._backfill.run(progress, cancelled)
