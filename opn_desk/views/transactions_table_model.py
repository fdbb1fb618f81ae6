"""The Transactions table's item model, reading pages lazily from the cache.

Only the row count and the pages the view asks for are loaded, on the
database worker, through the same filter. A row whose page is not loaded
yet shows empty cells and fills in when its page arrives.

Counting a million charges takes longer than showing the first page, so a
refresh loads the first page first (the table shows at once) and, when
it is full, counts every row next (the table then grows to its length
without losing its place). A page next to a loaded one is read from that
page's last (or first) row on, an index seek; a page far from any other
is read by its offset, from whichever end of the table is nearer. Work
for an older filter that has not started yet is skipped, and its answers
are dropped.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
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

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.charge_store import (
    ChargeListItem,
    ChargeOrder,
    charge_page,
    count_charges,
    reversed_order,
)
from opn_desk.models.db import session_scope
from opn_desk.services.money import format_amount
from opn_desk.views.labels import payment_method_label, status_label
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40

(
    DATE,
    CHARGE,
    AMOUNT,
    STATUS,
    METHOD,
    DESCRIPTION,
    BRANCH,
    CAMPAIGN,
    REFUNDED,
    CARD,
    ORDER_ID,
) = range(11)
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
    REFUNDED: QT_TRANSLATE_NOOP("TransactionsTableModel", "Refunded"),
    CARD: QT_TRANSLATE_NOOP("TransactionsTableModel", "Card"),
    ORDER_ID: QT_TRANSLATE_NOOP("TransactionsTableModel", "Order id"),
}
_RIGHT_ALIGNED = {AMOUNT, REFUNDED}
SORTABLE = {DATE, AMOUNT}
_FAILED_BRUSH = QBrush(QColor("#b3261e"))
_MUTED_BRUSH = QBrush(QColor("#6b6b6b"))

AnyIndex = QModelIndex | QPersistentModelIndex


class _Generation:
    """Which refresh is current, readable from the database worker.

    Work queued on the worker holds this, not the model: a Qt object must
    not be released on a thread other than its own.
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


@dataclass(frozen=True, slots=True)
class _PageRead:
    """How to read one page: in which order, from where, how many rows."""

    order: ChargeOrder
    offset: int
    limit: int
    after: ChargeListItem | None = None
    backwards: bool = False


