"""The bulk dialog: a file of schedules checked, its bad rows shown, then sent.

Nothing is sent until the clerk has seen every bad row and confirmed.
Good rows go one by one with a pause between sends. Afterwards the
dialog lists every row's outcome, and the result file, written next to
the source in the clerk's language, can be opened from it.
"""

from __future__ import annotations

import logging
import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
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
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

# Every literal below goes through translate() with the context spelt
# out, so that lupdate files each sentence where the app looks for it.
translate = QCoreApplication.translate


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
        sent(object): the list of RowOutcome once every row was handled
            and the result file was written.
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
        self.outcomes: list[bulk.RowOutcome] | None = None
        self.confirmation: QMessageBox | None = None
        self.setWindowTitle(
            translate("ScheduleBulkDialog", "Schedules from %1").replace(
                "%1", path.name
            )
        )
        self.setMinimumSize(720, 420)
        self._build()

    def _build(self) -> None:
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.rows_table = QTableWidget(0, 4)
        self.rows_table.setHorizontalHeaderLabels(
            [
                translate("ScheduleBulkDialog", "Line"),
                translate("ScheduleBulkDialog", "Customer"),
                translate("ScheduleBulkDialog", "Outcome"),
                translate("ScheduleBulkDialog", "What to do"),
            ]
        )
        self.rows_table.horizontalHeader().setStretchLastSection(True)
        self.rows_table.verticalHeader().hide()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.send_button = self._button(
            translate("ScheduleBulkDialog", "Send the good rows…"),
            self._ask_to_confirm,
        )
        self.send_button.setEnabled(False)
        self.open_file_button = self._button(
            translate("ScheduleBulkDialog", "Open the result file"),
            self.open_result_file,
        )
        self.open_folder_button = self._button(
            translate("ScheduleBulkDialog", "Show its folder"),
            self.open_result_folder,
        )
        for button in (self.open_file_button, self.open_folder_button):
            button.setVisible(False)
        self.buttons.rejected.connect(self._close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.rows_table, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _button(self, text: str, slot: object) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.clicked.connect(slot)
        return button

    def today(self) -> date:
        return local_today(self._workspace.profile.timezone, datetime.now(UTC))

    def result_path(self) -> Path:
        return result_path(self._path)

    # Checking

    def start(self) -> None:
        """Read and check the file against the cache; nothing is sent."""
        self.summary.setText(translate("ScheduleBulkDialog", "Checking every row…"))
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
            "\n".join(
                (
                    translate(
                        "ScheduleBulkDialog",
                        "%n row(s) ready to send.",
                        None,
                        len(good),
                    ),
                    translate(
                        "ScheduleBulkDialog", "%n row(s) to fix.", None, len(bad)
                    ),
                    translate(
                        "ScheduleBulkDialog", "%n row(s) already created.", None, done
                    ),
                )
            )
        )
        self._fill(
            [
                (
                    c.row,
                    translate("ScheduleBulkDialog", "To fix"),
                    problems_sentence(c.problems),
                )
                for c in bad
            ]
        )
        self.send_button.setEnabled(bool(good))

    def _fill(self, lines: list[tuple[bulk.BulkRow, str, str]]) -> None:
        self.rows_table.setRowCount(len(lines))
        for row, (source, outcome, sentence) in enumerate(lines):
            cells = (
                str(source.number),
                source.cells.get("customer", ""),
                outcome,
                sentence,
            )
            for column, text in enumerate(cells):
                self.rows_table.setItem(row, column, QTableWidgetItem(text))
        self.rows_table.resizeColumnsToContents()

    def _unreadable(self, error: BaseException) -> None:
        if isinstance(error, bulk.BulkFileError):
            self.summary.setText(file_error_sentence(error))
            return
        self.summary.setText(error_sentence(error))

    # Sending

    def _ask_to_confirm(self) -> None:
        if self.checked is None:
            return
        good = sum(1 for c in self.checked.rows if c.request is not None)
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            translate("ScheduleBulkDialog", "Create the schedules"),
            translate(
                "ScheduleBulkDialog",
                "Create %n schedule(s) in Opn now? The rows to fix are not "
                "sent; the result file lists every row.",
                None,
                good,
            ),
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
        target, pause_s, cancel = self.result_path(), self._pause_s, self._cancel
        runner, message = self._runner, weakref.ref(self.message)

        def progress(done: int, total: int) -> None:
            text = translate(
                "ScheduleBulkDialog", "Handled %1 of %n row(s)…", None, total
            ).replace("%1", str(done))
            runner.post(lambda: _set_text(message, text))

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
            bulk.write_result_file(target, checked.source, outcomes, ClerkWords())
            return outcomes

        self._runner.run_network(send, self._sent, self._not_sent, context=self)

    def _sent(self, outcomes: list[bulk.RowOutcome]) -> None:
        self.outcomes = outcomes
        words = ClerkWords()
        self._fill(
            [
                (o.row, words.outcome_label(o.outcome), words.message(o))
                for o in outcomes
            ]
        )
        created = sum(1 for o in outcomes if o.reason == bulk.SENT)
        self.summary.setText(
            translate("ScheduleBulkDialog", "%n schedule(s) created.", None, created)
        )
        self.message.setText(
            translate("ScheduleBulkDialog", "Every row's outcome is in %1.").replace(
                "%1", str(self.result_path())
            )
        )
        for button in (self.open_file_button, self.open_folder_button):
            button.setVisible(True)
        self.sent.emit(outcomes)

    def _not_sent(self, error: BaseException) -> None:
        logger.warning("Bulk schedules stopped", exc_info=error)
        self.message.setText(error_sentence(error))

    # The result file

    def open_result_file(self) -> bool:
        """Open the result file in the program the desktop chose for it."""
        return self._open(self.result_path())

    def open_result_folder(self) -> bool:
        """Show the folder holding the result file."""
        return self._open(self.result_path().parent)

    def _open(self, path: Path) -> bool:
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        if not opened:
            self.message.setText(
                translate(
                    "ScheduleBulkDialog",
                    "No program opened %1. Open it from your file manager.",
                ).replace("%1", str(path))
            )
        return opened

    def _close(self) -> None:
        self._cancel.set()
        self.reject()


