"""A damaged, locked or unwritable cache, and a workstation without a keyring.

The cache is a real SQLite file damaged the way disks and crashes damage
them (bytes overwritten, a page of a table destroyed). What a clerk checks:
the sentence shown, where the old file went, and that every draft, file,
journal and audit row is in the new cache or named as unreadable.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from reliability_figures import Figures
from sqlalchemy import func, select, text

from opn_desk.models import db
from opn_desk.models.db import create_cache_engine, session_scope
from opn_desk.models.operations import AuditEntry, OperationRecord
from opn_desk.models.saved_filters import SavedFilterRecord
from opn_desk.services import evidence
from opn_desk.services.cache_recovery import (
    DAMAGED,
    LOCKED,
    READ_ONLY,
    CacheUnavailable,
    cache_problem,
)
from opn_desk.services.credentials import KeyringUnavailable, store_secret_key
from opn_desk.services.profiles import Profile
from opn_desk.services.reports import Period, ReportDefinition, save_report
from opn_desk.services.workspace import (
    MissingSecretKey,
    Workspace,
    open_workspace,
)

KEY = "skey_test_5k2x9c4m7q1w8e3r6t0y"
NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 80 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
LOCAL_TABLES = (
    "evidence_drafts",
    "evidence_files",
    "operations",
    "audit_log",
    "saved_filters",
    "saved_reports",
)


def shop_profile(folder: Path) -> Profile:
    url = f"sqlite:///{folder / 'cache.db'}"
    return Profile("Shop", "test", base_url="http://127.0.0.1:9", database_url=url)


def open_profile(folder: Path) -> Workspace:
    return open_workspace(shop_profile(folder), KEY)


def fill_local_rows(workspace: Workspace) -> dict[str, int]:
    """Two drafts with files, journal and audit rows, a filter, a report."""
    engine = workspace.engine
    for dispute_id in ("dspt_test_a1", "dspt_test_b2"):
        evidence.save_draft(
            engine,
            dispute_id,
            "goods_or_services_not_provided",
            {"what_was_sold": f"A rice cooker for {dispute_id}"},
            clerk="Somchai",
            now=NOW,
        )
        evidence.add_file(engine, dispute_id, None, "slip.pdf", PDF, NOW)
        evidence.add_file(engine, dispute_id, None, "photo.png", PNG, NOW)
    with session_scope(engine) as session:
        for number in range(3):
            session.add(operation_row(f"op_{number}", "done" if number else "sending"))
            session.add(audit_row(f"op_{number}"))
        session.add(
            SavedFilterRecord(
                name="Big THB", filter={"currency": "THB"}, created_at=NOW
            )
        )
        save_report(session, ReportDefinition(name="Monthly", period=Period.MONTH), NOW)
    return counts(workspace)


def operation_row(operation_id: str, state: str) -> OperationRecord:
    return OperationRecord(
        id=operation_id,
        kind="refund",
        target_id=f"chrg_test_{operation_id}",
        params={"amount": 50_000, "currency": "THB"},
        clerk="Somchai",
        workstation="desk-1",
        state=state,
        attempts=1,
        created_at=NOW,
        updated_at=NOW,
    )


def audit_row(operation_id: str) -> AuditEntry:
    return AuditEntry(
        at=NOW,
        clerk="Somchai",
        action="refund",
        target_id=f"chrg_test_{operation_id}",
        operation_id=operation_id,
        summary="Refund of ฿500.00",
        before={"refunded_amount": 0},
        after={"refunded_amount": 50_000},
    )


def counts(workspace: Workspace) -> dict[str, int]:
    with workspace.engine.connect() as connection:
        return {
            table: connection.execute(
                select(func.count()).select_from(text(table))
            ).scalar_one()
            for table in LOCAL_TABLES
        }


def close_for_damage(workspace: Workspace) -> Path:
    """Fold the WAL into the file and close it, as a clean exit does."""
    with workspace.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    workspace.close()
    database = workspace.engine.url.database
    assert database is not None
    return Path(database)


def destroy_page_of(path: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with noise, as a bad sector would."""
    with closing(sqlite3.connect(path)) as connection:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()[0]
    with path.open("r+b") as stream:
        stream.seek((root - 1) * page_size)
        stream.write(b"\xa5" * page_size)


def moved_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("cache.db.damaged-*"))


@pytest.fixture
def cache_folder(tmp_path: Path) -> Path:
    return tmp_path / "profiles" / "Shop"


@pytest.fixture
def filled(cache_folder: Path) -> Iterator[tuple[Path, dict[str, int]]]:
    workspace = open_profile(cache_folder)
    before = fill_local_rows(workspace)
    yield close_for_damage(workspace), before


