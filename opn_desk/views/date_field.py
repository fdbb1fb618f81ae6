"""A date typed as year-month-day, or picked on a calendar.

QDateEdit edits a date section by section and quietly keeps another date
when a section would make an impossible one: "2026-02-30" typed into it
becomes a date the clerk never asked for. This field keeps the text as
typed and reads it strictly, so that the form can refuse an impossible
date with a sentence instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

_DAY = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*\Z")

# What is wrong with the text of a field (``DateField.problem``).
NOT_A_DATE = "not_a_date"  # not year-month-day
NO_SUCH_DAY = "no_such_day"  # year-month-day, but no such day (2026-02-30)


def read_day(text: str) -> dt.date | str:
    """The day ``text`` names as year-month-day, or what is wrong with it."""
    parts = _year_month_day(text)
    if parts is None:
        return NOT_A_DATE
    year, month, day = parts
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return NO_SUCH_DAY
    return dt.date(year, month, day)


def days_in_month(text: str) -> int | None:
    """How many days the month of ``text`` (year-month-day) has."""
    parts = _year_month_day(text)
    return None if parts is None else calendar.monthrange(parts[0], parts[1])[1]


def _year_month_day(text: str) -> tuple[int, int, int] | None:
    """The numbers of ``text``, when it has a real year and month."""
    found = _DAY.match(text)
    if found is None:
        return None
    year, month, day = (int(part) for part in found.groups())
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    return year, month, day


class DateField(QWidget):
    """A line edit for "2026-02-28" with a calendar button beside it.

    Signals:
        changed(): the text changed, by typing or by a pick.
    """

    changed = Signal()

    def __init__(self, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(day.isoformat(), self)
        self.edit.setPlaceholderText(self.tr("year-month-day"))
        self.edit.textChanged.connect(self._text_changed)
        self.calendar = QCalendarWidget()
        self.calendar.clicked.connect(self._picked)
        self.calendar_button = QToolButton(self)
        self.calendar_button.setText("…")
        self.calendar_button.setToolTip(self.tr("Pick the date on a calendar"))
        self.calendar_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._menu = QMenu(self.calendar_button)
        shown = QWidgetAction(self._menu)
        shown.setDefaultWidget(self.calendar)
        self._menu.addAction(shown)
        self._menu.aboutToShow.connect(self._show_typed_day)
        self.calendar_button.setMenu(self._menu)
        self.setFocusProxy(self.edit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.calendar_button)

    def day(self) -> dt.date | None:
        """The day typed, or None while the text is not a real day."""
        read = read_day(self.edit.text())
        return read if isinstance(read, dt.date) else None

    def problem(self) -> str | None:
        """``NOT_A_DATE``, ``NO_SUCH_DAY``, or None for a real day."""
        read = read_day(self.edit.text())
        return None if isinstance(read, dt.date) else read

    def text(self) -> str:
        return self.edit.text().strip()

    def setDate(self, day: dt.date | QDate) -> None:  # noqa: N802 (QDateEdit's name)
        """Show ``day``, as QDateEdit.setDate does."""
        if isinstance(day, QDate):
            day = dt.date(day.year(), day.month(), day.day())
        self.edit.setText(day.isoformat())

    def date(self) -> QDate:
        """The day typed as a QDate; an invalid one while there is none."""
        day = self.day()
        return QDate(day.year, day.month, day.day) if day else QDate()

    def _text_changed(self, _text: str) -> None:
        self.changed.emit()

    def _show_typed_day(self) -> None:
        day = self.day()
        if day is not None:
            self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def _picked(self, picked: QDate) -> None:
        self.setDate(picked)
        self._menu.hide()
