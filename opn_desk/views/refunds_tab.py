"""The Refunds tab: refunds across charges, with filters, newest first."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.refund_queries import RefundChoices, RefundFilter, refund_choices
from opn_desk.services.table_rows import TableExport
from opn_desk.views.export_action import ExportAction, visible_columns
from opn_desk.views.refunds_table_model import (
    AMOUNT,
    CHARGE,
    DATE,
    KIND,
    NOTE,
    REASON,
    REFUND,
    STATUS,
    RefundsTableModel,
    refund_status_label,
)
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

SEARCH_DELAY_MS = 250
_COLUMN_WIDTHS = {
    DATE: 130,
    REFUND: 230,
    CHARGE: 230,
    AMOUNT: 110,
    KIND: 140,
    STATUS: 80,
    REASON: 170,
    NOTE: 170,
}


class RefundsTab(QWidget):
    """A lazy table of cached refunds and the filters over it.

    Signals:
        charge_selected(str): the clerk activated a row; the charge's id.
    """

    charge_selected = Signal(str)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._timezone = timezone
        self._engine: Engine | None = None
        self.model = RefundsTableModel(runner, timezone, self)
        self.exporter = ExportAction(runner, self._table_export, "refunds", self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filter)

        self._build_filters()
        self._build_table()
        self.message = QLabel(self)
        self.message.setObjectName("refundsMessage")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._filter_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

        self.model.loaded.connect(self._show_count)
        self.model.failed.connect(self._show_failure)

    def set_engine(self, engine: Engine | None) -> None:
        """Show the refunds of ``engine``'s cache (None: show nothing)."""
        self._engine = engine
        self.model.set_engine(engine)
        self._load_choices()

    def refresh(self) -> None:
        """Read the refunds again (after a sync), keeping the filters."""
        self.model.refresh()
        self._load_choices()

    def current_filter(self) -> RefundFilter:
        """The filter the widgets describe right now."""
        dated = self.dates_box.isChecked()
        return RefundFilter(
            status=self.status_combo.currentData(),
            voided=self.kind_combo.currentData(),
            currency=self.currency_combo.currentData(),
            first_day=_day_of(self.first_day_edit) if dated else None,
            last_day=_day_of(self.last_day_edit) if dated else None,
            timezone=self._timezone,
            search=self.search_edit.text().strip(),
        )

    def export_current_table(self) -> None:
        """Ask for a file and export every refund the filters let through
        (what the window's Export item calls)."""
        self.exporter.ask()

    def _table_export(self) -> TableExport | None:
        columns = visible_columns(self.table)
        return self.model.table_export(self.tr("Refunds"), columns)

    def clear_filters(self) -> None:
        for combo in (self.status_combo, self.kind_combo, self.currency_combo):
            combo.setCurrentIndex(0)
        self.dates_box.setChecked(False)
        self.search_edit.clear()
        self._apply_filter()

    # Private

    def _build_filters(self) -> None:
        self.status_combo = QComboBox(self)
        self.status_combo.addItem(self.tr("All statuses"), None)
        self.kind_combo = QComboBox(self)
        self.kind_combo.addItem(self.tr("Refunds and voids"), None)
        self.kind_combo.addItem(self.tr("Refunds only"), False)
        self.kind_combo.addItem(self.tr("Voids only"), True)
        self.currency_combo = QComboBox(self)
        self.currency_combo.addItem(self.tr("All currencies"), None)
        self.dates_box = QCheckBox(self.tr("Only these days:"), self)
        self.first_day_edit = self._date_edit(self.tr("First day"), -30)
        self.last_day_edit = self._date_edit(self.tr("Last day"), 0)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("Refund or charge id"))
        self.search_edit.setClearButtonEnabled(True)
        self.clear_button = QPushButton(self.tr("Clear filters"), self)

        for combo in (self.status_combo, self.kind_combo, self.currency_combo):
            combo.currentIndexChanged.connect(self._apply_filter)
        self.dates_box.toggled.connect(self._dates_toggled)
        self.first_day_edit.dateChanged.connect(self._apply_filter)
        self.last_day_edit.dateChanged.connect(self._apply_filter)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.clear_button.clicked.connect(self.clear_filters)
        self._dates_toggled(False)

        bar = QHBoxLayout()
        for widget in (self.status_combo, self.kind_combo, self.currency_combo):
            bar.addWidget(widget)
        bar.addWidget(self.dates_box)
        bar.addWidget(self.first_day_edit)
        bar.addWidget(QLabel("–", self))
        bar.addWidget(self.last_day_edit)
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.exporter.button(self))
        self._filter_bar = bar

    def _date_edit(self, tooltip: str, days_from_today: int) -> QDateEdit:
        today = datetime.now(ZoneInfo(self._timezone)).date()
        day = today + timedelta(days=days_from_today)
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setToolTip(tooltip)
        return edit

    def _build_table(self) -> None:
        self.table = QTableView(self)
        self.table.setObjectName("refundsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        self.table.activated.connect(self._row_activated)

    def _dates_toggled(self, checked: bool) -> None:
        self.first_day_edit.setEnabled(checked)
        self.last_day_edit.setEnabled(checked)
        self._apply_filter()

    def _apply_filter(self) -> None:
        self._search_timer.stop()
        wanted = self.current_filter()
        if wanted != self.model.refund_filter:
            self.model.set_filter(wanted)

    def _row_activated(self, index: QModelIndex) -> None:
        item = self.model.item_at(index.row())
        if item is not None:
            self.charge_selected.emit(item.charge_id)

    def _load_choices(self) -> None:
        engine = self._engine
        if engine is None:
            self._show_choices(RefundChoices((), ()))
            return

        def load() -> RefundChoices:
            with session_scope(engine) as session:
                return refund_choices(session)

        self._runner.run_db(load, self._show_choices, context=self)

    def _show_choices(self, choices: RefundChoices) -> None:
        statuses = [(refund_status_label(s), s) for s in choices.statuses]
        replace_choices(self.status_combo, statuses)
        replace_choices(self.currency_combo, [(c, c) for c in choices.currencies])

    def _show_count(self, rows: int) -> None:
        self.message.setText(self.tr("Refunds shown: %1").replace("%1", f"{rows:,}"))

    def _show_failure(self, _error: BaseException) -> None:
        self.message.setText(
            self.tr(
                "The refunds could not be read from the cache. The details "
                "are in the log; the list is read again after the next sync."
            )
        )


def _day_of(edit: QDateEdit) -> date:
    picked = edit.date()
    return date(picked.year(), picked.month(), picked.day())


def replace_choices(combo: QComboBox, choices: list[tuple[str, str]]) -> None:
    """Put ``choices`` after the combo's first ("all") item, keeping the pick.

    A picked value that is no longer in the cache stays listed, so that the
    filter does not change under the clerk's eyes.
    """
    picked = combo.currentData()
    values = {value for _label, value in choices}
    if picked is not None and picked not in values:
        choices = [*choices, (combo.currentText(), picked)]
    combo.blockSignals(True)
    while combo.count() > 1:
        combo.removeItem(1)
    for label, value in choices:
        combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(picked), 0))
    combo.blockSignals(False)
