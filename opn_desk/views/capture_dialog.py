"""The capture dialog: capture an authorization in full or in part, or release it."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from opn_desk.models.journal_store import Operation
from opn_desk.services import captures
from opn_desk.services.api import OpnClient
from opn_desk.services.capture_rules import (
    CaptureRefused,
    CaptureTerms,
    capture_terms,
    check_capture,
    check_reverse,
)
from opn_desk.services.money import format_amount
from opn_desk.services.operations import Journal
from opn_desk.views.charge_write_dialog import ChargeWriteDialog
from opn_desk.views.labels import moment_text
from opn_desk.views.refusals import capture_refusal


class CaptureDialog(ChargeWriteDialog):
    """Captures one authorization once, or releases it, after a confirmation.

    Signals:
        settled(object): the Operation once it settled.
    """

    terms: CaptureTerms | None
    refusal_type = CaptureRefused

    def _title(self, charge_id: str) -> str:
        return self.tr("Capture %1").replace("%1", charge_id)

    @staticmethod
    def _read_terms(client: OpnClient, charge_id: str) -> CaptureTerms:
        return capture_terms(client.get_charge(charge_id), _now())

    def _build(self) -> None:
        self.authorized_label = QLabel()
        self.kind_label = QLabel()
        self.expires_label = QLabel()
        facts = QFormLayout()
        facts.addRow(self.tr("Authorized"), self.authorized_label)
        facts.addRow(self.tr("Kind"), self.kind_label)
        facts.addRow(self.tr("Authorization lapses"), self.expires_label)

        row = self.amount_choice(self.tr("The whole amount"))
        inputs = QFormLayout()
        inputs.addRow(self.tr("Capture"), row)

        self.once_label = QLabel(
            self.tr(
                "A charge can be captured only once: whatever is not captured "
                "is released to the customer at once."
            )
        )
        self.once_label.setWordWrap(True)
        self.capture_button = self.buttons.addButton(
            self.tr("Capture…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.release_button = self.buttons.addButton(
            self.tr("Release…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.capture_button.clicked.connect(self._ask_capture)
        self.release_button.clicked.connect(self._ask_release)

        layout = QVBoxLayout(self)
        layout.addLayout(facts)
        layout.addLayout(inputs)
        layout.addWidget(self.once_label)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (
            self.full_choice,
            self.capture_button,
            self.release_button,
        ):
            widget.setEnabled(enabled)
        partial = enabled and self.terms is not None and self.terms.partial_allowed
        self.partial_choice.setEnabled(partial)
        self.amount_edit.setEnabled(partial and self.partial_choice.isChecked())

    def _show_terms(self, terms: object) -> None:
        assert isinstance(terms, CaptureTerms)
        self.terms = terms
        self.authorized_label.setText(
            format_amount(terms.authorized_amount, terms.currency)
        )
        self.kind_label.setText(
            self.tr("Pre-authorization: may be captured in part")
            if terms.partial_allowed
            else self.tr("Final authorization: captured in full only")
        )
        self.expires_label.setText(self._lapse_text(terms.expires_at))
        if terms.blocked_by is not None:
            self.message.setText(capture_refusal(terms.blocked_by))
            self._set_inputs_enabled(False)
            self.release_button.setEnabled(terms.reversible)
            return
        self.message.clear()
        self._set_inputs_enabled(True)

    def _lapse_text(self, expires_at: datetime | None) -> str:
        if expires_at is None:
            return self.tr("Unknown")
        local = moment_text(expires_at, self._zone)
        hours_left = int((expires_at - _now()).total_seconds() // 3600)
        if hours_left < 0:
            return self.tr("%1 (lapsed)").replace("%1", local)
        return self.tr("%1 (in %n hour(s))", "", hours_left).replace("%1", local)

    def chosen_amount(self) -> int | None:
        """The amount to capture, or None with the reason shown."""
        terms = self.terms
        if terms is None:
            return None
        amount = terms.authorized_amount
        if self.partial_choice.isChecked():
            typed = self.typed_amount(terms.currency)
            if typed is None:
                return None
            amount = typed
        try:
            check_capture(terms, amount)
        except CaptureRefused as refused:
            self.message.setText(capture_refusal(refused.reason))
            return None
        return amount

    def _ask_capture(self) -> None:
        amount = self.chosen_amount()
        terms = self.terms
        if amount is None or terms is None:
            return
        released = terms.released_amount(amount)
        question = self.tr(
            "Capture %1 of charge %2 and release %3 back to the customer? "
            "A charge can be captured only once."
        )
        text = (
            question.replace("%1", format_amount(amount, terms.currency))
            .replace("%2", self._charge_id)
            .replace("%3", format_amount(released, terms.currency))
        )
        charge_id = self._charge_id

        def write(journal: Journal, client: OpnClient) -> Operation:
            return captures.capture(journal, client, charge_id, amount, _now())

        self.confirm(
            self.tr("Confirm the capture"), text, self.tr("Sending to Opn…"), write
        )

    def _ask_release(self) -> None:
        terms = self.terms
        if terms is None:
            return
        try:
            check_reverse(terms)
        except CaptureRefused as refused:
            self.message.setText(capture_refusal(refused.reason))
            return
        text = self.tr(
            "Release the whole authorization of %1 on charge %2? Nothing will "
            "be captured, and this cannot be undone."
        )
        text = text.replace(
            "%1", format_amount(terms.authorized_amount, terms.currency)
        ).replace("%2", self._charge_id)
        charge_id = self._charge_id

        def write(journal: Journal, client: OpnClient) -> Operation:
            return captures.reverse(journal, client, charge_id, _now())

        self.confirm(
            self.tr("Confirm the release"), text, self.tr("Sending to Opn…"), write
        )

    def _refusal_sentence(self, reason: str) -> str:
        return capture_refusal(reason)

    def _in_flight_sentence(self) -> str:
        return self.tr(
            "Another change to this charge is being sent right now. "
            "Wait for it to finish, then look at the charge again."
        )


def _now() -> datetime:
    return datetime.now(UTC)
