"""How a filtered, ordered list of charges is read from the cache.

PostgreSQL's planner keeps statistics and picks its indexes well. SQLite's
has none, and a wrong pick there means reading a charge's JSON (a few kB)
for each of a million rows. So on SQLite the index is chosen here:

* when a metadata pair or the search text finds few charges, their ids
  lead: each charge is read by its primary key, and the few rows sorted;
* otherwise the covering index of the order (by time or by amount) is
  walked, every condition tested on the index alone (a lookup that finds
  many charges by seeking its own index for each row), stopping once the
  page is full; the charge's row is read only for the rows shown.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Select,
    String,
    Table,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Alias, CompoundSelect

from opn_desk.models.base import UtcDateTime
from opn_desk.models.charge_filter import (
    ChargeFilter,
    column_conditions,
    id_lookups,
)
from opn_desk.models.charge_index import BY_AMOUNT, BY_TIME
from opn_desk.models.charges import ChargeRecord

# A metadata pair or a search finding at most this many charges leads
# the query on SQLite.
LEADING_IDS = 2_000
# The index SQLite builds for the primary key of ``charges``.
_PRIMARY_KEY_INDEX = "sqlite_autoindex_charges_1"


class ChargeOrder(enum.Enum):
    """Orders the Transactions table can be sorted in."""

    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"
    AMOUNT_HIGH_FIRST = "amount_high_first"
    AMOUNT_LOW_FIRST = "amount_low_first"


_AMOUNT_ORDERS = {ChargeOrder.AMOUNT_HIGH_FIRST, ChargeOrder.AMOUNT_LOW_FIRST}
_DESCENDING = {ChargeOrder.NEWEST_FIRST, ChargeOrder.AMOUNT_HIGH_FIRST}
_REVERSED = {
    ChargeOrder.NEWEST_FIRST: ChargeOrder.OLDEST_FIRST,
    ChargeOrder.OLDEST_FIRST: ChargeOrder.NEWEST_FIRST,
    ChargeOrder.AMOUNT_HIGH_FIRST: ChargeOrder.AMOUNT_LOW_FIRST,
    ChargeOrder.AMOUNT_LOW_FIRST: ChargeOrder.AMOUNT_HIGH_FIRST,
}


def reversed_order(order: ChargeOrder) -> ChargeOrder:
    """The same order, last row first."""
    return _REVERSED[order]


class _IndexedBy(Alias):
    """``charges`` read through a named index (SQLite's INDEXED BY)."""

    inherit_cache = False
    index_name = ""


@compiles(_IndexedBy, "sqlite")
def _render_indexed_by(element: _IndexedBy, compiler: SQLCompiler, **kw: Any) -> str:
    text: str = compiler.visit_alias(element, **kw)  # type: ignore[no-untyped-call]
    if kw.get("asfrom"):
        text += f" INDEXED BY {element.index_name}"
    return text


@dataclass(frozen=True, slots=True)
class ChargeQuery:
    """One filter, ready to read: the charges it lets through, in order."""

    source: FromClause
    conditions: Sequence[ColumnElement[bool]]
    order: ChargeOrder

    def matching(self, *columns: Any) -> Select[Any]:
        """``columns`` (of ChargeRecord) of every matching charge, unordered."""
        adapted = [self._adapt(column) for column in columns]
        return select(*adapted).select_from(self.source).where(*self.conditions)

    def ordered(self, *columns: Any) -> Select[Any]:
        """``columns`` of the matching charges, in the query's order."""
        orderings = [self._adapt(ordering) for ordering in _orderings(self.order)]
        return self.matching(*columns).order_by(*orderings)

    def after(
        self, created_at: datetime, amount: int, charge_id: str
    ) -> ColumnElement[bool]:
        """Rows that come after the row of these keys, in the query's order.

        A page that follows a loaded one starts here: an index seek, where
        an offset would step over every row before it.
        """
        record = ChargeRecord
        if self.order in _AMOUNT_ORDERS:
            key: Any = self._adapt(record.amount)
            value: Any = literal(amount, BigInteger())
        else:
            key = self._adapt(record.created_at)
            value = literal(created_at, UtcDateTime())
        keys = tuple_(key, self._adapt(record.id))
        values = tuple_(value, literal(charge_id, String()))
        return keys < values if self.order in _DESCENDING else keys > values

    def _adapt(self, element: Any) -> Any:
        if hasattr(element, "__clause_element__"):
            element = element.__clause_element__()
        if self.source is ChargeRecord.__table__:
            return element
        return sql_util.ClauseAdapter(self.source).traverse(element)


def plan_query(
    session: Session,
    charge_filter: ChargeFilter,
    zone: tzinfo,
    order: ChargeOrder,
    *,
    counting: bool = False,
) -> ChargeQuery:
    """How to read the charges ``charge_filter`` lets through, in ``order``.

    On SQLite this runs the filter's lookups (metadata pairs, search)
    to learn whether they find few charges. A page tests a lookup that
    finds many row by row, stopping when the page is full; ``counting``
    lists them all once instead, since every row will be tested.
    """
    dialect = session.get_bind().dialect.name
    conditions = column_conditions(charge_filter, zone)
    lookups = id_lookups(charge_filter, dialect)
    table = ChargeRecord.__table__
    assert isinstance(table, Table)
    if dialect != "sqlite":
        conditions += [table.c.id.in_(lookup.ids()) for lookup in lookups]
        return ChargeQuery(table, conditions, order)

    few: set[str] | None = None
    many = []
    for lookup in lookups:
        ids = _few_ids(session, lookup.ids())
        if ids is None:
            many.append(lookup)
        else:
            few = ids if few is None else few & ids
    if few is not None:
        conditions.append(ChargeRecord.id.in_(sorted(few)))
        index_name = _PRIMARY_KEY_INDEX
    else:
        index = BY_AMOUNT if order in _AMOUNT_ORDERS else BY_TIME
        index_name = str(index.name)
    source = _indexed(table, index_name)
    adapted = [sql_util.ClauseAdapter(source).traverse(c) for c in conditions]
    for lookup in many:
        if counting:
            adapted.append(source.c.id.in_(lookup.ids()))
            continue
        # Words find the many; what the ids and values find is listed once.
        exact_ids = _few_ids(session, *lookup.exact) if lookup.words else None
        adapted.append(lookup.holds(source.c.id, source.c.description, exact_ids))
    return ChargeQuery(source, adapted, order)


def _few_ids(
    session: Session, *parts: Select[str] | CompoundSelect[str]
) -> set[str] | None:
    """The ids ``parts`` find together; None when more than LEADING_IDS."""
    found = parts[0] if len(parts) == 1 else union_all(*parts)
    ids = set(session.scalars(found.limit(LEADING_IDS + 1)))
    return None if len(ids) > LEADING_IDS else ids


def _indexed(table: Table, index_name: str) -> _IndexedBy:
    source = _IndexedBy._construct(table, name="listed")
    source.index_name = index_name
    return source


def _orderings(order: ChargeOrder) -> tuple[Any, ...]:
    record = ChargeRecord
    return {
        ChargeOrder.NEWEST_FIRST: (record.created_at.desc(), record.id.desc()),
        ChargeOrder.OLDEST_FIRST: (record.created_at.asc(), record.id.asc()),
        ChargeOrder.AMOUNT_HIGH_FIRST: (record.amount.desc(), record.id.desc()),
        ChargeOrder.AMOUNT_LOW_FIRST: (record.amount.asc(), record.id.asc()),
    }[order]
