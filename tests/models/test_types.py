"""The cache's column types on SQLite: points in time stored as one layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    Table,
    create_engine,
    insert,
    select,
)

from opn_desk.models.base import UtcDateTime, sqlite_text

SQLITE = create_engine("sqlite://").dialect


def generic_text(value: datetime) -> str:
    """What SQLAlchemy's own DateTime writes on SQLite for the UTC value."""
    naive = UtcDateTime().process_bind_param(value, SQLITE)
    process = DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
    assert process is not None
    result: str = process(naive)
    return result


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(9998, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-5))]
        ),
    )
)
def test_sqlite_text_is_sqlalchemys_layout_in_utc(value: datetime) -> None:
    assert sqlite_text(value) == generic_text(value)


def test_a_utc_column_stores_that_text_and_reads_the_moment_back() -> None:
    table = Table("moments", MetaData(), Column("at", UtcDateTime))
    moment = datetime(2026, 12, 4, 7, 0, tzinfo=timezone(timedelta(hours=7)))
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(insert(table).values(at=moment))
        stored = connection.exec_driver_sql("SELECT at FROM moments").scalar_one()
        back = connection.execute(select(table.c.at)).scalar_one()
        found = connection.execute(
            select(table.c.at).where(table.c.at == moment)
        ).scalar_one_or_none()
    assert stored == "2026-12-04 00:00:00.000000"
    assert back == moment and back.tzinfo is UTC
    assert found == moment


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        sqlite_text(datetime(2026, 12, 4, 7, 0))
