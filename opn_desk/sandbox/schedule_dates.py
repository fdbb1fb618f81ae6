"""The dates a charge schedule runs on: its cadence rules, as pure functions.

A ``Cadence`` is ``every`` and ``period`` with the ``on`` part of a
schedule: weekdays for ``week``, days of the month or a weekday of the
month for ``month``. ``dates`` yields the run dates between a start and an
end date, both inclusive (REFERENCE.md section 5.5):

* day: start, start + every, start + 2 x every...
* week: the ISO week holding the start is week 0; every ``every``-th week
  runs on each listed weekday, from the start date on.
* month with days: every ``every``-th month counted from the start's
  month, on each listed day from the start date on. A day the month lacks
  (29 to 31) falls on its last day.
* month with a weekday: the n-th (first to fourth) or last such weekday of
  every ``every``-th month.

Dates are plain local dates (the account's time zone); nothing here knows
about clocks. Bad ``on`` input raises ``ValueError`` naming the field.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice
from typing import Any

PERIODS = ("day", "week", "month")
WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
LAST = -1
ORDINALS = {
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
# The highest day of the month accepted when days past 28 are refused.
STRICT_MAX_DAY = 28
_WEEKDAY_OF_MONTH = re.compile(r"([a-z0-9]+)_([a-z]+)\Z")


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often a schedule runs.

    ``weekdays`` are 0 (Monday) to 6; ``weekday_of_month`` is (ordinal,
    weekday) with ordinal 1 to 4 or ``LAST``.
    """

    every: int
    period: str
    weekdays: tuple[int, ...] = ()
    days_of_month: tuple[int, ...] = ()
    weekday_of_month: tuple[int, int] | None = None


def cadence(
    every: int, period: str, on: Any, *, clamp_month_end: bool = True
) -> Cadence:
    """A checked cadence from a schedule's ``every``, ``period`` and ``on``.

    ``on`` is the request's object (form values may be strings). With
    ``clamp_month_end`` false, days of the month above 28 are refused.
    Raises ``ValueError`` with a sentence naming what is wrong.
    """
    if every < 1:
        raise ValueError("every must be 1 or more")
    if period not in PERIODS:
        raise ValueError("period must be day, week or month")
    on = {} if on is None or on == "" else on
    if not isinstance(on, dict):
        raise ValueError("on must be an object such as on[weekdays][]=monday")
    if period == "day":
        if on:
            raise ValueError("on must be left out for a daily schedule")
        return Cadence(every, period)
    if period == "week":
        return Cadence(every, period, weekdays=_weekdays(on))
    return _monthly(every, on, clamp_month_end)


def _weekdays(on: dict[str, Any]) -> tuple[int, ...]:
    extra = set(on) - {"weekdays"}
    if extra:
        name = sorted(extra)[0]
        raise ValueError(f"on[{name}] does not go with period week; use on[weekdays]")
    names = _list(on, "weekdays")
    if not names:
        raise ValueError("a weekly schedule needs on[weekdays], e.g. monday")
    found = set()
    for name in names:
        text = str(name).strip().lower()
        if text not in WEEKDAYS:
            raise ValueError(
                f"on[weekdays] has {name!r}; use monday, tuesday ... sunday"
            )
        found.add(WEEKDAYS.index(text))
    return tuple(sorted(found))


def _monthly(every: int, on: dict[str, Any], clamp_month_end: bool) -> Cadence:
    extra = set(on) - {"days_of_month", "weekday_of_month"}
    if extra:
        name = sorted(extra)[0]
        raise ValueError(
            f"on[{name}] does not go with period month; use on[days_of_month] "
            "or on[weekday_of_month]"
        )
    has_days = "days_of_month" in on
    if has_days and "weekday_of_month" in on:
        raise ValueError("give on[days_of_month] or on[weekday_of_month], not both")
    if "weekday_of_month" in on:
        return Cadence(every, "month", weekday_of_month=parse_weekday_of_month(on))
    if not has_days:
        raise ValueError(
            "a monthly schedule needs on[days_of_month] (e.g. 15) or "
            "on[weekday_of_month] (e.g. 2nd_monday)"
        )
    days = _days_of_month(on, STRICT_MAX_DAY if not clamp_month_end else 31)
    return Cadence(every, "month", days_of_month=days)


def _days_of_month(on: dict[str, Any], highest: int) -> tuple[int, ...]:
    values = _list(on, "days_of_month")
    if not values:
        raise ValueError("on[days_of_month] needs at least one day, e.g. 15")
    days = set()
    for value in values:
        day = _day_number(value)
        if day is None or not 1 <= day <= highest:
            raise ValueError(
                f"on[days_of_month] has {value!r}; days run from 1 to {highest}"
            )
        days.add(day)
    return tuple(sorted(days))


def _day_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_weekday_of_month(on: dict[str, Any]) -> tuple[int, int]:
    """(ordinal, weekday) of ``on[weekday_of_month]`` such as ``2nd_monday``."""
    value = on.get("weekday_of_month")
    text = value.strip().lower() if isinstance(value, str) else ""
    match = _WEEKDAY_OF_MONTH.match(text)
    if match is None or match[1] not in ORDINALS or match[2] not in WEEKDAYS:
        raise ValueError(
            f"on[weekday_of_month] {value!r} is not a weekday of the month; "
            "write it like first_monday, 2nd_tuesday or last_friday"
        )
    return ORDINALS[match[1]], WEEKDAYS.index(match[2])


