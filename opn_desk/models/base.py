"""The declarative base and column types shared by every cache table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time stored as naive UTC and read back as aware UTC.

    SQLite keeps no time zone, so every value is normalised to UTC on the
    way in; PostgreSQL gets the same plain ``timestamp`` for one behaviour.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        return None if value is None else _naive_utc(value)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, one step to text: a sync binds hundreds of thousands."""
        if dialect.name == "sqlite":
            return sqlite_text
        return super().bind_processor(dialect)

    def process_result_value(
        self, value: Any | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def sqlite_text(value: datetime | None) -> str | None:
    """A point in time as SQLite stores it: UTC, in SQLAlchemy's layout for
    ``DateTime`` on SQLite (``YYYY-MM-DD HH:MM:SS.ffffff``), which every
    stored value and every query's bound value share."""
    if value is None:
        return None
    return _naive_utc(value).isoformat(" ", "microseconds")


def _naive_utc(value: datetime) -> datetime:
    """An aware time as the naive UTC time that the database keeps."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None)


# API objects as JSON: JSONB on PostgreSQL (indexable), JSON text on SQLite.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Base of every table in the cache."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
