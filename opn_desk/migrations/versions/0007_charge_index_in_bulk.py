"""New charges are indexed in bulk on SQLite, not by a per-row trigger.

On SQLite an INSERT into ``charges`` that fires a trigger needs a statement
journal: every page of the table and of its dozen indexes that a row
touches is copied aside first. With rows of a few kB that made a backfill
write about five times the cache's size. The insert trigger of migration
0004 goes; ``models.charge_index.index_new_charges`` now adds a new
charge's metadata pairs and description text, for a whole batch at once,
and every writer of new charges calls it (the upsert, and an ORM insert
through a mapper event). The update and delete triggers stay: they fire
only for the few rows that change.

PostgreSQL keeps its trigger: it has no statement journal.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Migration 0004's trigger, as it was, for a downgrade.
_INSERT_TRIGGER = """
CREATE TRIGGER charges_search_insert AFTER INSERT ON charges BEGIN
    INSERT INTO charge_metadata (charge_id, key, value)
    SELECT NEW.id, pair.key, CASE pair.type WHEN 'true' THEN 'true'
        WHEN 'false' THEN 'false' ELSE CAST(pair.value AS TEXT) END
    FROM json_each(NEW.metadata) AS pair
    WHERE json_type(NEW.metadata) = 'object'
      AND pair.type IN ('text', 'integer', 'real', 'true', 'false')
      AND length(pair.key) <= 200
      AND length(CASE pair.type WHEN 'true' THEN 'true'
        WHEN 'false' THEN 'false' ELSE CAST(pair.value AS TEXT) END) <= 500;
    INSERT INTO charge_search_rows (charge_id) VALUES (NEW.id);
    INSERT INTO charge_search (rowid, description)
        SELECT last_insert_rowid(), NEW.description
        WHERE NEW.description IS NOT NULL;
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS charges_search_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_INSERT_TRIGGER)