class TransactionsTableModel(QAbstractTableModel):
    """Charges in the cache, one per row, in the chosen order.

    Signals:
        loaded(int): the exact row count, once a refresh has counted.
        engine_changed(object): the cache read from now on (an Engine or
            None).
    """

    loaded = Signal(int)
    engine_changed = Signal(object)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._zone = ZoneInfo(timezone)
        self._timezone = timezone
        self._engine: Engine | None = None
        self._filter = ChargeFilter()
        self._order = ChargeOrder.NEWEST_FIRST
        self._row_count = 0
        self._pages: OrderedDict[int, list[ChargeListItem]] = OrderedDict()
        self._pending: set[int] = set()
        self._live = _Generation()
        self._counted_all = False
        self._awaiting_first = False

    def set_engine(self, engine: Engine | None) -> None:
        """Read from ``engine`` from now on (None: show nothing)."""
        self._engine = engine
        self.engine_changed.emit(engine)
        self.refresh()

    def set_filter(self, charge_filter: ChargeFilter) -> None:
        """Show only the charges ``charge_filter`` lets through."""
        if charge_filter != self._filter:
            self._filter = charge_filter
            self.refresh()

    @property
    def charge_filter(self) -> ChargeFilter:
        return self._filter

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
    def order(self) -> ChargeOrder:
        return self._order

    def refresh(self) -> None:
        """Re-read from the first page (after a sync or a new filter)."""
        self._live.value += 1
        self._counted_all = False
        self._awaiting_first = True
        self._pages.clear()
        self._pending.clear()
        if self._engine is None:
            self._reset(0)
            return
        self._request_page(0)

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
        if role == Qt.ItemDataRole.TextAlignmentRole and section in _RIGHT_ALIGNED:
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
        if (
            role == Qt.ItemDataRole.TextAlignmentRole
            and index.column() in _RIGHT_ALIGNED
        ):
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
        if column == REFUNDED:
            return _refunded_text(item)
        if column == CARD:
            return _card_text(item)
        if column == ORDER_ID:
            return item.order_id
        return None

    def _foreground(self, item: ChargeListItem, column: int) -> QBrush | None:
        if column == STATUS and item.status == "failed":
            return _FAILED_BRUSH
        if column == STATUS and item.status in {"reversed", "expired"}:
            return _MUTED_BRUSH
        return None

    def _local_time(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")

    def _count(self, generation: int, engine: Engine) -> None:
        live, charge_filter, zone = self._live, self._filter, self._zone

        def count() -> int | None:
            if generation != live.value:
                return None  # a newer filter came while this one waited
            with session_scope(engine) as session:
                return count_charges(session, charge_filter, zone)

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
        self._grow(rows)
        self.loaded.emit(rows)

    def _first_page_loaded(self, items: list[ChargeListItem]) -> None:
        """Show the first page; count the rest when it is full."""
        self._reset(len(items))
        self._pages[0] = items
        if len(items) < PAGE_SIZE or self._engine is None:
            self._counted_all = True
            self.loaded.emit(len(items))
            return
        self._count(self._live.value, self._engine)

    def _grow(self, rows: int) -> None:
        """Lengthen (or shorten) the table to ``rows`` keeping loaded pages."""
        if rows > self._row_count:
            self.beginInsertRows(QModelIndex(), self._row_count, rows - 1)
            self._row_count = rows
            self.endInsertRows()
        elif rows < self._row_count:
            self._reset(rows)

    def _count_failed(self, generation: int, error: BaseException) -> None:
        logger.error("Could not count the charges", exc_info=error)

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
        generation, live = self._live.value, self._live
        charge_filter, zone = self._filter, self._zone
        read = self._page_read(page_no)

        def load() -> list[ChargeListItem] | None:
            if generation != live.value:
                return None
            with session_scope(engine) as session:
                items = charge_page(
                    session,
                    read.order,
                    read.offset,
                    read.limit,
                    charge_filter,
                    zone,
                    after=read.after,
                )
            return items[::-1] if read.backwards else items

        self._runner.run_db(
            load,
            lambda items: self._page_loaded(generation, page_no, items),
            lambda error: self._page_failed(generation, page_no, error),
            context=self,
        )

    def _page_read(self, page_no: int) -> _PageRead:
        """The cheapest way to read ``page_no`` from what is loaded."""
        first = page_no * PAGE_SIZE
        before = self._pages.get(page_no - 1)
        if before:
            return _PageRead(self._order, 0, PAGE_SIZE, after=before[-1])
        following = self._pages.get(page_no + 1)
        if following:
            backwards = reversed_order(self._order)
            return _PageRead(backwards, 0, PAGE_SIZE, following[0], True)
        if self._counted_all and first > self._row_count // 2:
            last = min(first + PAGE_SIZE, self._row_count) - 1
            from_end = self._row_count - 1 - last
            backwards = reversed_order(self._order)
            return _PageRead(backwards, from_end, last - first + 1, None, True)
        return _PageRead(self._order, first, PAGE_SIZE)

    def _page_loaded(
        self, generation: int, page_no: int, items: list[ChargeListItem] | None
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
                self.index(first, 0), self.index(last, len(_HEADERS) - 1)
            )

    def _page_failed(self, generation: int, page_no: int, error: BaseException) -> None:
        if generation == self._live.value:
            self._pending.discard(page_no)
        logger.error("Could not load page %d of charges", page_no, exc_info=error)


def _refunded_text(item: ChargeListItem) -> str | None:
    if item.refunded_amount == 0:
        return None
    return format_amount(item.refunded_amount, item.currency)


def _card_text(item: ChargeListItem) -> str | None:
    if item.card_brand is None:
        return None
    if item.card_last_digits is None:
        return item.card_brand
    return f"{item.card_brand} ···· {item.card_last_digits}"
