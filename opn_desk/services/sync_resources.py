"""The list resources the sync copies, declared as data, in sync order.

Each is a ``ListResource``: a name (its sync-state key), how to fetch one
page of a created-time window, and how to store what came. A dispute,
schedule or customer embeds only the first page of its documents,
occurrences or cards; when that page is not all of them, the rest is
listed from the child endpoint by the same worker that fetched the page,
so the number of requests in flight stays within the pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from opn_desk.services import stores
from opn_desk.services.api import (
    MAX_PAGE_SIZE,
    Customer,
    Dispute,
    NotFound,
    OpnClient,
    Page,
    Schedule,
)
from opn_desk.services.backfill import Identified, ListPage, ListResource

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=Identified)
C = TypeVar("C")
P = TypeVar("P", Dispute, Schedule, Customer)

CHARGES = "charges"
REFUNDS = "refunds"
DISPUTES = "disputes"
SCHEDULES = "schedules"
CUSTOMERS = "customers"
TRANSACTIONS = "transactions"
EVENTS = "events"


def every_item(list_page: Callable[..., Page[C]]) -> list[C]:
    """Every item of a (small) list, following ``offset`` to the end."""
    items: list[C] = []
    while True:
        page = list_page(offset=len(items), limit=MAX_PAGE_SIZE)
        items.extend(page.data)
        if not page.data or len(items) >= page.total:
            return items


def with_documents(client: OpnClient, dispute: Dispute) -> Dispute:
    """The dispute with every one of its documents."""
    return _with_children(
        dispute,
        "documents",
        dispute.documents_complete,
        lambda **window: client.list_documents(dispute.id, **window),
    )


def with_occurrences(client: OpnClient, schedule: Schedule) -> Schedule:
    """The schedule with every one of its occurrences."""
    return _with_children(
        schedule,
        "occurrences",
        schedule.occurrences_complete or schedule.deleted,
        lambda **window: client.list_occurrences(schedule.id, **window),
    )


def with_cards(client: OpnClient, customer: Customer) -> Customer:
    """The customer with every one of its cards."""
    return _with_children(
        customer,
        "cards",
        customer.cards_complete,
        lambda **window: client.list_cards(customer.id, **window),
    )


def _with_children(
    parent: P, field: str, complete: bool, list_page: Callable[..., Page[Any]]
) -> P:
    """``parent`` with its list ``field`` completed, unless it was already.

    A parent that vanished while its children were listed (a 404) is kept
    as it came.
    """
    if complete:
        return parent
    try:
        children = every_item(list_page)
    except NotFound:
        logger.info("A parent vanished while its %s were listed", field)
        return parent
    changes: dict[str, Any] = {field: tuple(children), f"{field}_complete": True}
    return replace(parent, **changes)


def _windowed(
    list_method: Callable[..., Page[T]],
    complete: Callable[[OpnClient, T], T] | None = None,
) -> ListPage[T]:
    """A ``ListPage`` over a client method taking the window parameters."""

    def list_page(
        client: OpnClient,
        start: datetime | None,
        end: datetime | None,
        offset: int,
        limit: int,
    ) -> Page[T]:
        page = list_method(client, from_=start, to=end, offset=offset, limit=limit)
        if complete is None:
            return page
        return replace(page, data=[complete(client, item) for item in page.data])

    return list_page


# Charges first: they are what the clerks look at. Events last, so the
# feed that follows starts from a copied history.
LIST_RESOURCES: tuple[ListResource[Any], ...] = (
    ListResource(
        CHARGES,
        _windowed(OpnClient.list_charges),
        stores.store_charges,
        stores.prepare_charges,
    ),
    ListResource(REFUNDS, _windowed(OpnClient.list_refunds), stores.store_refunds),
    ListResource(
        DISPUTES,
        _windowed(OpnClient.list_disputes, with_documents),
        stores.store_disputes,
    ),
    ListResource(
        SCHEDULES,
        _windowed(OpnClient.list_schedules, with_occurrences),
        stores.store_schedules,
    ),
    ListResource(
        CUSTOMERS,
        _windowed(OpnClient.list_customers, with_cards),
        stores.store_customers,
    ),
    ListResource(
        TRANSACTIONS,
        _windowed(OpnClient.list_transactions),
        stores.store_transactions,
    ),
    ListResource(EVENTS, _windowed(OpnClient.list_events), stores.store_events),
)
