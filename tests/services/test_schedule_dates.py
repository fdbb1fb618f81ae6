"""The app's run-date preview against the sandbox's own next run dates.

The sandbox stands for the real API and the app's ``schedule_dates`` for
our client; schedules are created on a sandbox over HTTP and the dates it
plans are compared with the preview, for generated cadences.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opn_desk.sandbox import SandboxServer, SandboxState
from opn_desk.services.api import OpnClient
from opn_desk.services.schedule_dates import (
    LAST,
    Cadence,
    CadenceRefused,
    check_cadence,
    local_today,
    run_dates,
)

BANGKOK = "Asia/Bangkok"
# 17:00 UTC is midnight in Bangkok: the local date is a day ahead of UTC's.
BANGKOK_MIDNIGHT = datetime(2027, 1, 30, 17, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox_at_midnight() -> Iterator[SandboxServer]:
    state = SandboxState.seeded(charges=40, seed=3)
    with SandboxServer(state, host="127.0.0.1", port=0) as server:
        server.set_clock(BANGKOK_MIDNIGHT)
        yield server


@pytest.fixture(scope="module")
def api_client(sandbox_at_midnight: SandboxServer) -> Iterator[OpnClient]:
    server = sandbox_at_midnight
    with OpnClient(server.secret_key, base_url=server.base_url) as client:
        yield client


def a_customer(server: SandboxServer) -> str:
    found = [c for c in server.state.objects("customer") if c["default_card"]]
    return str(found[0]["id"])


def planned_dates(client: OpnClient, schedule_id: str) -> list[date]:
    """Dates run already (today's runs at once) and dates still to come."""
    schedule = client.get_schedule(schedule_id)
    ran = sorted(o.scheduled_on for o in schedule.occurrences if o.scheduled_on)
    return ran + list(schedule.next_occurrences_on)


weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))
month_days = st.sets(st.integers(1, 31), min_size=1, max_size=3).map(
    lambda s: tuple(sorted(s))
)


@st.composite
def cadences(draw: st.DrawFn) -> Cadence:
    period = draw(st.sampled_from(["day", "week", "month", "month"]))
    if period == "day":
        return Cadence(draw(st.integers(1, 40)), "day")
    every = draw(st.integers(1, 4))
    if period == "week":
        return Cadence(every, "week", weekdays=draw(weekday_sets))
    if draw(st.booleans()):
        return Cadence(every, "month", days_of_month=draw(month_days))
    ordinal = draw(st.sampled_from([1, 2, 3, 4, LAST]))
    return Cadence(every, "month", weekday_of_month=(ordinal, draw(st.integers(0, 6))))


# Starts from the local today (Bangkok midnight) over four years, so the
# months ends of February 2027 (common) and 2028 (leap) come up often.
start_dates = st.integers(0, 3 * 365).map(lambda n: date(2027, 1, 31) + timedelta(n))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rule=cadences(), start_on=start_dates, span_days=st.integers(0, 800))
def test_preview_equals_the_sandbox_dates(
    sandbox_at_midnight: SandboxServer,
    api_client: OpnClient,
    rule: Cadence,
    start_on: date,
    span_days: int,
) -> None:
    today = local_today(BANGKOK, BANGKOK_MIDNIGHT)
    end_on = start_on + timedelta(days=span_days)
    preview = run_dates(rule, start_on, end_on)
    body: dict[str, Any] = {
        "every": rule.every,
        "period": rule.period,
        "start_date": start_on.isoformat(),
        "end_date": end_on.isoformat(),
        "charge": {"customer": a_customer(sandbox_at_midnight), "amount": 50000},
    }
    if rule.on_object():
        body["on"] = rule.on_object()
    try:
        check_cadence(rule, start_on, end_on, today)
    except CadenceRefused as refused:
        assert refused.reason == "no_run"
        # The API refuses it too.
        assert _post_status(sandbox_at_midnight, body) == 400
        return
    created = api_client.create_schedule(body)
    assert planned_dates(api_client, created.id)[:12] == preview


