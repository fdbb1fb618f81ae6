"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from opn_desk.models.db import open_engine
from opn_desk.models.tables import Base


def test_migrated_schema_matches_the_models(cache_url: str) -> None:
    engine = open_engine(cache_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True}
            )
            differences = compare_metadata(context, Base.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()

    assert differences == []
    assert set(Base.metadata.tables) <= tables
    assert {"refunds", "disputes", "schedules", "balance_transactions"} <= tables


def test_migrating_again_changes_nothing(cache_url: str) -> None:
    open_engine(cache_url).dispose()
    engine = open_engine(cache_url)  # every migration already applied
    engine.dispose()
