"""Writing API objects into any cache table: upserts keyed by id, tombstones.

Every synced table keeps an object's ``raw`` JSON and its ``fetched_at``. A
row is replaced only by a copy fetched at the same time or later, and only
when it differs (its JSON, or whether it is deleted), so syncing the same
data twice writes nothing the second time. New charges are indexed in the
same transaction (see ``charge_index``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import CursorResult, Table, Text, update
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from opn_desk.models.charge_index import index_new_charges
from opn_desk.models.charges import ChargeRecord

# Rows per statement when marking tombstones: under every driver's limit
# of bound parameters.
_ID_BATCH = 500
_CHARGES = cast(Table, ChargeRecord.__table__)


def upsert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or refresh rows of ``table`` keyed by its primary key.

    Returns how many rows were written (inserted or changed).
    """
    if not rows:
        return 0
    statement = _upsert_statement(table, session.get_bind().dialect.name)
    written = session.execute(statement, list(rows)).all()
    if table is _CHARGES:
        index_new_charges(session.connection(), [row.id for row in written])
    return len(written)


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
    ).returning(*table.primary_key.columns)


def _raw_text(column: Any, dialect: str) -> Any:
    """The stored JSON, compared as stored: text on SQLite, jsonb on PostgreSQL."""
    return column if dialect == "postgresql" else cast_(column, Text)
