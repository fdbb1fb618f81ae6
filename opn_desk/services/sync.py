"""Sync: keeping a profile's cache equal to the account on the Opn API.

A run holds the database's sync lease (on a shared PostgreSQL database only
one workstation syncs at a time while the others keep reading) and then:

1. backfills each list resource in created-time windows (``backfill``,
   resources in ``sync_resources``), resuming at its cursor;
2. refreshes the account, balance and capability;
3. applies the Events feed after its cursor (``event_feed``);
4. when its interval has passed, fetches again every object that can
   still change (``rescan``).

Every step commits as it goes, so a run stopped anywhere (cancelled,
offline, killed) resumes where it stopped, and a run over unchanged data
writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar, Unpack

from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.lease import LeaseHeld, sync_lease
from opn_desk.models.ledger import ACCOUNT, BALANCE, CAPABILITY
from opn_desk.models.sync_store import note_error, note_success
from opn_desk.services import stores
from opn_desk.services.api import ApiError, NotFound, OpnClient
from opn_desk.services.backfill import (
    DEFAULT_IN_FLIGHT,
    DEFAULT_WINDOW,
    Backfill,
    BackfillOptions,
    CancelCheck,
    ProgressCallback,
    SyncCancelled,
    SyncProgress,
    SyncResult,
    utc_now,
)
from opn_desk.services.event_feed import EVENT_FEED, EventFeed
from opn_desk.services.rescan import DEFAULT_RESCAN_EVERY, RESCAN, Rescan
from opn_desk.services.sync_resources import CHARGES, LIST_RESOURCES

__all__ = [
    "ACCOUNT_OBJECTS",
    "CHARGES",
    "EVENT_FEED",
    "RESCAN",
    "AccountSync",
    "AccountSyncResult",
    "ChargeSync",
    "LeaseHeld",
    "SyncCancelled",
    "SyncProgress",
    "SyncResult",
]

logger = logging.getLogger(__name__)

R = TypeVar("R")

ACCOUNT_OBJECTS = "account_objects"


@dataclass(frozen=True, slots=True)
class AccountSyncResult:
    """What one run did, resource by resource, in the order they ran."""

    results: tuple[SyncResult, ...]
    finished_at: datetime

    @property
    def fetched(self) -> int:
        return sum(result.fetched for result in self.results)

    @property
    def written(self) -> int:
        return sum(result.written for result in self.results)

    def of(self, resource: str) -> SyncResult | None:
        """The result of one resource, if it ran."""
        return next((r for r in self.results if r.resource == resource), None)


class AccountSync:
    """Syncs every resource of one profile's cache: backfill, feed, rescan."""

    def __init__(
        self,
        client: OpnClient,
        engine: Engine,
        *,
        window: timedelta = DEFAULT_WINDOW,
        in_flight: int = DEFAULT_IN_FLIGHT,
        clock: Callable[[], datetime] = utc_now,
        rescan_every: timedelta = DEFAULT_RESCAN_EVERY,
    ) -> None:
        self._client = client
        self._engine = engine
        self._clock = clock
        self._backfills = [
            Backfill(
                client,
                engine,
                resource,
                window=window,
                in_flight=in_flight,
                clock=clock,
            )
            for resource in LIST_RESOURCES
        ]
        self._feed = EventFeed(client, engine, in_flight=in_flight, clock=clock)
        self._rescan = Rescan(
            client, engine, every=rescan_every, in_flight=in_flight, clock=clock
        )

    def run(
        self,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> AccountSyncResult:
        """Sync everything; resumable at any point.

        Raises:
            SyncCancelled: when ``cancelled`` returns True.
            LeaseHeld: when another workstation is syncing this database.
            ApiError: when the API cannot be read; the failing resource's
                ``last_error`` says why, and what was committed stays.
        """
        report = progress or (lambda _progress: None)
        stop = cancelled or (lambda: False)
        with sync_lease(self._engine):
            self._step(EVENT_FEED, self._feed.start)
            results = list(self._backfill_all(report, stop))
            results.append(self._step(ACCOUNT_OBJECTS, self._refresh_account))
            feed = partial(self._feed.run, report, stop)
            results.append(self._step(EVENT_FEED, feed))
            if self._rescan.due():
                rescan = partial(self._rescan.run, report, stop)
                results.append(self._step(RESCAN, rescan))
        return AccountSyncResult(tuple(results), self._clock())

    def _backfill_all(
        self, report: ProgressCallback, stop: CancelCheck
    ) -> Iterator[SyncResult]:
        """Each resource's backfill, but those the server does not list.

        A server without a list (a sandbox of an older version) must not
        keep every other resource from syncing; the skipped resource's
        ``last_error`` says so.
        """
        for backfill in self._backfills:
            try:
                yield self._step(backfill.name, partial(backfill.run, report, stop))
            except NotFound:
                logger.warning("The server does not list %s", backfill.name)

    def _step(self, resource: str, run: Callable[[], R]) -> R:
        """Run one step; an API failure becomes its ``last_error``, raised."""
        try:
            return run()
        except ApiError as error:
            with session_scope(self._engine) as session:
                note_error(session, resource, error.user_message())
            raise

    def _refresh_account(self) -> SyncResult:
        """The account, balance and capability, each one object."""
        fetched = {
            ACCOUNT: self._client.get_account().raw,
            BALANCE: self._client.get_balance().raw,
            CAPABILITY: self._client.get_capability().raw,
        }
        at = self._clock()
        with session_scope(self._engine) as session:
            written = sum(
                stores.store_account_object(session, kind, raw, at)
                for kind, raw in fetched.items()
            )
            note_success(session, ACCOUNT_OBJECTS, at, objects_seen=len(fetched))
        return SyncResult(ACCOUNT_OBJECTS, len(fetched), written, 0, at)


class ChargeSync:
    """Backfills the charges (and the refunds they carry) only.

    The process tests use it; the app's regular sync is ``AccountSync``.
    """

    def __init__(
        self, client: OpnClient, engine: Engine, **options: Unpack[BackfillOptions]
    ) -> None:
        self._engine = engine
        self._backfill = Backfill(client, engine, LIST_RESOURCES[0], **options)

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