def test_a_file_that_is_not_a_database_is_moved_aside_and_rebuilt(
    filled: tuple[Path, dict[str, int]], cache_folder: Path, figures: Figures
) -> None:
    path, _before = filled
    path.write_bytes(b"this is not a database, a sync tool overwrote it\n" * 99)

    workspace = open_profile(cache_folder)
    try:
        notice = workspace.cache_notice
        assert notice is not None
        assert counts(workspace) == dict.fromkeys(LOCAL_TABLES, 0)
    finally:
        workspace.close()
    figures.add("bad inputs", "cache file not a database")

    [moved] = moved_files(cache_folder)
    assert moved.read_bytes().startswith(b"this is not a database")
    assert notice.moved_to == moved
    message = notice.user_message()
    assert str(moved) in message
    # Nothing could be read, so nothing is claimed: the clerk is told that
    # drafts and the journal may remain in the moved file.
    assert set(notice.unreadable) == set(LOCAL_TABLES)
    assert "evidence drafts" in message and "journal entries" in message
    assert "Carried over" not in message


def test_damage_found_during_work_is_repaired_at_next_start_keeping_local_rows(
    filled: tuple[Path, dict[str, int]], cache_folder: Path, figures: Figures
) -> None:
    path, before = filled
    destroy_page_of(path, "charges")
    url = f"sqlite:///{path}"
    engine = create_cache_engine(url)
    with pytest.raises(Exception) as caught, engine.connect() as connection:
        connection.execute(text("SELECT * FROM charges")).fetchall()
    engine.dispose()

    problem = cache_problem(url, caught.value)
    assert problem is not None and problem.reason == DAMAGED
    assert "Restart opn-desk" in problem.user_message()

    workspace = open_profile(cache_folder)
    try:
        notice = workspace.cache_notice
        after = counts(workspace)
        kept = evidence.load_draft(workspace.engine, "dspt_test_a1")
        file_hashes = {
            hashlib.sha256(evidence.file_bytes(workspace.engine, f.id)).hexdigest()
            for f in kept.files
        }
        with session_scope(workspace.engine) as session:
            sending = session.get(OperationRecord, "op_0")
            assert sending is not None and sending.state == "sending"
    finally:
        workspace.close()
    figures.add("bad inputs", "cache page destroyed")
    figures.add(
        "lost items",
        "local rows after repair",
        sum(before.values()) - sum(after.values()),
    )

    assert notice is not None and notice.unreadable == ()
    assert after == before
    assert file_hashes == {
        hashlib.sha256(PDF).hexdigest(),
        hashlib.sha256(PNG).hexdigest(),
    }
    assert "A rice cooker for dspt_test_a1" in kept.message
    [moved] = moved_files(cache_folder)
    message = notice.user_message()
    assert str(moved) in message
    assert "2 evidence drafts, 4 evidence files, 3 journal entries" in message


def test_a_destroyed_local_table_is_named_not_lost_silently(
    filled: tuple[Path, dict[str, int]], cache_folder: Path
) -> None:
    path, before = filled
    destroy_page_of(path, "audit_log")
    path.with_name(path.name + ".check").touch()  # damage seen during work

    workspace = open_profile(cache_folder)
    try:
        notice = workspace.cache_notice
        after = counts(workspace)
    finally:
        workspace.close()

    assert notice is not None
    assert notice.unreadable == ("audit_log",)
    assert "Some audit entries could not be read" in notice.user_message()
    assert {t: n for t, n in after.items() if t != "audit_log"} == {
        t: n for t, n in before.items() if t != "audit_log"
    }


def test_a_sound_cache_is_left_where_it_is(
    filled: tuple[Path, dict[str, int]], cache_folder: Path
) -> None:
    path, before = filled
    path.with_name(path.name + ".check").touch()  # a false alarm

    workspace = open_profile(cache_folder)
    try:
        assert workspace.cache_notice is None
        assert counts(workspace) == before
    finally:
        workspace.close()
    assert moved_files(cache_folder) == []
    assert not path.with_name(path.name + ".check").exists()