def _list(on: dict[str, Any], name: str) -> list[Any]:
    value = on.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"on[{name}] must be a list, e.g. on[{name}][]=... in a form")
    return value


def on_object(
    rule: Cadence, weekday_of_month_text: str | None = None
) -> dict[str, Any]:
    """The ``on`` object a schedule shows for ``rule``."""
    if rule.period == "week":
        return {"weekdays": [WEEKDAYS[d] for d in rule.weekdays]}
    if rule.weekday_of_month is not None:
        ordinal, weekday = rule.weekday_of_month
        text = weekday_of_month_text or f"{_ordinal_word(ordinal)}_{WEEKDAYS[weekday]}"
        return {"weekday_of_month": text.strip().lower()}
    if rule.period == "month":
        return {"days_of_month": list(rule.days_of_month)}
    return {}


# -- the dates -------------------------------------------------------------


def dates(
    rule: Cadence, start_on: date, end_on: date, first: date | None = None
) -> Iterator[date]:
    """The run dates from ``start_on`` (or ``first``, if later) to ``end_on``,
    both inclusive, in order."""
    begin = max(start_on, first) if first is not None else start_on
    if begin > end_on:
        return
    if rule.period == "day":
        yield from _daily(rule.every, start_on, begin, end_on)
    elif rule.period == "week":
        yield from _weekly(rule, start_on, begin, end_on)
    else:
        yield from _monthly_dates(rule, start_on, begin, end_on)


def dates_after(
    rule: Cadence, start_on: date, end_on: date, after: date | None, limit: int
) -> list[date]:
    """Up to ``limit`` run dates later than ``after`` (None: from the start)."""
    first = after + timedelta(days=1) if after is not None else None
    return list(islice(dates(rule, start_on, end_on, first), limit))


def _daily(every: int, start_on: date, begin: date, end_on: date) -> Iterator[date]:
    cycle = -(-(begin - start_on).days // every)  # ceiling division
    day = start_on + timedelta(days=cycle * every)
    while day <= end_on:
        yield day
        day += timedelta(days=every)


def _weekly(rule: Cadence, start_on: date, begin: date, end_on: date) -> Iterator[date]:
    week_zero = start_on - timedelta(days=start_on.weekday())
    weeks = (begin - timedelta(days=begin.weekday()) - week_zero).days // 7
    monday = week_zero + timedelta(weeks=weeks // rule.every * rule.every)
    while monday <= end_on:
        for weekday in rule.weekdays:
            day = monday + timedelta(days=weekday)
            if day > end_on:
                return
            if day >= begin:
                yield day
        monday += timedelta(weeks=rule.every)


def _monthly_dates(
    rule: Cadence, start_on: date, begin: date, end_on: date
) -> Iterator[date]:
    first_month = _month_number(start_on)
    skipped = _month_number(begin) - first_month
    month = first_month + skipped // rule.every * rule.every
    while month <= _month_number(end_on):
        for day in _days_in(rule, month // 12, month % 12 + 1):
            if day > end_on:
                return
            if day >= begin:
                yield day
        month += rule.every


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _days_in(rule: Cadence, year: int, month: int) -> list[date]:
    """The run dates of ``rule`` in one month, in order."""
    length = calendar.monthrange(year, month)[1]
    if rule.weekday_of_month is not None:
        ordinal, weekday = rule.weekday_of_month
        return [date(year, month, nth_weekday(year, month, ordinal, weekday))]
    days = {min(day, length) for day in rule.days_of_month}
    return [date(year, month, day) for day in sorted(days)]


def nth_weekday(year: int, month: int, ordinal: int, weekday: int) -> int:
    """The day number of the ``ordinal``-th (or ``LAST``) ``weekday``."""
    if ordinal == LAST:
        length = calendar.monthrange(year, month)[1]
        back = (date(year, month, length).weekday() - weekday) % 7
        return length - back
    ahead = (weekday - date(year, month, 1).weekday()) % 7
    return 1 + ahead + 7 * (ordinal - 1)


# -- words -----------------------------------------------------------------


def in_words(rule: Cadence) -> str:
    """The schedule's ``in_words``: "Every 1 month(s) on the 1st and 16th"."""
    head = f"Every {rule.every} {rule.period}(s)"
    if rule.period == "week":
        names = [WEEKDAYS[d].capitalize() for d in rule.weekdays]
        return f"{head} on {_join(names)}"
    if rule.weekday_of_month is not None:
        ordinal, weekday = rule.weekday_of_month
        word = "last" if ordinal == LAST else ordinal_number(ordinal)
        return f"{head} on the {word} {WEEKDAYS[weekday].capitalize()}"
    if rule.period == "month":
        numbers = [ordinal_number(day) for day in rule.days_of_month]
        return f"{head} on the {_join(numbers)}"
    return head


def ordinal_number(number: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st, 22nd, 31st."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _ordinal_word(ordinal: int) -> str:
    return "last" if ordinal == LAST else ordinal_number(ordinal)


def _join(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return f"{', '.join(words[:-1])}, and {words[-1]}"
