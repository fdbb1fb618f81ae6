"""The sync lease on a shared PostgreSQL database: one holder at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from opn_desk.models.lease import LeaseHeld, sync_lease


@pytest.mark.postgres
def test_second_workstation_is_refused_while_the_first_syncs(pg_url: str) -> None:
    first = create_engine(pg_url)
    second = create_engine(pg_url)
    try:
        with sync_lease(first):
            with pytest.raises(LeaseHeld), sync_lease(second):
                pass
        with sync_lease(second):
            pass  # free again once the first let go
    finally:
        first.dispose()
        second.dispose()


def test_sqlite_cache_always_grants_the_lease(tmp_path: object) -> None:
    engine = create_engine("sqlite://")
    with sync_lease(engine), sync_lease(engine):
        pass
    engine.dispose()
