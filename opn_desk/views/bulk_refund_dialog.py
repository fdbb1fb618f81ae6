"""Refunding several charges: review one line per charge, then send them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opn_desk.services.bulk_refunds import (
    BulkOutcome,
    PlannedRefund,
    plan_refunds,
    send_refunds,
)
from opn_desk.services.money import format_amount
from opn_desk.services.workspace import Workspace
from opn_desk.views.errors import error_sentence
from opn_desk.views.labels import REFUND_REASONS, refund_reason_label
from opn_desk.views.refusals import refund_refusal
from opn_desk.views.tasks import TaskRunner

CHARGE, AMOUNT, PLAN, RESULT = range(4)


class BulkRefundDialog(QDialog):
    """Plans full refunds of the selected charges, then sends them.

    Signals:
        finished_sending(object): the list of BulkOutcome, one per line.
    """

    finished_sending = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        workspace: Workspace,
        charge_ids: Sequence[str],
        clerk: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._workspace = workspace
        self._charge_ids = list(charge_ids)
        self._clerk = clerk
        self._stop = threading.Event()
        self.plan: list[PlannedRefund] = []
        self.confirmation: QMessageBox | None = None
        self.setWindowTitle(self.tr("Refund several charges"))
        self.resize(760, 480)
        self._build()

    def start(self) -> None:
        """Read every charge afresh and show what would be refunded."""
        self.message.setText(self.tr("Reading the charges from Opn…"))
        workspace, ids = self._workspace, self._charge_ids

        def plan() -> list[PlannedRefund]:
            with workspace.client() as client:
                return plan_refunds(client, ids, datetime.now(UTC))

        self._runner.run_network(plan, self._show_plan, self._failed, context=self)

    def _build(self) -> None:
        self.lines = QStandardItemModel(0, 4, self)
        self.lines.setHorizontalHeaderLabels(
            [self.tr("Charge"), self.tr("Amount"), self.tr("Plan"), self.tr("Result")]
        )
        self.table = QTableView(self)
        self.table.setModel(self.lines)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.reason_combo = QComboBox()
        for code in REFUND_REASONS:
            self.reason_combo.addItem(refund_reason_label(code), code)
        self.note_edit = QLineEdit()
        form = QFormLayout()
        form.addRow(self.tr("Reason"), self.reason_combo)
        form.addRow(self.tr("Note"), self.note_edit)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.send_button = self.buttons.addButton(
            self.tr("Refund…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.send_button.setEnabled(False)
        self.cancel_button = self.buttons.addButton(
            self.tr("Stop"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.cancel_button.setEnabled(False)
        self.send_button.clicked.connect(self._ask_to_confirm)
        self.cancel_button.clicked.connect(self._stop.set)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _show_plan(self, plan: list[PlannedRefund]) -> None:
        self.plan = plan
        self.lines.setRowCount(0)
        for line in plan:
            amount = format_amount(line.amount, line.currency) if line.currency else ""
            if line.refused_because is None:
                verdict = self.tr("Refund everything left")
            else:
                verdict = refund_refusal(line.refused_because)
            self.lines.appendRow(
                [
                    QStandardItem(line.charge_id),
                    QStandardItem(amount),
                    QStandardItem(verdict),
                    QStandardItem(""),
                ]
            )
        sendable = self.sendable()
        self.message.setText(
            self.tr("%1 of %2 charges can be refunded.")
            .replace("%1", str(len(sendable)))
            .replace("%2", str(len(plan)))
        )
        self.send_button.setEnabled(bool(sendable))

    def sendable(self) -> list[PlannedRefund]:
        return [line for line in self.plan if line.refused_because is None]

    def _ask_to_confirm(self) -> None:
        sendable = self.sendable()
        totals: dict[str, int] = {}
        for line in sendable:
            totals[line.currency] = totals.get(line.currency, 0) + line.amount
        money = ", ".join(format_amount(v, k) for k, v in sorted(totals.items()))
        text = self.tr(
            "Refund %n charge(s) in full, %1 in all? Each is sent once, one "
            "after the other. This cannot be undone.",
            "",
            len(sendable),
        )
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Confirm the refunds"),
            text.replace("%1", money),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(self._confirmed)
        self.confirmation.open()

    def _confirmed(self, answer: int) -> None:
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.send_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, len(self.plan))
        self.progress.setValue(0)
        self.progress.show()
        workspace, clerk, plan = self._workspace, self._clerk, list(self.plan)
        reason = str(self.reason_combo.currentData())
        note = self.note_edit.text().strip()

        def send() -> list[BulkOutcome]:
            with workspace.client() as client:
                return send_refunds(
                    workspace.journal(client, clerk),
                    client,
                    plan,
                    reason=reason,
                    note=note,
                    now=lambda: datetime.now(UTC),
                    progress=self._progressed,
                    cancelled=self._stop.is_set,
                )

        self._runner.run_network(send, self._sent, self._failed, context=self)

    def _progressed(self, index: int, outcome: BulkOutcome) -> None:
        self._runner.post(lambda: self._show_outcome(index, outcome))

    def _show_outcome(self, index: int, outcome: BulkOutcome) -> None:
        self.progress.setValue(index + 1)
        self.lines.setItem(index, RESULT, QStandardItem(self._result_text(outcome)))

    def _result_text(self, outcome: BulkOutcome) -> str:
        if outcome.state == "done":
            return self.tr("Refunded (%1)").replace("%1", outcome.detail or "")
        if outcome.state == "failed":
            return self.tr("Refused by Opn: %1").replace("%1", outcome.detail or "")
        if outcome.state == "refused":
            return refund_refusal(outcome.detail or "")
        if outcome.state == "skipped":
            return self.tr("Not sent")
        if outcome.state == "error":
            return self.tr("Not sent: Opn could not be reached")
        return self.tr("Not confirmed yet: opn-desk will check again")

    def _sent(self, outcomes: list[BulkOutcome]) -> None:
        self.cancel_button.setEnabled(False)
        done = sum(1 for outcome in outcomes if outcome.state == "done")
        self.message.setText(
            self.tr("%1 of %n charge(s) refunded.", "", len(outcomes)).replace(
                "%1", str(done)
            )
        )
        self.finished_sending.emit(outcomes)

    def _failed(self, error: BaseException) -> None:
        self.cancel_button.setEnabled(False)
        self.message.setText(error_sentence(error))
