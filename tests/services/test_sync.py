"""Sync from the sandbox over loopback HTTP into a real SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.sync_state import SyncState
from opn_desk.services.api import OpnClient
from opn_desk.services.backfill import Backfill, ListResource
from opn_desk.services.sync import CHARGES, ChargeSync, SyncCancelled, SyncProgress
from opn_desk.services.sync_resources import LIST_RESOURCES


def cached_charges(engine: Engine) -> dict[str, dict[str, Any]]:
    with session_scope(engine) as session:
        records = session.scalars(select(ChargeRecord)).all()
        return {r.id: r.raw for r in records}


def test_backfill_copies_every_charge_exactly(
    sandbox: Any, client: OpnClient, engine: Engine
) -> None:
    seen: list[SyncProgress] = []

    result = ChargeSync(client, engine).run(seen.append)

    # Read after the sync: an authorization that lapsed since the sandbox
    # was seeded changed when the sync's first request reached it.
    expected = {c["id"]: c for c in sandbox_charges(sandbox)}
    assert cached_charges(engine) == expected
    # Each charge, and each refund it carries, is one row written.
    refunds = sum(len(c["refunds"]["data"]) for c in expected.values())
    assert result.written == len(expected) + refunds
    assert seen[-1].fetched >= len(expected)
    with session_scope(engine) as session:
        record = session.get(ChargeRecord, next(iter(expected)))
        assert record is not None
        raw = expected[record.id]
        assert (record.amount, record.currency) == (raw["amount"], raw["currency"])
        assert isinstance(record.amount, int)
        assert record.created_at.tzinfo is not None


def test_sqlite_cache_runs_in_wal_mode(tmp_path: Path) -> None:
    cache_file = tmp_path / "cache.db"
    open_engine(f"sqlite:///{cache_file}").dispose()
    with sqlite3.connect(cache_file) as raw_db:
        assert raw_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_second_sync_changes_nothing(client: OpnClient, engine: Engine) -> None:
    ChargeSync(client, engine).run()
    before = cached_charges(engine)

    again = ChargeSync(client, engine).run()

    assert again.written == 0
    assert cached_charges(engine) == before


def test_interrupted_sync_resumes_where_it_stopped(
    sandbox: Any, client: OpnClient, engine: Engine
) -> None:
    expected = {c["id"] for c in sandbox_charges(sandbox)}
    pages_asked = 0

    def stop_after_a_few_pages() -> bool:
        nonlocal pages_asked
        pages_asked += 1
        return pages_asked > 4

    sync = ChargeSync(client, engine, window=timedelta(days=5))
    with pytest.raises(SyncCancelled):
        sync.run(cancelled=stop_after_a_few_pages)
    partial = set(cached_charges(engine))
    with session_scope(engine) as session:
        state = session.get(SyncState, CHARGES)
        assert state is not None and state.backfill_cursor is not None
        assert not state.backfill_done
    assert 0 < len(partial) < len(expected)

    resumed = ChargeSync(client, engine, window=timedelta(days=5)).run()

    assert set(cached_charges(engine)) == expected
    # The second run starts at the cursor, not at the first charge again.
    assert resumed.fetched < len(expected)


def test_charge_added_after_a_sync_arrives_on_the_next(
    fresh_sandbox: Any, engine: Engine
) -> None:
    state = fresh_sandbox.state
    with OpnClient(fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url) as c:
        ChargeSync(c, engine).run()
        newest = dict(state.charges_sorted()[-1])
        newest["id"] = "chrg_test_5zzzzzzzzzzzzzzzzzz"
        newest["location"] = f"/charges/{newest['id']}"
        newest["description"] = "ชาเย็น 2 แก้ว"
        del newest["created_at"]  # a charge made now
        state.add_charge(newest)

        ChargeSync(c, engine).run()

    cached = cached_charges(engine)
    assert cached["chrg_test_5zzzzzzzzzzzzzzzzzz"]["description"] == "ชาเย็น 2 แก้ว"
    assert set(cached) == {c["id"] for c in state.charges_sorted()}


def sandbox_charges(sandbox: Any) -> list[dict[str, Any]]:
    charges: list[dict[str, Any]] = sandbox.state.charges_sorted()
    return charges


def test_a_failed_write_stops_the_sync_and_keeps_what_was_committed(
    sandbox: Any, client: OpnClient, engine: Engine
) -> None:
    charges = LIST_RESOURCES[0]
    batches = 0

    def store_then_fail(session: Session, items: Sequence[Any], at: datetime) -> int:
        nonlocal batches
        batches += 1
        if batches > 6:
            raise OSError("disk full")
        return charges.store(session, items, at)

    failing = ListResource(charges.name, charges.list_page, store_then_fail)
    # A commit after every batch of 100 charges, and a window per 5 days.
    backfill = Backfill(
        client, engine, failing, window=timedelta(days=5), commit_objects=100
    )
    with pytest.raises(OSError, match="disk full"):
        backfill.run()

    kept = cached_charges(engine)
    with session_scope(engine) as session:
        state = session.get(SyncState, CHARGES)
        assert state is not None and not state.backfill_done
        assert state.objects_seen == len(kept)
    assert 0 < len(kept) <= 6 * 100

    ChargeSync(client, engine, window=timedelta(days=5)).run()

    expected = {c["id"]: c for c in sandbox_charges(sandbox)}
    assert cached_charges(engine) == expected
