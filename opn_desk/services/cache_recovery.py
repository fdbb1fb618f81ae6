"""Opening a SQLite cache that may be damaged, locked or in a read-only folder.

A cache that is not a database, or that SQLite reports as malformed, is
moved aside with a timestamp (``cache.db.damaged-20261203T101500Z``, with
its ``-wal`` and ``-shm`` files) and a new cache is built. What the API
cannot give back, the local-only tables (evidence drafts and their files,
the operations journal, the audit log, saved filters and reports), is
read out of the damaged file as far as SQLite can read it and copied into
the new one; ``CacheRecovered`` tells the clerk what was carried over,
what could not be read, and where the old file now is.

A cache another program holds locked, or one in a folder this user cannot
write, is left alone: opening it raises ``CacheUnavailable`` with a
sentence for the clerk.

Checking every page at each start would cost seconds on a large cache, so
a full check (``PRAGMA quick_check``) runs only when SQLite has already
reported damage: at open, or during work (``cache_problem`` then leaves a
marker beside the file, and the next open checks it).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from opn_desk.models.db import open_engine

logger = logging.getLogger(__name__)

# The local-only tables in the order they are copied (drafts before their
# files), each with a name a clerk understands.
LOCAL_ONLY_TABLES = (
    ("evidence_drafts", "evidence drafts"),
    ("evidence_files", "evidence files"),
    ("operations", "journal entries"),
    ("audit_log", "audit entries"),
    ("saved_filters", "saved filters"),
    ("saved_reports", "saved reports"),
)
SIDE_FILES = ("-wal", "-shm", "-journal")
CHECK_MARKER_SUFFIX = ".check"
SQLITE_HEADER = b"SQLite format 3\x00"

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
_DAMAGE_CODES = frozenset({_SQLITE_CORRUPT, _SQLITE_NOTADB})
_LOCK_CODES = frozenset({_SQLITE_BUSY, _SQLITE_LOCKED})
_READ_ONLY_CODES = frozenset({_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_CANTOPEN})

LOCKED = "locked"
READ_ONLY = "read_only"
DISK_FULL = "disk_full"
DAMAGED = "damaged"


class CacheUnavailable(RuntimeError):
    """The cache cannot be used now; ``user_message()`` says why and what to do.

    ``reason`` is ``locked``, ``read_only``, ``disk_full`` or ``damaged``
    (damage found during work, repaired at the next start).
    """

    def __init__(self, reason: str, path: Path) -> None:
        super().__init__(f"cache {reason}: {path}")
        self.reason = reason
        self.path = path

    def user_message(self) -> str:
        if self.reason == LOCKED:
            return (
                f"Another program is using the cache file {self.path}. "
                "Close it (or the other opn-desk window) and try again."
            )
        if self.reason == READ_ONLY:
            return (
                f"opn-desk cannot write in {self.path.parent}. Give your "
                "user account permission to write in that folder, or set "
                "OPN_DESK_HOME to a folder you can write in."
            )
        if self.reason == DISK_FULL:
            return (
                f"The disk holding {self.path} is full. Free some space "
                "and try again; nothing was lost."
            )
        return (
            f"The cache file {self.path} is damaged. Restart opn-desk: it "
            "will set the file aside and build a new cache."
        )


@dataclass(frozen=True, slots=True)
class CacheRecovered:
    """A damaged cache was set aside and a new one built.

    ``carried`` counts the local-only rows copied into the new cache, by
    table; ``unreadable`` names the local-only tables that SQLite could
    not read in full, whose rows may remain only in ``moved_to``.
    """

    moved_to: Path
    problem: str
    carried: dict[str, int] = field(default_factory=dict)
    unreadable: tuple[str, ...] = ()

    def user_message(self) -> str:
        lines = [
            "The cache file was damaged. opn-desk moved it to "
            f"{self.moved_to} and is building a new cache from Opn."
        ]
        carried = [
            f"{count} {label}"
            for table, label in LOCAL_ONLY_TABLES
            if (count := self.carried.get(table, 0))
        ]
        if carried:
            lines.append("Carried over: " + ", ".join(carried) + ".")
        if self.unreadable:
            names = ", ".join(_label(table) for table in self.unreadable)
            lines.append(
                f"Some {names} could not be read; they may remain in the "
                "moved file. Keep it and contact support before deleting it."
            )
        return "\n".join(lines)


def open_cache(url: str) -> tuple[Engine, CacheRecovered | None]:
    """Open and migrate a cache, repairing a damaged SQLite file first.

    Blocking: call it off the GUI thread.

    Raises:
        CacheUnavailable: locked by another program, or not writable.
    """
    path = sqlite_path(url)
    if path is None:
        return open_engine(url), None
    if _suspect(path):
        problem = check_cache_file(path)
        if problem is not None:
            return _rebuild(url, path, problem)
        _marker(path).unlink(missing_ok=True)
    try:
        return open_engine(url), None
    except (sqlite3.Error, DBAPIError, OSError) as exc:
        reason = _reason(exc)
        if reason is None:
            raise  # not about the file: a bug, or a newer schema
        if reason != DAMAGED:
            raise CacheUnavailable(reason, path) from exc
        logger.exception("The cache %s could not be opened", path)
        return _rebuild(url, path, str(exc))


def cache_problem(url: str, exc: BaseException) -> CacheUnavailable | None:
    """What a database error during work means for the clerk, if anything.

    Damage leaves a marker beside the file so that the next open checks
    every page and repairs it. None for errors that are not about the
    file itself (a constraint, a bug).
    """
    path = sqlite_path(url)
    if path is None or not isinstance(exc, sqlite3.Error | DBAPIError | OSError):
        return None
    reason = _reason(exc)
    if reason is None:
        return None
    if reason == DAMAGED:
        _marker(path).touch()
        logger.error("SQLite reports damage in %s; it is checked at next start", path)
    return CacheUnavailable(reason, path)


def check_cache_file(path: Path) -> str | None:
    """What is wrong with a SQLite file, or None when every page reads.

    Raises:
        CacheUnavailable: the file is locked or cannot be opened.
    """
    if path.stat().st_size == 0:
        return None  # SQLite makes a database of an empty file
    with path.open("rb") as stream:
        if stream.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            return "the file is not a SQLite database"
    try:
        with closing(sqlite3.connect(path, timeout=1.0)) as connection:
            rows = connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        reason = _reason(exc)
        if reason != DAMAGED:
            raise CacheUnavailable(reason or LOCKED, path) from exc
        return str(exc)
    problems = [str(row[0]) for row in rows if row[0] != "ok"]
    return "; ".join(problems[:3]) or None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def damaged_name(path: Path, now: datetime) -> Path:
    """Where a damaged cache is moved: its name, ``.damaged-`` and the time."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    return candidate


