"""The Reports tab: group charges by metadata and more, chart and export.

Every query and every file is written on the database worker through the
``TaskRunner``; the tab only builds definitions and shows results.
"""

from __future__ import annotations

import logging
import threading
import weakref
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QDate,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.i18n import buddhist_era_shown
from opn_desk.models.charge_store import metadata_keys, metadata_values
from opn_desk.models.db import session_scope
from opn_desk.services.export import ExportCancelled, ExportFormat
from opn_desk.services.reports import (
    METADATA_PREFIX,
    Period,
    ReportDefinition,
    ReportError,
    ReportResult,
    TimeStep,
    export_report,
    load_report,
    report_today,
    run_report,
    save_report,
    saved_report_names,
)
from opn_desk.views.labels import day_text, report_group_label
from opn_desk.views.reports_table_model import ReportsTableModel
from opn_desk.views.tasks import TaskRunner

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent

    from opn_desk.views.report_chart import ReportChart

logger = logging.getLogger(__name__)

VALUES_SHOWN_PER_KEY = 3
_PERIODS = (
    (Period.DAY, QT_TRANSLATE_NOOP("ReportsTab", "Day")),
    (Period.WEEK, QT_TRANSLATE_NOOP("ReportsTab", "Week")),
    (Period.MONTH, QT_TRANSLATE_NOOP("ReportsTab", "Month")),
    (Period.QUARTER, QT_TRANSLATE_NOOP("ReportsTab", "Quarter")),
    (Period.CUSTOM, QT_TRANSLATE_NOOP("ReportsTab", "Custom range")),
)
_FIXED_DIMENSIONS = (
    ("payment_method", QT_TRANSLATE_NOOP("ReportsTab", "Payment method")),
    ("card_brand", QT_TRANSLATE_NOOP("ReportsTab", "Card brand")),
    ("currency", QT_TRANSLATE_NOOP("ReportsTab", "Currency")),
    ("status", QT_TRANSLATE_NOOP("ReportsTab", "Status")),
    ("day", QT_TRANSLATE_NOOP("ReportsTab", "Day")),
    ("week", QT_TRANSLATE_NOOP("ReportsTab", "Week")),
    ("month", QT_TRANSLATE_NOOP("ReportsTab", "Month")),
)


