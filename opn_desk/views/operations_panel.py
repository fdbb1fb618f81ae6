"""The Operations panel: writes that are unsettled or failed, and what to do.

An operation that is still being sent, that opn-desk could not confirm
with Opn, or that Opn refused in the last 30 days is listed with a
sentence telling the clerk what it means for the money and what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.journal_queries import (
    attention_count,
    operations_needing_attention,
)
from opn_desk.models.journal_store import Operation
from opn_desk.models.operations import (
    DONE,
    FAILED,
    RECORDED,
    SENDING,
    UNCONFIRMED,
)
from opn_desk.services.money import format_amount
from opn_desk.services.operations import ALREADY_DONE, SENDING_GRACE
from opn_desk.views.audit_table_model import action_label
from opn_desk.views.labels import moment_text
from opn_desk.views.rows_table_model import RowsTableModel
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

_CONTEXT = "OperationsTableModel"
(WHEN, KIND, TARGET, AMOUNT, CLERK, STATE, ATTEMPTS, ERROR, ADVICE) = range(9)
_HEADERS = {
    WHEN: QT_TRANSLATE_NOOP("OperationsTableModel", "Started"),
    KIND: QT_TRANSLATE_NOOP("OperationsTableModel", "Kind"),
    TARGET: QT_TRANSLATE_NOOP("OperationsTableModel", "Target"),
    AMOUNT: QT_TRANSLATE_NOOP("OperationsTableModel", "Amount"),
    CLERK: QT_TRANSLATE_NOOP("OperationsTableModel", "Clerk"),
    STATE: QT_TRANSLATE_NOOP("OperationsTableModel", "State"),
    ATTEMPTS: QT_TRANSLATE_NOOP("OperationsTableModel", "Attempts"),
    ERROR: QT_TRANSLATE_NOOP("OperationsTableModel", "Error"),
    ADVICE: QT_TRANSLATE_NOOP("OperationsTableModel", "What you can do"),
}
_STATES = {
    RECORDED: QT_TRANSLATE_NOOP("OperationsTableModel", "Waiting to be sent"),
    SENDING: QT_TRANSLATE_NOOP("OperationsTableModel", "Being sent"),
    UNCONFIRMED: QT_TRANSLATE_NOOP("OperationsTableModel", "Not confirmed"),
    FAILED: QT_TRANSLATE_NOOP("OperationsTableModel", "Refused by Opn"),
    DONE: QT_TRANSLATE_NOOP("OperationsTableModel", "Done"),
}
_UNCONFIRMED = {
    "refund": QT_TRANSLATE_NOOP(
        "OperationsTableModel",
        "opn-desk could not confirm this refund with Opn. It will check "
        "again on the next sync; do not refund this charge again by hand.",
    ),
    "capture": QT_TRANSLATE_NOOP(
        "OperationsTableModel",
        "opn-desk could not confirm this capture with Opn. It will check "
        "again on the next sync; do not capture this charge again by hand.",
    ),
    "reverse": QT_TRANSLATE_NOOP(
        "OperationsTableModel",
        "opn-desk could not confirm with Opn that this authorization was "
        "released. It will check again on the next sync; do not release it "
        "again by hand.",
    ),
}
_UNCONFIRMED_OTHER = QT_TRANSLATE_NOOP(
    "OperationsTableModel",
    "opn-desk could not confirm this operation with Opn. It will check "
    "again on the next sync; do not repeat it by hand.",
)
_FAILED = {
    "refund": QT_TRANSLATE_NOOP(
        "OperationsTableModel", "Opn refused this refund: %1. Nothing was refunded."
    ),
    "capture": QT_TRANSLATE_NOOP(
        "OperationsTableModel", "Opn refused this capture: %1. Nothing was captured."
    ),
    "reverse": QT_TRANSLATE_NOOP(
        "OperationsTableModel",
        "Opn refused to release this authorization: %1. Nothing was released.",
    ),
}
_FAILED_OTHER = QT_TRANSLATE_NOOP(
    "OperationsTableModel", "Opn refused this operation: %1. Nothing was changed."
)
_NO_REASON = QT_TRANSLATE_NOOP("OperationsTableModel", "it gave no reason")
# An operation settled as failed because another had already made its
# effect (operations.ALREADY_DONE): Opn refused nothing.
_ALREADY_DONE_ERROR = QT_TRANSLATE_NOOP(
    "OperationsTableModel", "Already done by another operation"
)
_ALREADY_DONE_ADVICE = QT_TRANSLATE_NOOP(
    "OperationsTableModel",
    "Another operation, perhaps on another workstation, had already done "
    "this, so nothing was sent again.",
)
_BEING_SENT = QT_TRANSLATE_NOOP("OperationsTableModel", "Being sent…")
# A write left "sending" by an app that stopped: the journal waits out
# SENDING_GRACE before reading it back, in case another workstation is
# still sending it.
_LEFT_SENDING = QT_TRANSLATE_NOOP(
    "OperationsTableModel",
    "Sending was cut off. opn-desk asks Opn whether it went through once "
    "%n minute(s) have passed since (in case another workstation is still "
    "sending it), and never sends it twice; Check again does it now if the "
    "time has passed.",
)
# Longer than any answer takes: a write still sending after this was cut off.
_CUT_OFF_AFTER = timedelta(seconds=60)
_FOREGROUNDS = {
    FAILED: QBrush(QColor("#b3261e")),
    UNCONFIRMED: QBrush(QColor("#9a5b00")),
}


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def operation_state_label(state: str) -> str:
    text = _STATES.get(state)
    return _tr(text) if text else state


def operation_advice(operation: Operation) -> str:
    """What the operation's state means and what the clerk can do."""
    if operation.state == UNCONFIRMED:
        return _tr(_UNCONFIRMED.get(operation.kind, _UNCONFIRMED_OTHER))
    if operation.state == FAILED and operation.error_code == ALREADY_DONE:
        return _tr(_ALREADY_DONE_ADVICE)
    if operation.state == FAILED:
        template = _tr(_FAILED.get(operation.kind, _FAILED_OTHER))
        return template.replace("%1", _refusal_text(operation))
    if operation.state == SENDING and _cut_off(operation):
        minutes = int(SENDING_GRACE.total_seconds() // 60)
        return QCoreApplication.translate(_CONTEXT, str(_LEFT_SENDING), None, minutes)
    if operation.state in (RECORDED, SENDING):
        return _tr(_BEING_SENT)
    return ""


def operation_amount(operation: Operation) -> str:
    """The amount in ``params`` as money text, or '' when there is none."""
    amount = operation.params.get("amount")
    currency = operation.params.get("currency")
    if type(amount) is not int or not isinstance(currency, str):
        return ""
    return format_amount(amount, currency)


def _cut_off(operation: Operation) -> bool:
    return datetime.now(UTC) - operation.updated_at > _CUT_OFF_AFTER


def _refusal_text(operation: Operation) -> str:
    return operation.error_message or operation.error_code or _tr(_NO_REASON)


def _error_text(operation: Operation) -> str:
    if operation.error_code == ALREADY_DONE:
        return _tr(_ALREADY_DONE_ERROR)
    return operation.error_message or operation.error_code or ""


class OperationsTableModel(RowsTableModel[Operation]):
    """Operations that need a clerk's eye, one per row."""

    context = _CONTEXT
    headers = _HEADERS
    right_aligned = frozenset({AMOUNT, ATTEMPTS})

    def __init__(self, timezone: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._zone = ZoneInfo(timezone)

    def set_operations(self, operations: list[Operation]) -> None:
        self.set_rows(operations)

    def operation_at(self, row: int) -> Operation:
        operation = self.row_at(row)
        assert operation is not None, row
        return operation

    def display(self, item: Operation, column: int) -> Any:
        return self._display(item, column)

    def cell_role(self, item: Operation, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column in (ERROR, ADVICE):
            return self._display(item, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE:
            return _FOREGROUNDS.get(item.state)
        return None

    # Private

    def _display(self, operation: Operation, column: int) -> str:
        texts: dict[int, Callable[[Operation], str]] = {
            WHEN: self._local_time,
            KIND: lambda op: action_label(op.kind),
            TARGET: lambda op: op.target_id,
            AMOUNT: operation_amount,
            CLERK: lambda op: op.clerk,
            STATE: lambda op: operation_state_label(op.state),
            ATTEMPTS: lambda op: str(op.attempts),
            ERROR: _error_text,
            ADVICE: operation_advice,
        }
        text = texts.get(column)
        return text(operation) if text else ""

    def _local_time(self, operation: Operation) -> str:
        return moment_text(operation.created_at, self._zone)


class OperationsPanel(QWidget):
    """The operations that need attention, and a button to check them again.

    Signals:
        check_requested(): the clerk asked to settle open operations now.
        attention_count_changed(int): unsettled operations plus those
            refused in the last day, after each refresh.
    """

    check_requested = Signal()
    attention_count_changed = Signal(int)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._engine: Engine | None = None
        self._generation = 0
        self._clock: Callable[[], datetime] = _utc_now
        self.model = OperationsTableModel(timezone, self)

        self.table = QTableView(self)
        self.table.setObjectName("operationsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # The advice is a sentence or two: rows grow to show it whole.
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.check_button = QPushButton(self.tr("Check again"), self)
        self.check_button.clicked.connect(self.check_requested)

        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_engine(self, engine: Engine | None) -> None:
        """Watch ``engine``'s journal (None: show nothing)."""
        self._engine = engine
        self.refresh()

    def refresh(self) -> None:
        """Read the journal again (after a write, a sync or a check)."""
        engine = self._engine
        self._generation += 1
        generation = self._generation
        if engine is None:
            self._show([], 0)
            return
        now = self._clock()

        def load() -> tuple[list[Operation], int]:
            with session_scope(engine) as session:
                operations = operations_needing_attention(session, now)
                return operations, attention_count(session, now)

        self._runner.run_db(
            load,
            lambda loaded: self._loaded(generation, *loaded),
            self._load_failed,
            context=self,
        )

    # Private

    def _loaded(
        self, generation: int, operations: list[Operation], attention: int
    ) -> None:
        if generation == self._generation:
            self._show(operations, attention)

    def _show(self, operations: list[Operation], attention: int) -> None:
        self.model.set_operations(operations)
        if operations:
            self.message.setText(
                self.tr("Operations listed: %1").replace("%1", f"{len(operations):,}")
            )
        else:
            self.message.setText(self.tr("No operation needs your attention."))
        self.attention_count_changed.emit(attention)

    def _load_failed(self, error: BaseException) -> None:
        logger.error("Could not read the operations journal", exc_info=error)
        self.message.setText(
            self.tr(
                "The operations journal could not be read. The details are "
                "in the log; press Check again to retry."
            )
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)