def _set_text(label: weakref.ref[QLabel], text: str) -> None:
    """Show ``text`` if the label still exists (the worker holds no widget)."""
    shown = label()
    if shown is not None and shiboken6.isValid(shown):
        shown.setText(text)


# Sentences


class ClerkWords:
    """Outcomes and problems in the clerk's language, for screen and file."""

    def outcome_label(self, outcome: str) -> str:
        labels = {
            bulk.CREATED: translate("ScheduleBulkDialog", "Created"),
            bulk.INVALID: translate("ScheduleBulkDialog", "To fix"),
            bulk.REFUSED: translate("ScheduleBulkDialog", "Refused by Opn"),
            bulk.UNCONFIRMED: translate("ScheduleBulkDialog", "Not confirmed"),
            bulk.SKIPPED: translate("ScheduleBulkDialog", "Not sent"),
        }
        return labels.get(outcome, outcome)

    def message(self, outcome: bulk.RowOutcome) -> str:
        if outcome.reason == bulk.HAS_PROBLEMS:
            return problems_sentence(outcome.problems)
        if outcome.reason == bulk.NOT_READ and outcome.error is not None:
            return error_sentence(outcome.error)
        sentences = {
            bulk.SENT: translate("ScheduleBulkDialog", "Created by operation %1."),
            bulk.CREATED_BEFORE: translate(
                "ScheduleBulkDialog", "Created in an earlier run; not sent again."
            ),
            bulk.CANCELLED: translate(
                "ScheduleBulkDialog", "Not sent: the run was stopped before this row."
            ),
            bulk.IN_FLIGHT: translate(
                "ScheduleBulkDialog",
                "Not sent: another write for this customer is unsettled. "
                "Run the file again once the Operations panel shows it settled.",
            ),
            bulk.REFUSED_BY_OPN: translate(
                "ScheduleBulkDialog", "Opn refused the schedule: %2"
            ),
            bulk.NOT_CONFIRMED: translate(
                "ScheduleBulkDialog",
                "Sent, but not confirmed yet (operation %1). Look in the "
                "Operations panel before sending this row again.",
            ),
        }
        sentence = sentences.get(outcome.reason, outcome.reason)
        return sentence.replace("%1", outcome.operation_id or "").replace(
            "%2", outcome.detail
        )


