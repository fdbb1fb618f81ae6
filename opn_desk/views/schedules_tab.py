"""The Schedules tab: every schedule, its runs, and the failed runs to chase."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.journal_store import Operation
from opn_desk.models.schedule_queries import (
    OccurrenceItem,
    ScheduleFilter,
    ScheduleItem,
    failed_occurrences,
    list_schedules,
    schedule_occurrences,
)
from opn_desk.services import schedules
from opn_desk.services.schedule_forecast import forecast_schedules
from opn_desk.services.table_rows import TableExport
from opn_desk.services.workspace import Workspace
from opn_desk.views.errors import error_sentence
from opn_desk.views.export_action import ExportAction, visible_columns
from opn_desk.views.refusals import operation_outcome
from opn_desk.views.schedule_bulk_dialog import ScheduleBulkDialog
from opn_desk.views.schedule_forecast_pane import ForecastPane
from opn_desk.views.schedule_form import ScheduleForm, refusal_sentence
from opn_desk.views.schedules_table_model import (
    OccurrenceTableModel,
    ScheduleTableModel,
    tr,
)
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

STATUS_FILTERS = (
    (None, QT_TRANSLATE_NOOP("SchedulesTableModel", "All statuses")),
    ("running", QT_TRANSLATE_NOOP("SchedulesTableModel", "Running")),
    ("expiring", QT_TRANSLATE_NOOP("SchedulesTableModel", "Last run ahead")),
    ("suspended", QT_TRANSLATE_NOOP("SchedulesTableModel", "Suspended")),
    ("expired", QT_TRANSLATE_NOOP("SchedulesTableModel", "Expired")),
    ("deleted", QT_TRANSLATE_NOOP("SchedulesTableModel", "Deleted")),
)


@dataclass(frozen=True, slots=True)
class _Shown:
    schedules: list[ScheduleItem]
    failed: list[OccurrenceItem]
    running: list[ScheduleItem]


class SchedulesTab(QWidget):
    """Schedules from the cache, with create and delete through the journal."""

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._timezone = timezone
        self._engine: Engine | None = None
        self._workspace: Workspace | None = None
        self.form: ScheduleForm | None = None
        self.bulk_dialog: ScheduleBulkDialog | None = None
        self.confirmation: QMessageBox | None = None
        self._build()

    def _build(self) -> None:
        self.status_combo = QComboBox()
        for code, label in STATUS_FILTERS:
            self.status_combo.addItem(tr(label), code)
        self.status_combo.currentIndexChanged.connect(self.refresh)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            tr("Search schedule, customer, e-mail, description, metadata")
        )
        self.search_edit.returnPressed.connect(self.refresh)
        self.new_button = QPushButton(tr("New schedule…"))
        # clicked(bool) would land in ``replacing``: call with no argument.
        self.new_button.clicked.connect(lambda _checked=False: self.open_form())
        self.change_button = QPushButton(tr("Change…"))
        self.change_button.clicked.connect(self.open_change_form)
        self.delete_button = QPushButton(tr("Delete…"))
        self.delete_button.clicked.connect(self._ask_to_delete)
        self.bulk_button = QPushButton(tr("From a file…"))
        self.bulk_button.clicked.connect(self._ask_for_file)
        self.exporter = ExportAction(
            self._runner, self._table_export, "schedules", self
        )
        bar = QHBoxLayout()
        bar.addWidget(self.status_combo)
        bar.addWidget(self.search_edit, 1)
        for button in (
            self.new_button,
            self.change_button,
            self.delete_button,
            self.bulk_button,
            self.exporter.button(self),
        ):
            bar.addWidget(button)

        self.model = ScheduleTableModel(self)
        self.table = _table(self.model)
        _size_schedule_columns(self.table)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_occurrences(current.row())
        )
        self.occurrences_model = OccurrenceTableModel(self)
        self.failed_model = OccurrenceTableModel(self)
        self.details = QTabWidget()
        self.occurrences_table = _table(self.occurrences_model)
        self.failed_table = _table(self.failed_model)
        self.details.addTab(self.occurrences_table, tr("Runs of the schedule"))
        self.details.addTab(self.failed_table, tr("Failed runs to follow up"))
        self.forecast = ForecastPane(self._runner, self._timezone)
        self.details.addTab(self.forecast, tr("Forecast"))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        self.summary = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        self._enable()

    def set_engine(self, engine: Engine | None) -> None:
        self._engine = engine
        self.refresh()

    def set_workspace(self, workspace: Workspace | None) -> None:
        """The profile to create and delete on (None: read only)."""
        self._workspace = workspace
        self._enable()

    def _enable(self) -> None:
        writable = self._workspace is not None
        for button in (
            self.new_button,
            self.change_button,
            self.delete_button,
            self.bulk_button,
        ):
            button.setEnabled(writable)

    def refresh(self) -> None:
        engine = self._engine
        if engine is None:
            self.model.set_rows([])
            return
        filters = ScheduleFilter(
            status=self.status_combo.currentData(), search=self.search_edit.text()
        )

        def read() -> _Shown:
            with session_scope(engine) as session:
                return _Shown(
                    list_schedules(session, filters),
                    failed_occurrences(session),
                    forecast_schedules(session),
                )

        self._runner.run_db(read, self._show, context=self)

    def _show(self, shown: _Shown) -> None:
        self.model.set_rows(shown.schedules)
        self.failed_model.set_rows(shown.failed)
        self.failed_table.resizeColumnsToContents()
        self.occurrences_model.set_rows([])
        self.forecast.set_schedules(shown.running)
        live = sum(1 for s in shown.schedules if s.live)
        self.summary.setText(
            tr("Schedules: %1, running: %2, failed runs: %3")
            .replace("%1", str(len(shown.schedules)))
            .replace("%2", str(live))
            .replace("%3", str(len(shown.failed)))
        )

    def export_current_table(self) -> None:
        """Ask for a file and export the schedules shown (what the
        window's Export item calls)."""
        self.exporter.ask()

    def _table_export(self) -> TableExport | None:
        if self._engine is None:
            return None
        columns = visible_columns(self.table)
        return self.model.table_export(tr("Schedules"), columns)

    def selected(self) -> ScheduleItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.schedule_at(rows[0].row()) if rows else None

    def _show_occurrences(self, row: int) -> None:
        item = self.model.schedule_at(row)
        engine = self._engine
        if item is None or engine is None:
            return
        schedule_id = item.id

        def read() -> list[OccurrenceItem]:
            with session_scope(engine) as session:
                return schedule_occurrences(session, schedule_id)

        self._runner.run_db(read, self._show_runs, context=self)

    def _show_runs(self, rows: list[OccurrenceItem]) -> None:
        self.occurrences_model.set_rows(rows)
        self.occurrences_table.resizeColumnsToContents()

    # Creating and deleting

    def open_change_form(self) -> ScheduleForm | None:
        """The form on the selected schedule, to delete and recreate it."""
        item = self.selected()
        if item is None:
            return None
        if not item.live:
            self.message.setText(refusal_sentence("schedule_not_live"))
            return None
        return self.open_form(replacing=item)

    def open_form(
        self, *, replacing: ScheduleItem | None = None
    ) -> ScheduleForm | None:
        """The schedule form: a new schedule, or a change of ``replacing``."""
        workspace = self._workspace
        if workspace is None:
            return None
        clerk = workspace.profile.clerk or ""
        self.form = ScheduleForm(self._runner, workspace, clerk, self, replacing)
        self.form.settled.connect(lambda _operation: self.refresh())
        self.form.open()
        self.form.start()
        return self.form

    def _ask_for_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, tr("Schedules from a file"), "", tr("Tables (*.csv *.xlsx)")
        )
        if chosen:
            self.open_bulk(Path(chosen))

    def open_bulk(self, path: Path) -> ScheduleBulkDialog | None:
        """Check ``path`` and offer to send its good rows."""
        workspace = self._workspace
        if workspace is None:
            return None
        clerk = workspace.profile.clerk or ""
        dialog = ScheduleBulkDialog(self._runner, workspace, clerk, path, self)
        dialog.sent.connect(lambda _outcomes: self.refresh())
        self.bulk_dialog = dialog
        dialog.open()
        dialog.start()
        return dialog

    def _ask_to_delete(self) -> None:
        item = self.selected()
        if item is None or self._workspace is None:
            return
        if not item.live:
            self.message.setText(refusal_sentence("schedule_not_live"))
            return
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Delete the schedule"),
            tr(
                "Delete schedule %1 of %2? It will charge no more. "
                "Opn cannot undo this."
            )
            .replace("%1", item.id)
            .replace("%2", item.customer_email or item.customer_id),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        schedule_id = item.id
        self.confirmation.finished.connect(
            lambda answer: self._delete(answer, schedule_id)
        )
        self.confirmation.open()

    def _delete(self, answer: int, schedule_id: str) -> None:
        workspace = self._workspace
        if answer != QMessageBox.StandardButton.Yes or workspace is None:
            return
        clerk = workspace.profile.clerk or ""
        self.message.setText(tr("Deleting the schedule…"))

        def send() -> Operation:
            with workspace.client() as client:
                journal = workspace.journal(client, clerk)
                return schedules.delete_schedule(journal, client, schedule_id)

        self._runner.run_network(send, self._deleted, self._not_deleted, context=self)

    def _deleted(self, operation: Operation) -> None:
        self.message.setText(operation_outcome(operation))
        self.refresh()  # the cache holds Opn's answer: the schedule deleted

    def _not_deleted(self, error: BaseException) -> None:
        if isinstance(error, schedules.ScheduleRefused):
            self.message.setText(refusal_sentence(error.reason))
            return
        logger.warning("Schedule not deleted", exc_info=error)
        self.message.setText(error_sentence(error))


def _size_schedule_columns(table: QTableView) -> None:
    """Room for ids, cadences and the Thai status words; metadata stretches."""
    widths = (200, 110, 190, 90, 180, 150, 85, 85, 160)  # in SCHEDULE_HEADERS order
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)


def _table(model: ScheduleTableModel | OccurrenceTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    return table
