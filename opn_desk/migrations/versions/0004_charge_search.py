"""Charge search: metadata pairs, description text index, saved filters.

``charge_metadata`` holds one row per scalar metadata pair of a charge, so
that a metadata filter and the value pickers read an index instead of the
JSON of a million charges. Triggers keep it in step with
``charges.metadata`` on every insert, update and delete, whoever writes.

Words of a description are found through a trigram index: on SQLite an
FTS5 table (``charge_search``, keyed through ``charge_search_rows`` because
FTS5 needs an integer key and a charge's rowid is not stable across a
VACUUM), on PostgreSQL a ``pg_trgm`` GIN index used by ILIKE.

A later migration that rebuilds ``charges`` (an Alembic batch operation on
SQLite) drops its triggers and must create them again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opn_desk.models.base import JsonDocument, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Keys and values longer than these are not indexed (and so cannot be
# filtered on): a PostgreSQL B-tree entry must stay well under 2,700 bytes.
MAX_KEY_CHARS = 200
MAX_VALUE_CHARS = 500

# Filter columns that every list query reads, so that a scan in either
# order never touches the charge's JSON (a few kB per row): the two
# orders of the Transactions table, then every column a filter tests.
_FILTER_COLUMNS = [
    "deleted",
    "status",
    "currency",
    "payment_method",
    "card_brand",
    "refunded_amount",
    "captured_amount",
    "dispute_id",
]
_CHARGE_INDEXES = {
    "ix_charges_by_time": ["created_at", "id", "amount", *_FILTER_COLUMNS],
    "ix_charges_by_amount": ["amount", "id", "created_at", *_FILTER_COLUMNS],
    "ix_charges_currency": ["currency"],
    "ix_charges_card_brand": ["card_brand"],
    "ix_charges_transaction_id": ["transaction_id"],
    "ix_charges_dispute_id": ["dispute_id"],
}


def upgrade() -> None:
    for name, columns in _CHARGE_INDEXES.items():
        op.create_index(name, "charges", columns)
    _create_charge_metadata()
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("filter", JsonDocument, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_saved_filters"),
        sa.UniqueConstraint("name", name="uq_saved_filters_name"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
    else:
        _downgrade_sqlite()
    op.drop_table("saved_filters")
    op.drop_table("charge_metadata")
    for name in _CHARGE_INDEXES:
        op.drop_index(name, "charges")


def _create_charge_metadata() -> None:
    op.create_table(
        "charge_metadata",
        sa.Column("charge_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(MAX_KEY_CHARS), nullable=False),
        sa.Column("value", sa.String(MAX_VALUE_CHARS), nullable=False),
        sa.PrimaryKeyConstraint("charge_id", "key", name="pk_charge_metadata"),
    )
    op.create_index(
        "ix_charge_metadata_key_value_charge_id",
        "charge_metadata",
        ["key", "value", "charge_id"],
    )
    op.create_index(
        "ix_charge_metadata_value_charge_id", "charge_metadata", ["value", "charge_id"]
    )


# SQLite ------------------------------------------------------------------

_SQLITE_VALUE = """CASE pair.type WHEN 'true' THEN 'true'
    WHEN 'false' THEN 'false' ELSE CAST(pair.value AS TEXT) END"""


def _sqlite_pairs(charge_id: str, document: str) -> str:
    """The scalar pairs of a charge's metadata as (charge id, key, text)."""
    return f"""
        SELECT {charge_id}, pair.key, {_SQLITE_VALUE}
        FROM json_each({document}) AS pair
        WHERE json_type({document}) = 'object'
          AND pair.type IN ('text', 'integer', 'real', 'true', 'false')
          AND length(pair.key) <= {MAX_KEY_CHARS}
          AND length({_SQLITE_VALUE}) <= {MAX_VALUE_CHARS}"""


def _sqlite_insert_pairs(charge_id: str, document: str) -> str:
    pairs = _sqlite_pairs(charge_id, document)
    return f"INSERT INTO charge_metadata (charge_id, key, value) {pairs};"


_SQLITE_ADD_TEXT = """
    INSERT INTO charge_search_rows (charge_id) VALUES (NEW.id);
    INSERT INTO charge_search (rowid, description)
        SELECT last_insert_rowid(), NEW.description
        WHERE NEW.description IS NOT NULL;
"""

