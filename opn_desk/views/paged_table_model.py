"""A table model that reads its rows lazily from the cache, page by page.

Only the row count and the pages the view asks for are loaded, on the
database worker. A row whose page is not loaded yet shows empty cells and
fills in when its page arrives.

Counting a million rows takes longer than reading the first page, so a
refresh loads the first page first (the table shows at once) and, when
it is full, counts every row next (the table then grows to its length
without losing its place). A table whose count is cheap (``count_first``)
counts first and reads only the pages the view asks for. Work for an
older filter that has not started yet is skipped, and its answers are
dropped.

A subclass says what its columns are called, how to count, how to read a
page and what a cell shows; the Transactions, Refunds and Audit tables are
such subclasses.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QObject, Signal
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.db import session_scope
from opn_desk.services.table_rows import TableExport, counted
from opn_desk.views.item_table_model import AnyIndex, ItemTableModel
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40

Item = TypeVar("Item")
CountQuery = Callable[[Session], int]
PageQuery = Callable[[Session], list[Item]]


class Generation:
    """Which refresh is current, readable from the database worker.

    Work queued on the worker holds this, not the model: a Qt object must
    not be released on a thread other than its own.
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class PagedTableModel(ItemTableModel[Item]):
    """Rows of the cache read lazily; subclasses fill in the columns.

    Subclasses say their columns as ``ItemTableModel`` asks, and how to
    count and read pages (``count_query``, ``page_query``) and to read
    every row for an export (``export_items``).

    Signals:
        loaded(int): the exact row count, once a refresh has counted.
        failed(object): the rows could not be read (the exception).
        engine_changed(object): the cache read from now on (an Engine or
            None).
    """

    loaded = Signal(int)
    failed = Signal(object)
    engine_changed = Signal(object)

    noun = "rows"  # for the log only
    count_first = False

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._engine: Engine | None = None
        self._row_count = 0
        self._pages: OrderedDict[int, list[Item]] = OrderedDict()
        self._pending: set[int] = set()
        self._live = Generation()
        self._counted_all = False
        self._awaiting_first = False

    # What a subclass says

    def count_query(self) -> CountQuery:
        """How to count the rows of the current filter (built here, run on
        the worker)."""
        raise NotImplementedError

    def page_query(self, page_no: int) -> PageQuery[Item]:
        """How to read page ``page_no`` of the current filter."""
        raise NotImplementedError

    def export_items(self, engine: Engine) -> Callable[[], Iterator[Item]]:
        """How to read every item of the current filter, for an export."""
        raise NotImplementedError

    # Public

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def runner(self) -> TaskRunner:
        return self._runner

    @property
    def timezone(self) -> str:
        return self._timezone

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def set_engine(self, engine: Engine | None) -> None:
        """Read from ``engine`` from now on (None: show nothing)."""
        self._engine = engine
        self.engine_changed.emit(engine)
        self.refresh()

    def refresh(self) -> None:
        """Re-read from the first page (after a sync or a new filter)."""
        self._live.value += 1
        self._counted_all = False
        self._awaiting_first = True
        self._pages.clear()
        self._pending.clear()
        if self._engine is None:
            self._awaiting_first = False
            self._reset(0)
            self.loaded.emit(0)
            return
        if self.count_first:
            self._awaiting_first = False
            self._count(self._live.value, self._engine)
            return
        self._request_page(0)

    def item_at(self, row: int) -> Item | None:
        """The loaded item at ``row``, or None while its page loads."""
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None or row % PAGE_SIZE >= len(page):
            return None
        self._pages.move_to_end(page_no)
        return page[row % PAGE_SIZE]

    def table_export(self, name: str, columns: Sequence[int]) -> TableExport | None:
        """Every row of the current filter with ``columns``, in their order,
        for an export; None without a cache."""
        engine = self._engine
        if engine is None:
            return None
        items, count = self.export_items(engine), self._export_count(engine)
        return self.describe_export(name, columns, items, count, self.zone)

    def item_for_row(self, row: int) -> Item | None:
        """The item at ``row``; asks for its page when it is not loaded."""
        if row >= self._row_count:
            return None
        item = self.item_at(row)
        if item is None:
            self._request_page(row // PAGE_SIZE)
        return item

    # Qt overrides

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.rowCount."""
        return 0 if parent.isValid() else self._row_count

    # For subclasses

    def loaded_page(self, page_no: int) -> list[Item] | None:
        """Page ``page_no`` if it is loaded (to read a neighbour from it)."""
        return self._pages.get(page_no)

    @property
    def counted_all(self) -> bool:
        """True once the exact row count is known."""
        return self._counted_all

    # Private

    def _export_count(self, engine: Engine) -> Callable[[], int | None]:
        if self._counted_all:
            known = self._row_count
            return lambda: known
        query = self.count_query()
        return lambda: counted(engine, query)

    def _request_page(self, page_no: int) -> None:
        engine = self._engine
        if engine is None or page_no in self._pending:
            return
        self._pending.add(page_no)
        generation, live = self._live.value, self._live
        query = self.page_query(page_no)

        def load() -> list[Item] | None:
            if generation != live.value:
                return None  # a newer filter came while this one waited
            with session_scope(engine) as session:
                return query(session)

        self._runner.run_db(
            load,
            lambda items: self._page_loaded(generation, page_no, items),
            lambda error: self._page_failed(generation, page_no, error),
            context=self,
        )

    def _page_loaded(
        self, generation: int, page_no: int, items: list[Item] | None
    ) -> None:
        if generation != self._live.value or items is None:
            return
        self._pending.discard(page_no)
        if page_no == 0 and self._awaiting_first:
            self._awaiting_first = False
            self._first_page_loaded(items)
            return
        self._pages[page_no] = items
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        first = page_no * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._row_count) - 1
        if last >= first:
            self.dataChanged.emit(
                self.index(first, 0), self.index(last, self.columnCount() - 1)
            )

    def _first_page_loaded(self, items: list[Item]) -> None:
        """Show the first page; count the rest when it is full."""
        self._reset(len(items))
        self._pages[0] = items
        if len(items) < PAGE_SIZE or self._engine is None:
            self._counted_all = True
            self.loaded.emit(len(items))
            return
        self._count(self._live.value, self._engine)

    def _page_failed(self, generation: int, page_no: int, error: BaseException) -> None:
        # A failed page other than the first stays marked pending, so a
        # failing query is not re-run on every repaint; the next refresh
        # asks for it again.
        logger.error("Could not load page %d of %s", page_no, self.noun, exc_info=error)
        if generation == self._live.value and page_no == 0 and self._awaiting_first:
            self._awaiting_first = False
            self._reset(0)
            self.failed.emit(error)

    def _count(self, generation: int, engine: Engine) -> None:
        live, query = self._live, self.count_query()

        def count() -> int | None:
            if generation != live.value:
                return None
            with session_scope(engine) as session:
                return query(session)

        self._runner.run_db(
            count,
            lambda rows: self._counted(generation, rows),
            lambda error: self._count_failed(generation, error),
            context=self,
        )

    def _counted(self, generation: int, rows: int | None) -> None:
        if generation != self._live.value or rows is None:
            return
        self._counted_all = True
        if self.count_first:
            self._reset(rows)
        else:
            self._grow(rows)
        self.loaded.emit(rows)

    def _count_failed(self, generation: int, error: BaseException) -> None:
        logger.error("Could not count the %s", self.noun, exc_info=error)
        if generation != self._live.value:
            return
        if self.count_first:
            self._reset(0)
        self.failed.emit(error)

    def _grow(self, rows: int) -> None:
        """Lengthen (or shorten) the table to ``rows`` keeping loaded pages."""
        if rows > self._row_count:
            self.beginInsertRows(QModelIndex(), self._row_count, rows - 1)
            self._row_count = rows
            self.endInsertRows()
        elif rows < self._row_count:
            self._reset(rows)

    def _reset(self, rows: int) -> None:
        self.beginResetModel()
        self._row_count = rows
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()
