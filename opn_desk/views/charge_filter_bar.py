"""The Transactions tab's filter bar: the search box and every filter.

The bar turns what the clerk picks and types into one ``ChargeFilter``
and emits it. Typing in the search box waits for a pause
(``SEARCH_PAUSE_MS``) so that a query does not run for every key. A
filter that cannot be applied (an amount without a currency, text that
is not an amount) is not emitted: the bar says what to change instead.

The pickers' choices (currencies, payment methods, card brands, metadata
keys) are read from the cache when it opens and again after a sync has
committed charges, keeping what the clerk picked.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.charge_filter import ChargeFilter, FilterError, RefundState
from opn_desk.models.charge_store import (
    distinct_charge_values,
    metadata_keys,
    metadata_values,
)
from opn_desk.models.db import session_scope
from opn_desk.services.money import AmountError, decimals, format_amount, parse_amount
from opn_desk.views.labels import payment_method_label, status_label
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

SEARCH_PAUSE_MS = 250
# Sync batches commit one after another: read the choices once per pause.
CHOICES_PAUSE_MS = 1000
STATUSES = ("pending", "successful", "failed", "reversed", "expired")
# A date edit at its minimum shows "Any date": that minimum means no bound.
_NO_DATE = QDate(2000, 1, 1)
_INVALID_STYLE = "border: 1px solid #b3261e;"


class ChargeFilterBar(QWidget):
    """Search box and filters over the charges.

    Signals:
        filter_changed(object): the new ChargeFilter to apply.
    """

    filter_changed = Signal(object)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._engine: Engine | None = None
        self._applying = False
        self._current = ChargeFilter()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_PAUSE_MS)
        self._search_timer.timeout.connect(self._emit_filter)
        self._choices_timer = QTimer(self)
        self._choices_timer.setSingleShot(True)
        self._choices_timer.setInterval(CHOICES_PAUSE_MS)
        self._choices_timer.timeout.connect(self.refresh_choices)
        self._reading_choices = False
        self._read_choices_again = False
        self._build()

    @property
    def current_filter(self) -> ChargeFilter:
        """The last filter emitted (or applied)."""
        return self._current

    def set_engine(self, engine: Engine | None) -> None:
        """Read the pickers' choices from ``engine``."""
        self._engine = engine
        self._load_choices()

    def refresh_choices(self) -> None:
        """Read the pickers' choices again (a sync finished), keeping the
        clerk's picks."""
        self._choices_timer.stop()
        self._load_choices()

    def choices_stale(self, *_progress: object) -> None:
        """A sync batch was committed: read the choices again shortly."""
        if not self._choices_timer.isActive():
            self._choices_timer.start()

    def apply_filter(self, charge_filter: ChargeFilter) -> None:
        """Show ``charge_filter`` in the widgets and emit it once."""
        self._applying = True
        try:
            self._show_filter(charge_filter)
        finally:
            self._applying = False
        self._emit_filter()

    def clear(self) -> None:
        """Back to every live charge."""
        self.apply_filter(ChargeFilter())

    # Building

    def _build(self) -> None:
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("chargeSearch")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setPlaceholderText(
            self.tr(
                "Search by charge, refund, dispute or transaction id, "
                "order id, metadata value or words of the description"
            )
        )
        self.search_box.textEdited.connect(self._search_edited)
        self.search_box.returnPressed.connect(self._emit_now)

        self.status_box = self._combo(self.tr("Any status"))
        for status in STATUSES:
            self.status_box.addItem(status_label(status), status)
        self.method_box = self._combo(self.tr("Any payment method"))
        self.currency_box = self._combo(self.tr("Any currency"))
        self.brand_box = self._combo(self.tr("Any card brand"))
        self.refund_box = self._combo(self.tr("Refunded or not"))
        self.refund_box.addItem(self.tr("Not refunded"), RefundState.NOT_REFUNDED)
        self.refund_box.addItem(self.tr("Partly refunded"), RefundState.PARTLY_REFUNDED)
        self.refund_box.addItem(self.tr("Fully refunded"), RefundState.FULLY_REFUNDED)
        self.dispute_box = self._combo(self.tr("Disputed or not"))
        self.dispute_box.addItem(self.tr("Disputed"), True)
        self.dispute_box.addItem(self.tr("Not disputed"), False)
        self.key_box = self._combo(self.tr("Any metadata"))
        self.key_box.currentIndexChanged.connect(self._key_changed)
        self.value_box = QComboBox(self)
        self.value_box.setEditable(True)
        self.value_box.setEnabled(False)
        self.value_box.setMinimumContentsLength(12)
        value_edit = self.value_box.lineEdit()
        assert value_edit is not None  # an editable combo has one
        value_edit.setPlaceholderText(self.tr("Value"))
        value_edit.editingFinished.connect(self._changed)
        self.value_box.activated.connect(self._changed)

        self.from_date = self._date_edit(self.tr("Any start"))
        self.to_date = self._date_edit(self.tr("Any end"))
        self.min_amount = self._amount_edit(self.tr("Least amount"))
        self.max_amount = self._amount_edit(self.tr("Most amount"))
        self.deleted_box = QCheckBox(self.tr("Show deleted charges"), self)
        self.deleted_box.toggled.connect(self._changed)
        self.clear_button = QPushButton(self.tr("Clear filters"), self)
        self.clear_button.clicked.connect(self.clear)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("filterProblem")
        self.problem_label.setStyleSheet("color: #b3261e;")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        self._lay_out()

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 0)
        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        top.addWidget(self.clear_button)
        grid.addLayout(top, 0, 0, 1, 6)
        row = [self.status_box, self.method_box, self.currency_box, self.brand_box]
        row += [self.refund_box, self.dispute_box]
        for column, widget in enumerate(row):
            grid.addWidget(widget, 1, column)
        dates = QHBoxLayout()
        dates.addWidget(QLabel(self.tr("Created"), self))
        dates.addWidget(self.from_date)
        dates.addWidget(QLabel("–", self))
        dates.addWidget(self.to_date)
        grid.addLayout(dates, 2, 0, 1, 2)
        amounts = QHBoxLayout()
        amounts.addWidget(QLabel(self.tr("Amount"), self))
        amounts.addWidget(self.min_amount)
        amounts.addWidget(QLabel("–", self))
        amounts.addWidget(self.max_amount)
        grid.addLayout(amounts, 2, 2, 1, 2)
        pair = QHBoxLayout()
        pair.addWidget(self.key_box)
        pair.addWidget(QLabel("=", self))
        pair.addWidget(self.value_box, 1)
        grid.addLayout(pair, 2, 4, 1, 2)
        grid.addWidget(self.deleted_box, 3, 0, 1, 2)
        grid.addWidget(self.problem_label, 3, 2, 1, 4)

    def _combo(self, any_text: str) -> QComboBox:
        box = QComboBox(self)
        box.addItem(any_text, None)
        box.currentIndexChanged.connect(self._changed)
        return box

    def _date_edit(self, any_text: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText(any_text)
        edit.setDate(_NO_DATE)
        edit.dateChanged.connect(self._changed)
        return edit

    def _amount_edit(self, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        edit.setMaximumWidth(120)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.editingFinished.connect(self._changed)
        return edit

    # Reading the widgets

    def _read_filter(self) -> ChargeFilter:
        """The filter the widgets show.

        Raises:
            FilterError, AmountError: when it cannot be applied.
        """
        currency = self.currency_box.currentData()
        status = self.status_box.currentData()
        method = self.method_box.currentData()
        brand = self.brand_box.currentData()
        return ChargeFilter(
            text=self.search_box.text().strip(),
            statuses=(status,) if status else (),
            payment_methods=(method,) if method else (),
            currency=currency,
            card_brands=(brand,) if brand else (),
            created_from=_picked_date(self.from_date),
            created_to=_picked_date(self.to_date),
            amount_min=self._amount(self.min_amount, currency),
            amount_max=self._amount(self.max_amount, currency),
            refund_state=self.refund_box.currentData(),
            disputed=self.dispute_box.currentData(),
            metadata=self._metadata_pair(),
            include_deleted=self.deleted_box.isChecked(),
        )

    def _amount(self, edit: QLineEdit, currency: str | None) -> int | None:
        text = edit.text().strip()
        if not text:
            return None
        if currency is None:
            raise FilterError("amount_without_currency")
        return parse_amount(text, currency)

    def _metadata_pair(self) -> tuple[tuple[str, str], ...]:
        key = self.key_box.currentData()
        value = self.value_box.currentText().strip()
        if key is None or not value:
            return ()
        return ((str(key), value),)

    # Showing a filter

    def _show_filter(self, f: ChargeFilter) -> None:
        self.search_box.setText(f.text)
        _select(self.status_box, f.statuses[0] if f.statuses else None)
        _select(self.method_box, f.payment_methods[0] if f.payment_methods else None)
        _select(self.currency_box, f.currency)
        _select(self.brand_box, f.card_brands[0] if f.card_brands else None)
        _select(self.refund_box, f.refund_state)
        _select(self.dispute_box, f.disputed)
        self.from_date.setDate(_qdate(f.created_from))
        self.to_date.setDate(_qdate(f.created_to))
        for edit, amount in (
            (self.min_amount, f.amount_min),
            (self.max_amount, f.amount_max),
        ):
            edit.setText(_amount_text(amount, f.currency))
        key, value = f.metadata[0] if f.metadata else (None, "")
        _select(self.key_box, key)
        self.value_box.setEnabled(key is not None)
        self.value_box.setEditText(value)
        self.deleted_box.setChecked(f.include_deleted)

    # Reacting

    def _search_edited(self, _text: str) -> None:
        self._search_timer.start()

    def _emit_now(self) -> None:
        self._search_timer.stop()
        self._emit_filter()

    def _changed(self, *_args: Any) -> None:
        if not self._applying:
            self._emit_filter()

    def _emit_filter(self) -> None:
        self._search_timer.stop()
        try:
            charge_filter = self._read_filter()
        except (FilterError, AmountError) as error:
            self._show_problem(error)
            return
        self._show_problem(None)
        if charge_filter != self._current:
            self._current = charge_filter
            self.filter_changed.emit(charge_filter)

    def _show_problem(self, error: FilterError | AmountError | None) -> None:
        for edit in (self.min_amount, self.max_amount):
            edit.setStyleSheet(_INVALID_STYLE if error is not None else "")
        if error is None:
            self.problem_label.hide()
            return
        self.problem_label.setText(self._problem_sentence(error))
        self.problem_label.show()

    def _problem_sentence(self, error: FilterError | AmountError) -> str:
        reason = error.reason
        if reason == "amount_without_currency":
            return self.tr("Pick a currency to filter by amount.")
        if reason == "amount_range_reversed":
            return self.tr("The least amount is more than the most amount.")
        if reason == "date_range_reversed":
            return self.tr("The start date is after the end date.")
        if isinstance(error, AmountError) and reason == "too_many_decimals":
            places = decimals(error.currency)
            if places == 0:
                return self.tr(
                    "%1 has no decimals: type a whole amount, such as 1500."
                ).replace("%1", error.currency)
            return (
                self.tr("%1 has %2 decimals: type an amount such as 1,234.50.")
                .replace("%1", error.currency)
                .replace("%2", str(places))
            )
        sentence = self.tr("“%1” is not an amount: type digits, such as 1,234.50.")
        return sentence.replace("%1", getattr(error, "text", ""))

    def _key_changed(self, _index: int) -> None:
        key = self.key_box.currentData()
        self.value_box.clear()
        self.value_box.setEnabled(key is not None)
        if key is not None and not self._applying:
            self._load_values(str(key))

    # Loading choices from the cache

    def _load_choices(self) -> None:
        engine = self._engine
        if engine is None:
            return
        if self._reading_choices:
            self._read_choices_again = True  # after the read under way
            return
        self._reading_choices = True

        def read() -> dict[str, list[str]]:
            with session_scope(engine) as session:
                choices = {
                    name: distinct_charge_values(session, name)
                    for name in ("payment_method", "currency", "card_brand")
                }
                choices["keys"] = metadata_keys(session)
                return choices

        self._runner.run_db(
            read, self._show_choices, self._choices_not_read, context=self
        )

    def _show_choices(self, choices: dict[str, list[str]]) -> None:
        _refill(self.method_box, choices["payment_method"], payment_method_label)
        _refill(self.currency_box, choices["currency"], str)
        _refill(self.brand_box, choices["card_brand"], str)
        _refill(self.key_box, choices["keys"], str)
        self._choices_read()

    def _choices_not_read(self, error: BaseException) -> None:
        logger.warning("Filter choices not read from the cache", exc_info=error)
        self._choices_read()

    def _choices_read(self) -> None:
        self._reading_choices = False
        if self._read_choices_again:
            self._read_choices_again = False
            self._load_choices()

    def _load_values(self, key: str) -> None:
        engine = self._engine
        if engine is None:
            return

        def read() -> list[str]:
            with session_scope(engine) as session:
                return metadata_values(session, key)

        self._runner.run_db(
            read, lambda values: self._show_values(key, values), context=self
        )

    def _show_values(self, key: str, values: list[str]) -> None:
        if self.key_box.currentData() != key:
            return
        typed = self.value_box.currentText()
        self.value_box.blockSignals(True)
        self.value_box.clear()
        self.value_box.addItems(values)
        self.value_box.setEditText(typed)
        self.value_box.blockSignals(False)


def _select(box: QComboBox, value: object) -> None:
    index = box.findData(value) if value is not None else 0
    if index < 0:
        box.addItem(str(value), value)
        index = box.count() - 1
    box.setCurrentIndex(index)


def _refill(box: QComboBox, values: list[str], label: Any) -> None:
    """Put ``values`` after the "any" item, keeping the current choice.

    The box stays silent: the choice, and so the filter, is unchanged.
    """
    current = box.currentData()
    box.blockSignals(True)
    try:
        while box.count() > 1:
            box.removeItem(1)
        for value in values:
            box.addItem(label(value), value)
        _select(box, current)
    finally:
        box.blockSignals(False)


def _picked_date(edit: QDateEdit) -> date | None:
    picked = edit.date()
    if picked == _NO_DATE:
        return None
    return date(picked.year(), picked.month(), picked.day())


def _qdate(day: date | None) -> QDate:
    return _NO_DATE if day is None else QDate(day.year, day.month, day.day)


def _amount_text(amount: int | None, currency: str | None) -> str:
    if amount is None or currency is None:
        return ""
    return format_amount(amount, currency, with_symbol=False, grouping=False)
