"""Table models of the Schedules tab, and a schedule's cadence in words."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from opn_desk.models.schedule_queries import OccurrenceItem, ScheduleItem
from opn_desk.services.export import ColumnKind
from opn_desk.services.money import Money, format_amount
from opn_desk.services.schedule_dates import (
    LAST,
    CadenceRefused,
    cadence_from_api,
)
from opn_desk.services.table_rows import ValueOf
from opn_desk.views.item_table_model import ExportColumn
from opn_desk.views.labels import day_text
from opn_desk.views.rows_table_model import RowsTableModel

_CONTEXT = "SchedulesTableModel"

ORDINAL_LABELS = {
    1: QT_TRANSLATE_NOOP("SchedulesTableModel", "first"),
    2: QT_TRANSLATE_NOOP("SchedulesTableModel", "second"),
    3: QT_TRANSLATE_NOOP("SchedulesTableModel", "third"),
    4: QT_TRANSLATE_NOOP("SchedulesTableModel", "fourth"),
    LAST: QT_TRANSLATE_NOOP("SchedulesTableModel", "last"),
}
STATUS_LABELS = {
    "running": QT_TRANSLATE_NOOP("SchedulesTableModel", "Running"),
    "expiring": QT_TRANSLATE_NOOP("SchedulesTableModel", "Last run ahead"),
    "expired": QT_TRANSLATE_NOOP("SchedulesTableModel", "Expired"),
    "deleted": QT_TRANSLATE_NOOP("SchedulesTableModel", "Deleted"),
    "suspended": QT_TRANSLATE_NOOP("SchedulesTableModel", "Suspended"),
    "scheduled": QT_TRANSLATE_NOOP("SchedulesTableModel", "Scheduled"),
    "successful": QT_TRANSLATE_NOOP("SchedulesTableModel", "Successful"),
    "failed": QT_TRANSLATE_NOOP("SchedulesTableModel", "Failed"),
    "skipped": QT_TRANSLATE_NOOP("SchedulesTableModel", "Skipped"),
}


def tr(text: object, number: int = -1) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text), None, number)


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return tr(label) if label else status


def weekday_label(weekday: int) -> str:
    """The name of ``weekday`` (0 is Monday) in the clerk's language."""
    return QLocale().dayName(weekday + 1, QLocale.FormatType.LongFormat)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return tr("%1 and %2").replace("%1", ", ".join(words[:-1])).replace("%2", words[-1])


def cadence_in_words(every: int, period: str, on: dict[str, Any]) -> str:
    """A whole sentence such as "Every 2 weeks on Monday and Friday."."""
    try:
        cadence = cadence_from_api(every, period, on)
    except CadenceRefused:
        return tr("An unreadable cadence.")
    if period == "day":
        return tr("Every %n day(s).", every)
    if period == "week":
        days = _weekdays(cadence.weekdays)
        return tr("Every %n week(s) on %1.", every).replace("%1", days)
    if cadence.weekday_of_month is not None:
        ordinal, weekday = cadence.weekday_of_month
        return (
            tr("Every %n month(s) on the %1 %2.", every)
            .replace("%1", tr(ORDINAL_LABELS[ordinal]))
            .replace("%2", weekday_label(weekday))
        )
    days = _join([str(d) for d in cadence.days_of_month])
    text = tr("Every %n month(s) on day %1.", every).replace("%1", days)
    if cadence.clamped_days:
        text += " " + tr("In shorter months, on the last day.")
    return text


def cadence_phrase(every: int, period: str, on: dict[str, Any]) -> str:
    """The cadence inside a sentence, such as "every week on Friday"."""
    try:
        cadence = cadence_from_api(every, period, on)
    except CadenceRefused:
        return tr("on an unreadable cadence")
    if period == "day":
        return tr("every %n day(s)", every)
    if period == "week":
        days = _weekdays(cadence.weekdays)
        return tr("every %n week(s) on %1", every).replace("%1", days)
    if cadence.weekday_of_month is not None:
        ordinal, weekday = cadence.weekday_of_month
        return (
            tr("every %n month(s) on the %1 %2", every)
            .replace("%1", tr(ORDINAL_LABELS[ordinal]))
            .replace("%2", weekday_label(weekday))
        )
    days = _join([str(d) for d in cadence.days_of_month])
    if cadence.clamped_days:
        text = tr(
            "every %n month(s) on day %1, or the last day of a shorter month", every
        )
    else:
        text = tr("every %n month(s) on day %1", every)
    return text.replace("%1", days)


