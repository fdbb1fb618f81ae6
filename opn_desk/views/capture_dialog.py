"""The capture dialog: capture an authorization in full or in part, or release it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
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
from opn_desk.services import captures
from opn_desk.services.api import OpnClient
from opn_desk.services.capture_rules import (
    CaptureRefused,
    CaptureTerms,
    capture_terms,
    check_capture,
    check_reverse,
)
from opn_desk.services.money import AmountError, format_amount, parse_amount
from opn_desk.services.operations import Journal
from opn_desk.services.workspace import Workspace
from opn_desk.views.errors import error_sentence
from opn_desk.views.refusals import amount_problem, capture_refusal, operation_outcome
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

Write = Callable[[Journal, OpnClient], Operation]


class CaptureDialog(QDialog):
    """Captures one authorization once, or releases it, after a confirmation.

    Signals:
        settled(object): the Operation once it settled.
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
        self.terms: CaptureTerms | None = None
        self.confirmation: QMessageBox | None = None
        self.setWindowTitle(self.tr("Capture %1").replace("%1", charge_id))
        self.setMinimumWidth(520)
        self._build()

    def start(self) -> None:
        """Read the charge afresh from Opn, then let the clerk choose."""
        self.message.setText(self.tr("Reading the charge from Opn…"))
        self._set_inputs_enabled(False)
        workspace, charge_id = self._workspace, self._charge_id

        def read() -> CaptureTerms:
            with workspace.client() as client:
                return capture_terms(client.get_charge(charge_id), _now())

        self._runner.run_network(read, self._show_terms, self._failed, context=self)

    def _build(self) -> None:
        self.authorized_label = QLabel()
        self.kind_label = QLabel()
        self.expires_label = QLabel()
        facts = QFormLayout()
        facts.addRow(self.tr("Authorized"), self.authorized_label)
        facts.addRow(self.tr("Kind"), self.kind_label)
        facts.addRow(self.tr("Authorization lapses"), self.expires_label)

        self.full_choice = QRadioButton(self.tr("The whole amount"))
        self.partial_choice = QRadioButton(self.tr("Part of it:"))
        self.full_choice.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.full_choice)
        group.addButton(self.partial_choice)
        self.amount_edit = QLineEdit()
        self.amount_edit.setEnabled(False)
        self.partial_choice.toggled.connect(self.amount_edit.setEnabled)
        row = QHBoxLayout()
        row.addWidget(self.full_choice)
        row.addWidget(self.partial_choice)
        row.addWidget(self.amount_edit, 1)
        inputs = QFormLayout()
        inputs.addRow(self.tr("Capture"), row)

        self.once_label = QLabel(
            self.tr(
                "A charge can be captured only once: whatever is not captured "
                "is released to the customer at once."
            )
        )
        self.once_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.capture_button = self.buttons.addButton(
            self.tr("Capture…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.release_button = self.buttons.addButton(
            self.tr("Release…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.capture_button.clicked.connect(self._ask_capture)
        self.release_button.clicked.connect(self._ask_release)
        self.buttons.rejected.connect(self.reject)

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

    def _show_terms(self, terms: CaptureTerms) -> None:
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
        local = expires_at.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
        hours_left = int((expires_at - _now()).total_seconds() // 3600)
        if hours_left < 0:
            return self.tr("%1 (lapsed)").replace("%1", local)
        return (
            self.tr("%1 (in %2 hours)")
            .replace("%1", local)
            .replace("%2", str(hours_left))
        )

    def chosen_amount(self) -> int | None:
        """The amount to capture, or None with the reason shown."""
        terms = self.terms
        if terms is None:
            return None
        amount = terms.authorized_amount
        if self.partial_choice.isChecked():
            try:
                amount = parse_amount(self.amount_edit.text(), terms.currency)
            except AmountError as error:
                self.message.setText(amount_problem(error.reason, terms.currency))
                return None
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

        self._confirm(self.tr("Confirm the capture"), text, write)

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

        self._confirm(self.tr("Confirm the release"), text, write)

    def _confirm(self, title: str, text: str, write: Write) -> None:
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(lambda answer: self._send(answer, write))
        self.confirmation.open()

    def _send(self, answer: int, write: Write) -> None:
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._set_inputs_enabled(False)
        self.message.setText(self.tr("Sending to Opn…"))
        workspace, clerk = self._workspace, self._clerk

        def send() -> Operation:
            with workspace.client() as client:
                return write(workspace.journal(client, clerk), client)

        self._runner.run_network(send, self._sent, self._failed, context=self)

    def _sent(self, operation: Operation) -> None:
        self.settled.emit(operation)
        self.message.setText(operation_outcome(operation))

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, CaptureRefused):
            self.message.setText(capture_refusal(error.reason))
            self._show_terms(error.terms)
            return
        if isinstance(error, OperationInFlight):
            self.message.setText(
                self.tr(
                    "Another change to this charge is being sent right now. "
                    "Wait for it to finish, then look at the charge again."
                )
            )
            return
        logger.warning("Capture not sent", exc_info=error)
        self.message.setText(error_sentence(error))


def _now() -> datetime:
    return datetime.now(UTC)
