"""The Transactions tab: filters, search, the charges table and a detail pane.

The filter bar and the saved filters feed one ``ChargeFilter`` to the
table model; picking a row shows the charge in the detail pane. Refunding
and capturing are asked for with signals, which the window connects to
its dialogs.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.charge_store import ChargeListItem
from opn_desk.services.table_rows import TableExport
from opn_desk.views.charge_detail_pane import ChargeDetailPane
from opn_desk.views.charge_filter_bar import ChargeFilterBar
from opn_desk.views.column_chooser import ColumnChooser
from opn_desk.views.export_action import ExportAction, visible_columns
from opn_desk.views.saved_filters_box import SavedFiltersBox
from opn_desk.views.transactions_table_model import (
    AMOUNT,
    CARD,
    CHARGE,
    CURRENCY,
    DATE,
    DESCRIPTION,
    METHOD,
    ORDER_ID,
    REFUNDED,
    SORTABLE,
    STATUS,
    TransactionsTableModel,
)

_COLUMN_WIDTHS = {
    DATE: 130,
    CHARGE: 210,
    AMOUNT: 110,
    STATUS: 110,
    METHOD: 170,
    DESCRIPTION: 260,
}
# Each amount shows its currency; a Currency column of its own is there
# for the clerk who wants it apart, and every export carries one anyway.
_HIDDEN_BY_DEFAULT = (CARD, ORDER_ID, REFUNDED, CURRENCY)


class TransactionsTab(QWidget):
    """A filtered, lazy table over the cache, newest charge first.

    Signals:
        refund_requested(str): refund this charge id (from the detail pane
            or the table's context menu).
        capture_requested(str): capture this charge id.
    """

    refund_requested = Signal(str)
    capture_requested = Signal(str)

    def __init__(
        self,
        model: TransactionsTableModel,
        parent: QWidget | None = None,
        *,
        profile_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.model = model
        # The charge selected last, selected again when the rows are read
        # again (after a sync, a refund) if it is among the first ones.
        self._kept_charge_id: str | None = None
        if model.parent() is None:
            model.setParent(self)  # the model lives as long as its table
        runner = model.runner
        self.filter_bar = ChargeFilterBar(runner, self)
        self.saved_filters = SavedFiltersBox(
            runner, lambda: self.filter_bar.current_filter, self
        )
        self.count_label = QLabel(self)
        self.count_label.setObjectName("chargeCount")
        self.table = QTableView(self)
        self.table.setObjectName("transactionsTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows can be picked, for a bulk refund; the detail pane
        # shows the current one.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.detail_pane = ChargeDetailPane(runner, model.timezone, self)
        self.exporter = ExportAction(runner, self._table_export, "transactions", self)
        self._set_up_header()
        self.columns = ColumnChooser(
            self.table, "transactions", profile_name, _HIDDEN_BY_DEFAULT
        )
        self._show_sort_indicator()
        self._lay_out()
        self._connect()
        self._engine_changed(model.engine)

    # Building

    def _lay_out(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail_pane)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 360])
        bottom = QHBoxLayout()
        bottom.setContentsMargins(6, 0, 6, 0)
        bottom.addWidget(self.saved_filters, 1)
        bottom.addWidget(self.count_label)
        bottom.addWidget(self.exporter.button(self))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_bar)
        layout.addLayout(bottom)
        layout.addWidget(self.splitter, 1)

    def _set_up_header(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)

    def _connect(self) -> None:
        model = self.model
        self.filter_bar.filter_changed.connect(self._filter_changed)
        self.saved_filters.filter_chosen.connect(self.filter_bar.apply_filter)
        model.engine_changed.connect(self._engine_changed)
        model.modelReset.connect(self._rows_changed)
        model.rowsInserted.connect(self._rows_changed)
        model.loaded.connect(self._counted)
        model.loaded.connect(self._select_kept)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sort_requested)
        self.table.selectionModel().selectionChanged.connect(self._clerk_selected)
        self.table.customContextMenuRequested.connect(self._show_row_menu)
        self.detail_pane.refund_requested.connect(self.refund_requested)
        self.detail_pane.capture_requested.connect(self.capture_requested)

    # Public

    def selected_charge(self) -> ChargeListItem | None:
        """The charge of the first selected row, when its page is loaded."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.item_at(rows[0].row())

    def export_current_table(self) -> None:
        """Ask for a file and export every charge the filter lets through,
        with the columns shown (what the window's Export item calls)."""
        self.exporter.ask()

    def _table_export(self) -> TableExport | None:
        columns = visible_columns(self.table)
        return self.model.table_export(self.tr("Transactions"), columns)

    def apply_filter(self, charge_filter: ChargeFilter) -> None:
        """Show ``charge_filter`` in the filter bar and apply it."""
        self.filter_bar.apply_filter(charge_filter)

    # Reacting

    def _engine_changed(self, engine: Engine | None) -> None:
        self.filter_bar.set_engine(engine)
        self.saved_filters.set_engine(engine)
        self.detail_pane.clear()

    def _filter_changed(self, charge_filter: ChargeFilter) -> None:
        self.count_label.setText(self.tr("Counting…"))
        self.model.set_filter(charge_filter)

    def _rows_changed(self, *_args: object) -> None:
        if self.model.rowCount() == 0:
            self.count_label.setText(self.tr("No charges match."))
        self._select_kept()
        self._selection_changed()

    def _clerk_selected(self, *_args: QItemSelection) -> None:
        # Qt drops the selection without this signal when the rows are
        # read again, so what is kept here survives that.
        item = self.selected_charge()
        self._kept_charge_id = item.id if item is not None else None
        self._selection_changed()

    def _select_kept(self, *_args: object) -> None:
        loaded = self.model.loaded_page(0)
        charge_id = self._kept_charge_id
        if charge_id is None or loaded is None:  # the first page is on its way
            return
        if self.table.selectionModel().hasSelection():  # rows only added
            return
        self._kept_charge_id = None
        for row, item in enumerate(loaded):
            if item.id == charge_id:
                self.table.selectRow(row)
                return

    def _counted(self, rows: int) -> None:
        if rows == 1:
            self.count_label.setText(self.tr("1 charge"))
        elif rows:
            self.count_label.setText(self.tr("%1 charges").replace("%1", f"{rows:,}"))

    def _selection_changed(self, *_args: QItemSelection) -> None:
        engine = self.model.engine
        selection = self.table.selectionModel()
        rows = selection.selectedRows()
        if engine is None or not rows:
            self.detail_pane.clear()
            return
        current = selection.currentIndex()
        row = current.row() if selection.isRowSelected(current.row()) else rows[0].row()
        charge_id = self.model.index(row, CHARGE).data()
        if charge_id:
            self.detail_pane.show_charge(engine, str(charge_id))

    def _show_row_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        item = self.model.item_at(index.row()) if index.isValid() else None
        if item is None:
            return
        menu = self.row_menu(item)
        menu.popup(self.table.viewport().mapToGlobal(position))

    def row_menu(self, item: ChargeListItem) -> QMenu:
        """The context menu of one charge's row."""
        menu = QMenu(self.table)
        refund = QAction(self.tr("Refund…"), menu)
        refund.setEnabled(item.refundable)
        refund.triggered.connect(lambda: self.refund_requested.emit(item.id))
        capture = QAction(self.tr("Capture…"), menu)
        capture.setEnabled(item.capturable)
        capture.triggered.connect(lambda: self.capture_requested.emit(item.id))
        copy = QAction(self.tr("Copy charge id"), menu)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(item.id))
        for action in (refund, capture, copy):
            menu.addAction(action)
        return menu

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        if column not in SORTABLE:
            # Only date and amount sort; put the indicator back where it was.
            self._show_sort_indicator()
            return
        self.model.sort(column, order)

    def _show_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(self._current_sort_column(), self._current_order())
        header.blockSignals(False)

    def _current_sort_column(self) -> int:
        return AMOUNT if self.model.order.name.startswith("AMOUNT") else DATE

    def _current_order(self) -> Qt.SortOrder:
        ascending = self.model.order.name.endswith(("LOW_FIRST", "OLDEST_FIRST"))
        return (
            Qt.SortOrder.AscendingOrder if ascending else Qt.SortOrder.DescendingOrder
        )
