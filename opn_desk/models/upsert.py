"""Writing API objects into any cache table: upserts keyed by id, tombstones.

Every synced table keeps an object's ``raw`` JSON and its ``fetched_at``. A
row is replaced only by a copy fetched at the same time or later, and only
when it differs (its JSON, or whether it is deleted), so syncing the same
data twice writes nothing the second time. New charges are indexed in the
same transaction (see ``charge_index``): on SQLite once per transaction,
just before it commits, because indexing a thousand charges in one
statement costs little more than indexing a hundred.

On SQLite the rows go to the driver as plain values, converted by the
columns' own bind processors, up to a thousand rows to a statement of many
VALUES rows: a backfill writes hundreds of thousands of them, and
SQLAlchemy's per-row work for a RETURNING insert cost more than SQLite's.
Few large statements, not one step per row as ``executemany`` takes,
matter because the driver lets go of Python's GIL for each step: the
sync's fetching threads then take it, and the writer waits to get it back
(bench/sync.py: about 55 % more charges per second than ``executemany``).
Rows can be prepared on one thread and written on another
(``prepare_upsert``). The count written is the driver's row count, which
leaves out the conflicting rows that the WHERE clause kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import CursorResult, Dialect, Table, Text, event, update
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from opn_desk.models.charge_index import index_new_charges
from opn_desk.models.charges import ChargeRecord

# Rows per statement when marking tombstones: under every driver's limit
# of bound parameters.
_ID_BATCH = 500
# Rows per SQLite upsert statement: as many of the largest size as fit,
# then smaller ones, none binding more values than the library allows. A
# few sizes keep the driver's cache of prepared statements small: one of
# a thousand rows holds megabytes.
_STATEMENT_ROWS = (1_000, 100, 10, 1)
_CHARGES = cast(Table, ChargeRecord.__table__)
# Session.info key: ids of charges upserted in the open transaction, to be
# indexed before it commits.
_UNINDEXED = "opn_desk.unindexed_charges"


def upsert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or refresh rows of ``table`` keyed by its primary key.

    Returns how many rows were written (inserted or changed).
    """
    return prepare_upsert(table, rows, session.get_bind().dialect).write(session)


def prepare_upsert(
    table: Table, rows: Sequence[dict[str, Any]], dialect: Dialect
) -> PreparedUpsert:
    """``rows`` of ``table`` made ready to upsert, on any thread.

    The sync prepares what it fetched before handing it to the thread that
    writes, so that thread spends its time in the database.
    """
    if not rows or dialect.name != "sqlite":
        return PreparedUpsert(table, None, rows, [])
    upsert = _driver_upsert(table, tuple(rows[0]), dialect)
    ids = [row["id"] for row in rows] if table is _CHARGES else []
    return PreparedUpsert(table, upsert, upsert.parameters(rows), ids)


@dataclass(frozen=True, slots=True)
class PreparedUpsert:
    """Rows ready to upsert.

    On SQLite, ``upsert`` is the statement, ``values`` the rows' values as
    the driver takes them (the rows themselves are let go), and ``ids``
    the ids of charges, to be indexed. Elsewhere ``values`` are the rows.
    """

    table: Table
    upsert: _DriverUpsert | None
    values: Sequence[Any]
    ids: list[str]

    def write(self, session: Session) -> int:
        """Upsert the rows in the session's transaction; rows written."""
        if not self.values:
            return 0
        if self.upsert is None:
            return _upsert_returning(session, self.table, self.values)
        if session.new or session.dirty or session.deleted:
            session.flush()
        connection = session.connection()
        sizes = _statement_sizes(connection, len(self.values[0]))
        written = start = 0
        while start < len(self.values):
            left = len(self.values) - start
            rows = next(size for size in sizes if size <= left)
            chunk = self.values[start : start + rows]
            result = connection.exec_driver_sql(
                self.upsert.statement(rows), tuple(chain.from_iterable(chunk))
            )
            written += result.rowcount
            start += rows
        if self.ids:
            session.info.setdefault(_UNINDEXED, []).extend(self.ids)
        return written

    def joined(self, other: PreparedUpsert) -> PreparedUpsert | None:
        """These rows and ``other``'s in one upsert, when they can be."""
        if not other.values:
            return self
        if not self.values:
            return other
        if other.table is not self.table or other.upsert != self.upsert:
            return None
        values = [*self.values, *other.values]
        return PreparedUpsert(self.table, self.upsert, values, self.ids + other.ids)


@dataclass(frozen=True, slots=True)
class PreparedUpserts:
    """Upserts of several tables made ready together, written in order."""

    upserts: tuple[PreparedUpsert, ...]

    def __call__(self, session: Session) -> int:
        return sum(upsert.write(session) for upsert in self.upserts)

    def joined(self, other: PreparedUpserts) -> PreparedUpserts | None:
        """These upserts and ``other``'s, table by table, when they can be."""
        if len(other.upserts) != len(self.upserts):
            return None
        pairs = [a.joined(b) for a, b in zip(self.upserts, other.upserts, strict=True)]
        together = [pair for pair in pairs if pair is not None]
        if len(together) != len(pairs):
            return None
        return PreparedUpserts(tuple(together))


