"""The Disputes tab: the inbox of disputes with deadlines, and the evidence form.

Everything shown comes from the cache, so the inbox, the filters, the
search and the drafts all work with the network unplugged; only submitting
and accepting reach Opn.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.services.disputes import (
    CLOSED,
    DEFAULT_DEADLINE_DAYS,
    STATUSES,
    DeadlinePolicy,
    DisputeFilter,
    DisputeRow,
    count_by_status,
    currencies_of,
    filter_rows,
    find_case,
    load_dispute_rows,
)
from opn_desk.services.money import (
    AmountError,
    decimals,
    format_amount,
    parse_amount,
)
from opn_desk.services.table_rows import TableExport
from opn_desk.services.workspace import Workspace
from opn_desk.views.disputes_table_model import (
    AMOUNT,
    CHARGE,
    CUSTOMER,
    DEADLINE,
    OPENED,
    REASON,
    STATUS,
    DisputesTableModel,
    dispute_status_label,
    reason_label,
)
from opn_desk.views.evidence_form import EvidenceForm
from opn_desk.views.export_action import ExportAction, visible_columns
from opn_desk.views.labels import payment_method_label
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

# Room around the placeholder of an amount box (frame and margins).
AMOUNT_EDIT_PADDING_PX = 16
_COLUMN_WIDTHS = {
    DEADLINE: 220,
    STATUS: 95,
    REASON: 260,
    AMOUNT: 100,
    CHARGE: 200,
    CUSTOMER: 160,
    OPENED: 120,
}


class DisputesTab(QWidget):
    """The disputes of the open profile's cache and the evidence for one.

    Signals:
        counts_changed(dict): status -> number of cached disputes, after
            each read of the cache (every status listed, zero included).
    """

    counts_changed = Signal(dict)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._timezone = timezone
        self._workspace: Workspace | None = None
        self._engine: Engine | None = None
        self._rows: list[DisputeRow] = []
        self._wanted_id: str | None = None
        self.policy = DeadlinePolicy()
        self.model = DisputesTableModel(timezone, self.policy, self)
        self.exporter = ExportAction(runner, self._table_export, "disputes", self)
        self.form = EvidenceForm(runner, timezone, self)
        self.form.settled.connect(self._dispute_settled)
        self._build_filters()
        self._build_table()
        self.message = QLabel(self)
        self.message.setObjectName("disputesMessage")
        self.message.setWordWrap(True)

        inbox = QWidget(self)
        inbox_layout = QVBoxLayout(inbox)
        inbox_layout.setContentsMargins(0, 0, 0, 0)
        inbox_layout.addLayout(self._filter_grid)
        inbox_layout.addWidget(self.table, 1)
        inbox_layout.addWidget(self.message)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(inbox)
        self.splitter.addWidget(self.form)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        # The evidence form needs room for its questions and buttons.
        self.splitter.setSizes([800, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def set_workspace(self, workspace: Workspace | None) -> None:
        """Show the disputes of ``workspace``'s cache (None: show nothing)."""
        self._workspace = workspace
        self.form.set_workspace(workspace)
        self.set_engine(workspace.engine if workspace is not None else None)

    def set_engine(self, engine: Engine | None) -> None:
        self._engine = engine
        self.refresh()

    def refresh(self) -> None:
        """Read the disputes again (after a sync), keeping filters and case."""
        engine = self._engine
        if engine is None:
            self._show_rows([])
            return

        def load() -> list[DisputeRow]:
            with session_scope(engine) as session:
                return load_dispute_rows(session)

        self._runner.run_db(load, self._show_rows, self._show_failure, context=self)

    def set_deadline_days(self, days: int) -> None:
        """The merchant's deadline policy: answer within ``days`` of opening."""
        self.policy = DeadlinePolicy(days)
        self.model.set_policy(self.policy)
        self.form.set_policy(self.policy)
        self.deadline_spin.blockSignals(True)
        self.deadline_spin.setValue(days)
        self.deadline_spin.blockSignals(False)
        self._apply_filter()

    def current_filter(self) -> DisputeFilter | None:
        """The filter the widgets describe, or None with the reason shown."""
        currency = self.currency_combo.currentData()
        ranged = any(
            edit.text().strip() for edit in (self.min_amount_edit, self.max_amount_edit)
        )
        if ranged and currency is None:
            self.message.setText(
                self.tr("Choose the currency of the amount range, next to it.")
            )
            return None
        try:
            low = self._amount(self.min_amount_edit, currency)
            high = self._amount(self.max_amount_edit, currency)
        except AmountError:
            example_amount = 1_500 * 10 ** decimals(currency)
            example = format_amount(example_amount, currency, with_symbol=False)
            self.message.setText(
                self.tr(
                    "Enter the amounts in %1 as numbers, like %2, or leave them empty."
                )
                .replace("%1", currency)
                .replace("%2", example)
            )
            return None
        dated = self.dates_box.isChecked()
        due = self.due_spin.value()
        return DisputeFilter(
            status=self.status_combo.currentData(),
            reason_code=self.reason_combo.currentData(),
            due_within_days=due if due > 0 else None,
            currency=currency,
            min_amount=low,
            max_amount=high,
            payment_method=self.method_combo.currentData(),
            card_brand=self.brand_combo.currentData(),
            first_day=_day(self.first_day_edit) if dated else None,
            last_day=_day(self.last_day_edit) if dated else None,
            timezone=self._timezone,
        )

    def export_current_table(self) -> None:
        """Ask for a file and export the disputes the filters let through
        (what the window's Export item calls)."""
        self.exporter.ask()

    def _table_export(self) -> TableExport | None:
        if self._engine is None:
            return None
        columns = visible_columns(self.table)
        return self.model.table_export(self.tr("Disputes"), columns)

    def clear_filters(self) -> None:
        for combo in (
            self.status_combo,
            self.reason_combo,
            self.method_combo,
            self.brand_combo,
            self.currency_combo,
        ):
            combo.setCurrentIndex(0)
        self.due_spin.setValue(0)
        self.min_amount_edit.clear()
        self.max_amount_edit.clear()
        self.dates_box.setChecked(False)
        self._apply_filter()

    def go_to_case(self, term: str) -> bool:
        """Open the dispute whose id, charge id or order id is ``term``."""
        found = find_case(self._rows, term)
        if found is None:
            self.message.setText(
                self.tr(
                    "No cached dispute has the id, charge id or order id %1. "
                    "Check it, or sync and search again."
                ).replace("%1", term.strip())
            )
            return False
        if self.model.row_of(found.id) is None:
            self.clear_filters()
        self._select(found.id)
        return True

    @staticmethod
    def _amount(edit: QLineEdit, currency: str | None) -> int | None:
        text = edit.text().strip()
        if not text or currency is None:
            return None
        return parse_amount(text, currency)

    # Building

    def _build_filters(self) -> None:
        self.status_combo = QComboBox(self)
        self.status_combo.addItem(self.tr("All statuses"), None)
        for status in STATUSES:
            self.status_combo.addItem(dispute_status_label(status), status)
        self.status_combo.addItem(self.tr("Closed (won or lost)"), CLOSED)
        self.reason_combo = QComboBox(self)
        self.reason_combo.addItem(self.tr("All reasons"), None)
        self.method_combo = QComboBox(self)
        self.method_combo.addItem(self.tr("All payment methods"), None)
        self.brand_combo = QComboBox(self)
        self.brand_combo.addItem(self.tr("All card brands"), None)
        self.due_spin = QSpinBox(self)
        self.due_spin.setRange(0, 365)
        self.due_spin.setSpecialValueText(self.tr("Any deadline"))
        self.due_spin.setPrefix(self.tr("Due within "))
        self.due_spin.setSuffix(self.tr(" days"))
        self.min_amount_edit = QLineEdit(self)
        self.min_amount_edit.setPlaceholderText(self.tr("Lowest amount"))
        self.max_amount_edit = QLineEdit(self)
        self.max_amount_edit.setPlaceholderText(self.tr("Highest amount"))
        for edit in (self.min_amount_edit, self.max_amount_edit):
            room = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
            edit.setMinimumWidth(room + AMOUNT_EDIT_PADDING_PX)
        self.currency_combo = QComboBox(self)
        self.currency_combo.setToolTip(
            self.tr("The currency of the amount range; only its disputes show.")
        )
        self.currency_combo.addItem(self.tr("All currencies"), None)
        self.dates_box = QCheckBox(self.tr("Opened between:"), self)
        self.first_day_edit = self._date_edit(-30)
        self.last_day_edit = self._date_edit(0)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("disputeSearch")
        self.search_edit.setPlaceholderText(
            self.tr("Dispute id, charge id or order id, then Enter")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.returnPressed.connect(
            lambda: self.go_to_case(self.search_edit.text())
        )
        self.deadline_spin = QSpinBox(self)
        self.deadline_spin.setRange(1, 60)
        self.deadline_spin.setValue(DEFAULT_DEADLINE_DAYS)
        self.deadline_spin.setPrefix(self.tr("Answer within "))
        self.deadline_spin.setSuffix(self.tr(" days of opening"))
        self.deadline_spin.valueChanged.connect(self.set_deadline_days)
        self.clear_button = QPushButton(self.tr("Clear filters"), self)
        self.clear_button.clicked.connect(self.clear_filters)

        for combo in (
            self.status_combo,
            self.reason_combo,
            self.method_combo,
            self.brand_combo,
            self.currency_combo,
        ):
            combo.currentIndexChanged.connect(self._apply_filter)
        self.due_spin.valueChanged.connect(self._apply_filter)
        self.min_amount_edit.editingFinished.connect(self._apply_filter)
        self.max_amount_edit.editingFinished.connect(self._apply_filter)
        self.dates_box.toggled.connect(self._apply_filter)
        self.first_day_edit.dateChanged.connect(self._apply_filter)
        self.last_day_edit.dateChanged.connect(self._apply_filter)

        grid = QGridLayout()
        grid.addWidget(self.search_edit, 0, 0, 1, 3)
        grid.addWidget(self.deadline_spin, 0, 3, 1, 2)
        grid.addWidget(self.clear_button, 0, 5)
        grid.addWidget(self.status_combo, 1, 0)
        grid.addWidget(self.reason_combo, 1, 1, 1, 2)
        grid.addWidget(self.due_spin, 1, 3)
        grid.addWidget(self.method_combo, 1, 4)
        grid.addWidget(self.brand_combo, 1, 5)
        amounts = QHBoxLayout()
        amounts.addWidget(self.currency_combo)
        amounts.addWidget(self.min_amount_edit, 1)
        amounts.addWidget(self.max_amount_edit, 1)
        grid.addLayout(amounts, 2, 0, 1, 2)
        grid.addWidget(self.dates_box, 2, 2)
        grid.addWidget(self.first_day_edit, 2, 3)
        grid.addWidget(self.last_day_edit, 2, 4)
        grid.addWidget(self.exporter.button(self), 2, 5)
        self._filter_grid = grid

    def _date_edit(self, days_from_today: int) -> QDateEdit:
        today = datetime.now(ZoneInfo(self._timezone)).date()
        day = today + timedelta(days=days_from_today)
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _build_table(self) -> None:
        self.table = QTableView(self)
        self.table.setObjectName("disputesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

    # Rows

    def _show_rows(self, rows: list[DisputeRow]) -> None:
        self._rows = rows
        self._refill_choices()
        self._apply_filter()
        self.counts_changed.emit(count_by_status(rows))

    def _show_failure(self, error: BaseException) -> None:
        logger.warning("Disputes not read", exc_info=error)
        self.message.setText(
            self.tr(
                "The disputes could not be read from the cache. The details "
                "are in the log; the list is read again after the next sync."
            )
        )

    def _refill_choices(self) -> None:
        reasons = {(r.reason_code, r.reason_message) for r in self._rows}
        _replace(
            self.reason_combo,
            sorted((reason_label(c, m), c) for c, m in reasons if c),
        )
        methods = {r.payment_method for r in self._rows if r.payment_method}
        _replace(
            self.method_combo, sorted((payment_method_label(m), m) for m in methods)
        )
        brands = {r.card_brand for r in self._rows if r.card_brand}
        _replace(self.brand_combo, sorted((b, b) for b in brands))
        currencies = currencies_of(self._rows)
        _replace(self.currency_combo, [(c, c) for c in currencies])

    def _apply_filter(self) -> None:
        wanted = self.current_filter()
        if wanted is None:
            return
        kept_id = self._wanted_id or (
            self.form.dispute.id if self.form.dispute else None
        )
        now = datetime.now(UTC)
        shown = filter_rows(self._rows, wanted, self.policy, now)
        self.model.set_rows(shown, now)
        self.message.setText(
            self.tr("Disputes shown: %1 of %2")
            .replace("%1", str(len(shown)))
            .replace("%2", str(len(self._rows)))
        )
        if kept_id is not None and self.model.row_of(kept_id) is not None:
            self._select(kept_id)
        elif self.form.dispute is not None:
            self.form.show_dispute(None)

    def _select(self, dispute_id: str) -> None:
        self._wanted_id = None
        row = self.model.row_of(dispute_id)
        if row is None:
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        current = self.model.row_at(row)
        if current is not None and current != self.form.dispute:
            self.form.show_dispute(current)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        if row is not None and row != self.form.dispute:
            self.form.show_dispute(row)

    def _dispute_settled(self, dispute_id: str) -> None:
        # The cache was updated from Opn; read it again and show the case.
        self._wanted_id = dispute_id
        self.refresh()


def _day(edit: QDateEdit) -> date:
    picked = edit.date()
    return date(picked.year(), picked.month(), picked.day())


def _replace(combo: QComboBox, choices: list[tuple[str, str | None]]) -> None:
    """Put ``choices`` after the combo's "all" item, keeping the pick."""
    picked = combo.currentData()
    combo.blockSignals(True)
    while combo.count() > 1:
        combo.removeItem(1)
    for label, value in choices:
        combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(picked), 0))
    combo.blockSignals(False)
