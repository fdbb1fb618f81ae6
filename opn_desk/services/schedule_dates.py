"""The app's own schedule date rules: run dates, and cadences refused.

The clerk sees the next run dates of a schedule before it is created, so
the app computes them itself, by the rules of REFERENCE.md section 5.5:

* day: the start date, then every ``every`` days;
* week: the week (Monday to Sunday) holding the start date counts as
  week 0, and every ``every``-th week runs on each chosen weekday;
* month, days of the month: every ``every``-th month counted from the
  start's month, on each chosen day; a day the month lacks (29 to 31)
  falls on the month's last day;
* month, weekday of the month: the first to fourth, or the last, chosen
  weekday of every ``every``-th month.

Start and end are local dates of the account's time zone, the end date
inclusive; no date before the start is ever a run date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAY, WEEK, MONTH = "day", "week", "month"
PERIODS = (DAY, WEEK, MONTH)
WEEKDAY_NAMES = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
LAST = 5  # the ordinal of "the last weekday of the month"
ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", LAST: "last"}
_ORDINAL_TEXT = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": LAST,
}
PREVIEW_COUNT = 12
# Months a walk looks ahead before it calls a cadence one that never runs.
_LONGEST_WALK_MONTHS = 12 * 200


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often a schedule runs.

    ``weekdays`` are 0 (Monday) to 6 (Sunday); ``weekday_of_month`` is
    (ordinal, weekday) with ordinal 1 to 4 or ``LAST``.
    """

    every: int
    period: str
    weekdays: tuple[int, ...] = ()
    days_of_month: tuple[int, ...] = ()
    weekday_of_month: tuple[int, int] | None = None

    def on_object(self) -> dict[str, Any]:
        """The ``on`` object of a create request."""
        if self.period == WEEK:
            return {"weekdays": [WEEKDAY_NAMES[d] for d in self.weekdays]}
        if self.period != MONTH:
            return {}
        if self.weekday_of_month is not None:
            ordinal, weekday = self.weekday_of_month
            name = f"{ORDINAL_NAMES[ordinal]}_{WEEKDAY_NAMES[weekday]}"
            return {"weekday_of_month": name}
        return {"days_of_month": list(self.days_of_month)}

    @property
    def clamped_days(self) -> tuple[int, ...]:
        """Chosen days some months lack (29 to 31): they fall on the last."""
        return tuple(d for d in self.days_of_month if d > 28)