def _weekdays(weekdays: tuple[int, ...]) -> str:
    return _join([weekday_label(d) for d in weekdays])


def _date_text(day: date | None) -> str:
    return day_text(day) if day else ""


# Columns of the schedules table that an export writes as numbers or dates.
SCHEDULE_AMOUNT, SCHEDULE_START, SCHEDULE_END = 3, 6, 7
SCHEDULE_HEADERS = (
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Schedule"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Status"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Cadence"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Amount"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Customer"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Next runs"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Start"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "End"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Description"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Metadata"),
)


class ScheduleTableModel(RowsTableModel[ScheduleItem]):
    """Schedules from the cache, one a row."""

    context = _CONTEXT
    headers = SCHEDULE_HEADERS

    def schedule_at(self, row: int) -> ScheduleItem | None:
        return self.row_at(row)

    def display(self, item: ScheduleItem, column: int) -> str:
        return _schedule_cell(item, column)

    def export_column(self, column: int) -> ExportColumn[ScheduleItem]:
        """Amounts are numbers, start and end dates; the rest as shown."""
        if column == SCHEDULE_AMOUNT:
            return ColumnKind.MONEY, _schedule_amount
        if column == SCHEDULE_START:
            return ColumnKind.DATE, _start_on
        if column == SCHEDULE_END:
            return ColumnKind.DATE, _end_on
        return ColumnKind.TEXT, partial(_schedule_cell, column=column)

    def export_currency(self) -> ValueOf[ScheduleItem]:
        return _schedule_currency


def _schedule_cell(item: ScheduleItem, column: int) -> str:
    cells = (
        item.id,
        status_label(item.status),
        cadence_in_words(item.every, item.period, item.on),
        format_amount(item.amount, item.currency) if item.currency else "",
        item.customer_email or item.customer_id,
        ", ".join(day_text(d) for d in item.next_runs_on[:3]),
        _date_text(item.start_on),
        _date_text(item.end_on),
        item.description,
        "; ".join(f"{k}={v}" for k, v in sorted(item.metadata.items())),
    )
    return cells[column]


def _schedule_amount(item: ScheduleItem) -> object:
    return Money(item.amount, item.currency) if item.currency else None


def _schedule_currency(item: ScheduleItem) -> object:
    return item.currency or None


def _start_on(item: ScheduleItem) -> object:
    return item.start_on


def _end_on(item: ScheduleItem) -> object:
    return item.end_on


# Columns of the runs table that an export writes as dates.
RUN_DATE, RUN_RETRY_ON = 0, 4
OCCURRENCE_HEADERS = (
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Date"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Status"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Charge"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Failure"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Retry on"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Customer"),
    QT_TRANSLATE_NOOP("SchedulesTableModel", "Schedule"),
)


class OccurrenceTableModel(RowsTableModel[OccurrenceItem]):
    """Runs of schedules: one schedule's, or the failed ones of all."""

    context = _CONTEXT
    headers = OCCURRENCE_HEADERS

    def occurrence_at(self, row: int) -> OccurrenceItem | None:
        return self.row_at(row)

    def display(self, item: OccurrenceItem, column: int) -> str:
        return _occurrence_cell(item, column)

    def export_column(self, column: int) -> ExportColumn[OccurrenceItem]:
        """The run's date and retry date are dates; the rest as shown."""
        if column == RUN_DATE:
            return ColumnKind.DATE, _scheduled_on
        if column == RUN_RETRY_ON:
            return ColumnKind.DATE, _retry_on
        return ColumnKind.TEXT, partial(_occurrence_cell, column=column)


def _occurrence_cell(item: OccurrenceItem, column: int) -> str:
    cells = (
        _date_text(item.scheduled_on),
        status_label(item.status),
        item.charge_id or "",
        item.message,
        _date_text(item.retry_on),
        item.customer_email or item.customer_id,
        item.schedule_id,
    )
    return cells[column]


def _scheduled_on(item: OccurrenceItem) -> object:
    return item.scheduled_on


def _retry_on(item: OccurrenceItem) -> object:
    return item.retry_on