class ReportsTab(QWidget):
    """Builds a report, runs it off the GUI thread, shows it and exports it.

    Signals:
        report_ready(): a report has run and is on screen.
        export_finished(list): the files written (paths as text).
        export_failed(str): a sentence saying why the export stopped.
    """

    report_ready = Signal()
    export_finished = Signal(list)
    export_failed = Signal(str)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._zone = ZoneInfo(timezone)
        self._engine: Engine | None = None
        self._result: ReportResult | None = None
        self._cancel = threading.Event()
        self.model = ReportsTableModel(self)
        self._chart: ReportChart | None = None

        self._build_controls()
        self._build_body()
        self.message = QLabel(self)
        self.message.setObjectName("reportsMessage")
        self.message.setWordWrap(True)
        self._build_export_bar()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._controls)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(self._export_bar)

    # Public

    def set_engine(self, engine: Engine | None) -> None:
        """Report on ``engine``'s cache (None: show nothing)."""
        self._engine = engine
        self._show_result(None)
        if engine is not None:
            self.refresh_choices()

    def refresh_choices(self) -> None:
        """Read the metadata keys and saved reports again (after a sync)."""
        engine = self._engine
        if engine is None:
            return
        self._runner.run_db(
            lambda: _read_choices(engine),
            self._show_choices,
            self._show_failure,
            context=self,
        )

    def current_definition(self) -> ReportDefinition:
        """The report the widgets describe right now.

        Raises:
            ReportError: when the widgets describe no valid report.
        """
        period = self.period_combo.currentData()
        first = _day_of(self.first_day_edit)
        group_by = tuple(
            value
            for value in (
                self.group_combo.currentData(),
                self.subgroup_combo.currentData(),
            )
            if value
        )
        return ReportDefinition(
            name=self.saved_combo.currentText()
            if self.saved_combo.currentIndex() > 0
            else "",
            period=period,
            anchor=None if period is Period.CUSTOM else first,
            first_day=first if period is Period.CUSTOM else None,
            last_day=_day_of(self.last_day_edit) if period is Period.CUSTOM else None,
            group_by=group_by,
            detail_keys=_detail_keys(group_by, self.detail_keys_edit.text()),
        )

    def show_definition(self, definition: ReportDefinition) -> None:
        """Set the widgets to ``definition`` (a saved report)."""
        _select(self.period_combo, definition.period)
        first, last = definition.days(self._today())
        _set_day(self.first_day_edit, first)
        _set_day(self.last_day_edit, last)
        levels = list(definition.group_by) + ["", ""]
        combos = (self.group_combo, self.subgroup_combo)
        for combo, value in zip(combos, levels, strict=False):
            _select(combo, value or None, add_missing=True)
        extra = [
            k for k in definition.detail_keys if f"{METADATA_PREFIX}{k}" not in levels
        ]
        self.detail_keys_edit.setText(", ".join(extra))

    def run_report(self) -> None:
        """Run the report the widgets describe, off the GUI thread."""
        engine = self._engine
        if engine is None:
            return
        try:
            definition = self.current_definition()
        except ReportError as error:
            self.message.setText(_report_error_sentence(error))
            return
        zone, today = self._zone, self._today()
        self.run_button.setEnabled(False)
        self.message.setText(self.tr("Running the report…"))

        def work() -> ReportResult:
            with session_scope(engine) as session:
                return run_report(session, definition, zone, today)

        self._runner.run_db(work, self._show_result, self._show_failure, context=self)

    def export_to(self, path: Path, export_format: ExportFormat) -> None:
        """Write the report on screen to ``path``, with progress and cancel."""
        engine, result = self._engine, self._result
        if engine is None or result is None:
            return
        self._cancel.clear()
        self._set_exporting(True)
        zone, today = self._zone, self._today()

        runner, tab = self._runner, weakref.ref(self)

        def progress(done: int, total: int | None) -> None:
            # Only a weak reference crosses to the worker thread: the tab
            # must never be released there.
            runner.post(lambda: _show_progress(tab, done, total))

        buddhist_era = buddhist_era_shown()

        def work() -> list[Path]:
            return export_report(
                engine, result, path, export_format, zone, today,
                progress, self._cancel.is_set, words=report_group_label,
                buddhist_era=buddhist_era,
            )  # fmt: skip

        self._runner.run_db(work, self._export_done, self._export_stopped, context=self)

    def cancel_export(self) -> None:
        self._cancel.set()

    def save_definition(self, name: str) -> None:
        """Save the report the widgets describe under ``name``."""
        engine = self._engine
        if engine is None:
            return
        try:
            definition = self.current_definition().with_changes(name=name.strip())
        except ReportError as error:
            self.message.setText(_report_error_sentence(error))
            return

        def work() -> tuple[list[str], list[tuple[str, str]]]:
            with session_scope(engine) as session:
                save_report(session, definition, datetime.now(UTC))
            return _read_choices(engine)

        def saved(choices: tuple[list[str], list[tuple[str, str]]]) -> None:
            self._show_choices(choices)
            _select(self.saved_combo, definition.name)
            self.message.setText(self.tr("Report saved as “%1”.").replace("%1", name))

        self._runner.run_db(work, saved, self._show_failure, context=self)

    def open_saved(self, name: str) -> None:
        """Load the saved report ``name`` into the widgets and run it."""
        engine = self._engine
        if engine is None or not name:
            return

        def work() -> ReportDefinition | None:
            with session_scope(engine) as session:
                return load_report(session, name)

        def loaded(definition: ReportDefinition | None) -> None:
            if definition is not None:
                self.show_definition(definition)
                self.run_report()

        self._runner.run_db(work, loaded, self._show_failure, context=self)

    # Building

    def _build_controls(self) -> None:
        self.period_combo = QComboBox(self)
        for period, title in _PERIODS:
            self.period_combo.addItem(self.tr(str(title)), period)
        _select(self.period_combo, Period.MONTH)
        today = self._today()
        self.first_day_edit = _date_edit(today, self)
        self.last_day_edit = _date_edit(today, self)
        self.group_combo = QComboBox(self)
        self.group_combo.setObjectName("reportGroup")
        self.subgroup_combo = QComboBox(self)
        self.subgroup_combo.setObjectName("reportSubgroup")
        self._fill_dimensions([])
        self.detail_keys_edit = QLineEdit(self)
        self.detail_keys_edit.setPlaceholderText(self.tr("More metadata columns"))
        self.run_button = QPushButton(self.tr("Run"), self)
        self.saved_combo = QComboBox(self)
        self.saved_combo.addItem(self.tr("Saved reports…"), None)
        self.save_button = QPushButton(self.tr("Save…"), self)

        self.period_combo.currentIndexChanged.connect(self._period_changed)
        self.run_button.clicked.connect(self.run_report)
        self.save_button.clicked.connect(self._ask_name_and_save)
        self.saved_combo.activated.connect(self._saved_chosen)
        self._period_changed()

        bar = QHBoxLayout()
        bar.addWidget(self.period_combo)
        bar.addWidget(self.first_day_edit)
        bar.addWidget(self.last_day_edit)
        bar.addWidget(QLabel(self.tr("Group by"), self))
        bar.addWidget(self.group_combo)
        bar.addWidget(QLabel(self.tr("then"), self))
        bar.addWidget(self.subgroup_combo)
        bar.addWidget(self.detail_keys_edit, 1)
        bar.addWidget(self.run_button)
        bar.addWidget(self.saved_combo)
        bar.addWidget(self.save_button)
        self._controls = bar

    def _build_body(self) -> None:
        self.table = QTableView(self)
        self.table.setObjectName("reportsTable")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        # The chart is put here when first needed (see ``chart``).
        self._chart_box = QWidget(self.splitter)
        QVBoxLayout(self._chart_box).setContentsMargins(0, 0, 0, 0)
        self.splitter.addWidget(self._chart_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

    @property
    def chart(self) -> ReportChart:
        """The charts, made when the tab is first shown or a report first
        runs: loading Qt's chart module would otherwise add about a tenth
        of a second to every start of the app."""
        if self._chart is None:
            from opn_desk.views.report_chart import ReportChart

            self._chart = ReportChart(self._chart_box)
            layout = self._chart_box.layout()
            assert layout is not None
            layout.addWidget(self._chart)
        return self._chart

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        _ = self.chart

    def _build_export_bar(self) -> None:
        self.export_button = QPushButton(self.tr("Export…"), self)
        self.export_button.setEnabled(False)
        self.progress_bar = QProgressBar(self)
        self.cancel_button = QPushButton(self.tr("Cancel export"), self)
        self.export_button.clicked.connect(self._ask_path_and_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.progress_bar)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.export_button)
        self._export_bar = bar
        self._set_exporting(False)

    def _fill_dimensions(self, keys: list[tuple[str, str]]) -> None:
        for combo, empty in (
            (self.group_combo, self.tr("Nothing")),
            (self.subgroup_combo, self.tr("Nothing")),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(empty, None)
            for value, title in _FIXED_DIMENSIONS:
                combo.addItem(self.tr(str(title)), value)
            for key, sample in keys:
                combo.addItem(
                    self.tr("Metadata: %1").replace("%1", key), METADATA_PREFIX + key
                )
                combo.setItemData(
                    combo.count() - 1, sample, Qt.ItemDataRole.ToolTipRole
                )
            _select(combo, chosen, add_missing=True)
            combo.blockSignals(False)

    # Reacting

    def _today(self) -> date:
        return report_today(self._zone)

    def _period_changed(self) -> None:
        custom = self.period_combo.currentData() is Period.CUSTOM
        self.last_day_edit.setVisible(custom)
        self.first_day_edit.setToolTip(
            self.tr("First day") if custom else self.tr("A day in the period")
        )

    def _show_choices(self, choices: tuple[list[str], list[tuple[str, str]]]) -> None:
        names, keys = choices
        self._fill_dimensions(keys)
        current = self.saved_combo.currentText()
        self.saved_combo.clear()
        self.saved_combo.addItem(self.tr("Saved reports…"), None)
        for name in names:
            self.saved_combo.addItem(name, name)
        _select(self.saved_combo, current)

    def _show_result(self, result: ReportResult | None) -> None:
        self._result = result
        self.model.set_result(result)
        self.chart.set_result(result)
        self.run_button.setEnabled(True)
        self.export_button.setEnabled(result is not None)
        if result is None:
            self.message.clear()
            return
        self.message.setText(
            self.tr("Charges created %1 to %2 (%3).")
            .replace("%1", day_text(result.first_day))
            .replace("%2", day_text(result.last_day))
            .replace("%3", str(self._zone))
        )
        self.report_ready.emit()

    def _show_failure(self, error: BaseException) -> None:
        self.run_button.setEnabled(True)
        if isinstance(error, ReportError):
            self.message.setText(_report_error_sentence(error))
            return
        logger.error("A report task failed", exc_info=error)
        self.message.setText(
            self.tr("The report could not be read from the cache. The log has details.")
        )

    def _saved_chosen(self, index: int) -> None:
        self.open_saved(self.saved_combo.itemData(index) or "")

    def _ask_name_and_save(self) -> None:
        name, accepted = QInputDialog.getText(
            self, self.tr("Save report"), self.tr("Name of the report:")
        )
        if accepted and name.strip():
            self.save_definition(name)

    def _ask_path_and_export(self) -> None:
        path, chosen_filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Export report"),
            "report.xlsx",
            self.tr("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"),
        )
        if not path:
            return
        is_csv = path.lower().endswith(".csv") or "csv" in chosen_filter.lower()
        self.export_to(Path(path), ExportFormat.CSV if is_csv else ExportFormat.XLSX)

    def _set_exporting(self, running: bool) -> None:
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.export_button.setEnabled(not running and self._result is not None)
        if running:
            self.progress_bar.setRange(0, 0)

    def show_progress(self, done: int, total: int | None) -> None:
        """Move the export's progress bar (called on the GUI thread)."""
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))

    def _export_done(self, paths: list[Path]) -> None:
        self._set_exporting(False)
        self.message.setText(
            self.tr("Exported to %1.").replace("%1", ", ".join(str(p) for p in paths))
        )
        self.export_finished.emit([str(path) for path in paths])

    def _export_stopped(self, error: BaseException) -> None:
        self._set_exporting(False)
        if isinstance(error, ExportCancelled):
            sentence = self.tr("Export cancelled; no file was written.")
        elif isinstance(error, OSError):
            sentence = self.tr(
                "The file could not be written (%1). Choose another folder "
                "or close the file if it is open in another program."
            ).replace("%1", error.strerror or str(error))
        else:
            logger.error("Export failed", exc_info=error)
            sentence = self.tr("The export failed. The log has details.")
        self.message.setText(sentence)
        self.export_failed.emit(sentence)


