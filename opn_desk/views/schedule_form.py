"""The schedule form: a new charge schedule, its run dates seen as it is typed.

Customers and cards come from the cache (read off the GUI thread). The
next 12 run dates are computed locally on every keystroke; a cadence no
schedule can have gets a sentence and no Create button. Creating asks
for a confirmation defaulting to No, then goes through the journal.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opn_desk.models.db import session_scope
from opn_desk.models.journal_store import Operation, OperationInFlight
from opn_desk.models.operations import DONE
from opn_desk.models.schedule_queries import (
    CustomerChoice,
    ScheduleItem,
    customer_choices,
)
from opn_desk.services import schedules
from opn_desk.services.money import AmountError, format_amount, parse_amount
from opn_desk.services.schedule_dates import (
    LAST,
    Cadence,
    CadenceRefused,
    cadence_from_api,
    check_cadence,
    local_today,
    run_dates,
)
from opn_desk.services.workspace import Workspace
from opn_desk.views.date_field import (
    NO_SUCH_DAY,
    NOT_A_DATE,
    DateField,
    days_in_month,
)
from opn_desk.views.errors import error_sentence
from opn_desk.views.labels import day_text
from opn_desk.views.refusals import amount_problem, operation_outcome
from opn_desk.views.schedules_table_model import (
    ORDINAL_LABELS,
    cadence_in_words,
    cadence_phrase,
    tr,
    weekday_label,
)
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

CURRENCIES = ("THB", "JPY", "SGD", "USD", "EUR", "GBP", "MYR")
PERIODS = ("day", "week", "month")


def refusal_sentence(reason: str) -> str:
    """What the clerk reads when a cadence or request is refused."""
    sentences = {
        "every_below_one": tr("Run at least every 1 period."),
        "no_weekdays": tr("Tick at least one weekday for a weekly schedule."),
        "no_month_rule": tr("Give the days of the month, e.g. 1 15, or a weekday."),
        "two_month_rules": tr("Choose days of the month or a weekday, not both."),
        "bad_day": tr("Days of the month run from 1 to 31, e.g. 1 15 31."),
        "bad_weekday": tr("Choose a weekday from Monday to Sunday."),
        "bad_ordinal": tr("Choose first, second, third, fourth or last."),
        "rule_on_daily": tr("A daily schedule takes no weekdays or days."),
        "unknown_period": tr("Choose days, weeks or months."),
        "no_end": tr("Choose an end date."),
        "start_in_past": tr("The start date has passed; start today or later."),
        "end_before_start": tr("The end date is before the start date."),
        "no_run": tr(
            "No run date falls between the start and the end: "
            "move the end date later or change the cadence."
        ),
        "no_amount": tr("Enter an amount greater than zero."),
        "schedule_not_live": tr("This schedule no longer runs."),
        "start_repeats_a_run": tr(
            "The new start would charge a date already charged; start later."
        ),
    }
    return sentences.get(reason, tr("This schedule cannot be created."))


class ScheduleForm(QDialog):
    """Creates one charge schedule after a confirmation.

    Given ``replacing``, it changes that schedule instead: the form starts
    from its parameters, and sending deletes it and creates the new one
    (Opn cannot edit a schedule).

    Signals:
        settled(object): the create's Operation once it settled (for a
            change whose delete did not go through, the delete's).
    """

    settled = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        workspace: Workspace,
        clerk: str,
        parent: QWidget | None = None,
        replacing: ScheduleItem | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._workspace = workspace
        self._clerk = clerk
        self.replacing = replacing
        self._timezone = workspace.profile.timezone
        self.customers: list[CustomerChoice] | None = None
        self.limits: schedules.ChargeLimits | None = None
        self.confirmation: QMessageBox | None = None
        self.preview_dates: list[date] = []
        self.setWindowTitle(tr("New charge schedule"))
        self.setMinimumWidth(560)
        self._build()
        if replacing is not None:
            self._prefill(replacing)
        self.update_preview()

    def start(self) -> None:
        """Read the customers and their cards from the cache."""
        engine = self._workspace.engine

        def read() -> tuple[list[CustomerChoice], schedules.ChargeLimits | None]:
            with session_scope(engine) as session:
                return customer_choices(session), schedules.charge_limits(session)

        self._runner.run_db(read, self._show_cache, self._failed, context=self)

    def _show_cache(
        self, read: tuple[list[CustomerChoice], schedules.ChargeLimits | None]
    ) -> None:
        customers, self.limits = read
        self._show_customers(customers)

    def today(self) -> date:
        return local_today(self._timezone, datetime.now(UTC))

    # Building

    def _build(self) -> None:
        self.customer_combo = QComboBox()
        self.customer_combo.currentIndexChanged.connect(self._show_cards)
        self.card_combo = QComboBox()
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("0.00")
        self.currency_combo = QComboBox()
        self.currency_combo.addItems(CURRENCIES)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit, 1)
        amount_row.addWidget(self.currency_combo)
        self.description_edit = QLineEdit()
        self.metadata_edit = QLineEdit()
        self.metadata_edit.setPlaceholderText(tr("branch=Siam; plan=gold"))

        self.every_spin = QSpinBox()
        self.every_spin.setRange(0, 365)
        self.every_spin.setValue(1)
        self.period_combo = QComboBox()
        for code, label in zip(
            PERIODS, (tr("day(s)"), tr("week(s)"), tr("month(s)")), strict=True
        ):
            self.period_combo.addItem(label, code)
        self.period_combo.setCurrentIndex(2)
        every_row = QHBoxLayout()
        every_row.addWidget(QLabel(tr("Every")))
        every_row.addWidget(self.every_spin)
        every_row.addWidget(self.period_combo, 1)

        self.weekday_boxes = [QCheckBox(weekday_label(d)) for d in range(7)]
        weekdays_row = QHBoxLayout()
        for box in self.weekday_boxes:
            weekdays_row.addWidget(box)
        self.days_choice = QRadioButton(tr("On days of the month:"))
        self.days_choice.setChecked(True)
        self.days_edit = QLineEdit("1")
        self.weekday_choice = QRadioButton(tr("On the"))
        self.ordinal_combo = QComboBox()
        for ordinal in (1, 2, 3, 4, LAST):
            self.ordinal_combo.addItem(tr(ORDINAL_LABELS[ordinal]), ordinal)
        self.month_weekday_combo = QComboBox()
        for weekday in range(7):
            self.month_weekday_combo.addItem(weekday_label(weekday), weekday)
        month_row = QHBoxLayout()
        month_row.addWidget(self.days_choice)
        month_row.addWidget(self.days_edit, 1)
        month_row.addWidget(self.weekday_choice)
        month_row.addWidget(self.ordinal_combo)
        month_row.addWidget(self.month_weekday_combo)

        today = self.today()
        self.start_edit = DateField(today)
        self.end_edit = DateField(date(today.year + 1, today.month, min(today.day, 28)))

        form = QFormLayout()
        form.addRow(tr("Customer"), self.customer_combo)
        form.addRow(tr("Card"), self.card_combo)
        form.addRow(tr("Amount"), amount_row)
        form.addRow(tr("Description"), self.description_edit)
        form.addRow(tr("Metadata"), self.metadata_edit)
        form.addRow(tr("Cadence"), every_row)
        form.addRow(tr("Weekdays"), weekdays_row)
        form.addRow(tr("Month"), month_row)
        form.addRow(tr("Start (local date)"), self.start_edit)
        form.addRow(tr("End (local date, included)"), self.end_edit)

        self.words_label = QLabel()
        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.create_button = self.buttons.addButton(
            tr("Create…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.create_button.clicked.connect(self._ask_to_confirm)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("Next 12 run dates:")))
        layout.addWidget(self.words_label)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        for signal in (
            self.every_spin.valueChanged,
            self.period_combo.currentIndexChanged,
            self.days_edit.textChanged,
            self.days_choice.toggled,
            self.ordinal_combo.currentIndexChanged,
            self.month_weekday_combo.currentIndexChanged,
            self.start_edit.changed,
            self.end_edit.changed,
            self.amount_edit.textChanged,
            self.currency_combo.currentIndexChanged,
        ):
            signal.connect(self.update_preview)
        for box in self.weekday_boxes:
            box.toggled.connect(self.update_preview)

    # Customers

    def _show_customers(self, customers: list[CustomerChoice]) -> None:
        self.customers = customers
        self.customer_combo.clear()
        for customer in customers:
            label = customer.email or customer.description or customer.id
            self.customer_combo.addItem(f"{label} ({customer.id})", customer.id)
        if not customers:
            self.message.setText(tr("No customer in the cache: sync first."))
        if self.replacing is not None:
            self._choose_customer(self.replacing)

    def _prefill(self, item: ScheduleItem) -> None:
        """Start from a schedule's parameters, from its next run on."""
        self.setWindowTitle(tr("Change schedule %1").replace("%1", item.id))
        self.create_button.setText(tr("Replace…"))
        self.currency_combo.setCurrentText(item.currency)
        self.amount_edit.setText(
            format_amount(item.amount, item.currency, with_symbol=False)
        )
        self.description_edit.setText(item.description)
        self.metadata_edit.setText(
            "; ".join(f"{k}={v}" for k, v in item.metadata.items())
        )
        self.every_spin.setValue(item.every)
        self.period_combo.setCurrentIndex(PERIODS.index(item.period))
        try:
            cadence = cadence_from_api(item.every, item.period, item.on)
        except CadenceRefused:
            cadence = Cadence(item.every, item.period)
        for weekday in cadence.weekdays:
            self.weekday_boxes[weekday].setChecked(True)
        if cadence.weekday_of_month is not None:
            ordinal, weekday = cadence.weekday_of_month
            self.weekday_choice.setChecked(True)
            self.ordinal_combo.setCurrentIndex(self.ordinal_combo.findData(ordinal))
            self.month_weekday_combo.setCurrentIndex(weekday)
        elif cadence.days_of_month:
            self.days_edit.setText(" ".join(str(d) for d in cadence.days_of_month))
        start = item.next_runs_on[0] if item.next_runs_on else self.today()
        self.start_edit.setDate(start)
        if item.end_on is not None:
            end = item.end_on
            self.end_edit.setDate(end)
        self.customer_combo.setEnabled(False)

    def _choose_customer(self, item: ScheduleItem) -> None:
        index = self.customer_combo.findData(item.customer_id)
        if index < 0:
            self.message.setText(
                tr("The customer of this schedule is not in the cache: sync first.")
            )
            return
        self.customer_combo.setCurrentIndex(index)
        customer = self._customer()
        follows_default = customer is not None and (
            customer.default_card_id == item.card_id
        )
        card_index = self.card_combo.findData(item.card_id)
        if item.card_id and card_index >= 0 and not follows_default:
            self.card_combo.setCurrentIndex(card_index)

    def _show_cards(self) -> None:
        self.card_combo.clear()
        customer = self._customer()
        if customer is None:
            return
        if customer.default_card_id:
            self.card_combo.addItem(tr("The customer's default card"), None)
        for card in customer.cards:
            expiry = f"{card.expiration_month or 0:02d}/{card.expiration_year or 0}"
            label = f"{card.brand} •••• {card.last_digits} ({expiry})"
            self.card_combo.addItem(label, card.id)
        self.update_preview()

    def _customer(self) -> CustomerChoice | None:
        index = self.customer_combo.currentIndex()
        if self.customers is None or index < 0 or index >= len(self.customers):
            return None
        return self.customers[index]

    def _failed(self, error: BaseException) -> None:
        self.message.setText(error_sentence(error))

    # The preview

    def cadence(self) -> Cadence:
        """The cadence as typed so far (perhaps an impossible one)."""
        period = str(self.period_combo.currentData())
        every = self.every_spin.value()
        if period == "day":
            return Cadence(every, period)
        if period == "week":
            days = tuple(d for d, b in enumerate(self.weekday_boxes) if b.isChecked())
            return Cadence(every, period, weekdays=days)
        if self.weekday_choice.isChecked():
            rule = (
                int(self.ordinal_combo.currentData()),
                int(self.month_weekday_combo.currentData()),
            )
            return Cadence(every, period, weekday_of_month=rule)
        words = self.days_edit.text().replace(",", " ").split()
        days = tuple(sorted({int(w) if w.isdigit() else 0 for w in words}))
        return Cadence(every, period, days_of_month=days)

    def dates(self) -> tuple[date, date] | None:
        """The start and the end, or None while either is not a real day."""
        start_on, end_on = self.start_edit.day(), self.end_edit.day()
        if start_on is None or end_on is None:
            return None
        return start_on, end_on

    def date_problem(self) -> str | None:
        """What is wrong with the start or end as typed, in a sentence."""
        for field, shape, no_such_day in (
            (
                self.start_edit,
                tr("Type the start date as year-month-day, such as %1."),
                tr("%1 is not a date: that month has %2 days. Correct the start date."),
            ),
            (
                self.end_edit,
                tr("Type the end date as year-month-day, such as %1."),
                tr("%1 is not a date: that month has %2 days. Correct the end date."),
            ),
        ):
            problem = field.problem()
            if problem == NOT_A_DATE:
                return shape.replace("%1", self.today().isoformat())
            if problem == NO_SUCH_DAY:
                days = str(days_in_month(field.text()))
                return no_such_day.replace("%1", field.text()).replace("%2", days)
        return None

    def update_preview(self) -> None:
        """Show the next 12 run dates, or why there can be none."""
        cadence = self.cadence()
        period = cadence.period
        for box in self.weekday_boxes:
            box.setEnabled(period == "week")
        for widget in (
            self.days_choice,
            self.days_edit,
            self.weekday_choice,
            self.ordinal_combo,
            self.month_weekday_combo,
        ):
            widget.setEnabled(period == "month")
        dates = self.dates()
        sentence = self.date_problem() if dates is None else None
        if dates is not None:
            try:
                check_cadence(cadence, *dates, self.today())
            except CadenceRefused as refused:
                sentence = refusal_sentence(refused.reason)
        self.preview_dates = (
            run_dates(cadence, *dates) if dates and sentence is None else []
        )
        self.preview_label.setText(", ".join(day_text(d) for d in self.preview_dates))
        self.words_label.setText(
            ""
            if sentence
            else cadence_in_words(cadence.every, period, cadence.on_object())
        )
        self.problem_label.setText(sentence or "")
        self.create_button.setEnabled(sentence is None and self._customer() is not None)

    # Creating

    def request(self) -> schedules.ScheduleRequest | None:
        """The schedule asked for, or None with the reason shown."""
        customer = self._customer()
        if customer is None:
            self.message.setText(tr("Choose a customer."))
            return None
        currency = self.currency_combo.currentText()
        try:
            amount = parse_amount(self.amount_edit.text(), currency)
        except AmountError as error:
            self.message.setText(amount_problem(error.reason, currency))
            return None
        metadata = {}
        for pair in self.metadata_edit.text().split(";"):
            key, sign, value = pair.partition("=")
            if key.strip() and sign:
                metadata[key.strip()] = value.strip()
            elif pair.strip():  # a value without its key, or a key alone
                self.message.setText(tr("Write metadata as key=value; key=value."))
                return None
        dates = self.dates()
        if dates is None:
            self.message.setText(self.date_problem() or "")
            return None
        start_on, end_on = dates
        card = self.card_combo.currentData()
        request = schedules.ScheduleRequest(
            customer_id=customer.id,
            card_id=str(card) if card else None,
            amount=amount,
            currency=currency,
            description=self.description_edit.text().strip(),
            cadence=self.cadence(),
            start_on=start_on,
            end_on=end_on,
            metadata=metadata,
        )
        try:
            schedules.check_request(request, self.today(), self.limits)
        except schedules.ScheduleRefused as refused:
            self.message.setText(self._refusal(refused.reason, currency))
            return None
        return request

    def _refusal(self, reason: str, currency: str) -> str:
        limits = self.limits
        if limits is not None and reason == "below_minimum":
            smallest = format_amount(limits.min_amount or 0, currency)
            text = tr("Opn takes charges of at least %1; raise the amount.")
            return text.replace("%1", smallest)
        if limits is not None and reason == "above_maximum":
            largest = format_amount(limits.max_amount or 0, currency)
            text = tr("Opn takes charges of at most %1; lower the amount.")
            return text.replace("%1", largest)
        return refusal_sentence(reason)

    def _ask_to_confirm(self) -> None:
        request = self.request()
        if request is None:
            return
        question = (
            tr("Charge %1 to %2 %3, from %4 to %5? The first run is on %6.")
            .replace("%1", format_amount(request.amount, request.currency))
            .replace("%2", self.customer_combo.currentText())
            .replace(
                "%3",
                cadence_phrase(
                    request.cadence.every,
                    request.cadence.period,
                    request.cadence.on_object(),
                ),
            )
            .replace("%4", day_text(request.start_on))
            .replace("%5", day_text(request.end_on))
            .replace("%6", day_text(self.preview_dates[0]))
        )
        if self.replacing is not None:
            question = (
                tr(
                    "Opn cannot edit a schedule: %1 will be deleted, then "
                    "this one created in its place."
                ).replace("%1", self.replacing.id)
                + " "
                + question
            )
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Confirm the schedule"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(
            lambda answer: self._confirmed(answer, request)
        )
        self.confirmation.open()

    def _confirmed(self, answer: int, request: schedules.ScheduleRequest) -> None:
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.create_button.setEnabled(False)
        self.message.setText(tr("Sending the schedule to Opn…"))
        workspace, clerk, today = self._workspace, self._clerk, self.today()
        replaced = self.replacing.id if self.replacing is not None else None

        def send() -> Operation:
            with workspace.client() as client:
                journal = workspace.journal(client, clerk)
                if replaced is None:
                    return schedules.create_schedule(journal, request, today)
                change = schedules.change_schedule(
                    journal, client, replaced, request, today
                )
                return change.created or change.deleted

        self._runner.run_network(send, self._sent, self._not_sent, context=self)

    def _sent(self, operation: Operation) -> None:
        self.settled.emit(operation)
        if operation.kind == schedules.SCHEDULE_DELETE:
            text = tr(
                "The old schedule could not be deleted, so nothing was created: %1"
            )
            self.message.setText(text.replace("%1", operation_outcome(operation)))
        elif self.replacing is not None and operation.state != DONE:
            text = tr(
                "The old schedule was deleted, but the new one is not created yet: %1"
            )
            self.message.setText(text.replace("%1", operation_outcome(operation)))
        elif operation.state == DONE:
            text = tr("Created. Opn's schedule id is %1.")
            self.message.setText(text.replace("%1", operation.result_id or ""))
        else:
            self.message.setText(operation_outcome(operation))

    def _not_sent(self, error: BaseException) -> None:
        if isinstance(error, schedules.ScheduleRefused):
            self.message.setText(refusal_sentence(error.reason))
        elif isinstance(error, OperationInFlight):
            self.message.setText(
                tr("Another write for this customer is unsettled; wait for it.")
            )
        else:
            logger.warning("Schedule not sent", exc_info=error)
            self.message.setText(error_sentence(error))
        self.create_button.setEnabled(True)
