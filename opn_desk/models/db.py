"""The cache database: building the engine, migrating it, session scopes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The newest migration (tests/models checks that it is Alembic's head): a
# cache already there opens without loading Alembic, which would add a
# few tenths of a second to every start.
SCHEMA_HEAD = "0008"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLite's page cache per connection (its default is 2 MiB). A sync writes
# into a dozen indexes of the charges table at once; with a cache this
# size their pages stay in memory between writes, which cut the CPU time
# of a 100,000-charge backfill by about 8 % (bench/sync.py).
SQLITE_CACHE_KIB = 32 * 1024


def open_engine(url: str) -> Engine:
    """Build the engine for a cache URL and bring its schema up to date."""
    engine = create_cache_engine(url)
    migrate(engine)
    return engine


def create_cache_engine(url: str) -> Engine:
    """Build an engine; SQLite files get WAL mode and a busy timeout."""
    parsed = make_url(url)
    json_options: dict[str, Any] = {
        "json_serializer": _json_text,
        "json_deserializer": orjson.loads,
    }
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **json_options)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        },
        **json_options,
    )
    event.listen(engine, "connect", _tune_sqlite_connection)
    return engine


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration the database has not had yet."""
    if schema_revision(engine) != SCHEMA_HEAD:
        from alembic import command

        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    logger.info("Cache schema is up to date at %s", engine.url.render_as_string())


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at; None for a database without one."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return None if revision is None else str(revision)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success, rolls back on error, always closes."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _json_text(document: Any) -> str:
    """JSON text of a document, keeping its keys in the order they came."""
    return orjson.dumps(document).decode("utf-8")


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
