"""The indexes that make charges quick to filter and search.

``charge_metadata`` repeats each scalar metadata pair of a charge as a row.
The description's trigram index is an FTS5 table on SQLite and a
``pg_trgm`` GIN index on PostgreSQL; SQLAlchemy has no words for either,
so migration 0004 makes them and they are not described here.

Who keeps them in step with ``charges``: on PostgreSQL, a trigger of
migration 0004, for every change. On SQLite, the triggers of 0004 for
updates and deletes, and ``index_new_charges`` for inserted charges, in
bulk (migration 0007 says why): the upsert calls it for every batch, and
a mapper event calls it for a charge inserted through the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Index, String, event, text
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from opn_desk.models.base import Base
from opn_desk.models.charges import ChargeRecord

# What migration 0004 makes that no model can describe: SQLite's FTS5
# table ``charge_search`` with the shadow tables FTS5 keeps for it and its
# row keys, and PostgreSQL's trigram index on the description.
UNMODELLED_PREFIX = "charge_search"
UNMODELLED_INDEX = "ix_charges_description_trgm"

# Longer keys and values are not indexed (see migration 0004).
MAX_KEY_CHARS = 200
MAX_VALUE_CHARS = 500


class ChargeMetadataEntry(Base):
    """One scalar metadata pair of a charge, its value as text."""

    __tablename__ = "charge_metadata"

    charge_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_CHARS), primary_key=True)
    value: Mapped[str] = mapped_column(String(MAX_VALUE_CHARS))

    __table_args__ = (
        # A key = value filter, and the values seen for a key.
        Index("ix_charge_metadata_key_value_charge_id", "key", "value", "charge_id"),
        # The search box: a metadata value (an order id) whatever its key.
        Index("ix_charge_metadata_value_charge_id", "value", "charge_id"),
    )


# Indexes of the charges table that the Transactions filters and search
# read, created by migration 0004. They belong with ChargeRecord; they are
# declared here so that the model and the migration agree.
_record = ChargeRecord
_FILTER_COLUMNS = (
    _record.deleted,
    _record.status,
    _record.currency,
    _record.payment_method,
    _record.card_brand,
    _record.refunded_amount,
    _record.captured_amount,
    _record.dispute_id,
)
# A list query in either order scans one of these and reads every column a
# filter tests from it: the charge's row, a few kB of JSON, is read only
# for the rows shown.
BY_TIME = Index(
    "ix_charges_by_time",
    _record.created_at,
    _record.id,
    _record.amount,
    *_FILTER_COLUMNS,
)
BY_AMOUNT = Index(
    "ix_charges_by_amount",
    _record.amount,
    _record.id,
    _record.created_at,
    *_FILTER_COLUMNS,
)
# The currency and card brand pickers, and id lookups of the search box.
CHARGE_LOOKUP_INDEXES = (
    Index("ix_charges_currency", _record.currency),
    Index("ix_charges_card_brand", _record.card_brand),
    Index("ix_charges_transaction_id", _record.transaction_id),
    Index("ix_charges_dispute_id", _record.dispute_id),
)


# What 0004's SQLite trigger wrote for a new charge, for a batch of them:
# a charge is new when it has no row in ``charge_search_rows`` yet, so the
# charges of a batch that were updated, not inserted, are left alone.
_IS_NEW = """c.id IN (SELECT value FROM json_each(:ids))
      AND NOT EXISTS
        (SELECT 1 FROM charge_search_rows AS r WHERE r.charge_id = c.id)"""
_PAIR_VALUE = """CASE pair.type WHEN 'true' THEN 'true'
    WHEN 'false' THEN 'false' ELSE CAST(pair.value AS TEXT) END"""
_ADD_PAIRS = text(
    f"""
    INSERT INTO charge_metadata (charge_id, key, value)
    SELECT c.id, pair.key, {_PAIR_VALUE}
    FROM charges AS c, json_each(c.metadata) AS pair
    WHERE {_IS_NEW}
      AND json_type(c.metadata) = 'object'
      AND pair.type IN ('text', 'integer', 'real', 'true', 'false')
      AND length(pair.key) <= {MAX_KEY_CHARS}
      AND length({_PAIR_VALUE}) <= {MAX_VALUE_CHARS}"""
)
_LAST_SEARCH_ROW = text("SELECT coalesce(max(row_id), 0) FROM charge_search_rows")
_ADD_SEARCH_ROWS = text(
    f"INSERT INTO charge_search_rows (charge_id) SELECT c.id FROM charges AS c "
    f"WHERE {_IS_NEW}"
)
_ADD_TEXT = text(
    """
    INSERT INTO charge_search (rowid, description)
    SELECT r.row_id, c.description
    FROM charge_search_rows AS r JOIN charges AS c ON c.id = r.charge_id
    WHERE r.row_id > :after AND c.description IS NOT NULL"""
)


def index_new_charges(connection: Connection, charge_ids: Sequence[str]) -> None:
    """Index the metadata and description of the charges just inserted.

    ``charge_ids`` may name charges that were updated instead, or were
    indexed already: those are skipped. Call it in the transaction that
    inserted them. Nothing to do on PostgreSQL, whose trigger did it.
    """
    if not charge_ids or connection.dialect.name != "sqlite":
        return
    ids = {"ids": orjson.dumps(list(charge_ids)).decode("utf-8")}
    connection.execute(_ADD_PAIRS, ids)
    after = connection.execute(_LAST_SEARCH_ROW).scalar_one()
    connection.execute(_ADD_SEARCH_ROWS, ids)
    connection.execute(_ADD_TEXT, {"after": after})


@event.listens_for(ChargeRecord, "after_insert")
def _index_orm_insert(
    _mapper: Mapper[Any], connection: Connection, charge: Any
) -> None:
    """A charge added to a session and flushed is indexed like an upsert's."""
    index_new_charges(connection, [charge.id])


def is_unmodelled(name: str | None) -> bool:
    """True for a database object of migration 0004 that no model describes.

    A schema comparison (Alembic's ``include_name``) skips these.
    """
    if name is None:
        return False
    return name.startswith(UNMODELLED_PREFIX) or name == UNMODELLED_INDEX
