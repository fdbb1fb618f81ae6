"""The Refunds table's item model, reading pages lazily from the cache.

Only the row count and the pages the view asks for are loaded, on the
database worker. A row whose page is not loaded yet shows empty cells and
fills in when its page arrives; answers to an older filter are dropped.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.refund_queries import (
    RefundFilter,
    RefundListItem,
    count_refunds,
    refund_page,
)
from opn_desk.services.money import format_amount
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40

(DATE, REFUND, CHARGE, AMOUNT, KIND, STATUS, REASON, NOTE, OPERATION) = range(9)
_CONTEXT = "RefundsTableModel"
_HEADERS = {
    DATE: QT_TRANSLATE_NOOP("RefundsTableModel", "Date"),
    REFUND: QT_TRANSLATE_NOOP("RefundsTableModel", "Refund"),
    CHARGE: QT_TRANSLATE_NOOP("RefundsTableModel", "Charge"),
    AMOUNT: QT_TRANSLATE_NOOP("RefundsTableModel", "Amount"),
    KIND: QT_TRANSLATE_NOOP("RefundsTableModel", "Void or refund"),
    STATUS: QT_TRANSLATE_NOOP("RefundsTableModel", "Status"),
    REASON: QT_TRANSLATE_NOOP("RefundsTableModel", "Reason"),
    NOTE: QT_TRANSLATE_NOOP("RefundsTableModel", "Note"),
    OPERATION: QT_TRANSLATE_NOOP("RefundsTableModel", "Operation"),
}
_STATUSES = {
    "closed": QT_TRANSLATE_NOOP("RefundsTableModel", "Closed"),
    "pending": QT_TRANSLATE_NOOP("RefundsTableModel", "Pending"),
}
_VOID = QT_TRANSLATE_NOOP("RefundsTableModel", "Void")
_REFUND = QT_TRANSLATE_NOOP("RefundsTableModel", "Refund")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

AnyIndex = QModelIndex | QPersistentModelIndex


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def refund_status_label(status: str) -> str:
    """A refund's status in the clerk's language; unknown ones as they came."""
    text = _STATUSES.get(status)
    return _tr(text) if text else status


def refund_kind_label(voided: bool) -> str:
    """'Void' for a refund made before settlement, else 'Refund'."""
    return _tr(_VOID if voided else _REFUND)


class RefundsTableModel(QAbstractTableModel):
    """Cached refunds across charges matching a filter, newest first.

    Signals:
        loaded(int): the row count after a refresh finished.
        failed(object): the count could not be read (the exception).
    """

    loaded = Signal(int)
    failed = Signal(object)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._zone = ZoneInfo(timezone)
        self._engine: Engine | None = None
        self._filter = RefundFilter(timezone=timezone)
        self._row_count = 0
        self._pages: OrderedDict[int, list[RefundListItem]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0

    @property
    def refund_filter(self) -> RefundFilter:
        return self._filter

    def set_engine(self, engine: Engine | None) -> None:
        """Read from ``engine`` from now on (None: show nothing)."""
        self._engine = engine
        self.refresh()

    def set_filter(self, refund_filter: RefundFilter) -> None:
        """Show the refunds matching ``refund_filter``."""
        self._filter = refund_filter
        self.refresh()

    def refresh(self) -> None:
        """Re-read the row count and drop loaded pages (after a sync)."""
        engine = self._engine
        self._generation += 1
        generation, refund_filter = self._generation, self._filter
        if engine is None:
            self._reset(0)
            self.loaded.emit(0)
            return

        def count() -> int:
            with session_scope(engine) as session:
                return count_refunds(session, refund_filter)

        self._runner.run_db(
            count,
            lambda rows: self._counted(generation, rows),
            lambda error: self._count_failed(generation, error),
            context=self,
        )

    def item_at(self, row: int) -> RefundListItem | None:
        """The loaded refund at ``row``, or None while its page loads."""
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None or row % PAGE_SIZE >= len(page):
            return None
        self._pages.move_to_end(page_no)
        return page[row % PAGE_SIZE]

    # Qt overrides

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.rowCount."""
        return 0 if parent.isValid() else self._row_count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.columnCount."""
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Override QAbstractTableModel.headerData."""
        if orientation != Qt.Orientation.Horizontal or section not in _HEADERS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _tr(_HEADERS[section])
        if role == Qt.ItemDataRole.TextAlignmentRole and section == AMOUNT:
            return _RIGHT
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel.data."""
        if not index.isValid() or index.row() >= self._row_count:
            return None
        item = self.item_at(index.row())
        if item is None:
            self._request_page(index.row() // PAGE_SIZE)
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (REASON, NOTE):
            return self._display(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == AMOUNT:
            return _RIGHT
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractTableModel.flags."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # Private

    def _display(self, item: RefundListItem, column: int) -> str | None:
        if column == DATE:
            return self._local_time(item.created_at)
        if column == AMOUNT:
            return format_amount(item.amount, item.currency)
        if column == KIND:
            return refund_kind_label(item.voided)
        if column == STATUS:
            return refund_status_label(item.status)
        texts = {
            REFUND: item.id,
            CHARGE: item.charge_id,
            # TODO(#5): show the reason in words once the refund dialog's
            # list of reasons exists; until then it shows as stored.
            REASON: item.reason,
            NOTE: item.note,
            OPERATION: item.operation_id,
        }
        return texts.get(column)

    def _local_time(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")

    def _counted(self, generation: int, rows: int) -> None:
        if generation != self._generation:
            return
        self._reset(rows)
        self.loaded.emit(rows)

    def _count_failed(self, generation: int, error: BaseException) -> None:
        logger.error("Could not count the cached refunds", exc_info=error)
        if generation == self._generation:
            self._reset(0)
            self.failed.emit(error)

    def _reset(self, rows: int) -> None:
        self.beginResetModel()
        self._row_count = rows
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()

    def _request_page(self, page_no: int) -> None:
        engine = self._engine
        if engine is None or page_no in self._pending:
            return
        self._pending.add(page_no)
        generation, refund_filter = self._generation, self._filter

        def load() -> list[RefundListItem]:
            with session_scope(engine) as session:
                offset = page_no * PAGE_SIZE
                return refund_page(session, refund_filter, offset, PAGE_SIZE)

        self._runner.run_db(
            load,
            lambda items: self._page_loaded(generation, page_no, items),
            lambda error: self._page_failed(page_no, error),
            context=self,
        )

    def _page_loaded(
        self, generation: int, page_no: int, items: list[RefundListItem]
    ) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page_no)
        self._pages[page_no] = items
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        first = page_no * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._row_count) - 1
        if last >= first:
            self.dataChanged.emit(
                self.index(first, 0), self.index(last, len(_HEADERS) - 1)
            )

    def _page_failed(self, page_no: int, error: BaseException) -> None:
        # The page stays marked pending, so a failing query is not re-run
        # on every repaint; the next refresh asks for it again.
        logger.error("Could not load page %d of refunds", page_no, exc_info=error)