_SQLITE_DROP_TEXT = """
    DELETE FROM charge_search WHERE rowid =
        (SELECT row_id FROM charge_search_rows WHERE charge_id = OLD.id);
    DELETE FROM charge_search_rows WHERE charge_id = OLD.id;
"""


def _sqlite_triggers() -> dict[str, str]:
    return {
        "charges_search_insert": f"""
            AFTER INSERT ON charges BEGIN
            {_sqlite_insert_pairs("NEW.id", "NEW.metadata")}
            {_SQLITE_ADD_TEXT}
            END""",
        "charges_search_metadata": f"""
            AFTER UPDATE OF metadata ON charges
            WHEN OLD.metadata IS NOT NEW.metadata BEGIN
            DELETE FROM charge_metadata WHERE charge_id = OLD.id;
            {_sqlite_insert_pairs("NEW.id", "NEW.metadata")}
            END""",
        "charges_search_description": f"""
            AFTER UPDATE OF description ON charges
            WHEN OLD.description IS NOT NEW.description BEGIN
            {_SQLITE_DROP_TEXT}
            {_SQLITE_ADD_TEXT}
            END""",
        "charges_search_delete": f"""
            AFTER DELETE ON charges BEGIN
            DELETE FROM charge_metadata WHERE charge_id = OLD.id;
            {_SQLITE_DROP_TEXT}
            END""",
    }


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE TABLE charge_search_rows ("
        "row_id INTEGER PRIMARY KEY, "
        "charge_id VARCHAR(64) NOT NULL UNIQUE)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE charge_search USING fts5("
        "description, tokenize = 'trigram')"
    )
    backfill = _sqlite_pairs("charges.id", "charges.metadata").replace(
        "FROM json_each", "FROM charges, json_each", 1
    )
    op.execute(f"INSERT INTO charge_metadata (charge_id, key, value) {backfill}")
    op.execute("INSERT INTO charge_search_rows (charge_id) SELECT id FROM charges")
    op.execute(
        "INSERT INTO charge_search (rowid, description) "
        "SELECT r.row_id, c.description FROM charge_search_rows AS r "
        "JOIN charges AS c ON c.id = r.charge_id WHERE c.description IS NOT NULL"
    )
    for name, body in _sqlite_triggers().items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def _downgrade_sqlite() -> None:
    for name in _sqlite_triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS charge_search")
    op.execute("DROP TABLE IF EXISTS charge_search_rows")


# PostgreSQL --------------------------------------------------------------

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION charges_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.metadata IS NOT DISTINCT FROM OLD.metadata THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM charge_metadata WHERE charge_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND jsonb_typeof(NEW.metadata) = 'object' THEN
        INSERT INTO charge_metadata (charge_id, key, value)
        SELECT NEW.id, pair.key, pair.value #>> '{{}}'
        FROM jsonb_each(NEW.metadata) AS pair
        WHERE jsonb_typeof(pair.value) IN ('string', 'number', 'boolean')
          AND length(pair.key) <= {MAX_KEY_CHARS}
          AND length(pair.value #>> '{{}}') <= {MAX_VALUE_CHARS};
    END IF;
    RETURN NULL;
END
$$
"""


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_charges_description_trgm ON charges "
        "USING gin (description gin_trgm_ops)"
    )
    op.execute(_PG_FUNCTION)
    op.execute(
        "CREATE TRIGGER charges_search_sync "
        "AFTER INSERT OR UPDATE OF metadata OR DELETE ON charges "
        "FOR EACH ROW EXECUTE FUNCTION charges_search_sync()"
    )
    op.execute(
        "INSERT INTO charge_metadata (charge_id, key, value) "
        "SELECT c.id, pair.key, pair.value #>> '{}' "
        "FROM charges AS c, jsonb_each(c.metadata) AS pair "
        "WHERE jsonb_typeof(c.metadata) = 'object' "
        "AND jsonb_typeof(pair.value) IN ('string', 'number', 'boolean') "
        f"AND length(pair.key) <= {MAX_KEY_CHARS} "
        f"AND length(pair.value #>> '{{}}') <= {MAX_VALUE_CHARS}"
    )


def _downgrade_postgresql() -> None:
    op.execute("DROP TRIGGER IF EXISTS charges_search_sync ON charges")
    op.execute("DROP FUNCTION IF EXISTS charges_search_sync()")
    op.execute("DROP INDEX IF EXISTS ix_charges_description_trgm")
