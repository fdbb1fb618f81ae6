"""Writing parsed API objects into the cache, with the objects they embed.

Each ``store_*`` takes objects fetched at one moment and upserts them (see
``models.upsert``): a charge brings its refunds, a dispute its documents,
a schedule its occurrences, a customer its cards. Where the embedded list
is known to be complete, a child that the cache holds but the list no
longer names was deleted upstream and becomes a tombstone. Every function
returns the number of rows written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Dialect, Table, select
from sqlalchemy.orm import Session

from opn_desk.models.tables import (
    AccountObjectRecord,
    BalanceTransactionRecord,
    CardRecord,
    ChargeRecord,
    CustomerRecord,
    DisputeDocumentRecord,
    DisputeRecord,
    EventRecord,
    OccurrenceRecord,
    RefundRecord,
    ScheduleRecord,
)
from opn_desk.models.upsert import (
    PreparedUpserts,
    mark_deleted,
    prepare_upsert,
    upsert_rows,
)
from opn_desk.services import rows
from opn_desk.services.api import (
    Charge,
    Customer,
    Dispute,
    Event,
    Occurrence,
    Refund,
    Schedule,
    Transaction,
    embedded_refunds,
)

T = TypeVar("T")


def table_of(record: type[Any]) -> Table:
    return cast(Table, record.__table__)


CHARGES = table_of(ChargeRecord)
REFUNDS = table_of(RefundRecord)
DISPUTES = table_of(DisputeRecord)
DOCUMENTS = table_of(DisputeDocumentRecord)
SCHEDULES = table_of(ScheduleRecord)
OCCURRENCES = table_of(OccurrenceRecord)
CUSTOMERS = table_of(CustomerRecord)
CARDS = table_of(CardRecord)
TRANSACTIONS = table_of(BalanceTransactionRecord)
EVENTS = table_of(EventRecord)
ACCOUNT_OBJECTS = table_of(AccountObjectRecord)


@dataclass(frozen=True, slots=True)
class _Family:
    """A parent table and the child table whose rows name their parent."""

    table: Table
    row: Callable[[Any, datetime], rows.Row]
    child_table: Table
    child_row: Callable[[Any, datetime], rows.Row]
    parent_column: str


_DISPUTE_DOCUMENTS = _Family(
    DISPUTES, rows.dispute_row, DOCUMENTS, rows.document_row, "dispute_id"
)
_SCHEDULE_OCCURRENCES = _Family(
    SCHEDULES, rows.schedule_row, OCCURRENCES, rows.occurrence_row, "schedule_id"
)
_CUSTOMER_CARDS = _Family(
    CUSTOMERS, rows.customer_row, CARDS, rows.card_row, "customer_id"
)


def _upsert(
    session: Session,
    table: Table,
    items: Iterable[T],
    to_row: Callable[[T, datetime], rows.Row],
    at: datetime,
) -> int:
    return upsert_rows(session, table, [to_row(item, at) for item in items])


def store_charges(session: Session, charges: Sequence[Charge], at: datetime) -> int:
    """Charges and the refunds they carry."""
    return prepare_charges(charges, at, session.get_bind().dialect)(session)


def prepare_charges(
    charges: Sequence[Charge], at: datetime, dialect: Dialect
) -> PreparedUpserts:
    """``store_charges`` made ready on this thread, to be written on another."""
    refunds = [r for charge in charges for r in embedded_refunds(charge.raw)]
    return PreparedUpserts(
        (
            prepare_upsert(CHARGES, [rows.charge_row(c, at) for c in charges], dialect),
            prepare_upsert(REFUNDS, [rows.refund_row(r, at) for r in refunds], dialect),
        )
    )


def store_refunds(session: Session, refunds: Sequence[Refund], at: datetime) -> int:
    return _upsert(session, REFUNDS, refunds, rows.refund_row, at)


def store_disputes(session: Session, disputes: Sequence[Dispute], at: datetime) -> int:
    """Disputes, their documents, and tombstones for documents now gone."""
    return _store_family(
        session,
        at,
        _DISPUTE_DOCUMENTS,
        disputes,
        {d.id: (d.documents, d.documents_complete) for d in disputes},
    )


def store_schedules(
    session: Session, schedules: Sequence[Schedule], at: datetime
) -> int:
    """Schedules and their occurrences."""
    return _store_family(
        session,
        at,
        _SCHEDULE_OCCURRENCES,
        schedules,
        {s.id: (s.occurrences, s.occurrences_complete) for s in schedules},
    )


def store_occurrences(
    session: Session, occurrences: Sequence[Occurrence], at: datetime
) -> int:
    return _upsert(session, OCCURRENCES, occurrences, rows.occurrence_row, at)


def store_customers(
    session: Session, customers: Sequence[Customer], at: datetime
) -> int:
    """Customers, their cards, and tombstones for cards now gone.

    A deleted customer's cards went with it, whatever its answer still
    lists.
    """
    return _store_family(
        session,
        at,
        _CUSTOMER_CARDS,
        customers,
        {
            c.id: ((), True) if c.deleted else (c.cards, c.cards_complete)
            for c in customers
        },
    )


def store_transactions(
    session: Session, transactions: Sequence[Transaction], at: datetime
) -> int:
    return _upsert(session, TRANSACTIONS, transactions, rows.transaction_row, at)


def store_events(session: Session, events: Sequence[Event], at: datetime) -> int:
    return _upsert(session, EVENTS, events, rows.event_row, at)


def store_account_object(
    session: Session, kind: str, raw: dict[str, Any], at: datetime
) -> int:
    """The account, balance or capability, as one row keyed by ``kind``."""
    row = rows.account_object_row(kind, raw, at)
    return upsert_rows(session, ACCOUNT_OBJECTS, [row])


def _store_family(
    session: Session,
    at: datetime,
    family: _Family,
    parents: Sequence[Any],
    children: dict[str, tuple[Sequence[Any], bool]],
) -> int:
    """Parents and their children; ``children`` maps a parent's id to its
    children and whether they are all of them.

    A cached child that a complete list no longer names was deleted
    upstream and becomes a tombstone.
    """
    written = _upsert(session, family.table, parents, family.row, at)
    every_child = [child for listed, _ in children.values() for child in listed]
    written += _upsert(session, family.child_table, every_child, family.child_row, at)
    return written + _tombstone_unnamed(session, family, children, at)


def _tombstone_unnamed(
    session: Session,
    family: _Family,
    children: dict[str, tuple[Sequence[Any], bool]],
    at: datetime,
) -> int:
    """Tombstone the live children that their parent's complete list omits."""
    complete = sorted(owner for owner, (_, done) in children.items() if done)
    if not complete:
        return 0
    table = family.child_table
    parent = table.c[family.parent_column]
    live = select(table.c.id, parent).where(
        parent.in_(complete), table.c.deleted.is_(False)
    )
    named = {owner: {c.id for c in listed} for owner, (listed, _) in children.items()}
    gone = {
        child for child, owner in session.execute(live) if child not in named[owner]
    }
    return mark_deleted(session, table, gone, at) if gone else 0
