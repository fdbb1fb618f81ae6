"""The Transactions tab: every cached charge in a sortable table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opn_desk.views.transactions_table_model import (
    AMOUNT,
    CHARGE,
    DATE,
    DESCRIPTION,
    SORTABLE,
    STATUS,
    TransactionsTableModel,
)

_COLUMN_WIDTHS = {DATE: 130, CHARGE: 230, AMOUNT: 110, STATUS: 90, DESCRIPTION: 260}


class TransactionsTab(QWidget):
    """A lazy table over the cache, newest charge first."""

    def __init__(
        self, model: TransactionsTableModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.table = QTableView(self)
        self.table.setObjectName("transactionsTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self._set_up_header()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def _set_up_header(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(DATE, Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self._sort_requested)

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        header = self.table.horizontalHeader()
        if column not in SORTABLE:
            # Only date and amount sort; put the indicator back where it was.
            header.blockSignals(True)
            header.setSortIndicator(self._current_sort_column(), self._current_order())
            header.blockSignals(False)
            return
        self.model.sort(column, order)

    def _current_sort_column(self) -> int:
        return AMOUNT if self.model.order.name.startswith("AMOUNT") else DATE

    def _current_order(self) -> Qt.SortOrder:
        ascending = self.model.order.name.endswith(("LOW_FIRST", "OLDEST_FIRST"))
        return (
            Qt.SortOrder.AscendingOrder if ascending else Qt.SortOrder.DescendingOrder
        )