class CadenceRefused(ValueError):
    """A cadence or date range no schedule can have.

    ``reason`` is a code a view turns into a sentence:

    * ``every_below_one``: ``every`` is 0 or negative;
    * ``unknown_period``: the period is not day, week or month;
    * ``rule_on_daily``: weekdays or days given with a daily period;
    * ``no_weekdays``: a weekly cadence without a weekday;
    * ``no_month_rule``: a monthly cadence without days or a weekday;
    * ``two_month_rules``: both days of the month and a weekday of it;
    * ``bad_weekday``, ``bad_day``, ``bad_ordinal``: out of range;
    * ``no_end``: no end date;
    * ``end_before_start``: the end date is before the start date;
    * ``start_in_past``: the start date is before the local today;
    * ``no_run``: no date from the start to the end fits the cadence.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def local_today(timezone: str, now: datetime) -> date:
    """Today's date in the account's time zone at the moment ``now``."""
    return now.astimezone(ZoneInfo(timezone)).date()


def cadence_from_api(every: int, period: str, on: dict[str, Any]) -> Cadence:
    """The cadence of a schedule object (or a request's fields).

    Raises:
        CadenceRefused: the ``on`` part names no valid rule.
    """
    if period == WEEK:
        names = [str(n).strip().lower() for n in on.get("weekdays") or []]
        if any(name not in WEEKDAY_NAMES for name in names):
            raise CadenceRefused("bad_weekday")
        days = tuple(sorted({WEEKDAY_NAMES.index(n) for n in names}))
        return Cadence(every, period, weekdays=days)
    if period == MONTH and on.get("weekday_of_month"):
        rule = parse_weekday_of_month(str(on["weekday_of_month"]))
        return Cadence(every, period, weekday_of_month=rule)
    if period == MONTH:
        try:
            numbers = {int(str(d).strip()) for d in on.get("days_of_month") or []}
        except ValueError:
            raise CadenceRefused("bad_day") from None
        return Cadence(every, period, days_of_month=tuple(sorted(numbers)))
    return Cadence(every, period)


def parse_weekday_of_month(text: str) -> tuple[int, int]:
    """(ordinal, weekday) of text such as ``2nd_monday`` or ``last_friday``.

    Raises:
        CadenceRefused: ``bad_ordinal`` or ``bad_weekday``.
    """
    ordinal_text, _, weekday_text = text.strip().lower().partition("_")
    if ordinal_text not in _ORDINAL_TEXT:
        raise CadenceRefused("bad_ordinal")
    if weekday_text not in WEEKDAY_NAMES:
        raise CadenceRefused("bad_weekday")
    return _ORDINAL_TEXT[ordinal_text], WEEKDAY_NAMES.index(weekday_text)


def check_cadence(
    cadence: Cadence, start_on: date, end_on: date | None, today: date
) -> None:
    """Refuse a cadence or a date range a schedule cannot have.

    Raises:
        CadenceRefused: with the first problem found.
    """
    _check_rule(cadence)
    if end_on is None:
        raise CadenceRefused("no_end")
    if start_on < today:
        raise CadenceRefused("start_in_past")
    if end_on < start_on:
        raise CadenceRefused("end_before_start")
    if not run_dates(cadence, start_on, end_on, limit=1):
        raise CadenceRefused("no_run")


def _check_rule(cadence: Cadence) -> None:
    if cadence.every < 1:
        raise CadenceRefused("every_below_one")
    if cadence.period not in PERIODS:
        raise CadenceRefused("unknown_period")
    has_days = bool(cadence.days_of_month)
    has_weekday = cadence.weekday_of_month is not None
    if cadence.period == DAY and (cadence.weekdays or has_days or has_weekday):
        raise CadenceRefused("rule_on_daily")
    if cadence.period == WEEK and not cadence.weekdays:
        raise CadenceRefused("no_weekdays")
    if any(not 0 <= d <= 6 for d in cadence.weekdays):
        raise CadenceRefused("bad_weekday")
    if cadence.period == MONTH:
        if has_days and has_weekday:
            raise CadenceRefused("two_month_rules")
        if not has_days and not has_weekday:
            raise CadenceRefused("no_month_rule")
    if any(not 1 <= d <= 31 for d in cadence.days_of_month):
        raise CadenceRefused("bad_day")
    if cadence.weekday_of_month is not None:
        ordinal, weekday = cadence.weekday_of_month
        if ordinal not in ORDINAL_NAMES:
            raise CadenceRefused("bad_ordinal")
        if not 0 <= weekday <= 6:
            raise CadenceRefused("bad_weekday")


def run_dates(
    cadence: Cadence,
    start_on: date,
    end_on: date | None,
    *,
    limit: int = PREVIEW_COUNT,
    from_on: date | None = None,
) -> list[date]:
    """Up to ``limit`` run dates from ``start_on`` to ``end_on`` inclusive.

    ``from_on`` skips the dates before it (the start still anchors the
    cycle). A cadence that fails ``check_cadence``'s rule part runs never.
    """
    try:
        _check_rule(cadence)
    except CadenceRefused:
        return []
    found: list[date] = []
    earliest = max(start_on, from_on) if from_on else start_on
    for day in _candidates(cadence, start_on):
        if end_on is not None and day > end_on or len(found) >= limit:
            break
        if day >= earliest:
            found.append(day)
    return found


def dates_between(
    cadence: Cadence, start_on: date, end_on: date, first: date, last: date
) -> list[date]:
    """Every run date in [first, last] of a schedule from start to end."""
    days: list[date] = []
    for day in _candidates(cadence, start_on):
        if day > min(end_on, last):
            break
        if day >= first:
            days.append(day)
    return days


def _candidates(cadence: Cadence, start_on: date) -> Iterator[date]:
    """Every date the cadence fits from ``start_on`` on, in order."""
    if cadence.period == DAY:
        step = timedelta(days=cadence.every)
        day = start_on
        while True:
            yield day
            day += step
    elif cadence.period == WEEK:
        yield from _weekly(cadence, start_on)
    else:
        yield from _monthly(cadence, start_on)


def _weekly(cadence: Cadence, start_on: date) -> Iterator[date]:
    monday = start_on - timedelta(days=start_on.weekday())
    while True:
        for weekday in cadence.weekdays:
            day = monday + timedelta(days=weekday)
            if day >= start_on:
                yield day
        monday += timedelta(weeks=cadence.every)


def _monthly(cadence: Cadence, start_on: date) -> Iterator[date]:
    year, month = start_on.year, start_on.month
    for _ in range(0, _LONGEST_WALK_MONTHS, cadence.every):
        for day in sorted(set(_days_of(cadence, year, month))):
            if day >= start_on:
                yield day
        month += cadence.every
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        if year > date.max.year - 1:
            return


def _days_of(cadence: Cadence, year: int, month: int) -> Iterator[date]:
    month_length = calendar.monthrange(year, month)[1]
    if cadence.weekday_of_month is None:
        for number in cadence.days_of_month:
            yield date(year, month, min(number, month_length))
        return
    ordinal, weekday = cadence.weekday_of_month
    firsts = [
        d
        for d in range(1, month_length + 1)
        if date(year, month, d).weekday() == weekday
    ]
    yield date(year, month, firsts[-1] if ordinal == LAST else firsts[ordinal - 1])