def _post_status(server: SandboxServer, body: dict[str, Any]) -> int:
    import httpx

    answer = httpx.post(
        f"{server.base_url}/schedules", auth=(server.secret_key, ""), json=body
    )
    return answer.status_code


def test_local_midnight_in_bangkok_is_the_next_day() -> None:
    assert local_today(BANGKOK, BANGKOK_MIDNIGHT) == date(2027, 1, 31)
    assert local_today(BANGKOK, BANGKOK_MIDNIGHT - timedelta(seconds=1)) == date(
        2027, 1, 30
    )


def test_a_start_at_local_midnight_runs_that_day(
    sandbox_at_midnight: SandboxServer, api_client: OpnClient
) -> None:
    today = date(2027, 1, 31)
    rule = Cadence(1, "month", days_of_month=(31,))
    body = {
        "every": 1,
        "period": "month",
        "on": rule.on_object(),
        "start_date": today.isoformat(),
        "end_date": "2028-12-31",
        "charge": {"customer": a_customer(sandbox_at_midnight), "amount": 50000},
    }
    created = api_client.create_schedule(body)
    preview = run_dates(rule, today, date(2028, 12, 31), limit=30)
    assert preview[:3] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert date(2028, 2, 29) in preview
    assert planned_dates(api_client, created.id)[:30] == preview


@pytest.mark.parametrize(
    ("rule", "start_on", "expected"),
    [
        # The first Monday of each month, from 2017-01-01 (the docs example).
        (
            Cadence(1, "month", weekday_of_month=(1, 0)),
            date(2017, 1, 1),
            [date(2017, 1, 2), date(2017, 2, 6), date(2017, 3, 6)],
        ),
        # Every 10 days from 2017-11-10 (a recording).
        (
            Cadence(10, "day"),
            date(2017, 11, 10),
            [date(2017, 11, 10), date(2017, 11, 20), date(2017, 11, 30)],
        ),
        # The last Friday, and the 30th clamped in February of a leap year.
        (
            Cadence(1, "month", weekday_of_month=(LAST, 4)),
            date(2024, 1, 1),
            [date(2024, 1, 26), date(2024, 2, 23), date(2024, 3, 29)],
        ),
        (
            Cadence(1, "month", days_of_month=(30,)),
            date(2024, 1, 31),
            [date(2024, 2, 29), date(2024, 3, 30), date(2024, 4, 30)],
        ),
        # Every second week on Monday and Friday, from a Wednesday.
        (
            Cadence(2, "week", weekdays=(0, 4)),
            date(2025, 1, 1),
            [date(2025, 1, 3), date(2025, 1, 13), date(2025, 1, 17)],
        ),
    ],
)
def test_known_dates(rule: Cadence, start_on: date, expected: list[date]) -> None:
    assert run_dates(rule, start_on, date(2030, 1, 1), limit=3) == expected


@pytest.mark.parametrize(
    ("rule", "start_on", "end_on", "reason"),
    [
        (Cadence(0, "day"), date(2027, 2, 1), date(2027, 3, 1), "every_below_one"),
        (Cadence(1, "week"), date(2027, 2, 1), date(2027, 3, 1), "no_weekdays"),
        (Cadence(1, "month"), date(2027, 2, 1), date(2027, 3, 1), "no_month_rule"),
        (
            Cadence(1, "month", days_of_month=(32,)),
            date(2027, 2, 1),
            date(2027, 3, 1),
            "bad_day",
        ),
        (Cadence(1, "day"), date(2027, 1, 30), date(2027, 3, 1), "start_in_past"),
        (Cadence(1, "day"), date(2027, 3, 1), date(2027, 2, 1), "end_before_start"),
        # The 15th never falls between the 16th and the end of the month.
        (
            Cadence(1, "month", days_of_month=(15,)),
            date(2027, 2, 16),
            date(2027, 2, 28),
            "no_run",
        ),
    ],
)
def test_impossible_cadences_are_refused_with_a_reason(
    rule: Cadence, start_on: date, end_on: date, reason: str
) -> None:
    with pytest.raises(CadenceRefused) as refused:
        check_cadence(rule, start_on, end_on, today=date(2027, 1, 31))
    assert refused.value.reason == reason