def _upsert_returning(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> int:
    """The upsert of databases other than SQLite, through SQLAlchemy."""
    connection = session.connection()
    statement = _upsert_statement(table, connection.dialect.name)
    returning = statement.returning(*table.primary_key.columns)
    written = session.execute(returning, rows).all()
    if table is _CHARGES:
        index_new_charges(connection, [row.id for row in written])
    return len(written)


@dataclass(frozen=True, slots=True)
class _DriverUpsert:
    """An upsert as SQL for the driver, and how to make its parameters."""

    # The statement for one row; ``row_placeholders`` is its VALUES row.
    sql: str
    row_placeholders: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]
    # (position, bind processor) of the columns that need converting.
    binds: tuple[tuple[int, Callable[[Any], Any]], ...]

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The values of each of ``rows``, as the driver takes them."""
        values, binds = self.values, self.binds
        parameters: list[tuple[Any, ...]] = []
        for row in rows:
            row_values = list(values(row))
            for position, bind in binds:
                row_values[position] = bind(row_values[position])
            parameters.append(tuple(row_values))
        return parameters

    def statement(self, rows: int) -> str:
        """The upsert of ``rows`` rows in one statement."""
        return _many_rows(self.sql, self.row_placeholders, rows)


def _statement_sizes(connection: Any, columns: int) -> tuple[int, ...]:
    """The rows per statement of ``_STATEMENT_ROWS`` that one SQLite
    statement may bind, with ``columns`` values a row; largest first."""
    driver = connection.connection.driver_connection
    most: int = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return tuple(rows for rows in _STATEMENT_ROWS if rows * columns <= most) or (1,)


@lru_cache(maxsize=256)
def _many_rows(sql: str, row_placeholders: str, rows: int) -> str:
    """``sql``, an insert of one VALUES row, made to insert ``rows`` rows."""
    head, _, tail = sql.partition(f"VALUES {row_placeholders}")
    rows_sql = ", ".join([row_placeholders] * rows)
    return f"{head}VALUES {rows_sql}{tail}"


def index_pending_charges(session: Session) -> None:
    """Index the charges upserted in the session's open transaction.

    Called before every commit (see the listener below); call it before
    searching charges that the open transaction inserted.
    """
    ids = session.info.pop(_UNINDEXED, None)
    if ids:
        index_new_charges(session.connection(), ids)


@event.listens_for(Session, "before_commit")
def _index_before_commit(session: Session) -> None:
    index_pending_charges(session)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_UNINDEXED, None)


@lru_cache(maxsize=64)
def _driver_upsert(table: Table, keys: tuple[str, ...], dialect: Any) -> _DriverUpsert:
    """The compiled upsert of rows with ``keys``, for one dialect."""
    compiled = _upsert_statement(table, dialect.name).compile(
        dialect=dialect, column_keys=list(keys)
    )
    order = compiled.positiontup
    if order is None or len(order) < 2 or set(order) != set(keys):
        raise ValueError(f"cannot bind rows of {table.name} by position: {keys}")
    processors = (
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in order
    )
    binds = tuple(
        (position, bind) for position, bind in enumerate(processors) if bind is not None
    )
    row_placeholders = "(" + ", ".join("?" * len(order)) + ")"
    if compiled.string.count(f"VALUES {row_placeholders}") != 1:
        raise ValueError(f"cannot find the VALUES row of {compiled.string!r}")
    return _DriverUpsert(compiled.string, row_placeholders, itemgetter(*order), binds)


def mark_deleted(
    session: Session, table: Table, ids: Collection[str], at: datetime
) -> int:
    """Tombstone the rows ``ids`` of ``table``: deleted upstream at ``at``.

    The row stays, with its last known JSON, so a view can still show what
    was there. Rows already tombstoned keep their first deletion time.
    Returns how many rows changed.
    """
    marked = 0
    ordered = sorted(ids)
    for start in range(0, len(ordered), _ID_BATCH):
        batch = ordered[start : start + _ID_BATCH]
        statement = (
            update(table)
            .where(table.c.id.in_(batch), table.c.deleted.is_(False))
            .values(deleted=True, deleted_at=at, fetched_at=at)
        )
        result = cast(CursorResult[Any], session.execute(statement))
        marked += result.rowcount
    return marked


@lru_cache(maxsize=64)
def _upsert_statement(table: Table, dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    excluded = statement.excluded
    keys = [column.name for column in table.primary_key.columns]
    changed = _raw_text(table.c.raw, dialect) != _raw_text(excluded.raw, dialect)
    if "deleted" in table.c:
        changed = changed | (table.c.deleted != excluded.deleted)
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: excluded[c.name] for c in table.columns if c.name not in keys},
        where=changed & (table.c.fetched_at <= excluded.fetched_at),
    )


def _raw_text(column: Any, dialect: str) -> Any:
    """The stored JSON, compared as stored: text on SQLite, jsonb on PostgreSQL."""
    return column if dialect == "postgresql" else cast_(column, Text)
