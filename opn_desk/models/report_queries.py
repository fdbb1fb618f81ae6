"""The SQL of charge reports: grouped figures, charge details, saved reports.

A report covers the charges created in a span of time. Each charge adds:

* gross: what was captured (the captured amount, else the amount) when the
  charge is paid, else nothing;
* refunded: the charge's refunded amount as known now;
* fee and VAT: from the charge's balance transaction when the cache holds
  one with a fee, else the fee the charge itself reports;
* disputed: the amount of its disputes.

The database does every sum; currency is always part of the group, so
amounts of different currencies are never added together. A group value
of NULL means the charge has no value there (no such metadata key, no card
brand); the service shows it as "(none)".
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime
from opn_desk.models.charge_index import ChargeMetadataEntry
from opn_desk.models.charges import ChargeRecord
from opn_desk.models.ledger import BalanceTransactionRecord
from opn_desk.models.payments import DisputeRecord

DETAIL_BATCH_ROWS = 2_000


class SavedReportRecord(Base):
    """A report definition the clerk saved under a name (local only)."""

    __tablename__ = "saved_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Column(enum.Enum):
    """A promoted column of charges a report can group on."""

    PAYMENT_METHOD = "payment_method"
    CARD_BRAND = "card_brand"
    CURRENCY = "currency"
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class ByColumn:
    """Group on a column of charges."""

    column: Column


@dataclass(frozen=True, slots=True)
class ByMetadata:
    """Group on the value of one metadata key."""

    key: str


@dataclass(frozen=True, slots=True)
class ByTime:
    """Group on spans of time: ``ends[i]`` is where span ``i`` stops.

    The spans follow each other from the report's start, so a charge falls
    in the first span whose end is after its creation; the group value is
    the span's index as text ("0", "1"...).
    """

    ends: tuple[datetime, ...]


Grouping = ByColumn | ByMetadata | ByTime


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """The sums of one group of charges, in the smallest unit of ``currency``."""

    currency: str
    values: tuple[str | None, ...]
    charges: int
    paid_charges: int
    gross: int
    refunded: int
    fee: int
    fee_vat: int
    disputed: int


@dataclass(frozen=True, slots=True)
class ChargeDetail:
    """One charge of a report, with its figures and chosen metadata."""

    id: str
    created_at: datetime
    status: str
    currency: str
    amount: int
    gross: int
    refunded: int
    fee: int
    fee_vat: int
    disputed: int
    payment_method: str
    card_brand: str | None
    description: str | None
    metadata: tuple[str | None, ...]


def report_groups(
    session: Session,
    start: datetime,
    end: datetime,
    groupings: Sequence[Grouping],
) -> list[GroupFigures]:
    """The figures of charges created in [start, end), per currency and group.

    Groups come out ordered by currency, then by their values.
    """
    per_charge = _per_charge(start, end, groupings).subquery("per_charge")
    keys = [per_charge.c.currency] + [
        per_charge.c[f"g{number}"] for number in range(len(groupings))
    ]
    statement = (
        select(
            *keys,
            func.count(),
            func.sum(per_charge.c.paid),
            func.sum(per_charge.c.gross),
            func.sum(per_charge.c.refunded),
            func.sum(per_charge.c.fee),
            func.sum(per_charge.c.fee_vat),
            func.sum(per_charge.c.disputed),
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    return [_figures(row, len(groupings)) for row in session.execute(statement)]


def report_details(
    session: Session,
    start: datetime,
    end: datetime,
    metadata_keys: Sequence[str],
) -> Iterator[ChargeDetail]:
    """Every charge created in [start, end), oldest first, streamed."""
    fees, disputes = _fees_subquery(), _disputes_subquery()
    entries = [aliased(ChargeMetadataEntry) for _ in metadata_keys]
    statement = select(
        ChargeRecord.id,
        ChargeRecord.created_at,
        ChargeRecord.status,
        ChargeRecord.currency,
        ChargeRecord.amount,
        *_figures_columns(fees, disputes),
        ChargeRecord.payment_method,
        ChargeRecord.card_brand,
        ChargeRecord.description,
        *(entry.value for entry in entries),
    )
    statement = _joined(statement, fees, disputes)
    for entry, key in zip(entries, metadata_keys, strict=True):
        statement = statement.outerjoin(
            entry, and_(entry.charge_id == ChargeRecord.id, entry.key == key)
        )
    statement = statement.where(*_period(start, end)).order_by(
        ChargeRecord.created_at, ChargeRecord.id
    )
    result = session.execute(statement.execution_options(yield_per=DETAIL_BATCH_ROWS))
    for row in result:
        yield _detail(row)


def count_report_charges(session: Session, start: datetime, end: datetime) -> int:
    """How many charges a report over [start, end) covers."""
    statement = select(func.count()).select_from(ChargeRecord)
    return session.scalar(statement.where(*_period(start, end))) or 0


# The per-charge select ----------------------------------------------------


def _per_charge(
    start: datetime, end: datetime, groupings: Sequence[Grouping]
) -> Select[Any]:
    """One row per charge: its currency, group values and figures."""
    entries: list[tuple[Any, str]] = []
    values: list[ColumnElement[Any]] = []
    for number, grouping in enumerate(groupings):
        value, entry = _group_value(grouping)
        values.append(value.label(f"g{number}"))
        if entry is not None and isinstance(grouping, ByMetadata):
            entries.append((entry, grouping.key))
    paid = case((ChargeRecord.paid.is_(True), 1), else_=0).label("paid")
    fees, disputes = _fees_subquery(), _disputes_subquery()
    figures = _figures_columns(fees, disputes)
    statement = select(ChargeRecord.currency, *values, paid, *figures)
    statement = _joined(statement, fees, disputes)
    for entry, key in entries:
        statement = statement.outerjoin(
            entry, and_(entry.charge_id == ChargeRecord.id, entry.key == key)
        )
    return statement.where(*_period(start, end))


def _group_value(grouping: Grouping) -> tuple[ColumnElement[Any], Any]:
    if isinstance(grouping, ByColumn):
        column: ColumnElement[Any] = getattr(ChargeRecord, grouping.column.value)
        return column, None
    if isinstance(grouping, ByMetadata):
        entry = aliased(ChargeMetadataEntry)
        value: ColumnElement[Any] = entry.value.expression
        return value, entry
    whens = [
        (ChargeRecord.created_at < end, literal(str(index)))
        for index, end in enumerate(grouping.ends)
    ]
    return case(*whens, else_=None), None


def _figures_columns(fees: Any, disputes: Any) -> list[ColumnElement[Any]]:
    """gross, refunded, fee, fee_vat and disputed of one charge."""
    is_paid = ChargeRecord.paid.is_(True)
    taken = func.coalesce(
        func.nullif(ChargeRecord.captured_amount, 0), ChargeRecord.amount
    )
    own_fee = ChargeRecord.raw["fee"].as_integer()
    own_vat = ChargeRecord.raw["fee_vat"].as_integer()
    return [
        case((is_paid, taken), else_=0).label("gross"),
        ChargeRecord.refunded_amount.label("refunded"),
        case((is_paid, func.coalesce(fees.c.fee, own_fee, 0)), else_=0).label("fee"),
        case((is_paid, func.coalesce(fees.c.fee_vat, own_vat, 0)), else_=0).label(
            "fee_vat"
        ),
        func.coalesce(disputes.c.disputed, 0).label("disputed"),
    ]


def _joined(statement: Select[Any], fees: Any, disputes: Any) -> Select[Any]:
    return (
        statement.select_from(ChargeRecord)
        .outerjoin(fees, fees.c.origin_id == ChargeRecord.id)
        .outerjoin(disputes, disputes.c.charge_id == ChargeRecord.id)
    )


def _fees_subquery() -> Any:
    """Fee and VAT per charge from its credited balance transactions."""
    record = BalanceTransactionRecord
    return (
        select(
            record.origin_id,
            func.sum(record.fee).label("fee"),
            func.sum(record.fee_vat).label("fee_vat"),
        )
        .where(record.direction == "credit", record.origin_id.is_not(None))
        .group_by(record.origin_id)
        .subquery("charge_fees")
    )


def _disputes_subquery() -> Any:
    record = DisputeRecord
    return (
        select(record.charge_id, func.sum(record.amount).label("disputed"))
        .where(record.deleted.is_(False), record.charge_id.is_not(None))
        .group_by(record.charge_id)
        .subquery("charge_disputes")
    )


def _period(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [
        ChargeRecord.deleted.is_(False),
        ChargeRecord.created_at >= start,
        ChargeRecord.created_at < end,
    ]


def _detail(row: Any) -> ChargeDetail:
    (charge_id, created_at, status, currency, amount) = row[:5]
    gross, refunded, fee, fee_vat, disputed = (int(v or 0) for v in row[5:10])
    payment_method, card_brand, description = row[10:13]
    return ChargeDetail(
        charge_id, created_at, status, currency, amount,
        gross, refunded, fee, fee_vat, disputed,
        payment_method, card_brand, description, tuple(row[13:]),
    )  # fmt: skip


def _figures(row: Any, groups: int) -> GroupFigures:
    sums = [int(value or 0) for value in row[1 + groups :]]
    return GroupFigures(
        row[0],
        tuple(None if value is None else str(value) for value in row[1 : 1 + groups]),
        *sums,
    )
