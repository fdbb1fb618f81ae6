"""The Refunds table's item model, reading pages lazily from the cache.

The paging is ``PagedTableModel``'s; this module says what the columns
are and what each cell shows, in the table and in an export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import tzinfo
from functools import partial
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.refund_queries import (
    RefundFilter,
    RefundListItem,
    count_refunds,
    refund_page,
)
from opn_desk.services.export import ColumnKind
from opn_desk.services.money import Money, format_amount
from opn_desk.services.table_rows import ValueOf, shown_refunds
from opn_desk.views.item_table_model import ExportColumn
from opn_desk.views.labels import moment_text, refund_reason_label
from opn_desk.views.paged_table_model import (
    PAGE_SIZE,
    CountQuery,
    PagedTableModel,
    PageQuery,
)
from opn_desk.views.tasks import TaskRunner

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


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def refund_status_label(status: str) -> str:
    """A refund's status in the clerk's language; unknown ones as they came."""
    text = _STATUSES.get(status)
    return _tr(text) if text else status


def refund_kind_label(voided: bool) -> str:
    """'Void' for a refund made before settlement, else 'Refund'."""
    return _tr(_VOID if voided else _REFUND)


class RefundsTableModel(PagedTableModel[RefundListItem]):
    """Cached refunds across charges matching a filter, newest first."""

    context = _CONTEXT
    headers = _HEADERS
    right_aligned = frozenset({AMOUNT})
    noun = "refunds"
    count_first = True

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(runner, timezone, parent)
        self._filter = RefundFilter(timezone=timezone)

    @property
    def refund_filter(self) -> RefundFilter:
        return self._filter

    def set_filter(self, refund_filter: RefundFilter) -> None:
        """Show the refunds matching ``refund_filter``."""
        self._filter = refund_filter
        self.refresh()

    def export_column(self, column: int) -> ExportColumn[RefundListItem]:
        """What ``column`` holds in an export, and its value for a refund."""
        if column == DATE:
            return ColumnKind.DATETIME, _created_at
        if column == AMOUNT:
            return ColumnKind.MONEY, _amount
        return ColumnKind.TEXT, partial(_cell_text, column=column, zone=self.zone)

    def export_currency(self) -> ValueOf[RefundListItem]:
        return _currency

    def export_items(self, engine: Engine) -> Callable[[], Iterator[RefundListItem]]:
        refund_filter = self._filter
        return lambda: shown_refunds(engine, refund_filter)

    # PagedTableModel

    def count_query(self) -> CountQuery:
        refund_filter = self._filter
        return lambda session: count_refunds(session, refund_filter)

    def page_query(self, page_no: int) -> PageQuery[RefundListItem]:
        refund_filter, offset = self._filter, page_no * PAGE_SIZE

        def query(session: Session) -> list[RefundListItem]:
            return refund_page(session, refund_filter, offset, PAGE_SIZE)

        return query

    def display(self, item: RefundListItem, column: int) -> str | None:
        return _cell_text(item, column, self.zone)

    def cell_role(self, item: RefundListItem, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column in (REASON, NOTE):
            return self.display(item, column)
        return None


def _cell_text(item: RefundListItem, column: int, zone: tzinfo) -> str | None:
    """The text the table shows in ``column`` for ``item``."""
    if column == DATE:
        return moment_text(item.created_at, zone)
    if column == AMOUNT:
        return format_amount(item.amount, item.currency)
    if column == KIND:
        return refund_kind_label(item.voided)
    if column == STATUS:
        return refund_status_label(item.status)
    texts = {
        REFUND: item.id,
        CHARGE: item.charge_id,
        REASON: refund_reason_label(item.reason) if item.reason else None,
        NOTE: item.note,
        OPERATION: item.operation_id,
    }
    return texts.get(column)


def _created_at(item: RefundListItem) -> object:
    return item.created_at


def _amount(item: RefundListItem) -> object:
    return Money(item.amount, item.currency)


def _currency(item: RefundListItem) -> object:
    return item.currency
