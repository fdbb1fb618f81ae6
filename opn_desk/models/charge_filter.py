"""What the Transactions tab filters charges on, and its SQL conditions.

A ``ChargeFilter`` is plain data: the view builds it, a saved filter keeps
it as JSON, and ``charge_conditions`` turns it into the WHERE clause that
both the row count and every page use, so the two always agree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from opn_desk.models.charge_index import ChargeMetadataEntry
from opn_desk.models.charge_search import IdLookup, search_lookup
from opn_desk.models.charges import ChargeRecord


class RefundState(enum.Enum):
    """How much of a charge has been given back."""

    NOT_REFUNDED = "not_refunded"
    PARTLY_REFUNDED = "partly_refunded"
    FULLY_REFUNDED = "fully_refunded"


class FilterError(ValueError):
    """A filter that cannot be applied; ``reason`` names what is wrong.

    Reasons: ``amount_without_currency``, ``amount_range_reversed``,
    ``date_range_reversed``, ``negative_amount``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ChargeFilter:
    """Conditions a charge must all meet; an empty field means "any".

    Dates are days in the profile's time zone, both ends included.
    Amounts are in the smallest unit of ``currency``, both ends included,
    and need a currency: 100 means one baht but a hundred yen.
    """

    text: str = ""
    statuses: tuple[str, ...] = ()
    payment_methods: tuple[str, ...] = ()
    currency: str | None = None
    card_brands: tuple[str, ...] = ()
    created_from: date | None = None
    created_to: date | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    refund_state: RefundState | None = None
    disputed: bool | None = None
    metadata: tuple[tuple[str, str], ...] = field(default=())
    include_deleted: bool = False

    def __post_init__(self) -> None:
        amounts = [a for a in (self.amount_min, self.amount_max) if a is not None]
        if amounts and self.currency is None:
            raise FilterError("amount_without_currency")
        if any(amount < 0 for amount in amounts):
            raise FilterError("negative_amount")
        if len(amounts) == 2 and amounts[0] > amounts[1]:
            raise FilterError("amount_range_reversed")
        if (
            self.created_from is not None
            and self.created_to is not None
            and self.created_from > self.created_to
        ):
            raise FilterError("date_range_reversed")

    def is_empty(self) -> bool:
        """True when the filter lets every live charge through."""
        return self == ChargeFilter()

    def with_changes(self, **changes: Any) -> ChargeFilter:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The filter as a JSON object; fields left at "any" are omitted."""
        document: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value == item.default:
                continue
            document[item.name] = _json_value(value)
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> ChargeFilter:
        """Read a filter written by ``to_json``; unknown keys are ignored.

        Raises:
            FilterError: when the stored filter is no longer valid.
            ValueError, TypeError: when the document is malformed.
        """
        known = {item.name for item in fields(cls)}
        values = {k: _field_value(k, v) for k, v in document.items() if k in known}
        return cls(**values)


def charge_conditions(
    charge_filter: ChargeFilter, zone: tzinfo, dialect: str
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``charge_filter`` over ``charges``.

    ``zone`` is the profile's time zone, in which the date range's days
    begin and end; ``dialect`` picks the text search ("sqlite" or
    "postgresql").
    """
    lookups = id_lookups(charge_filter, dialect)
    return [
        *column_conditions(charge_filter, zone),
        *(ChargeRecord.id.in_(lookup.ids()) for lookup in lookups),
    ]


def column_conditions(
    charge_filter: ChargeFilter, zone: tzinfo
) -> list[ColumnElement[bool]]:
    """The conditions on the charge's own columns (all but lookups)."""
    f = charge_filter
    record = ChargeRecord
    conditions: list[ColumnElement[bool]] = []
    if not f.include_deleted:
        conditions.append(record.deleted.is_(False))
    if f.statuses:
        conditions.append(record.status.in_(f.statuses))
    if f.payment_methods:
        conditions.append(record.payment_method.in_(f.payment_methods))
    if f.currency is not None:
        conditions.append(record.currency == f.currency)
    if f.card_brands:
        conditions.append(record.card_brand.in_(f.card_brands))
    conditions.extend(_date_conditions(f, zone))
    if f.amount_min is not None:
        conditions.append(record.amount >= f.amount_min)
    if f.amount_max is not None:
        conditions.append(record.amount <= f.amount_max)
    if f.refund_state is not None:
        conditions.append(_refund_condition(f.refund_state))
    if f.disputed is not None:
        disputed = record.dispute_id.is_not(None)
        conditions.append(disputed if f.disputed else record.dispute_id.is_(None))
    return conditions


def id_lookups(charge_filter: ChargeFilter, dialect: str) -> list[IdLookup]:
    """The ids of charges each metadata pair and the search text find.

    A charge passes the filter only if every one of these holds its id.
    """
    lookups: list[IdLookup] = [
        _metadata_lookup(k, v) for k, v in charge_filter.metadata
    ]
    searched = search_lookup(charge_filter.text, dialect)
    if searched is not None:
        lookups.append(searched)
    return lookups


def local_day_bounds(
    first: date, last: date, zone: tzinfo
) -> tuple[datetime, datetime]:
    """The UTC instants where local day ``first`` begins and ``last`` ends.

    The end is exclusive: the first instant of the day after ``last``.
    """
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _date_conditions(f: ChargeFilter, zone: tzinfo) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.created_from is not None:
        start, _ = local_day_bounds(f.created_from, f.created_from, zone)
        conditions.append(ChargeRecord.created_at >= start)
    if f.created_to is not None:
        _, end = local_day_bounds(f.created_to, f.created_to, zone)
        conditions.append(ChargeRecord.created_at < end)
    return conditions


def _refund_condition(state: RefundState) -> ColumnElement[bool]:
    """Refunded against what was taken: the captured amount when known."""
    record = ChargeRecord
    refunded = record.refunded_amount
    taken = func.coalesce(func.nullif(record.captured_amount, 0), record.amount)
    if state is RefundState.NOT_REFUNDED:
        return refunded == 0
    if state is RefundState.PARTLY_REFUNDED:
        return and_(refunded > 0, refunded < taken)
    return and_(refunded > 0, refunded >= taken)


def _metadata_lookup(key: str, value: str) -> IdLookup:
    entry = ChargeMetadataEntry
    found = select(entry.charge_id).where(entry.key == key, entry.value == value)
    return IdLookup((found,))


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    return value


def _field_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in {"created_from", "created_to"}:
        return date.fromisoformat(str(value))
    if name == "refund_state":
        return RefundState(value)
    if name == "metadata":
        return tuple((str(k), str(v)) for k, v in value)
    if name in {"statuses", "payment_methods", "card_brands"}:
        return tuple(str(item) for item in value)
    if name in {"amount_min", "amount_max"}:
        return _whole_number(value)
    if name in {"disputed", "include_deleted"}:
        return bool(value)
    return str(value)


def _whole_number(value: Any) -> int:
    """An amount read back from JSON: an integer, never a float."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"amount must be an integer, not {value!r}")
    return value