def _show_progress(tab: weakref.ref[ReportsTab], done: int, total: int | None) -> None:
    shown = tab()
    if shown is not None:
        shown.show_progress(done, total)


def _read_choices(engine: Engine) -> tuple[list[str], list[tuple[str, str]]]:
    """Saved report names, and metadata keys with a few of their values."""
    with session_scope(engine) as session:
        names = saved_report_names(session)
        keys = []
        for key in metadata_keys(session):
            values = metadata_values(session, key, VALUES_SHOWN_PER_KEY + 1)
            sample = ", ".join(values[:VALUES_SHOWN_PER_KEY])
            if len(values) > VALUES_SHOWN_PER_KEY:
                sample += ", …"
            keys.append((key, sample))
    return names, keys


def _detail_keys(group_by: tuple[str, ...], extra_text: str) -> tuple[str, ...]:
    keys = [
        d.removeprefix(METADATA_PREFIX)
        for d in group_by
        if d.startswith(METADATA_PREFIX)
    ]
    for key in (part.strip() for part in extra_text.split(",")):
        if key and key not in keys:
            keys.append(key)
    return tuple(keys)


_TOO_LONG_SENTENCES = {
    TimeStep.DAY: QT_TRANSLATE_NOOP(
        "ReportsTab", "The range is too long to group by day: pick weeks or months."
    ),
    TimeStep.WEEK: QT_TRANSLATE_NOOP(
        "ReportsTab",
        "The range is too long to group by week: pick months or a shorter range.",
    ),
    TimeStep.MONTH: QT_TRANSLATE_NOOP(
        "ReportsTab", "The range is too long to group by month: pick a shorter range."
    ),
}


