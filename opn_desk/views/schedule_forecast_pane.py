"""The forecast pane: charges running schedules should make, per day or month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from opn_desk.models.schedule_queries import ScheduleItem
from opn_desk.services.money import format_amount
from opn_desk.services.schedule_dates import local_today
from opn_desk.services.schedule_forecast import (
    DAY,
    MONTH,
    ForecastLine,
    export_forecast,
    forecast,
    metadata_keys,
)
from opn_desk.views.errors import error_sentence
from opn_desk.views.tasks import TaskRunner

translate = QCoreApplication.translate

DAYS_AHEAD = 90
MONTHS_AHEAD = 12


@dataclass(frozen=True, slots=True)
class _Shown:
    lines: list[ForecastLine]
    group_key: str | None


class ForecastPane(QWidget):
    """Expected charges of the running schedules, grouped by a metadata key."""

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._timezone = timezone
        self._schedules: list[ScheduleItem] = []
        self.shown: _Shown | None = None
        self.by_combo = QComboBox()
        self.by_combo.addItem(translate("ForecastPane", "Per day, next 90 days"), DAY)
        self.by_combo.addItem(
            translate("ForecastPane", "Per month, next 12 months"), MONTH
        )
        self.group_combo = QComboBox()
        self.export_button = QPushButton(translate("ForecastPane", "Export to Excel…"))
        self.export_button.clicked.connect(self._ask_where)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(column_titles(None))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.by_combo)
        bar.addWidget(QLabel(translate("ForecastPane", "Group by")))
        bar.addWidget(self.group_combo, 1)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.by_combo.currentIndexChanged.connect(self.recompute)
        self.group_combo.currentIndexChanged.connect(self.recompute)

    def set_schedules(self, schedules: list[ScheduleItem]) -> None:
        """The schedules to forecast: those that will run (forecast_schedules)."""
        self._schedules = [s for s in schedules if s.live]
        chosen = self.group_combo.currentData()
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        self.group_combo.addItem(translate("ForecastPane", "Nothing"), None)
        for key in metadata_keys(self._schedules):
            self.group_combo.addItem(key, key)
        index = self.group_combo.findData(chosen)
        self.group_combo.setCurrentIndex(max(index, 0))
        self.group_combo.blockSignals(False)
        self.recompute()

    def recompute(self) -> None:
        schedules = list(self._schedules)
        by = str(self.by_combo.currentData())
        group_key = self.group_combo.currentData()
        first = local_today(self._timezone, datetime.now(UTC))
        last = (
            first + timedelta(days=DAYS_AHEAD - 1)
            if by == DAY
            else _months_later(first, MONTHS_AHEAD)
        )

        def compute() -> _Shown:
            lines = forecast(schedules, first, last, by=by, group_key=group_key)
            return _Shown(lines, group_key)

        self._runner.run_db(compute, self._show, context=self)

    def _show(self, shown: _Shown) -> None:
        self.shown = shown
        self.table.setRowCount(len(shown.lines))
        unset = unset_group_text(shown.group_key)
        for row, line in enumerate(shown.lines):
            cells = (
                line.period,
                line.group or unset,
                line.currency,
                str(line.charges),
                format_amount(line.amount, line.currency),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.setHorizontalHeaderLabels(column_titles(shown.group_key))
        self.table.resizeColumnsToContents()
        self.message.setText(
            ""
            if shown.lines
            else translate(
                "ForecastPane", "No running schedule charges in this period."
            )
        )

    def _ask_where(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            translate("ForecastPane", "Export the forecast"),
            "forecast.xlsx",
            "Excel (*.xlsx)",
        )
        if chosen:
            self.export_to(Path(chosen))

    def export_to(self, path: Path) -> None:
        """Write the forecast shown to ``path`` off the GUI thread."""
        shown = self.shown
        if shown is None:
            return

        # The words are read here, on the GUI thread, as the table shows them.
        titles = column_titles(shown.group_key)
        sheet_name = translate("ForecastPane", "Forecast")
        unset = unset_group_text(shown.group_key)

        def write() -> list[Path]:
            return export_forecast(
                path, shown.lines, shown.group_key, titles,
                sheet_name=sheet_name, unset_group=unset,
            )  # fmt: skip

        self._runner.run_db(
            write,
            lambda _paths: self.message.setText(
                translate("ForecastPane", "Exported to %1.").replace("%1", str(path))
            ),
            lambda error: self.message.setText(error_sentence(error)),
            context=self,
        )


def column_titles(group_key: str | None) -> list[str]:
    """The forecast's column titles; the group column names its key."""
    return [
        translate("ForecastPane", "Period"),
        group_key or translate("ForecastPane", "Group"),
        translate("ForecastPane", "Currency"),
        translate("ForecastPane", "Charges"),
        translate("ForecastPane", "Amount"),
    ]


def unset_group_text(group_key: str | None) -> str:
    """What a group shows for schedules without the grouping key."""
    return translate("ForecastPane", "(not set)") if group_key else ""


def _months_later(day: date, months: int) -> date:
    """The last day of the month ``months - 1`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)
