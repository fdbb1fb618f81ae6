"""Sync in real processes: killed at random points, or two at once."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.db import open_engine, session_scope
from opn_desk.sandbox import SandboxServer, SandboxState

CHILD = Path(__file__).with_name("sync_child.py")
KILL_POINTS = 20
WINDOW_HOURS = "12"


@pytest.fixture(scope="module")
def busy_sandbox() -> Iterator[Any]:
    state = SandboxState.seeded(charges=1500, seed=23)
    with SandboxServer(state) as server:
        yield server


def start_child(sandbox: Any, database_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            str(CHILD),
            sandbox.base_url,
            sandbox.secret_key,
            database_url,
            WINDOW_HOURS,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_after_progress_lines(child: subprocess.Popen[str], lines: int) -> bool:
    """SIGKILL the child after it reported ``lines`` times; False if it ended."""
    assert child.stdout is not None
    for _ in range(lines):
        if not child.stdout.readline():
            child.communicate(timeout=60)
            return False
    child.kill()
    child.communicate(timeout=60)
    return True


def cache_matches(sandbox: Any, database_url: str) -> None:
    expected = {c["id"]: c for c in sandbox.state.charges_sorted()}
    engine = open_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = session.execute(select(ChargeRecord.id, ChargeRecord.raw)).all()
            count = session.scalar(select(func.count()).select_from(ChargeRecord))
    finally:
        engine.dispose()
    cached = {row.id: row.raw for row in rows}
    assert count == len(expected)  # no duplicate, no missing row
    assert cached == expected


def test_sync_killed_at_twenty_points_converges(
    busy_sandbox: Any, tmp_path: Path
) -> None:
    cache_url = f"sqlite:///{tmp_path / 'cache.db'}"
    rng = random.Random(7)
    killed = 0
    for _ in range(KILL_POINTS):
        child = start_child(busy_sandbox, cache_url)
        if kill_after_progress_lines(child, rng.randint(1, 12)):
            killed += 1

    final = start_child(busy_sandbox, cache_url)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err[-2000:]
    assert out.strip().endswith("done")
    assert killed >= KILL_POINTS // 2  # most kills landed mid-sync
    cache_matches(busy_sandbox, cache_url)


@pytest.mark.postgres
def test_two_workstations_one_database_one_syncs(
    busy_sandbox: Any, pg_url: str
) -> None:
    open_engine(pg_url).dispose()  # the schema exists before they race
    # Slow answers keep the first sync running while the second starts.
    busy_sandbox.add_fault(kind="latency", delay_ms=40, method="GET")
    try:
        first = start_child(busy_sandbox, pg_url)
        assert first.stdout is not None
        first.stdout.readline()  # it holds the lease once it reports
        second = start_child(busy_sandbox, pg_url)
        outcomes = sorted(
            (
                child.communicate(timeout=300)[0].strip().splitlines()[-1],
                child.returncode,
            )
            for child in (first, second)
        )
    finally:
        busy_sandbox.clear_faults()

    assert outcomes == [("done", 0), ("lease held", 3)]
    cache_matches(busy_sandbox, pg_url)
