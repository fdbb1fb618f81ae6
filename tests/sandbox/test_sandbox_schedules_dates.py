"""The schedule date rules: recorded examples, month ends, and properties.

Every generated cadence is checked against a reference that walks the
calendar day by day and asks whether each day fits the rule, so the fast
cycle-skipping code in ``schedule_dates`` is held to the plain definition.
The same reference checks the ``next_occurrences_on`` the sandbox serves.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opn_desk.sandbox import SandboxServer, SandboxState
from opn_desk.sandbox import schedule_dates as sd
from opn_desk.sandbox.schedule_runs import local_today

# -- the reference: one day at a time -------------------------------------


def _months_between(start: date, day: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


def _fits(rule: sd.Cadence, start: date, day: date) -> bool:
    """Does ``day`` fit ``rule`` for a schedule starting on ``start``?"""
    if rule.period == "day":
        return (day - start).days % rule.every == 0
    if rule.period == "week":
        monday = day - timedelta(days=day.weekday())
        week_zero = start - timedelta(days=start.weekday())
        weeks = (monday - week_zero).days // 7
        return weeks % rule.every == 0 and day.weekday() in rule.weekdays
    if _months_between(start, day) % rule.every:
        return False
    length = calendar.monthrange(day.year, day.month)[1]
    if rule.weekday_of_month is None:
        return day.day in {min(d, length) for d in rule.days_of_month}
    ordinal, weekday = rule.weekday_of_month
    if day.weekday() != weekday:
        return False
    if ordinal == sd.LAST:
        return day.day + 7 > length
    return (day.day - 1) // 7 + 1 == ordinal


def reference(rule: sd.Cadence, start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if _fits(rule, start, day)]


# -- generated cadences -----------------------------------------------------

_weekdays = st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))
_days = st.sets(st.integers(1, 31), min_size=1, max_size=4).map(
    lambda s: tuple(sorted(s))
)
_ordinals = st.sampled_from([1, 2, 3, 4, sd.LAST])


@st.composite
def cadences(draw: st.DrawFn) -> sd.Cadence:
    period = draw(st.sampled_from(sd.PERIODS))
    if period == "day":
        return sd.Cadence(draw(st.integers(1, 45)), "day")
    every = draw(st.integers(1, 5))
    if period == "week":
        return sd.Cadence(every, "week", weekdays=draw(_weekdays))
    if draw(st.booleans()):
        return sd.Cadence(every, "month", days_of_month=draw(_days))
    wom = (draw(_ordinals), draw(st.integers(0, 6)))
    return sd.Cadence(every, "month", weekday_of_month=wom)


starts = st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31))
spans = st.integers(min_value=0, max_value=900)


@given(cadences(), starts, spans)
@settings(max_examples=200, deadline=None)
def test_dates_are_exactly_the_days_that_fit_the_rule(
    rule: sd.Cadence, start: date, span: int
) -> None:
    end = start + timedelta(days=span)

    found = list(sd.dates(rule, start, end))

    assert found == reference(rule, start, end)
    assert all(start <= day <= end for day in found)
    assert all(a < b for a, b in zip(found, found[1:], strict=False))


@given(cadences(), starts, spans, st.integers(0, 900), st.integers(1, 30))
@settings(max_examples=200, deadline=None)
def test_dates_after_a_day_continue_the_same_list(
    rule: sd.Cadence, start: date, span: int, after_offset: int, limit: int
) -> None:
    end = start + timedelta(days=span)
    after = start + timedelta(days=after_offset)

    later = sd.dates_after(rule, start, end, after, limit)

    assert later == [d for d in reference(rule, start, end) if d > after][:limit]


# -- recorded and documented examples ---------------------------------------


def _on(every: int, period: str, **on: Any) -> sd.Cadence:
    return sd.cadence(every, period, on)


def _iso(days: list[date]) -> list[str]:
    return [d.isoformat() for d in days]


def test_recorded_daily_and_monthly_schedules() -> None:
    every_10_days = sd.dates(_on(10, "day"), date(2017, 11, 10), date(2017, 12, 31))
    on_the_15th = sd.dates(
        _on(1, "month", days_of_month=[15]), date(2017, 12, 15), date(2018, 3, 15)
    )

    assert _iso(list(every_10_days)) == [
        "2017-11-10", "2017-11-20", "2017-11-30",
        "2017-12-10", "2017-12-20", "2017-12-30",
    ]  # fmt: skip
    assert _iso(list(on_the_15th)) == [
        "2017-12-15", "2018-01-15", "2018-02-15", "2018-03-15",
    ]  # fmt: skip


def test_recorded_weekday_and_weekday_of_month_schedules() -> None:
    start, end = date(2019, 5, 23), date(2020, 5, 23)
    weekdays = _on(1, "week", weekdays=["monday", "tuesday", "wednesday",
                                        "thursday", "friday"])  # fmt: skip
    first_monday = _on(1, "month", weekday_of_month="1st_monday")
    last_friday = _on(1, "month", weekday_of_month="last_friday")

    after_first = sd.dates_after(weekdays, start, end, start, 6)
    assert _iso(after_first) == [
        "2019-05-24", "2019-05-27", "2019-05-28",
        "2019-05-29", "2019-05-30", "2019-05-31",
    ]  # fmt: skip
    assert _iso(sd.dates_after(first_monday, start, end, None, 4)) == [
        "2019-06-03", "2019-07-01", "2019-08-05", "2019-09-02",
    ]  # fmt: skip
    assert _iso(sd.dates_after(last_friday, start, end, None, 4)) == [
        "2019-05-31", "2019-06-28", "2019-07-26", "2019-08-30",
    ]  # fmt: skip


def test_the_documented_first_monday_example() -> None:
    rule = _on(1, "month", weekday_of_month="first_monday")

    found = sd.dates(rule, date(2017, 1, 1), date(2017, 3, 31))

    assert _iso(list(found)) == ["2017-01-02", "2017-02-06", "2017-03-06"]


def test_recorded_next_30_dates_of_an_every_2_days_schedule() -> None:
    start = date(2025, 3, 20)
    later = sd.dates_after(_on(2, "day"), start, date(2025, 5, 20), start, 30)

    assert len(later) == 30
    assert (later[0], later[-1]) == (date(2025, 3, 22), date(2025, 5, 19))


@pytest.mark.parametrize(
    ("year", "february"), [(2024, "2024-02-29"), (2023, "2023-02-28")]
)
def test_the_31st_falls_on_each_months_last_day(year: int, february: str) -> None:
    rule = _on(1, "month", days_of_month=[31])

    found = sd.dates(rule, date(year, 1, 1), date(year, 6, 30))

    assert _iso(list(found)) == [
        f"{year}-01-31", february, f"{year}-03-31",
        f"{year}-04-30", f"{year}-05-31", f"{year}-06-30",
    ]  # fmt: skip


def test_the_29th_in_february_of_leap_and_common_years() -> None:
    rule = _on(12, "month", days_of_month=["29"])

    found = sd.dates(rule, date(2023, 2, 1), date(2028, 3, 1))

    assert _iso(list(found)) == [
        "2023-02-28", "2024-02-29", "2025-02-28",
        "2026-02-28", "2027-02-28", "2028-02-29",
    ]  # fmt: skip


def test_days_that_clamp_to_one_date_make_one_run() -> None:
    rule = _on(1, "month", days_of_month=[29, 30, 31])

    found = sd.dates(rule, date(2023, 2, 1), date(2023, 3, 31))

    assert _iso(list(found)) == ["2023-02-28", "2023-03-29", "2023-03-30",
                                 "2023-03-31"]  # fmt: skip


def test_every_other_week_counts_from_the_start_week() -> None:
    # 2025-01-01 is a Wednesday: its week (from Monday 30 December) is week 0.
    rule = _on(2, "week", weekdays=["monday", "wednesday"])

    found = sd.dates(rule, date(2025, 1, 1), date(2025, 1, 31))

    assert _iso(list(found)) == ["2025-01-01", "2025-01-13", "2025-01-15",
                                 "2025-01-27", "2025-01-29"]  # fmt: skip


def test_in_words_as_recorded() -> None:
    cases = {
        "Every 2 day(s)": _on(2, "day"),
        "Every 1 month(s) on the 15th": _on(1, "month", days_of_month=[15]),
        "Every 1 month(s) on the 1st and 16th": _on(
            1, "month", days_of_month=["16", "1"]
        ),
        "Every 1 week(s) on Monday, Tuesday, Wednesday, Thursday, and Friday": _on(
            1,
            "week",
            weekdays=[
                "friday",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
            ],  # fmt: skip
        ),
        "Every 3 week(s) on Monday and Saturday": _on(
            3, "week", weekdays=["monday", "saturday"]
        ),
        "Every 1 month(s) on the 1st Monday": _on(
            1, "month", weekday_of_month="1st_monday"
        ),
        "Every 1 month(s) on the last Friday": _on(
            1, "month", weekday_of_month="last_friday"
        ),
        "Every 1 month(s) on the 2nd Monday": _on(
            1, "month", weekday_of_month="second_monday"
        ),
        "Every 1 month(s) on the 11th, 22nd, and 31st": _on(
            1, "month", days_of_month=[31, 11, 22]
        ),
    }

    assert {words: sd.in_words(rule) for words, rule in cases.items()} == {
        words: words for words in cases
    }


@pytest.mark.parametrize(
    ("period", "on", "clamp", "complaint"),
    [
        ("day", {"weekdays": ["monday"]}, True, "left out for a daily"),
        ("week", {}, True, "needs on[weekdays]"),
        ("week", {"weekdays": ["mon"]}, True, "'mon'"),
        ("week", {"days_of_month": [1]}, True, "does not go with period week"),
        ("month", {}, True, "needs on[days_of_month]"),
        ("month", {"days_of_month": [32]}, True, "from 1 to 31"),
        ("month", {"days_of_month": [0]}, True, "from 1 to 31"),
        ("month", {"days_of_month": [29]}, False, "from 1 to 28"),
        ("month", {"days_of_month": "15"}, True, "must be a list"),
        ("month", {"weekday_of_month": "5th_monday"}, True, "2nd_tuesday"),
        ("month", {"weekday_of_month": "last_funday"}, True, "last_friday"),
        (
            "month",
            {"days_of_month": [1], "weekday_of_month": "last_friday"},
            True,
            "not both",
        ),
        ("year", {}, True, "day, week or month"),
    ],
)
def test_impossible_cadences_say_why(
    period: str, on: dict[str, Any], clamp: bool, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint.replace("[", r"\[")):
        sd.cadence(1, period, on, clamp_month_end=clamp)


# -- the sandbox serves the same dates ---------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[httpx.Client, str, date]]:
    """A sandbox, a customer with a card that pays, and the Bangkok today."""
    state = SandboxState.seeded(charges=20, seed=12)
    with (
        SandboxServer(state) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as api,
    ):
        token = api.post(
            "/tokens",
            data={
                "card[number]": "4242424242424242",
                "card[name]": "NARIN SUKSAWAT",
                "card[expiration_month]": "3",
                "card[expiration_year]": "2034",
            },
        ).json()["id"]
        customer = api.post("/customers", json={"card": token}).json()["id"]
        yield api, customer, local_today(state)


@given(cadences(), st.integers(1, 500), spans)
@settings(max_examples=40, deadline=None)
def test_served_next_occurrences_follow_the_reference(
    served: tuple[httpx.Client, str, date],
    rule: sd.Cadence,
    start_offset: int,
    span: int,
) -> None:
    api, customer, today = served
    start = today + timedelta(days=start_offset)
    end = start + timedelta(days=span)
    expected = reference(rule, start, end)

    answer = api.post(
        "/schedules",
        json={
            "every": rule.every,
            "period": rule.period,
            "on": sd.on_object(rule),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "charge": {"customer": customer, "amount": 30000},
        },
    )

    if not expected:
        assert answer.status_code == 400
        assert "matches" in answer.json()["message"]
        return
    schedule = answer.json()
    assert answer.status_code == 200, answer.text
    assert schedule["next_occurrences_on"] == _iso(expected[:30])
    assert schedule["status"] == ("expiring" if len(expected) == 1 else "running")
    assert schedule["in_words"] == sd.in_words(rule)
