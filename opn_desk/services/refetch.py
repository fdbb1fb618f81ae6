"""Fetching objects again by id, a few at a time, and writing what came back.

The event feed and the rescan both name objects that may have changed (a
``Target``); each is fetched from its own endpoint, never trusted from an
event's copy. An object the API no longer has (404) becomes a tombstone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from opn_desk.models.upsert import mark_deleted
from opn_desk.services import stores
from opn_desk.services.api import NotFound, OpnClient
from opn_desk.services.backfill import (
    MAX_IN_FLIGHT,
    CancelCheck,
    StoreRows,
    SyncCancelled,
)
from opn_desk.services.sync_resources import (
    with_cards,
    with_documents,
    with_occurrences,
)

logger = logging.getLogger(__name__)

_POLL_S = 0.2


@dataclass(frozen=True, slots=True)
class Target:
    """An object to fetch again: its kind (``charge``...), id, and parent.

    ``parent_id`` is needed where the API only serves the object under its
    parent: a refund under its charge.
    """

    kind: str
    object_id: str
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Kind:
    """How to fetch one kind of object by id, store it, and tombstone it."""

    fetch: Callable[[OpnClient, Target], Any]
    store: StoreRows[Any]
    table: Table


def _refund(client: OpnClient, target: Target) -> Any:
    if target.parent_id is None:
        raise ValueError(f"refund {target.object_id} needs its charge")
    return client.get_refund(target.parent_id, target.object_id)


KINDS: dict[str, Kind] = {
    "charge": Kind(
        lambda c, t: c.get_charge(t.object_id), stores.store_charges, stores.CHARGES
    ),
    "refund": Kind(_refund, stores.store_refunds, stores.REFUNDS),
    "dispute": Kind(
        lambda c, t: with_documents(c, c.get_dispute(t.object_id)),
        stores.store_disputes,
        stores.DISPUTES,
    ),
    "schedule": Kind(
        lambda c, t: with_occurrences(c, c.get_schedule(t.object_id)),
        stores.store_schedules,
        stores.SCHEDULES,
    ),
    "occurrence": Kind(
        lambda c, t: c.get_occurrence(t.object_id),
        stores.store_occurrences,
        stores.OCCURRENCES,
    ),
    "customer": Kind(
        lambda c, t: with_cards(c, c.get_customer(t.object_id)),
        stores.store_customers,
        stores.CUSTOMERS,
    ),
    "transaction": Kind(
        lambda c, t: c.get_transaction(t.object_id),
        stores.store_transactions,
        stores.TRANSACTIONS,
    ),
}


@dataclass(frozen=True, slots=True)
class Fetched:
    """A target and what the API answered: the object, or None for a 404."""

    target: Target
    found: Any | None


def refetch(
    client: OpnClient,
    targets: Iterable[Target],
    in_flight: int,
    cancelled: CancelCheck,
) -> list[Fetched]:
    """Fetch every target again, ``in_flight`` requests at most at once.

    Raises:
        SyncCancelled: when ``cancelled`` returns True; nothing is written.
        ApiError: any failure but a 404.
    """
    wanted = [t for t in dict.fromkeys(targets) if t.kind in KINDS]
    if not wanted:
        return []
    workers = max(1, min(in_flight, MAX_IN_FLIGHT))
    with ThreadPoolExecutor(workers, "opn-refetch") as pool:
        pending = {pool.submit(_fetch_one, client, t): t for t in wanted}
        try:
            return _collect(pending, cancelled)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _collect(
    pending: dict[Future[Fetched], Target], cancelled: CancelCheck
) -> list[Fetched]:
    fetched: list[Fetched] = []
    while pending:
        done, _ = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
        if cancelled():
            raise SyncCancelled()
        for future in done:
            del pending[future]
            fetched.append(future.result())
    return fetched


def _fetch_one(client: OpnClient, target: Target) -> Fetched:
    try:
        return Fetched(target, KINDS[target.kind].fetch(client, target))
    except NotFound:
        logger.info("%s %s is gone upstream", target.kind, target.object_id)
        return Fetched(target, None)


def store_fetched(session: Session, fetched: Sequence[Fetched], at: datetime) -> int:
    """Write what was fetched; tombstone what the API no longer has."""
    found: dict[str, list[Any]] = defaultdict(list)
    gone: dict[str, set[str]] = defaultdict(set)
    for item in fetched:
        if item.found is None:
            gone[item.target.kind].add(item.target.object_id)
        else:
            found[item.target.kind].append(item.found)
    written = 0
    for kind, objects in found.items():
        written += KINDS[kind].store(session, objects, at)
    for kind, ids in gone.items():
        written += mark_deleted(session, KINDS[kind].table, ids, at)
    return written
