"""The bulk dialog: a file of schedules checked, its bad rows shown, then sent.

Nothing is sent until the clerk has seen every bad row and confirmed.
Good rows go one by one with a pause between sends; the result file,
written next to the source, tells each row's outcome.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opn_desk.models.db import session_scope
from opn_desk.services import schedule_bulk as bulk
from opn_desk.services.schedule_dates import local_today
from opn_desk.services.workspace import Workspace
from opn_desk.views.errors import error_sentence
from opn_desk.views.schedules_table_model import tr
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Checked:
    source: bulk.BulkFile
    rows: list[bulk.CheckedRow]


def result_path(source: Path) -> Path:
    """Where the result of ``source`` goes: next to it, ``_result`` added."""
    return source.with_name(f"{source.stem}_result{source.suffix}")


class ScheduleBulkDialog(QDialog):
    """Checks a bulk file, shows its bad rows, then creates the good ones.

    Signals:
        sent(object): the list of RowOutcome once every row was handled.
    """

    sent = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        workspace: Workspace,
        clerk: str,
        path: Path,
        parent: QWidget | None = None,
        *,
        pause_s: float = bulk.DEFAULT_PAUSE_S,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._workspace = workspace
        self._clerk = clerk
        self._path = path
        self._pause_s = pause_s
        self._cancel = threading.Event()
        self.checked: _Checked | None = None
        self.confirmation: QMessageBox | None = None
        self.setWindowTitle(tr("Schedules from %1").replace("%1", path.name))
        self.setMinimumSize(720, 420)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problems = QTableWidget(0, 3)
        self.problems.setHorizontalHeaderLabels(
            [tr("Line"), tr("Customer"), tr("What to fix")]
        )
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.problems.verticalHeader().hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.send_button = self.buttons.addButton(
            tr("Send the good rows…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self._ask_to_confirm)
        self.buttons.rejected.connect(self._close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def today(self) -> date:
        return local_today(self._workspace.profile.timezone, datetime.now(UTC))

    def start(self) -> None:
        """Read and check the file against the cache; nothing is sent."""
        self.summary.setText(tr("Checking every row…"))
        engine, path, today = self._workspace.engine, self._path, self.today()

        def check() -> _Checked:
            source = bulk.read_bulk_file(path)
            with session_scope(engine) as session:
                return _Checked(source, bulk.check_rows(session, source.rows, today))

        self._runner.run_db(check, self._show, self._unreadable, context=self)

    def _show(self, checked: _Checked) -> None:
        self.checked = checked
        bad = [c for c in checked.rows if c.problems]
        good = [c for c in checked.rows if c.request is not None]
        done = len(checked.rows) - len(bad) - len(good)
        self.summary.setText(
            tr("%1 rows ready to send, %2 rows to fix, %3 already created.")
            .replace("%1", str(len(good)))
            .replace("%2", str(len(bad)))
            .replace("%3", str(done))
        )
        self.problems.setRowCount(len(bad))
        for row, item in enumerate(bad):
            cells = (
                str(item.row.number),
                item.row.cells.get("customer", ""),
                bulk.problems_text(item.problems),
            )
            for column, text in enumerate(cells):
                self.problems.setItem(row, column, QTableWidgetItem(text))
        self.problems.resizeColumnsToContents()
        self.send_button.setEnabled(bool(good))

    def _unreadable(self, error: BaseException) -> None:
        if isinstance(error, bulk.BulkFileError):
            sentences = {
                "unknown_format": tr("Choose a .csv or .xlsx file."),
                "empty": tr("The file is empty."),
                "missing_columns": tr("The file lacks the columns: %1."),
            }
            text = sentences.get(error.reason, tr("The file cannot be read."))
            self.summary.setText(text.replace("%1", error.detail))
            return
        self.summary.setText(error_sentence(error))

    def _ask_to_confirm(self) -> None:
        if self.checked is None:
            return
        good = sum(1 for c in self.checked.rows if c.request is not None)
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Create the schedules"),
            tr(
                "Create %1 schedules in Opn now? The rows to fix are not "
                "sent; the result file lists every row."
            ).replace("%1", str(good)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(self._confirmed)
        self.confirmation.open()

    def _confirmed(self, answer: int) -> None:
        checked = self.checked
        if answer != QMessageBox.StandardButton.Yes or checked is None:
            return
        self.send_button.setEnabled(False)
        workspace, clerk, today = self._workspace, self._clerk, self.today()
        target, pause_s, cancel = result_path(self._path), self._pause_s, self._cancel
        runner = self._runner

        def progress(done: int, total: int) -> None:
            text = tr("Sent %1 of %2 rows…").replace("%1", str(done))
            runner.post(lambda: self.message.setText(text.replace("%2", str(total))))

        def send() -> list[bulk.RowOutcome]:
            with workspace.client() as client:
                journal = workspace.journal(client, clerk)
                outcomes = bulk.send_rows(
                    journal,
                    checked.rows,
                    today,
                    pause_s=pause_s,
                    progress=progress,
                    cancelled=cancel.is_set,
                )
            bulk.write_result_file(target, checked.source, outcomes)
            return outcomes

        self._runner.run_network(send, self._sent, self._not_sent, context=self)

    def _sent(self, outcomes: list[bulk.RowOutcome]) -> None:
        created = sum(1 for o in outcomes if o.outcome == bulk.CREATED)
        self.message.setText(
            tr("%1 schedules created. Every row's outcome is in %2.")
            .replace("%1", str(created))
            .replace("%2", str(result_path(self._path)))
        )
        self.sent.emit(outcomes)

    def _not_sent(self, error: BaseException) -> None:
        logger.warning("Bulk schedules stopped", exc_info=error)
        self.message.setText(error_sentence(error))

    def _close(self) -> None:
        self._cancel.set()
        self.reject()
