"""The Reports tab's table: one row per group, then the totals per currency."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, QObject, Qt
from PySide6.QtGui import QFont

from opn_desk.services.money import format_amount
from opn_desk.services.reports import (
    ReportDefinition,
    ReportResult,
    ReportRow,
    group_headers,
)
from opn_desk.views.item_table_model import AnyIndex, ItemTableModel
from opn_desk.views.labels import report_group_label

FIGURE_TITLES = (
    QT_TRANSLATE_NOOP("ReportsTableModel", "Charges"),
    QT_TRANSLATE_NOOP("ReportsTableModel", "Gross captured"),
    QT_TRANSLATE_NOOP("ReportsTableModel", "Refunded"),
    QT_TRANSLATE_NOOP("ReportsTableModel", "Fees"),
    QT_TRANSLATE_NOOP("ReportsTableModel", "VAT"),
    QT_TRANSLATE_NOOP("ReportsTableModel", "Net"),
    QT_TRANSLATE_NOOP("ReportsTableModel", "Disputed"),
    QT_TRANSLATE_NOOP("ReportsTableModel", "Average"),
)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ReportsTableModel(ItemTableModel[ReportRow]):
    """The rows of a report as run, with its totals in bold at the end."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        figures = [self.tr(str(title)) for title in FIGURE_TITLES]
        self.headers = group_headers_for(None) + figures
        self._rows: list[ReportRow] = []
        self._first_total = 0
        self._group_columns = 1
        self._dimensions: tuple[str, ...] = ()
        self._bold = QFont()
        self._bold.setBold(True)

    def set_result(self, result: ReportResult | None) -> None:
        self.beginResetModel()
        group_titles = group_headers_for(result)
        self._group_columns = len(group_titles)
        self._dimensions = tuple(result.definition.group_by) if result else ()
        self.headers = group_titles + [self.tr(str(t)) for t in FIGURE_TITLES]
        rows = list(result.rows) if result else []
        totals = list(result.totals) if result and result.definition.group_by else []
        self._rows = rows + totals
        self._first_total = len(rows)
        self.endResetModel()

    def header_text(self, column: int) -> str:
        """The title of ``column``, translated when the report was set."""
        return str(self.headers[column])

    def row_at(self, row: int) -> ReportRow:
        return self._rows[row]

    def is_total(self, row: int) -> bool:
        return row >= self._first_total

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.rowCount."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel.data."""
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column >= self._group_columns else None
        if role == Qt.ItemDataRole.FontRole and self.is_total(row):
            return self._bold
        return None

    def _text(self, row: int, column: int) -> str:
        report_row = self._rows[row]
        if column == 0:
            return report_row.currency
        if column < self._group_columns:
            if self.is_total(row):
                return self.tr("Total") if column == 1 else ""
            level = column - 1
            return report_group_label(self._dimensions[level], report_row.labels[level])
        figure = column - self._group_columns
        if figure == 0:
            return f"{report_row.charges:,}"
        amounts = (
            report_row.gross,
            report_row.refunded,
            report_row.fee,
            report_row.fee_vat,
            report_row.net,
            report_row.disputed,
            report_row.average,
        )
        return format_amount(
            amounts[figure - 1], report_row.currency, with_symbol=False
        )


def group_headers_for(result: ReportResult | None) -> list[str]:
    """The group columns' titles, worded as the report's export words them."""
    return group_headers(result.definition if result else ReportDefinition())
