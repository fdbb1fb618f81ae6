"""The Transactions table's item model, reading pages lazily from the cache.

The paging itself is ``PagedTableModel``'s. Charges add an order the
clerk can choose and cheaper page reads: a page next to a loaded one is
read from that page's last (or first) row on, an index seek; a page far
from any other is read by its offset, from whichever end of the table is
nearer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.charge_store import (
    ChargeListItem,
    ChargeOrder,
    charge_page,
    count_charges,
    reversed_order,
)
from opn_desk.models.db import session_scope
from opn_desk.services.export import ColumnKind
from opn_desk.services.money import Money, format_amount
from opn_desk.services.table_rows import ValueOf, shown_charges
from opn_desk.views.item_table_model import ExportColumn
from opn_desk.views.labels import moment_text, payment_method_label, status_label
from opn_desk.views.paged_table_model import (
    PAGE_SIZE,
    CountQuery,
    PagedTableModel,
    PageQuery,
)
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

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
    CURRENCY,
) = range(12)
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
    CURRENCY: QT_TRANSLATE_NOOP("TransactionsTableModel", "Currency"),
}
SORTABLE = {DATE, AMOUNT}
_FAILED_BRUSH = QBrush(QColor("#b3261e"))
_MUTED_BRUSH = QBrush(QColor("#6b6b6b"))


@dataclass(frozen=True, slots=True)
class _PageRead:
    """How to read one page: in which order, from where, how many rows."""

    order: ChargeOrder
    offset: int
    limit: int
    after: ChargeListItem | None = None
    backwards: bool = False


class TransactionsTableModel(PagedTableModel[ChargeListItem]):
    """Charges in the cache, one per row, in the chosen order.

    Signals:
        counted(int, int): the charges shown and the charges in the
            cache, after each count (the same number without a filter).
    """

    counted = Signal(int, int)

    context = "TransactionsTableModel"
    headers = _HEADERS
    right_aligned = frozenset({AMOUNT, REFUNDED})
    currency_column = CURRENCY
    noun = "charges"

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(runner, timezone, parent)
        self._filter = ChargeFilter()
        self._order = ChargeOrder.NEWEST_FIRST
        self._cache_counts = 0
        # The charges in the cache, known until the cache may have changed.
        self._cache_total: int | None = None
        self.loaded.connect(self._count_cache)

    def set_filter(self, charge_filter: ChargeFilter) -> None:
        """Show only the charges ``charge_filter`` lets through."""
        if charge_filter != self._filter:
            self._filter = charge_filter
            super().refresh()  # the same charges, shown anew

    @property
    def charge_filter(self) -> ChargeFilter:
        return self._filter

    @property
    def order(self) -> ChargeOrder:
        return self._order

    def export_column(self, column: int) -> ExportColumn[ChargeListItem]:
        """What ``column`` holds in an export, and its value for a charge.

        Amounts are numbers (``Money``), the date a point in time; the
        other columns are the text the table shows.
        """
        if column == DATE:
            return ColumnKind.DATETIME, _created_at
        if column == AMOUNT:
            return ColumnKind.MONEY, _amount
        if column == REFUNDED:
            return ColumnKind.MONEY, _refunded
        return ColumnKind.TEXT, partial(_cell_text, column=column, zone=self.zone)

    def export_currency(self) -> ValueOf[ChargeListItem]:
        return _currency

    def export_items(self, engine: Engine) -> Callable[[], Iterator[ChargeListItem]]:
        charge_filter, zone, order = self._filter, self.zone, self._order
        return lambda: shown_charges(engine, charge_filter, zone, order)

    # Qt overrides

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
            super().refresh()  # the same charges, shown anew

    # PagedTableModel

    def count_query(self) -> CountQuery:
        charge_filter, zone = self._filter, self.zone
        return lambda session: count_charges(session, charge_filter, zone)

    def page_query(self, page_no: int) -> PageQuery[ChargeListItem]:
        charge_filter, zone = self._filter, self.zone
        read = self._page_read(page_no)

        def query(session: Session) -> list[ChargeListItem]:
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

        return query

    def display(self, item: ChargeListItem, column: int) -> str | None:
        return _cell_text(item, column, self.zone)

    def cell_role(self, item: ChargeListItem, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == DESCRIPTION:
            return item.description
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return _status_brush(item.status)
        return None

    # Private

    def refresh(self) -> None:
        """Re-read from the first page: the cache may have changed (a sync,
        a write, another cache), so its total is counted again."""
        self._cache_total = None
        super().refresh()

    def _count_cache(self, shown: int) -> None:
        """Count every charge in the cache when a filter hides some, once
        until the cache changes."""
        self._cache_counts += 1
        engine = self.engine
        if engine is None or self._filter == ChargeFilter():
            self._cache_total = shown if engine is not None else None
            self.counted.emit(shown, shown)
            return
        if self._cache_total is not None:
            self.counted.emit(shown, self._cache_total)
            return
        ask, zone = self._cache_counts, self.zone

        def count() -> int:
            with session_scope(engine) as session:
                return count_charges(session, ChargeFilter(), zone)

        def answer(in_cache: int) -> None:
            if ask == self._cache_counts:  # no newer count came meanwhile
                self._cache_total = in_cache
                self.counted.emit(shown, in_cache)

        self.runner.run_db(count, answer, self._cache_not_counted, context=self)

    def _cache_not_counted(self, error: BaseException) -> None:
        logger.warning("The charges in the cache were not counted", exc_info=error)

    def _page_read(self, page_no: int) -> _PageRead:
        """The cheapest way to read ``page_no`` from what is loaded."""
        first = page_no * PAGE_SIZE
        rows = self.rowCount()
        before = self.loaded_page(page_no - 1)
        if before:
            return _PageRead(self._order, 0, PAGE_SIZE, after=before[-1])
        following = self.loaded_page(page_no + 1)
        if following:
            backwards = reversed_order(self._order)
            return _PageRead(backwards, 0, PAGE_SIZE, following[0], True)
        if self.counted_all and first > rows // 2:
            last = min(first + PAGE_SIZE, rows) - 1
            from_end = rows - 1 - last
            backwards = reversed_order(self._order)
            return _PageRead(backwards, from_end, last - first + 1, None, True)
        return _PageRead(self._order, first, PAGE_SIZE)


def _cell_text(item: ChargeListItem, column: int, zone: tzinfo) -> str | None:
    """The text the table shows in ``column`` for ``item``."""
    if column == DATE:
        return _local_time(item.created_at, zone)
    if column == AMOUNT:
        return format_amount(item.amount, item.currency)
    if column == STATUS:
        return status_label(item.status)
    if column == METHOD:
        return payment_method_label(item.payment_method)
    if column == REFUNDED:
        return _refunded_text(item)
    if column == CARD:
        return _card_text(item)
    texts = {
        CHARGE: item.id,
        DESCRIPTION: item.description,
        BRANCH: item.branch,
        CAMPAIGN: item.campaign,
        ORDER_ID: item.order_id,
        CURRENCY: item.currency,
    }
    return texts.get(column)


def _local_time(moment: datetime, zone: tzinfo) -> str:
    return moment_text(moment, zone)


def _status_brush(status: str) -> QBrush | None:
    if status == "failed":
        return _FAILED_BRUSH
    if status in {"reversed", "expired"}:
        return _MUTED_BRUSH
    return None


def _created_at(item: ChargeListItem) -> object:
    return item.created_at


def _amount(item: ChargeListItem) -> object:
    return Money(item.amount, item.currency)


def _currency(item: ChargeListItem) -> object:
    return item.currency


def _refunded(item: ChargeListItem) -> object:
    if item.refunded_amount == 0:
        return None
    return Money(item.refunded_amount, item.currency)


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
