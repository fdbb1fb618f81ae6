"""The ``opn-desk`` command, run as a real process."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path


def run_opn_desk(*args: str, home: Path, timeout_s: float = 240) -> str:
    env = {**os.environ, "OPN_DESK_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "opn_desk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_s,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_headless_sync_fills_the_sandbox_profile_cache(tmp_path: Path) -> None:
    home = tmp_path / "home"

    first = run_opn_desk("sync", home=home)
    second = run_opn_desk("sync", home=home)

    cache = home / "data" / "profiles" / "Sandbox" / "cache.db"
    with sqlite3.connect(cache) as db:
        count = db.execute("SELECT count(*) FROM charges").fetchone()[0]
        thai = db.execute(
            "SELECT count(*) FROM charges WHERE description GLOB '*[ก-๛]*'"
        ).fetchone()[0]
    assert count >= 5000
    assert thai > 0
    assert f"charges: {count} of {count}" in first
    # Only the balance, which the API stamps with the time it was read, may
    # differ on a second run.
    assert re.search(r"Done: \d+ objects fetched, [01] new or changed", second)
    assert (home / "data" / "sandbox" / "sandbox.json").exists()


def test_sandbox_help_documents_its_options(tmp_path: Path) -> None:
    out = run_opn_desk("sandbox", "--help", home=tmp_path)
    for option in ("--port", "--charges", "--seed", "--data-file", "--fixtures"):
        assert option in out


def test_self_test_syncs_and_draws_every_tab(tmp_path: Path) -> None:
    out = run_opn_desk("--self-test", home=tmp_path / "untouched")

    assert "tab Transactions: drawn at" in out
    assert "charges in the cache: 5000" in out
    assert out.strip().endswith("self-test passed")
    assert not (tmp_path / "untouched").exists()  # ran in a home of its own
