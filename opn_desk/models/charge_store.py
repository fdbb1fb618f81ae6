"""Writing charges into the cache and reading pages of them back."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import UnaryExpression

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.upsert import upsert_rows

_TABLE = cast(Table, ChargeRecord.__table__)


def upsert_charges(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or refresh charge rows keyed by id; returns rows written.

    A row is only replaced by a copy fetched at the same time or later, and
    only when its content changed (see ``upsert_rows``).
    """
    return upsert_rows(session, _TABLE, rows)


class ChargeOrder(enum.Enum):
    """Orders the Transactions table can be sorted in."""

    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"
    AMOUNT_HIGH_FIRST = "amount_high_first"
    AMOUNT_LOW_FIRST = "amount_low_first"


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


def count_charges(session: Session) -> int:
    """How many charges the cache holds."""
    return int(session.scalar(select(func.count()).select_from(ChargeRecord)) or 0)


def charge_page(
    session: Session, order: ChargeOrder, offset: int, limit: int
) -> list[ChargeListItem]:
    """One page of the Transactions table, as plain values."""
    statement = _ordered(_list_columns(), order).offset(offset).limit(limit)
    return [_list_item(row) for row in session.execute(statement)]


def _list_columns() -> Select[Any]:
    return select(
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
    )


def _ordered(statement: Select[Any], order: ChargeOrder) -> Select[Any]:
    record = ChargeRecord
    orderings: dict[ChargeOrder, tuple[UnaryExpression[Any], ...]] = {
        ChargeOrder.NEWEST_FIRST: (record.created_at.desc(), record.id.desc()),
        ChargeOrder.OLDEST_FIRST: (record.created_at.asc(), record.id.asc()),
        ChargeOrder.AMOUNT_HIGH_FIRST: (record.amount.desc(), record.id.desc()),
        ChargeOrder.AMOUNT_LOW_FIRST: (record.amount.asc(), record.id.asc()),
    }
    return statement.order_by(*orderings[order])


def _list_item(row: Any) -> ChargeListItem:
    metadata = row.charge_metadata if isinstance(row.charge_metadata, dict) else {}
    return ChargeListItem(
        id=row.id,
        created_at=row.created_at,
        amount=row.amount,
        currency=row.currency,
        status=row.status,
        payment_method=row.payment_method,
        description=row.description,
        branch=_text_or_none(metadata.get("branch")),
        campaign=_text_or_none(metadata.get("campaign")),
        refunded_amount=row.refunded_amount,
        disputed=row.dispute_id is not None,
    )


def _text_or_none(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
