"""The Opn API client: one method per endpoint the app reads.

Requests, retries and paging live in ``transport``; this module names the
endpoints and the parser of each answer. Any other path can be read with
``get_object``, ``list_path`` and ``iter_path``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any, TypedDict, Unpack

from opn_desk.services.api.customers import (
    Card,
    Customer,
    parse_card,
    parse_customer,
)
from opn_desk.services.api.disputes import (
    BUCKETS,
    Dispute,
    DisputeDocument,
    parse_dispute,
    parse_document,
)
from opn_desk.services.api.ledger import (
    Balance,
    Capability,
    Transaction,
    parse_balance,
    parse_capability,
    parse_transaction,
)
from opn_desk.services.api.objects import (
    Account,
    Charge,
    Event,
    Page,
    parse_account,
    parse_charge,
    parse_event,
)
from opn_desk.services.api.refunds import Refund, parse_refund
from opn_desk.services.api.schedules import (
    Occurrence,
    Schedule,
    parse_occurrence,
    parse_schedule,
)
from opn_desk.services.api.transport import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    MAX_PAGE_SIZE,
    Transport,
    object_path,
)

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BASE_URL",
    "MAX_PAGE_SIZE",
    "OpnClient",
    "Walk",
    "Window",
]


class Window(TypedDict, total=False):
    """The list parameters: a created-time window and a page of it."""

    from_: datetime | None
    to: datetime | None
    offset: int
    limit: int
    order: str


class Walk(TypedDict, total=False):
    """The parameters of a walk over every page of a list."""

    from_: datetime | None
    to: datetime | None
    order: str
    page_size: int


class OpnClient(Transport):
    """A connection to the Opn API (or the local sandbox) with one secret key.

    Use it as a context manager, or call ``close()``. Each call is one
    blocking HTTP request, so none may run on the GUI thread.
    """

    # Account

    def get_account(self) -> Account:
        """The account the key belongs to (``GET /account``)."""
        parse = partial(parse_account, livemode_hint=self.livemode)
        return self.get_object("/account", parse)

    def get_balance(self) -> Balance:
        """The account's balance (``GET /balance``)."""
        return self.get_object("/balance", parse_balance)

    def get_capability(self) -> Capability:
        """Payment methods, banks and limits (``GET /capability``)."""
        return self.get_object("/capability", parse_capability)

    # Charges and refunds

    def get_charge(self, charge_id: str) -> Charge:
        """One charge by id (``GET /charges/{id}``)."""
        return self.get_object(object_path("charges", charge_id), parse_charge)

    def list_charges(self, **window: Unpack[Window]) -> Page[Charge]:
        """One page of charges created in [from_, to] (``GET /charges``)."""
        return self.list_path("/charges", parse_charge, **window)

    def iter_charges(self, **walk: Unpack[Walk]) -> Iterator[Charge]:
        """Every charge in a created-time window, page after page."""
        return self.iter_path("/charges", parse_charge, **walk)

    def list_refunds(self, **window: Unpack[Window]) -> Page[Refund]:
        """One page of the account's refunds (``GET /refunds``)."""
        return self.list_path("/refunds", parse_refund, **window)

    def list_charge_refunds(
        self, charge_id: str, **window: Unpack[Window]
    ) -> Page[Refund]:
        """One page of a charge's refunds (``GET /charges/{id}/refunds``)."""
        path = object_path("charges", charge_id, "refunds")
        parse = partial(parse_refund, charge_id=charge_id)
        return self.list_path(path, parse, **window)

    def iter_charge_refunds(
        self, charge_id: str, **walk: Unpack[Walk]
    ) -> Iterator[Refund]:
        """Every refund of a charge, page after page."""
        path = object_path("charges", charge_id, "refunds")
        parse = partial(parse_refund, charge_id=charge_id)
        return self.iter_path(path, parse, **walk)

    def create_refund(
        self, charge_id: str, *, amount: int, metadata: dict[str, str]
    ) -> Refund:
        """Refund ``amount`` of a charge (``POST /charges/{id}/refunds``).

        Sent once; see ``write_json``.
        """
        path = object_path("charges", charge_id, "refunds")
        raw = self.write_json("POST", path, {"amount": amount, "metadata": metadata})
        return parse_refund(raw, charge_id=charge_id)

    def capture_charge(
        self, charge_id: str, *, capture_amount: int | None = None
    ) -> Charge:
        """Capture an authorization, in part when ``capture_amount`` is given."""
        body = {} if capture_amount is None else {"capture_amount": capture_amount}
        path = object_path("charges", charge_id, "capture")
        return parse_charge(self.write_json("POST", path, body))

    def reverse_charge(self, charge_id: str) -> Charge:
        """Release an uncaptured authorization (``POST /charges/{id}/reverse``)."""
        path = object_path("charges", charge_id, "reverse")
        return parse_charge(self.write_json("POST", path))

    def get_refund(self, charge_id: str, refund_id: str) -> Refund:
        """One refund (``GET /charges/{charge}/refunds/{refund}``)."""
        path = object_path("charges", charge_id, "refunds", refund_id)
        return self.get_object(path, partial(parse_refund, charge_id=charge_id))

    # Disputes and their documents

    def list_disputes(
        self, bucket: str | None = None, **window: Unpack[Window]
    ) -> Page[Dispute]:
        """One page of disputes: all, or one bucket (open, pending, closed).

        ``closed`` holds the disputes that were won or lost.
        """
        if bucket is not None and bucket not in BUCKETS:
            raise ValueError(f"bucket must be one of {BUCKETS}, not {bucket!r}")
        path = f"/disputes/{bucket}" if bucket else "/disputes"
        return self.list_path(path, parse_dispute, **window)

    def get_dispute(self, dispute_id: str) -> Dispute:
        """One dispute by id (``GET /disputes/{id}``)."""
        return self.get_object(object_path("disputes", dispute_id), parse_dispute)

    def list_documents(
        self, dispute_id: str, **window: Unpack[Window]
    ) -> Page[DisputeDocument]:
        """One page of a dispute's documents (``GET /disputes/{id}/documents``)."""
        path = object_path("disputes", dispute_id, "documents")
        parse = partial(parse_document, dispute_id=dispute_id)
        return self.list_path(path, parse, **window)

    def get_document(self, dispute_id: str, document_id: str) -> DisputeDocument:
        """One evidence document of a dispute."""
        path = object_path("disputes", dispute_id, "documents", document_id)
        return self.get_object(path, partial(parse_document, dispute_id=dispute_id))

    def iter_documents(
        self, dispute_id: str, **walk: Unpack[Walk]
    ) -> Iterator[DisputeDocument]:
        """Every document of a dispute, page after page."""
        path = object_path("disputes", dispute_id, "documents")
        parse = partial(parse_document, dispute_id=dispute_id)
        return self.iter_path(path, parse, **walk)

    def update_dispute(
        self,
        dispute_id: str,
        *,
        message: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Dispute:
        """Answer a dispute with ``message`` and/or set its metadata.

        ``PATCH /disputes/{id}``; sent once, see ``write_json``.
        """
        body: dict[str, object] = {}
        if message is not None:
            body["message"] = message
        if metadata is not None:
            body["metadata"] = metadata
        path = object_path("disputes", dispute_id)
        return parse_dispute(self.write_json("PATCH", path, body))

    def accept_dispute(self, dispute_id: str) -> Dispute:
        """Concede a dispute (``PATCH /disputes/{id}/accept``); sent once."""
        path = object_path("disputes", dispute_id, "accept")
        return parse_dispute(self.write_json("PATCH", path))

    def upload_document(
        self, dispute_id: str, filename: str, data: bytes, content_type: str
    ) -> DisputeDocument:
        """Upload an evidence file (``POST /disputes/{id}/documents``).

        Multipart, the file in field ``file``; sent once.
        """
        path = object_path("disputes", dispute_id, "documents")
        files = {"file": (filename, data, content_type)}
        raw = self.write_json("POST", path, files=files)
        return parse_document(raw, dispute_id=dispute_id)

    # Schedules and occurrences

    def list_schedules(self, **window: Unpack[Window]) -> Page[Schedule]:
        """One page of every schedule (``GET /schedules``)."""
        return self.list_path("/schedules", parse_schedule, **window)

    def get_schedule(self, schedule_id: str) -> Schedule:
        """One schedule by id (``GET /schedules/{id}``)."""
        path = object_path("schedules", schedule_id)
        return self.get_object(path, parse_schedule)

    def list_occurrences(
        self, schedule_id: str, **window: Unpack[Window]
    ) -> Page[Occurrence]:
        """One page of a schedule's occurrences."""
        path = object_path("schedules", schedule_id, "occurrences")
        parse = partial(parse_occurrence, schedule_id=schedule_id)
        return self.list_path(path, parse, **window)

    def iter_schedules(self, **walk: Unpack[Walk]) -> Iterator[Schedule]:
        """Every schedule, page after page."""
        return self.iter_path("/schedules", parse_schedule, **walk)

    def create_schedule(self, body: dict[str, Any]) -> Schedule:
        """Create a schedule from a request body (``POST /schedules``).

        ``body`` holds ``every``, ``period``, ``on``, ``start_date``,
        ``end_date`` and ``charge``. Sent once; see ``write_json``.
        """
        return parse_schedule(self.write_json("POST", "/schedules", body))

    def delete_schedule(self, schedule_id: str) -> Schedule:
        """Stop a schedule for good (``DELETE /schedules/{id}``), once."""
        path = object_path("schedules", schedule_id)
        return parse_schedule(self.write_json("DELETE", path))

    def get_occurrence(self, occurrence_id: str) -> Occurrence:
        """One occurrence by id (``GET /occurrences/{id}``)."""
        path = object_path("occurrences", occurrence_id)
        return self.get_object(path, parse_occurrence)

    # Customers and cards

    def list_customers(self, **window: Unpack[Window]) -> Page[Customer]:
        """One page of customers (``GET /customers``)."""
        return self.list_path("/customers", parse_customer, **window)

    def get_customer(self, customer_id: str) -> Customer:
        """One customer by id, with its cards (``GET /customers/{id}``)."""
        path = object_path("customers", customer_id)
        return self.get_object(path, parse_customer)

    def list_cards(self, customer_id: str, **window: Unpack[Window]) -> Page[Card]:
        """One page of a customer's cards (``GET /customers/{id}/cards``)."""
        path = object_path("customers", customer_id, "cards")
        parse = partial(parse_card, customer_id=customer_id)
        return self.list_path(path, parse, **window)

    def get_card(self, customer_id: str, card_id: str) -> Card:
        """One card of a customer."""
        path = object_path("customers", customer_id, "cards", card_id)
        return self.get_object(path, partial(parse_card, customer_id=customer_id))

    # Balance transactions and events

    def list_transactions(self, **window: Unpack[Window]) -> Page[Transaction]:
        """One page of balance transactions (``GET /transactions``)."""
        return self.list_path("/transactions", parse_transaction, **window)

    def get_transaction(self, transaction_id: str) -> Transaction:
        """One balance transaction by id (``GET /transactions/{id}``)."""
        path = object_path("transactions", transaction_id)
        return self.get_object(path, parse_transaction)

    def get_event(self, event_id: str) -> Event:
        """One event by id (``GET /events/{id}``)."""
        return self.get_object(object_path("events", event_id), parse_event)

    def list_events(self, **window: Unpack[Window]) -> Page[Event]:
        """One page of events created in [from_, to] (``GET /events``)."""
        return self.list_path("/events", parse_event, **window)

    def iter_events(self, **walk: Unpack[Walk]) -> Iterator[Event]:
        """Every event in a created-time window, page after page."""
        return self.iter_path("/events", parse_event, **walk)
