"""What the refund and capture dialogs share: read, confirm, send once, tell.

A write dialog reads its charge afresh from Opn and shows what the rules
allow; the clerk chooses; a confirmation says exactly what will happen;
the write goes through the operations journal off the GUI thread; and
the outcome is told in the dialog. Subclasses say what to read, what to
show, and which refusals they know.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QWidget,
)

from opn_desk.models.journal_store import Operation, OperationInFlight
from opn_desk.models.operations import DONE
from opn_desk.services.api import OpnClient
from opn_desk.services.money import AmountError, parse_amount
from opn_desk.services.operations import Journal
from opn_desk.services.workspace import Workspace
from opn_desk.views.errors import error_sentence
from opn_desk.views.refusals import amount_problem, operation_outcome
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

# One write on the charge, sent once through the journal.
Write = Callable[[Journal, OpnClient], Operation]


class ChargeWriteDialog(QDialog):
    """The read -> rules -> confirm -> journal -> send -> outcome flow.

    A subclass names the window in ``_title``, builds its widgets in
    ``_build`` (laying out ``message``,
    ``buttons`` and the row of ``amount_choice``), and provides
    ``refusal_type`` (the rules' exception, with ``reason`` and fresh
    ``terms``), ``_read_terms``, ``_show_terms``, ``_set_inputs_enabled``,
    ``_refusal_sentence`` and ``_in_flight_sentence``.

    Signals:
        settled(object): the write's Operation once it settled (done,
            failed or unconfirmed).
    """

    settled = Signal(object)
    # The rules' refusal, raised with ``reason`` and the fresh ``terms``.
    refusal_type: type[Exception]

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
        self.terms: object | None = None
        self.confirmation: QMessageBox | None = None
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(520)
        self._build()
        self.setWindowTitle(self._title(charge_id))

    # What a subclass provides

    def _title(self, charge_id: str) -> str:
        raise NotImplementedError

    def _build(self) -> None:
        raise NotImplementedError

    @staticmethod
    def _read_terms(client: OpnClient, charge_id: str) -> object:
        """What the rules allow, from a fresh read (on a network worker).

        A static method, so that no worker holds the dialog: a widget
        must never be released off the GUI thread.
        """
        raise NotImplementedError

    def _show_terms(self, terms: object) -> None:
        raise NotImplementedError

    def _set_inputs_enabled(self, enabled: bool) -> None:
        raise NotImplementedError

    def _refusal_sentence(self, reason: str) -> str:
        raise NotImplementedError

    def _in_flight_sentence(self) -> str:
        raise NotImplementedError

    # The amount

    def amount_choice(self, whole: str) -> QHBoxLayout:
        """The row "``whole``" or "Part of it:" with its amount field."""
        self.full_choice = QRadioButton(whole)
        self.partial_choice = QRadioButton(
            QCoreApplication.translate("ChargeWriteDialog", "Part of it:")
        )
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
        return row

    def typed_amount(self, currency: str) -> int | None:
        """The part typed, in the smallest unit, or None with the reason shown."""
        try:
            return parse_amount(self.amount_edit.text(), currency)
        except AmountError as error:
            self.message.setText(amount_problem(error.reason, currency))
            return None

    # The flow

    def start(self) -> None:
        """Read the charge afresh from Opn, then let the clerk choose."""
        self.message.setText(
            QCoreApplication.translate(
                "ChargeWriteDialog", "Reading the charge from Opn…"
            )
        )
        self._set_inputs_enabled(False)
        workspace, charge_id = self._workspace, self._charge_id
        read_terms = type(self)._read_terms

        def read() -> object:
            with workspace.client() as client:
                return read_terms(client, charge_id)

        self._runner.run_network(
            read, self._show_terms, self._read_failed, context=self
        )

    def _read_failed(self, error: BaseException) -> None:
        self.message.setText(error_sentence(error))

    def confirm(self, title: str, question: str, sending: str, write: Write) -> None:
        """Ask ``question`` (No by default); on Yes, send ``write`` once."""
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(
            lambda answer: self._send(answer, sending, write)
        )
        self.confirmation.open()

    def _send(self, answer: int, sending: str, write: Write) -> None:
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._set_inputs_enabled(False)
        self.message.setText(sending)
        workspace, clerk = self._workspace, self._clerk

        def send() -> Operation:
            with workspace.client() as client:
                return write(workspace.journal(client, clerk), client)

        self._runner.run_network(send, self._sent, self._not_sent, context=self)

    def _sent(self, operation: Operation) -> None:
        self.settled.emit(operation)
        self.message.setText(operation_outcome(operation))
        if operation.state == DONE:
            self.buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()

    def _not_sent(self, error: BaseException) -> None:
        if isinstance(error, self.refusal_type):
            # The charge changed since the dialog read it: show it afresh,
            # then say why nothing was sent.
            refusal: Any = error
            self._show_terms(refusal.terms)
            self.message.setText(self._refusal_sentence(refusal.reason))
            return
        if isinstance(error, OperationInFlight):
            self.message.setText(self._in_flight_sentence())
            return
        logger.warning(
            "%s: the write was not sent", type(self).__name__, exc_info=error
        )
        self.message.setText(error_sentence(error))
        self._set_inputs_enabled(self.terms is not None)