HOLD_LOCK = textwrap.dedent(
    """
    import sqlite3, sys, time
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    connection.execute("PRAGMA journal_mode=" + sys.argv[2])
    connection.execute(sys.argv[3])
    connection.execute("INSERT INTO saved_filters (name, filter, created_at) "
                       "VALUES ('held', '{}', '2026-12-03 00:00:00')")
    print("locked", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def hold_lock(cache_folder: Path) -> Iterator[object]:
    """Another process holding a write lock on the cache, until the test ends."""
    children: list[subprocess.Popen[str]] = []

    def hold(journal_mode: str, begin: str) -> None:
        path = cache_folder / "cache.db"
        child = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(path), journal_mode, begin],
            stdout=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        assert child.stdout is not None and child.stdout.readline() == "locked\n"

    yield hold
    for child in children:
        child.kill()
        child.wait()
        assert child.stdout is not None
        child.stdout.close()


def test_a_cache_locked_by_another_program_gives_a_sentence_and_is_not_moved(
    filled: tuple[Path, dict[str, int]],
    cache_folder: Path,
    hold_lock: object,
    monkeypatch: pytest.MonkeyPatch,
    figures: Figures,
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    hold_lock("DELETE", "BEGIN EXCLUSIVE")  # type: ignore[operator]

    with pytest.raises(CacheUnavailable) as caught:
        open_profile(cache_folder)
    figures.add("bad inputs", "cache locked by another program")

    assert caught.value.reason == LOCKED
    assert caught.value.user_message() == (
        f"Another program is using the cache file {cache_folder / 'cache.db'}. "
        "Close it (or the other opn-desk window) and try again."
    )
    assert moved_files(cache_folder) == []


def test_a_write_lock_during_work_gives_a_sentence_and_keeps_the_draft_unsaved(
    cache_folder: Path,
    hold_lock: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    workspace = open_profile(cache_folder)
    try:
        hold_lock("WAL", "BEGIN IMMEDIATE")  # type: ignore[operator]
        with pytest.raises(Exception) as caught:
            evidence.save_draft(
                workspace.engine, "dspt_test_c3", None, {}, clerk="Somchai", now=NOW
            )
        url = workspace.profile.resolved_database_url()
        problem = cache_problem(url, caught.value)
    finally:
        workspace.close()

    assert problem is not None and problem.reason == LOCKED
    assert "Another program is using the cache file" in problem.user_message()
    assert not (cache_folder / "cache.db.check").exists()


READ_ONLY_OPEN = textwrap.dedent(
    """
    import sys
    from opn_desk.services.cache_recovery import CacheUnavailable
    from opn_desk.services.profiles import Profile
    from opn_desk.services.workspace import open_workspace
    url = "sqlite:///" + sys.argv[1]
    profile = Profile("Shop", "test", base_url="http://127.0.0.1:9", database_url=url)
    try:
        open_workspace(profile, "skey_test_5k2x9c4m7q1w8e3r6t0y").close()
    except CacheUnavailable as error:
        print(error.reason)
        print(error.user_message())
    else:
        print("opened")
    """
)


def run_child(script: str, *args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="root writes in read-only folders; the tests below cover root",
)
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_a_read_only_data_folder_gives_a_sentence(
    tmp_path: Path, existing: bool, figures: Figures
) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    if existing:
        close_for_damage(open_profile(folder))
        (folder / "cache.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        lines = run_child(READ_ONLY_OPEN, str(folder / "cache.db"))
    finally:
        folder.chmod(0o755)
    figures.add("bad inputs", "read-only data folder")

    assert lines[0] == READ_ONLY
    assert lines[1].startswith(f"opn-desk cannot write in {folder}.")


def test_a_data_folder_that_cannot_be_made_gives_a_sentence(
    tmp_path: Path, figures: Figures
) -> None:
    blocker = tmp_path / "profiles"
    blocker.write_text("a file where the folder should be")
    folder = blocker / "Shop"

    lines = run_child(READ_ONLY_OPEN, str(folder / "cache.db"))
    figures.add("bad inputs", "data folder cannot be made")

    assert lines[0] == READ_ONLY
    assert lines[1].startswith(f"opn-desk cannot write in {folder}.")


def test_a_cache_sqlite_refuses_to_write_gives_a_sentence(
    filled: tuple[Path, dict[str, int]], figures: Figures
) -> None:
    path, _before = filled
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        with pytest.raises(sqlite3.OperationalError) as caught:
            connection.execute("DELETE FROM audit_log")
    figures.add("bad inputs", "cache not writable")

    problem = cache_problem(f"sqlite:///{path}", caught.value)

    assert problem is not None and problem.reason == READ_ONLY
    assert problem.user_message().startswith(f"opn-desk cannot write in {path.parent}.")


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_the_key_is_asked_and_used_for_the_session_only(
    cache_folder: Path, figures: Figures
) -> None:
    profile = shop_profile(cache_folder)

    with pytest.raises(KeyringUnavailable):
        store_secret_key(profile.name, KEY)
    with pytest.raises(MissingSecretKey):
        open_workspace(profile)
    workspace = open_workspace(profile, KEY)
    workspace.close()
    figures.add("bad inputs", "no keyring backend")

    assert workspace.secret_key == KEY
    for path in cache_folder.rglob("*"):
        assert KEY.encode() not in path.read_bytes()
