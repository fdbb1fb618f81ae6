"""The Transactions table's item model, reading pages lazily from the cache.

Only the row count and the pages the view asks for are loaded, on the
database worker. A row whose page is not loaded yet shows empty cells and
fills in when its page arrives.
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
from PySide6.QtGui import QBrush, QColor
from sqlalchemy import Engine

from opn_desk.models.charge_store import (
    ChargeListItem,
    ChargeOrder,
    charge_page,
    count_charges,
)
from opn_desk.models.db import session_scope
from opn_desk.services.money import format_amount
from opn_desk.views.labels import payment_method_label, status_label
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40

DATE, CHARGE, AMOUNT, STATUS, METHOD, DESCRIPTION, BRANCH, CAMPAIGN = range(8)
_CONTEXT = "TransactionsTableModel"
_HEADERS = {
    DATE: QT_TRANSLATE_NOOP("TransactionsTableModel", "Date"),
    CHARGE: QT_TRANSLATE_NOOP("TransactionsTableModel", "Charge"),
    AMOUNT: QT_TRANSLATE_NOOP("TransactionsTableModel", "Amount"),
    STATUS: QT_TRANSLATE_NOOP("TransactionsTableModel", "Status"),
    METHOD: QT_TRANSLATE_NOOP("TransactionsTableModel", "Payment method"),
    DESCRIPTION: QT_TRANSLATE_NOOP("TransactionsTableModel", "Description"),
    BRANCH: QT_TRANSLATE_NOOP("TransactionsTableModel", "Branch"),
    CAMPAIGN: QT_TRANSLATE_NOOP("TransactionsTableModel", "Campaign"),
}
SORTABLE = {DATE, AMOUNT}
_FAILED_BRUSH = QBrush(QColor("#b3261e"))
_MUTED_BRUSH = QBrush(QColor("#6b6b6b"))

AnyIndex = QModelIndex | QPersistentModelIndex


class TransactionsTableModel(QAbstractTableModel):
    """Charges in the cache, one per row, in the chosen order.

    Signals:
        loaded(int): the row count after a refresh finished.
    """

    loaded = Signal(int)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._zone = ZoneInfo(timezone)
        self._engine: Engine | None = None
        self._order = ChargeOrder.NEWEST_FIRST
        self._row_count = 0
        self._pages: OrderedDict[int, list[ChargeListItem]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0

    def set_engine(self, engine: Engine | None) -> None:
        """Read from ``engine`` from now on (None: show nothing)."""
        self._engine = engine
        self.refresh()

    @property
    def order(self) -> ChargeOrder:
        return self._order

    def refresh(self) -> None:
        """Re-read the row count and drop loaded pages (after a sync)."""
        engine = self._engine
        self._generation += 1
        generation = self._generation
        if engine is None:
            self._reset(0)
            return

        def count() -> int:
            with session_scope(engine) as session:
                return count_charges(session)

        self._runner.run_db(
            count,
            lambda rows: self._counted(generation, rows),
            context=self,
        )

    def item_at(self, row: int) -> ChargeListItem | None:
        """The loaded charge at ``row``, or None while its page loads."""
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
            return QCoreApplication.translate(_CONTEXT, str(_HEADERS[section]))
        if role == Qt.ItemDataRole.TextAlignmentRole and section == AMOUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel.data."""
        if not index.isValid() or index.row() >= self._row_count:
            return None
        item = self.item_at(index.row())
        if item is None:
            self._request_page(index.row() // PAGE_SIZE)
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == DESCRIPTION:
            return item.description
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == AMOUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(item, index.column())
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractTableModel.flags."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(
        self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder
    ) -> None:
        """Override QAbstractTableModel.sort; only date and amount sort."""
        if column not in SORTABLE:
            return
        ascending = order == Qt.SortOrder.AscendingOrder
        if column == DATE:
            wanted = ChargeOrder.OLDEST_FIRST if ascending else ChargeOrder.NEWEST_FIRST
        else:
            wanted = (
                ChargeOrder.AMOUNT_LOW_FIRST
                if ascending
                else ChargeOrder.AMOUNT_HIGH_FIRST
            )
        if wanted != self._order:
            self._order = wanted
            self.refresh()

    # Private

    def _display(self, item: ChargeListItem, column: int) -> str | None:
        if column == DATE:
            return self._local_time(item.created_at)
        if column == CHARGE:
            return item.id
        if column == AMOUNT:
            return format_amount(item.amount, item.currency)
        if column == STATUS:
            return status_label(item.status)
        if column == METHOD:
            return payment_method_label(item.payment_method)
        if column == DESCRIPTION:
            return item.description
        if column == BRANCH:
            return item.branch
        if column == CAMPAIGN:
            return item.campaign
        return None

    def _foreground(self, item: ChargeListItem, column: int) -> QBrush | None:
        if column == STATUS and item.status == "failed":
            return _FAILED_BRUSH
        if column == STATUS and item.status in {"reversed", "expired"}:
            return _MUTED_BRUSH
        return None

    def _local_time(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")

    def _counted(self, generation: int, rows: int) -> None:
        if generation != self._generation:
            return
        self._reset(rows)
        self.loaded.emit(rows)

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
        generation, order = self._generation, self._order

        def load() -> list[ChargeListItem]:
            with session_scope(engine) as session:
                return charge_page(session, order, page_no * PAGE_SIZE, PAGE_SIZE)

        self._runner.run_db(
            load,
            lambda items: self._page_loaded(generation, page_no, items),
            lambda error: self._page_failed(generation, page_no, error),
            context=self,
        )

    def _page_loaded(
        self, generation: int, page_no: int, items: list[ChargeListItem]
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

    def _page_failed(self, generation: int, page_no: int, error: BaseException) -> None:
        if generation == self._generation:
            self._pending.discard(page_no)
        logger.error("Could not load page %d of charges", page_no, exc_info=error)
