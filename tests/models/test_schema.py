"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from opn_desk.models.db import (
    SCHEMA_HEAD,
    alembic_config,
    open_engine,
    schema_revision,
)
from opn_desk.models.tables import Base

# Search structures the ORM cannot describe: SQLite's FTS5 table with its
# shadow tables, and PostgreSQL's trigram expression indexes. Migration
# 0004 builds them; tests/models on charge search exercise them.
SEARCH_ONLY_PREFIX = "charge_search"
TRIGRAM_SUFFIX = "_trgm"


def described_by_models(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    if type_ == "table" and (name or "").startswith(SEARCH_ONLY_PREFIX):
        return False
    return not (type_ == "index" and (name or "").endswith(TRIGRAM_SUFFIX))


def test_migrated_schema_matches_the_models(cache_url: str) -> None:
    engine = open_engine(cache_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": described_by_models},
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


def test_schema_head_is_the_newest_migration(cache_url: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert SCHEMA_HEAD == scripts.get_current_head()
    engine = open_engine(cache_url)
    try:
        assert schema_revision(engine) == SCHEMA_HEAD
    finally:
        engine.dispose()


def test_an_up_to_date_cache_opens_without_alembic(tmp_path: Path) -> None:
    """Opening a cache at the newest migration does not load Alembic."""
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    open_engine(url).dispose()
    opened = (
        "import sys\n"
        "from opn_desk.models.db import open_engine\n"
        f"open_engine({url!r}).dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", opened], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
