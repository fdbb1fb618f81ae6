"""The refund dialog: what a fresh read of the charge allows, then one refund."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from opn_desk.models.journal_store import Operation
from opn_desk.services import refunds
from opn_desk.services.api import OpnClient
from opn_desk.services.money import format_amount
from opn_desk.services.operations import Journal
from opn_desk.services.refund_rules import RefundRefused, RefundTerms, check_refund
from opn_desk.views.charge_write_dialog import ChargeWriteDialog
from opn_desk.views.labels import REFUND_REASONS, day_text, refund_reason_label
from opn_desk.views.refusals import refund_refusal


class RefundDialog(ChargeWriteDialog):
    """Refunds one charge, in full or in part, after a confirmation.

    Signals:
        settled(object): the refund's Operation once it settled (done,
            failed or unconfirmed).
    """

    terms: RefundTerms | None
    refusal_type = RefundRefused

    def _title(self, charge_id: str) -> str:
        return self.tr("Refund %1").replace("%1", charge_id)

    @staticmethod
    def _read_terms(client: OpnClient, charge_id: str) -> RefundTerms:
        return refunds.read_refund_terms(client, charge_id, _now())

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

        amount_row = self.amount_choice(self.tr("Everything left"))
        self.amount_edit.setPlaceholderText("0.00")

        self.reason_combo = QComboBox()
        for code in REFUND_REASONS:
            self.reason_combo.addItem(refund_reason_label(code), code)
        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(200)
        inputs = QFormLayout()
        inputs.addRow(self.tr("Amount"), amount_row)
        inputs.addRow(self.tr("Reason"), self.reason_combo)
        inputs.addRow(self.tr("Note"), self.note_edit)

        self.refund_button = self.buttons.addButton(
            self.tr("Refund…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.refund_button.clicked.connect(self._ask_to_confirm)

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

    def _show_terms(self, terms: object) -> None:
        assert isinstance(terms, RefundTerms)
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

    def _local_date(self, moment: datetime | None) -> str:
        if moment is None:
            return self.tr("Unknown")
        return day_text(moment.astimezone(self._zone).date())

    # Refunding

    def chosen_amount(self) -> int | None:
        """The amount asked for, or None with the reason shown."""
        terms = self.terms
        if terms is None:
            return None
        if self.full_choice.isChecked():
            amount = terms.remaining_amount
        else:
            typed = self.typed_amount(terms.currency)
            if typed is None:
                return None
            amount = typed
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
        request = refunds.RefundRequest(
            self._charge_id,
            amount,
            str(self.reason_combo.currentData()),
            self.note_edit.text().strip(),
        )

        def write(journal: Journal, client: OpnClient) -> Operation:
            return refunds.refund(journal, client, request, _now())

        self.confirm(
            self.tr("Confirm the refund"),
            question.replace("%1", text).replace("%2", self._charge_id),
            self.tr("Sending the refund to Opn…"),
            write,
        )

    def _refusal_sentence(self, reason: str) -> str:
        return refund_refusal(reason)

    def _in_flight_sentence(self) -> str:
        return self.tr(
            "Another refund of this charge is being sent right now. "
            "Wait for it to finish, then look at the charge again."
        )


def _now() -> datetime:
    return datetime.now(UTC)
