"""Reading refunds across charges from the cache, filtered and paged.

Results are plain frozen values, never ORM objects, so that they can be
handed from the database worker to the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from opn_desk.models.payments import RefundRecord

# Metadata keys opn-desk writes on the refunds it makes.
REASON_KEY = "opn_desk_reason"
NOTE_KEY = "opn_desk_note"
OPERATION_KEY = "opn_desk_operation"


@dataclass(frozen=True, slots=True)
class RefundFilter:
    """What the Refunds tab shows; an empty field does not filter.

    ``first_day`` and ``last_day`` are calendar days in ``timezone`` (the
    profile's), both included: a Bangkok day starts at 17:00 UTC the day
    before. ``search`` matches part of a refund id or a charge id.
    """

    status: str | None = None
    voided: bool | None = None
    currency: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    timezone: str = "UTC"
    search: str = ""


@dataclass(frozen=True, slots=True)
class RefundListItem:
    """What one row of the Refunds tab shows; ``amount`` in smallest units."""

    id: str
    charge_id: str
    created_at: datetime
    amount: int
    currency: str
    voided: bool
    status: str
    reason: str | None
    note: str | None
    operation_id: str | None


@dataclass(frozen=True, slots=True)
class RefundChoices:
    """The values the Refunds tab's filters can pick from."""

    statuses: tuple[str, ...]
    currencies: tuple[str, ...]


def count_refunds(session: Session, refund_filter: RefundFilter) -> int:
    """How many refunds match ``refund_filter``."""
    statement = select(func.count()).select_from(RefundRecord)
    statement = statement.where(_matching(refund_filter))
    return int(session.scalar(statement) or 0)


def refund_page(
    session: Session, refund_filter: RefundFilter, offset: int, limit: int
) -> list[RefundListItem]:
    """One page of matching refunds, newest first."""
    statement = (
        _list_columns()
        .where(_matching(refund_filter))
        .order_by(RefundRecord.created_at.desc(), RefundRecord.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_list_item(row) for row in session.execute(statement)]


def refund_choices(session: Session) -> RefundChoices:
    """The statuses and currencies the cached refunds have."""
    statuses = session.scalars(
        select(RefundRecord.status).distinct().order_by(RefundRecord.status)
    )
    currencies = session.scalars(
        select(RefundRecord.currency).distinct().order_by(RefundRecord.currency)
    )
    return RefundChoices(tuple(statuses), tuple(currencies))


def local_days_in_utc(
    first_day: date | None, last_day: date | None, timezone: str
) -> tuple[datetime | None, datetime | None]:
    """The UTC start of ``first_day`` and end of ``last_day`` (excluded)."""
    zone = ZoneInfo(timezone)
    start = _start_of(first_day, zone) if first_day else None
    end = _start_of(last_day + timedelta(days=1), zone) if last_day else None
    return start, end


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _matching(refund_filter: RefundFilter) -> ColumnElement[bool]:
    record = RefundRecord
    conditions: list[ColumnElement[bool]] = []
    if refund_filter.status:
        conditions.append(record.status == refund_filter.status)
    if refund_filter.voided is not None:
        conditions.append(record.voided == refund_filter.voided)
    if refund_filter.currency:
        conditions.append(record.currency == refund_filter.currency)
    start, end = local_days_in_utc(
        refund_filter.first_day, refund_filter.last_day, refund_filter.timezone
    )
    if start is not None:
        conditions.append(record.created_at >= start)
    if end is not None:
        conditions.append(record.created_at < end)
    search = refund_filter.search.strip()
    if search:
        conditions.append(
            or_(
                record.id.icontains(search, autoescape=True),
                record.charge_id.icontains(search, autoescape=True),
            )
        )
    return and_(true(), *conditions)


def _list_columns() -> Select[Any]:
    return select(
        RefundRecord.id,
        RefundRecord.charge_id,
        RefundRecord.created_at,
        RefundRecord.amount,
        RefundRecord.currency,
        RefundRecord.voided,
        RefundRecord.status,
        RefundRecord.refund_metadata,
    )


def _list_item(row: Any) -> RefundListItem:
    metadata = row.refund_metadata if isinstance(row.refund_metadata, dict) else {}
    return RefundListItem(
        id=row.id,
        charge_id=row.charge_id,
        created_at=row.created_at,
        amount=row.amount,
        currency=row.currency,
        voided=bool(row.voided),
        status=row.status,
        reason=_text_or_none(metadata.get(REASON_KEY)),
        note=_text_or_none(metadata.get(NOTE_KEY)),
        operation_id=_text_or_none(metadata.get(OPERATION_KEY)),
    )


def _text_or_none(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
