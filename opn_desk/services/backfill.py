"""Backfill: copying one list resource into the cache, window by window.

A resource's objects are listed in created-time windows, oldest first. Pages
are fetched by a small pool (several requests in flight hide the network's
latency), made into rows as far as can be done without the database, and
handed to a writer thread, which writes them as they arrive while the next
pages are fetched, and commits up to 20,000 objects at a time: one large
transaction costs SQLite far less than many small ones. The writer is the
sync's narrowest point, so it is left only the database's work.
The cursor moves past a window only once every page of it and of every
earlier window is written, in the same transaction as the last of those
pages. An interrupted backfill therefore resumes at the first window it had
not finished, and what it wrote before is written again without change
(upserts are keyed by id).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Generic, Protocol, TypedDict, TypeVar

from sqlalchemy import Dialect, Engine
from sqlalchemy.orm import Session

from opn_desk.models.db import session_scope
from opn_desk.models.sync_store import sync_state
from opn_desk.models.upsert import PreparedUpserts
from opn_desk.services.api import OpnClient, Page

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = timedelta(days=7)
PAGE_SIZE = 100
# Opn asks for no more than 10 parallel requests; 8 hides 50 ms of latency.
DEFAULT_IN_FLIGHT = 8
MAX_IN_FLIGHT = 10
# Windows whose pages may be fetched ahead of the first unfinished one.
LOOKAHEAD_WINDOWS = 4
# A finished backfill looks back this far on the next run, so an object that
# the API dated slightly before our previous "now" is not missed.
RESYNC_OVERLAP = timedelta(hours=1)
# The writer commits once it holds this many objects, or this long after
# its first uncommitted write: a killed run redoes at most that much, and
# the views see new objects within seconds. SQLite pays per commit (the
# search index, the WAL checkpoint): commits of 1,000 charges cost about
# 40 % more CPU per charge than commits of 20,000 (bench/sync.py).
COMMIT_OBJECTS = 20_000
COMMIT_EVERY_S = 5.0
# Pages fetched and waiting for the writer; when it falls behind, fetching
# waits, so memory stays flat however large the account.
WRITE_QUEUE_PAGES = 8
# The writer joins the pages waiting for it, up to this many objects, into
# one statement per table: every statement hands Python's GIL to the
# fetching threads while SQLite works, and the writer then waits to get
# it back, so fewer statements keep the writer (the sync's narrowest
# point) busier.
JOIN_OBJECTS = 1_000
_POLL_S = 0.2


class Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=Identified)
ListPage = Callable[[OpnClient, datetime | None, datetime | None, int, int], Page[T]]
StoreRows = Callable[[Session, Sequence[T], datetime], int]
# Writes what was prepared into a session; returns rows written.
Write = Callable[[Session], int]
PrepareRows = Callable[[Sequence[T], datetime, Dialect], Write]


class SyncCancelled(Exception):
    """The sync was cancelled; what was committed before stays."""


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """How far one resource's sync has gone."""

    resource: str
    fetched: int
    total: int | None


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one sync run of one resource did."""

    resource: str
    fetched: int
    written: int
    windows: int
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class ListResource(Generic[T]):
    """A list endpoint and how its objects go into the cache.

    Attributes:
        name: the sync-state key, e.g. ``charges``.
        list_page: fetches one page: (client, from, to, offset, limit).
        store: upserts parsed objects fetched at a time; returns rows written.
        prepare: optional; does what ``store`` does short of writing, before
            the objects are queued for the writer, and returns what writes
            them.
    """

    name: str
    list_page: ListPage[T]
    store: StoreRows[T]
    prepare: PrepareRows[T] | None = None

    def write_of(self, items: Sequence[T], at: datetime, dialect: Dialect) -> Write:
        """What writes ``items`` fetched at ``at``, as much of it done now
        as can be without the database."""
        if self.prepare is not None:
            return self.prepare(items, at, dialect)
        return partial(_store, self.store, items, at)


def _store(
    store: StoreRows[T], items: Sequence[T], at: datetime, session: Session
) -> int:
    return store(session, items, at)


class BackfillOptions(TypedDict, total=False):
    """How a backfill runs: its window size, its requests in flight, its clock."""

    window: timedelta
    page_size: int
    in_flight: int
    commit_objects: int
    clock: Callable[[], datetime]


ProgressCallback = Callable[[SyncProgress], None]
CancelCheck = Callable[[], bool]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Window:
    start: datetime
    end: datetime
    outstanding: int = 1  # pages not yet written; the first page counts
    sized: bool = False


@dataclass(slots=True)
class _Run:
    windows: list[_Window]
    next_window: int = 0
    # Windows whose every page, and every earlier window's, was fetched.
    finished_windows: int = 0
    fetched: int = 0
    seen: set[str] = field(default_factory=set)
    # Later pages of opened windows, not asked for yet: (window, offset).
    waiting: deque[tuple[int, int]] = field(default_factory=deque)


@dataclass(frozen=True, slots=True)
class _Batch:
    """What writes a page's objects, how many, and the cursor to commit
    after them.

    The objects are stamped with when the page arrived, not when they are
    written: a copy that waited in the queue must not pass for newer than
    one the app fetched meanwhile (a charge refunded during the sync, for
    one).
    """

    write: Write
    objects: int
    cursor: datetime | None

    def joined(self, following: _Batch) -> _Batch | None:
        """This batch and the one after it as one, when their rows can be
        upserted together."""
        first, second = self.write, following.write
        if not isinstance(first, PreparedUpserts):
            return None
        write = first.joined(second) if isinstance(second, PreparedUpserts) else None
        if write is None:
            return None
        cursor = following.cursor or self.cursor
        return _Batch(write, self.objects + following.objects, cursor)


def _nothing(_session: Session) -> int:
    return 0


class _Writer:
    """Writes a backfill's pages on a thread of its own, in large commits.

    Its session lives and dies on that thread. ``put`` blocks while
    ``WRITE_QUEUE_PAGES`` batches wait; ``close`` writes and commits what
    is left and raises the error that stopped the writer, if one did.
    """

    def __init__(self, engine: Engine, name: str, commit_objects: int) -> None:
        self._engine = engine
        self._name = name
        self._commit_objects = commit_objects
        self._batches: queue.Queue[_Batch | None] = queue.Queue(WRITE_QUEUE_PAGES)
        # A batch taken from the queue that did not join the one before it.
        self._taken: deque[_Batch | None] = deque()
        self._error: BaseException | None = None
        self.written = 0
        self.commits = 0
        self._thread = threading.Thread(
            target=self._run, name=f"opn-sync-write-{name}", daemon=True
        )
        self._thread.start()

    def put(self, batch: _Batch) -> None:
        """Queue a batch; raises the writer's error if it stopped."""
        self._offer(batch, lambda: self._error is None)
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Write and commit every queued batch, then stop the thread."""
        if self._thread.is_alive():
            self._offer(None, self._thread.is_alive)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def _offer(self, batch: _Batch | None, waiting: Callable[[], bool]) -> None:
        """Queue ``batch`` as soon as there is room, while ``waiting()``."""
        while waiting():
            try:
                self._batches.put(batch, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            with session_scope(self._engine) as session:
                self._write_all(session)
        except BaseException as error:  # raised on the caller's thread
            self._error = error
            self._drain()

    def _write_all(self, session: Session) -> None:
        objects, cursor = 0, None
        started = time.monotonic()
        while True:
            wait_s = max(COMMIT_EVERY_S - (time.monotonic() - started), 0.01)
            try:
                batch = self._take(timeout=wait_s if objects else None)
            except queue.Empty:
                batch = _Batch(_nothing, 0, None)
            if batch is None:
                self._commit(session, objects, cursor)
                return
            if batch.objects:
                if not objects:
                    started = time.monotonic()
                self.written += batch.write(session)
                objects += batch.objects
            cursor = batch.cursor or cursor
            due = time.monotonic() - started >= COMMIT_EVERY_S
            if objects >= self._commit_objects or (objects and due):
                self._commit(session, objects, cursor)
                objects, cursor = 0, None

    def _take(self, timeout: float | None) -> _Batch | None:
        """The next batch, joined with those queued behind it that join it.

        Raises:
            queue.Empty: nothing came within ``timeout`` seconds.
        """
        batch = (
            self._taken.popleft() if self._taken else self._batches.get(True, timeout)
        )
        while batch is not None and batch.objects < JOIN_OBJECTS:
            try:
                following = self._batches.get_nowait()
            except queue.Empty:
                break
            joined = batch.joined(following) if following is not None else None
            if joined is None:
                self._taken.append(following)
                break
            batch = joined
        return batch

    def _commit(self, session: Session, objects: int, cursor: datetime | None) -> None:
        state = sync_state(session, self._name)
        state.objects_seen += objects
        if cursor is not None:
            state.backfill_cursor = cursor
        session.commit()
        self.commits += 1

    def _drain(self) -> None:
        """Empty the queue so that a caller blocked in ``put`` wakes up."""
        while True:
            try:
                self._batches.get_nowait()
            except queue.Empty:
                return


class Backfill(Generic[T]):
    """Copies every object of one list resource created up to now."""

    def __init__(
        self,
        client: OpnClient,
        engine: Engine,
        resource: ListResource[T],
        *,
        window: timedelta = DEFAULT_WINDOW,
        page_size: int = PAGE_SIZE,
        in_flight: int = DEFAULT_IN_FLIGHT,
        commit_objects: int = COMMIT_OBJECTS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not 1 <= in_flight <= MAX_IN_FLIGHT:
            raise ValueError(f"in_flight must be 1 to {MAX_IN_FLIGHT}")
        self._client = client
        self._engine = engine
        self._resource = resource
        self._window = window
        self._page_size = page_size
        self._in_flight = in_flight
        self._commit_objects = commit_objects
        self._clock = clock

    @property
    def name(self) -> str:
        """The resource's name (its sync-state key)."""
        return self._resource.name

    def run(
        self,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> SyncResult:
        """Backfill from the cursor up to now.

        Raises:
            SyncCancelled: when ``cancelled`` returns True.
            ApiError: when the API cannot be read; finished windows stay.
        """
        report = progress or (lambda _progress: None)
        stop = cancelled or (lambda: False)
        until = self._clock()
        start = self._start_point()
        if start is None or start >= until:
            return self._finish(until, _Run(windows=[]), 0)

        total = self._fetch(start, until, 0, 1).total
        run = _Run(windows=list(_windows(start, until, self._window)))
        report(SyncProgress(self._resource.name, 0, total))
        with ThreadPoolExecutor(self._in_flight, "opn-sync") as pool:
            writer = _Writer(self._engine, self._resource.name, self._commit_objects)
            reported = _Reporter(
                lambda: report(
                    SyncProgress(
                        self._resource.name, run.fetched, max(total, run.fetched)
                    )
                )
            )
            try:
                self._fetch_all(pool, run, writer, stop, reported)
            except BaseException as error:
                pool.shutdown(wait=True, cancel_futures=True)
                # What was fetched is kept: written, and committed with the
                # cursor of the windows it completes.
                _close_quietly(writer, error)
                raise
            writer.close()
            reported.after(writer.commits)
        return self._finish(until, run, writer.written)

    # Private

    def _start_point(self) -> datetime | None:
        """Where the backfill resumes, or None when the account has none."""
        with session_scope(self._engine) as session:
            state = sync_state(session, self._resource.name)
            cursor, done = state.backfill_cursor, state.backfill_done
        if cursor is not None:
            return cursor - RESYNC_OVERLAP if done else cursor

        oldest = self._fetch(None, None, 0, 1).data
        return _created_at(oldest[0]) if oldest else None

    def _fetch(
        self, start: datetime | None, end: datetime | None, offset: int, limit: int
    ) -> Page[T]:
        return self._resource.list_page(self._client, start, end, offset, limit)

    def _fetch_all(
        self,
        pool: ThreadPoolExecutor,
        run: _Run,
        writer: _Writer,
        stop: CancelCheck,
        reported: _Reporter,
    ) -> None:
        pending: dict[Future[Page[T]], tuple[int, int]] = {}
        while True:
            self._top_up(pool, run, pending)
            if not pending:
                return
            done, _ = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
            if stop():
                raise SyncCancelled()
            reported.after(writer.commits)
            for future in done:
                index, offset = pending.pop(future)
                page = future.result()
                fresh = self._accept(run, index, offset, page)
                cursor = self._newly_finished(run)
                write = self._resource.write_of(
                    fresh, self._clock(), self._engine.dialect
                )
                writer.put(_Batch(write, len(fresh), cursor))
                self._top_up(pool, run, pending)

    def _top_up(
        self,
        pool: ThreadPoolExecutor,
        run: _Run,
        pending: dict[Future[Page[T]], tuple[int, int]],
    ) -> None:
        """Keep ``in_flight`` pages asked for, no more: pages not yet written
        stay few, so memory stays flat however large the account."""
        lookahead = min(run.finished_windows + LOOKAHEAD_WINDOWS, len(run.windows))
        while len(pending) < self._in_flight:
            if run.waiting:
                index, offset = run.waiting.popleft()
            elif run.next_window < lookahead:
                index, offset = run.next_window, 0
                run.next_window += 1
            else:
                return
            self._submit(pool, pending, run.windows[index], index, offset)

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        pending: dict[Future[Page[T]], tuple[int, int]],
        window: _Window,
        index: int,
        offset: int,
    ) -> None:
        future = pool.submit(
            self._fetch, window.start, window.end, offset, self._page_size
        )
        pending[future] = (index, offset)

    def _accept(
        self,
        run: _Run,
        index: int,
        offset: int,
        page: Page[T],
    ) -> list[T]:
        """Note a page as fetched; the objects not seen before in this run."""
        window = run.windows[index]
        if offset == 0 and not window.sized:
            window.sized = True
            for later in range(self._page_size, page.total, self._page_size):
                run.waiting.append((index, later))
                window.outstanding += 1
        window.outstanding -= 1

        # Both ends of a window are inclusive, so an object created on a
        # boundary comes twice; it is written and counted once.
        fresh = [item for item in page.data if item.id not in run.seen]
        run.seen.update(item.id for item in fresh)
        run.fetched += len(fresh)
        return fresh

    def _newly_finished(self, run: _Run) -> datetime | None:
        """The cursor past the windows that are now wholly fetched, if any."""
        finished = run.finished_windows
        while finished < len(run.windows) and run.windows[finished].outstanding == 0:
            finished += 1
        if finished == run.finished_windows:
            return None
        run.finished_windows = finished
        return run.windows[finished - 1].end

    def _finish(self, until: datetime, run: _Run, written: int) -> SyncResult:
        name = self._resource.name
        with session_scope(self._engine) as session:
            state = sync_state(session, name)
            state.backfill_cursor = until
            state.backfill_done = True
            state.last_synced_at = until
            state.last_error = None
        logger.info(
            "%s synced: %d fetched, %d written, %d windows",
            name,
            run.fetched,
            written,
            len(run.windows),
        )
        return SyncResult(name, run.fetched, written, len(run.windows), until)


def _close_quietly(writer: _Writer, raised: BaseException) -> None:
    """Close the writer while the error ``raised`` is on its way up."""
    try:
        writer.close()
    except Exception as error:
        if error is not raised:
            logger.exception("The sync could not write what it had fetched")


class _Reporter:
    """Reports progress once after each commit of the writer."""

    def __init__(self, report: Callable[[], None]) -> None:
        self._report = report
        self._commits = 0

    def after(self, commits: int) -> None:
        if commits != self._commits:
            self._commits = commits
            self._report()


def _windows(start: datetime, until: datetime, size: timedelta) -> Iterator[_Window]:
    while start < until:
        end = min(start + size, until)
        yield _Window(start, end)
        start = end


def _created_at(item: Any) -> datetime:
    created_at = getattr(item, "created_at", None)
    if not isinstance(created_at, datetime):
        raise TypeError(f"{type(item).__name__} has no created_at datetime")
    return created_at