def _report_error_sentence(error: ReportError) -> str:
    if error.reason == "range_too_long" and error.step is not None:
        sentence = _TOO_LONG_SENTENCES[error.step]
        return QCoreApplication.translate("ReportsTab", str(sentence))
    sentences = {
        "range_reversed": QT_TRANSLATE_NOOP(
            "ReportsTab", "The first day is after the last day: swap them."
        ),
        "range_too_long": QT_TRANSLATE_NOOP(
            "ReportsTab", "The range is too long to group by day: pick weeks or months."
        ),
        "name_missing": QT_TRANSLATE_NOOP(
            "ReportsTab", "Give the report a name to save it."
        ),
    }
    fallback = QT_TRANSLATE_NOOP(
        "ReportsTab", "This report cannot run: choose other groups."
    )
    sentence = sentences.get(error.reason, fallback)
    return QCoreApplication.translate("ReportsTab", str(sentence))


def _select(combo: QComboBox, value: Any, *, add_missing: bool = False) -> None:
    for index in range(combo.count()):
        if combo.itemData(index) == value or (
            isinstance(value, str) and combo.itemText(index) == value and index > 0
        ):
            combo.setCurrentIndex(index)
            return
    if add_missing and isinstance(value, str) and value:
        combo.addItem(value.removeprefix(METADATA_PREFIX), value)
        combo.setCurrentIndex(combo.count() - 1)


def _date_edit(day: date, parent: QWidget) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _day_of(edit: QDateEdit) -> date:
    chosen = edit.date()
    return date(chosen.year(), chosen.month(), chosen.day())


def _set_day(edit: QDateEdit, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))