def problems_sentence(problems: tuple[bulk.RowProblem, ...]) -> str:
    """Every problem of a row, one sentence each."""
    return " ".join(problem_sentence(p) for p in problems)


def problem_sentence(problem: bulk.RowProblem) -> str:
    """What is wrong in one cell and what to do, in the clerk's language."""
    sentence = _PROBLEM_SENTENCES.get(problem.reason)
    if sentence is None:
        text = translate("ScheduleBulkDialog", "The %1 column cannot be used (%2).")
        return text.replace("%1", problem.column).replace("%2", problem.reason)
    text = translate("ScheduleBulkDialog", str(sentence))
    return text.replace("%1", problem.column)


def file_error_sentence(error: bulk.BulkFileError) -> str:
    """Why a whole file cannot be read, and what to do."""
    sentences = {
        "unknown_format": translate(
            "ScheduleBulkDialog", "Choose a .csv or .xlsx file."
        ),
        "empty": translate(
            "ScheduleBulkDialog", "The file is empty; add a header line and rows."
        ),
        "missing_columns": translate(
            "ScheduleBulkDialog", "The file lacks the columns: %1. Add them."
        ),
    }
    text = sentences.get(
        error.reason, translate("ScheduleBulkDialog", "The file cannot be read.")
    )
    return text.replace("%1", error.detail)


# Reason code -> sentence; %1 is the column. Translated when shown.
_PROBLEM_SENTENCES: dict[str, object] = {
    "missing": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The %1 column is empty; fill it in."
    ),
    "unknown_customer": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "There is no such customer in the cache. Sync, or check the id.",
    ),
    "unknown_card": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "This card is not one of the customer's saved cards.",
    ),
    "no_card": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "The customer has no saved card. Add one, or name a card.",
    ),
    "unsupported_currency": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The account does not take this currency."
    ),
    "empty": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The amount is empty; fill it in."
    ),
    "not_a_number": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The amount is not a number, e.g. 1250.50."
    ),
    "negative": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The amount is negative; give a positive one."
    ),
    "too_many_decimals": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "The amount has more decimals than the currency has.",
    ),
    "zero": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The amount must be greater than zero."
    ),
    "no_amount": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The amount must be greater than zero."
    ),
    "below_minimum": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "The amount is below the smallest charge Opn takes for this account.",
    ),
    "above_maximum": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "The amount is above the largest charge Opn takes for this account.",
    ),
    "not_a_whole_number": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The every column needs a whole number, e.g. 1."
    ),
    "bad_date": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The %1 column is not a date like 2027-03-31."
    ),
    "every_below_one": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The every column must be 1 or more."
    ),
    "unknown_period": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The period must be day, week or month."
    ),
    "rule_on_daily": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "A daily schedule takes no weekdays or days of the month.",
    ),
    "no_weekdays": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "A weekly schedule needs weekdays, e.g. monday friday.",
    ),
    "bad_weekday": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "A weekday is misspelt; use monday to sunday."
    ),
    "no_month_rule": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "A monthly schedule needs days_of_month or weekday_of_month.",
    ),
    "two_month_rules": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "Give days_of_month or weekday_of_month, not both.",
    ),
    "bad_day": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "Days of the month run from 1 to 31."
    ),
    "bad_ordinal": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "The weekday_of_month is like first_monday or last_friday.",
    ),
    "no_end": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The end_date column is empty; fill it in."
    ),
    "end_before_start": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog", "The end_date is before the start_date."
    ),
    "start_in_past": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "The start_date is in the past; start today or later.",
    ),
    "no_run": QT_TRANSLATE_NOOP(
        "ScheduleBulkDialog",
        "No run date falls between start_date and end_date. Move the "
        "end_date later or change the cadence.",
    ),
}