# Repair


def _rebuild(url: str, path: Path, problem: str) -> tuple[Engine, CacheRecovered]:
    moved_to = damaged_name(path, datetime.now(UTC))
    _move_with_side_files(path, moved_to)
    logger.error("Damaged cache %s moved to %s: %s", path, moved_to, problem)
    try:
        engine = open_engine(url)
    except (sqlite3.Error, DBAPIError, OSError) as exc:
        raise CacheUnavailable(_reason(exc) or READ_ONLY, path) from exc
    carried, unreadable = _carry_local_rows(moved_to, path)
    _marker(path).unlink(missing_ok=True)
    recovered = CacheRecovered(moved_to, problem, carried, tuple(unreadable))
    logger.warning("%s", recovered.user_message())
    return engine, recovered


def _move_with_side_files(path: Path, moved_to: Path) -> None:
    os.replace(path, moved_to)
    for suffix in SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, moved_to.with_name(moved_to.name + suffix))


def _carry_local_rows(old: Path, new: Path) -> tuple[dict[str, int], list[str]]:
    """Copy what can be read of each local-only table; count and complain."""
    carried: dict[str, int] = {}
    unreadable: list[str] = []
    try:
        source = sqlite3.connect(old, timeout=1.0)
    except sqlite3.Error:
        return carried, [table for table, _label in LOCAL_ONLY_TABLES]
    with closing(source), closing(sqlite3.connect(new, timeout=10.0)) as target:
        for table, _label in LOCAL_ONLY_TABLES:
            count, complete = _copy_table(source, target, table)
            target.commit()
            if count:
                carried[table] = count
            if not complete:
                unreadable.append(table)
    return carried, unreadable


def _copy_table(
    source: sqlite3.Connection, target: sqlite3.Connection, table: str
) -> tuple[int, bool]:
    """Rows copied, and whether the old table was read to its end.

    A table the old file never had (an older schema) reads as complete.
    """
    try:
        old_columns = _columns(source, table)
    except sqlite3.DatabaseError:
        return 0, False
    if not old_columns:
        return 0, True
    columns = [name for name in _columns(target, table) if name in old_columns]
    names = ", ".join(f'"{name}"' for name in columns)
    insert = (
        f'INSERT OR IGNORE INTO "{table}" ({names}) '
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    count = 0
    try:
        for row in _rows(source, table, names):
            try:
                count += target.execute(insert, row).rowcount
            except sqlite3.IntegrityError:
                logger.warning("A %s row could not be carried over", table)
                return count, False
    except sqlite3.DatabaseError:
        logger.exception("Reading %s from the damaged cache stopped", table)
        return count, False
    return count, True


def _rows(
    source: sqlite3.Connection, table: str, names: str
) -> Iterator[tuple[object, ...]]:
    yield from source.execute(f'SELECT {names} FROM "{table}"')


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    rows = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [str(row[1]) for row in rows]


# Errors


def _reason(exc: BaseException) -> str | None:
    """What an error says about the file: damaged, locked, read-only..."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, PermissionError | IsADirectoryError):
        return READ_ONLY
    if isinstance(exc, OSError):
        return DISK_FULL if exc.errno == 28 else READ_ONLY
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary in _DAMAGE_CODES:
        return DAMAGED
    if primary in _LOCK_CODES:
        return LOCKED
    if primary in _READ_ONLY_CODES or primary == _SQLITE_IOERR:
        return READ_ONLY
    if primary == _SQLITE_FULL:
        return DISK_FULL
    return None


def _marker(path: Path) -> Path:
    return path.with_name(path.name + CHECK_MARKER_SUFFIX)


def _suspect(path: Path) -> bool:
    return _marker(path).exists() and path.exists()


def _label(table: str) -> str:
    return dict(LOCAL_ONLY_TABLES).get(table, table)
