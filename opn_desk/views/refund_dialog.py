"""The refund dialog: what a fresh read of the charge allows, then one refund."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from opn_desk.models.journal_store import Operation, OperationInFlight
from opn_desk.models.operations import DONE
from opn_desk.services import refunds
from opn_desk.services.money import AmountError, format_amount, parse_amount
from opn_desk.services.refund_rules import RefundRefused, RefundTerms, check_refund
from opn_desk.services.workspace import Workspace
from opn_desk.views.errors import error_sentence
from opn_desk.views.refusals import amount_problem, operation_outcome, refund_refusal
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

# Reasons offered to the clerk: (code kept in the refund's metadata, label).
REASONS = (
    (
        "requested_by_customer",
        QT_TRANSLATE_NOOP("RefundDialog", "The customer asked for it"),
    ),
    ("duplicate", QT_TRANSLATE_NOOP("RefundDialog", "Duplicate charge")),
    (
        "not_delivered",
        QT_TRANSLATE_NOOP("RefundDialog", "Goods or service not delivered"),
    ),
    ("fraudulent", QT_TRANSLATE_NOOP("RefundDialog", "Fraudulent charge")),
    ("other", QT_TRANSLATE_NOOP("RefundDialog", "Other (say why in the note)")),
)


class RefundDialog(QDialog):
    """Refunds one charge, in full or in part, after a confirmation.

    Signals:
        settled(object): the refund's Operation once it settled (done,
            failed or unconfirmed).
    """

    settled = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        workspace: Workspace,
        charge_id: str,
        clerk: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._workspace = workspace
        self._charge_id = charge_id
        self._clerk = clerk
        self._zone = ZoneInfo(workspace.profile.timezone)
        self.terms: RefundTerms | None = None
        self.confirmation: QMessageBox | None = None
        self.setWindowTitle(self.tr("Refund %1").replace("%1", charge_id))
        self.setMinimumWidth(520)
        self._build()

    def start(self) -> None:
        """Read the charge afresh from Opn, then let the clerk choose."""
        self.message.setText(self.tr("Reading the charge from Opn…"))
        self._set_inputs_enabled(False)
        workspace, charge_id = self._workspace, self._charge_id

        def read() -> RefundTerms:
            with workspace.client() as client:
                return refunds.read_refund_terms(client, charge_id, _now())

        self._runner.run_network(
            read, self._show_terms, self._read_failed, context=self
        )

    # Building

    def _build(self) -> None:
        self.captured_label = QLabel()
        self.refunded_label = QLabel()
        self.remaining_label = QLabel()
        self.count_label = QLabel()
        self.window_label = QLabel()
        self.partial_label = QLabel()
        self.void_label = QLabel()
        self.void_label.setWordWrap(True)
        facts = QFormLayout()
        facts.addRow(self.tr("Captured"), self.captured_label)
        facts.addRow(self.tr("Refunded so far"), self.refunded_label)
        facts.addRow(self.tr("Left to refund"), self.remaining_label)
        facts.addRow(self.tr("Refunds left"), self.count_label)
        facts.addRow(self.tr("Refund window closes"), self.window_label)
        facts.addRow(self.tr("Partial refunds"), self.partial_label)

        self.full_choice = QRadioButton(self.tr("Everything left"))
        self.partial_choice = QRadioButton(self.tr("Part of it:"))
        self.full_choice.setChecked(True)
        choices = QButtonGroup(self)
        choices.addButton(self.full_choice)
        choices.addButton(self.partial_choice)
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("0.00")
        self.amount_edit.setEnabled(False)
        self.partial_choice.toggled.connect(self.amount_edit.setEnabled)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.full_choice)
        amount_row.addWidget(self.partial_choice)
        amount_row.addWidget(self.amount_edit, 1)

        self.reason_combo = QComboBox()
        for code, label in REASONS:
            self.reason_combo.addItem(
                QCoreApplication.translate("RefundDialog", str(label)), code
            )
        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(200)
        inputs = QFormLayout()
        inputs.addRow(self.tr("Amount"), amount_row)
        inputs.addRow(self.tr("Reason"), self.reason_combo)
        inputs.addRow(self.tr("Note"), self.note_edit)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refund_button = self.buttons.addButton(
            self.tr("Refund…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.refund_button.clicked.connect(self._ask_to_confirm)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(facts)
        layout.addWidget(self.void_label)
        layout.addLayout(inputs)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (
            self.full_choice,
            self.partial_choice,
            self.reason_combo,
            self.note_edit,
            self.refund_button,
        ):
            widget.setEnabled(enabled)
        self.amount_edit.setEnabled(enabled and self.partial_choice.isChecked())

    # Terms

    def _show_terms(self, terms: RefundTerms) -> None:
        self.terms = terms
        money = terms.currency
        self.captured_label.setText(format_amount(terms.captured_amount, money))
        self.refunded_label.setText(format_amount(terms.refunded_amount, money))
        self.remaining_label.setText(format_amount(terms.remaining_amount, money))
        self.count_label.setText(
            self.tr("%1 of 15").replace("%1", str(terms.refunds_left))
        )
        self.window_label.setText(self._local_date(terms.window_closes_at))
        self.partial_label.setText(
            self.tr("Allowed for this payment method")
            if terms.partial_allowed
            else self.tr("Not allowed: this payment method takes full refunds only")
        )
        self.void_label.setText(
            self.tr(
                "The charge has not settled yet, so this refund will be a void: "
                "the payment is cancelled rather than paid back."
            )
            if terms.will_be_void
            else ""
        )
        if terms.blocked_by is not None:
            self.message.setText(refund_refusal(terms.blocked_by))
            return
        self.message.clear()
        self._set_inputs_enabled(True)
        self.partial_choice.setEnabled(terms.partial_allowed)

    def _read_failed(self, error: BaseException) -> None:
        self.message.setText(error_sentence(error))

    def _local_date(self, moment: datetime | None) -> str:
        if moment is None:
            return self.tr("Unknown")
        return moment.astimezone(self._zone).strftime("%Y-%m-%d")

    # Refunding

    def chosen_amount(self) -> int | None:
        """The amount asked for, or None with the reason shown."""
        terms = self.terms
        if terms is None:
            return None
        if self.full_choice.isChecked():
            amount = terms.remaining_amount
        else:
            try:
                amount = parse_amount(self.amount_edit.text(), terms.currency)
            except AmountError as error:
                self.message.setText(amount_problem(error.reason, terms.currency))
                return None
        try:
            check_refund(terms, amount)
        except RefundRefused as refused:
            self.message.setText(refund_refusal(refused.reason))
            return None
        return amount

    def _ask_to_confirm(self) -> None:
        amount = self.chosen_amount()
        if amount is None or self.terms is None:
            return
        text = format_amount(amount, self.terms.currency)
        if self.terms.will_be_void:
            question = self.tr(
                "Void %1 of charge %2? The payment is cancelled before it "
                "settles. This cannot be undone."
            )
        else:
            question = self.tr(
                "Refund %1 of charge %2 to the customer? This cannot be undone."
            )
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Confirm the refund"),
            question.replace("%1", text).replace("%2", self._charge_id),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(
            lambda answer: self._confirmed(answer, amount)
        )
        self.confirmation.open()

    def _confirmed(self, answer: int, amount: int) -> None:
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._set_inputs_enabled(False)
        self.message.setText(self.tr("Sending the refund to Opn…"))
        request = refunds.RefundRequest(
            self._charge_id,
            amount,
            str(self.reason_combo.currentData()),
            self.note_edit.text().strip(),
        )
        workspace, clerk = self._workspace, self._clerk

        def send() -> Operation:
            with workspace.client() as client:
                journal = workspace.journal(client, clerk)
                return refunds.refund(journal, client, request, _now())

        self._runner.run_network(send, self._sent, self._not_sent, context=self)

    def _sent(self, operation: Operation) -> None:
        self.settled.emit(operation)
        self.message.setText(operation_outcome(operation))
        if operation.state == DONE:
            self.buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()

    def _not_sent(self, error: BaseException) -> None:
        if isinstance(error, RefundRefused):
            # The charge changed since the dialog read it: show it afresh.
            self.message.setText(refund_refusal(error.reason))
            self._show_terms(error.terms)
            return
        if isinstance(error, OperationInFlight):
            self.message.setText(
                self.tr(
                    "Another refund of this charge is being sent right now. "
                    "Wait for it to finish, then look at the charge again."
                )
            )
            return
        logger.warning("Refund not sent", exc_info=error)
        self.message.setText(error_sentence(error))
        self._set_inputs_enabled(True)


def _now() -> datetime:
    return datetime.now(UTC)
