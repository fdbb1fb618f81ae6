"""Writing charges into the cache and reading filtered pages of them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.charge_index import ChargeMetadataEntry
from opn_desk.models.charge_query import ChargeOrder, plan_query, reversed_order
from opn_desk.models.charges import ChargeRecord
from opn_desk.models.upsert import upsert_rows

__all__ = [
    "ChargeListItem",
    "ChargeOrder",
    "charge_page",
    "count_charges",
    "distinct_charge_values",
    "metadata_keys",
    "metadata_values",
    "reversed_order",
    "upsert_charges",
]

_TABLE = cast(Table, ChargeRecord.__table__)
_PICKER_LIMIT = 500
_PICKER_COLUMNS = {
    "currency": ChargeRecord.currency,
    "payment_method": ChargeRecord.payment_method,
    "card_brand": ChargeRecord.card_brand,
}


def upsert_charges(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or refresh charge rows keyed by id; returns rows written.

    A row is only replaced by a copy fetched at the same time or later, and
    only when its content changed (see ``upsert_rows``).
    """
    return upsert_rows(session, _TABLE, rows)


@dataclass(frozen=True, slots=True)
class ChargeListItem:
    """What one row of the Transactions table shows."""

    id: str
    created_at: datetime
    amount: int
    currency: str
    status: str
    payment_method: str
    description: str | None
    branch: str | None
    campaign: str | None
    refunded_amount: int
    disputed: bool
    card_brand: str | None = None
    card_last_digits: str | None = None
    order_id: str | None = None
    refundable: bool = False
    capturable: bool = False


def count_charges(
    session: Session,
    charge_filter: ChargeFilter | None = None,
    zone: tzinfo = UTC,
) -> int:
    """How many charges ``charge_filter`` lets through (every live one)."""
    query = plan_query(
        session,
        charge_filter or ChargeFilter(),
        zone,
        ChargeOrder.NEWEST_FIRST,
        counting=True,
    )
    rows = query.matching(ChargeRecord.id)
    counted = select(func.count()).select_from(rows.subquery())
    return int(session.scalar(counted) or 0)


def charge_page(
    session: Session,
    order: ChargeOrder,
    offset: int,
    limit: int,
    charge_filter: ChargeFilter | None = None,
    zone: tzinfo = UTC,
    *,
    after: ChargeListItem | None = None,
) -> list[ChargeListItem]:
    """One page of the Transactions table, as plain values.

    The same charges as ``count_charges``, in ``order``, rows ``offset``
    to ``offset + limit``; with ``after``, counted from the row after that
    charge (which must have come from the same filter and order).
    """
    query = plan_query(session, charge_filter or ChargeFilter(), zone, order)
    statement = query.ordered(*_LIST_COLUMNS)
    if after is not None:
        statement = statement.where(
            query.after(after.created_at, after.amount, after.id)
        )
    statement = statement.offset(offset).limit(limit)
    return [_list_item(*row) for row in session.execute(statement)]


def distinct_charge_values(session: Session, column_name: str) -> list[str]:
    """The values seen in an indexed column of charges, for a picker.

    ``column_name`` is one of ``currency``, ``payment_method`` and
    ``card_brand``.
    """
    column = _PICKER_COLUMNS[column_name]
    return _walk_distinct(session, select(func.min(column)), column, _PICKER_LIMIT)


def metadata_keys(session: Session, limit: int = _PICKER_LIMIT) -> list[str]:
    """The metadata keys seen on charges, in order."""
    key = ChargeMetadataEntry.key
    return _walk_distinct(session, select(func.min(key)), key, limit)


def metadata_values(
    session: Session, key: str, limit: int = _PICKER_LIMIT
) -> list[str]:
    """The values seen for metadata ``key``, in order, at most ``limit``."""
    entry = ChargeMetadataEntry
    first = select(func.min(entry.value)).where(entry.key == key)
    return _walk_distinct(session, first, entry.value, limit)


def _walk_distinct(
    session: Session, first: Select[Any], column: Any, limit: int
) -> list[str]:
    """Distinct values of an indexed column, one index seek each."""
    values: list[str] = []
    value = session.scalar(first)
    while value is not None and len(values) < limit:
        values.append(str(value))
        value = session.scalar(first.where(column > value))
    return values


_LIST_COLUMNS = (
    ChargeRecord.id,
    ChargeRecord.created_at,
    ChargeRecord.amount,
    ChargeRecord.currency,
    ChargeRecord.status,
    ChargeRecord.payment_method,
    ChargeRecord.description,
    ChargeRecord.charge_metadata,
    ChargeRecord.refunded_amount,
    ChargeRecord.dispute_id,
    ChargeRecord.card_brand,
    ChargeRecord.card_last_digits,
    ChargeRecord.refundable,
    ChargeRecord.capturable,
)


def _list_item(
    charge_id: str,
    created_at: datetime,
    amount: int,
    currency: str,
    status: str,
    payment_method: str,
    description: str | None,
    metadata: Any,
    refunded_amount: int,
    dispute_id: str | None,
    card_brand: str | None,
    card_last_digits: str | None,
    refundable: bool,
    capturable: bool,
) -> ChargeListItem:
    pairs = metadata if isinstance(metadata, dict) else {}
    return ChargeListItem(
        id=charge_id,
        created_at=created_at,
        amount=amount,
        currency=currency,
        status=status,
        payment_method=payment_method,
        description=description,
        branch=_text_or_none(pairs.get("branch")),
        campaign=_text_or_none(pairs.get("campaign")),
        refunded_amount=refunded_amount,
        disputed=dispute_id is not None,
        card_brand=card_brand,
        card_last_digits=card_last_digits,
        order_id=_text_or_none(pairs.get("order_id")),
        refundable=refundable,
        capturable=capturable,
    )


def _text_or_none(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
