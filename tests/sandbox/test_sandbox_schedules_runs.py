"""Schedules running as the sandbox clock moves: charges, retries, the end.

Also the demo schedules of the seed, and a schedule that keeps running
after the sandbox is stopped and started again on its data file.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import (
    SANDBOX_SECRET_KEY,
    SandboxServer,
    SandboxState,
    schedule_seed,
)
from opn_desk.sandbox.clock import SandboxClock
from opn_desk.sandbox.schedule_runs import local_today, run_moment

DECLINING = "4111111111140011"  # insufficient_fund
REPO_ROOT = Path(__file__).resolve().parents[2]
START = "from opn_desk.sandbox.cli import main; raise SystemExit(main())"


@pytest.fixture
def today(live: SandboxServer) -> date:
    return local_today(live.state)


@pytest.fixture
def make_customer(
    api: httpx.Client, make_token: Callable[..., str]
) -> Callable[..., dict[str, Any]]:
    def make(number: str = "4242424242424242") -> dict[str, Any]:
        made: dict[str, Any] = api.post(
            "/customers", json={"card": make_token(number)}
        ).json()
        return made

    return make


def _schedule(
    api: httpx.Client, customer_id: str, start: date, end: date, **fields: Any
) -> dict[str, Any]:
    body = {
        "every": 1,
        "period": "day",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "charge": {
            "customer": customer_id,
            "amount": 35000,
            "description": "Daily lunch box",
            "metadata": {"plan": "lunch", "opn_desk_operation": "op-1"},
        },
        **fields,
    }
    answer = api.post("/schedules", json=body)
    assert answer.status_code == 200, answer.text
    made: dict[str, Any] = answer.json()
    return made


def _run_day(live: SandboxServer, day: date) -> None:
    """Move the clock just past the run of ``day`` (08:30 in Bangkok)."""
    live.set_clock(run_moment(live.state, day) + timedelta(minutes=1))


def _occurrences(api: httpx.Client, schedule_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get(
        f"/schedules/{schedule_id}/occurrences", params={"limit": "100"}
    ).json()["data"]
    return found


def _events(api: httpx.Client, key: str) -> list[dict[str, Any]]:
    params = {"order": "reverse_chronological", "limit": "100"}
    events = api.get("/events", params=params).json()["data"]
    return [e for e in events[::-1] if e["key"] == key]


def test_each_date_makes_a_real_charge_as_the_clock_passes(
    live: SandboxServer,
    api: httpx.Client,
    make_customer: Callable[..., dict[str, Any]],
    today: date,
) -> None:
    customer = make_customer()
    start = today + timedelta(days=1)
    made = _schedule(api, customer["id"], start, start + timedelta(days=9), every=3)
    balance_before = api.get("/balance").json()["total"]

    _run_day(live, start + timedelta(days=7))
    runs = _occurrences(api, made["id"])
    charges = [api.get(f"/charges/{o['result']}").json() for o in runs]
    schedule = api.get(f"/schedules/{made['id']}").json()

    assert made["next_occurrences_on"] == [
        (start + timedelta(days=n)).isoformat() for n in (0, 3, 6, 9)
    ]
    assert [o["scheduled_on"] for o in runs] == [
        (start + timedelta(days=n)).isoformat() for n in (0, 3, 6)
    ]
    assert {o["status"] for o in runs} == {"successful"}
    assert runs[0]["processed_at"] == f"{start}T01:30:00Z"  # 08:30 in Bangkok
    assert all(c["status"] == "successful" and c["paid"] for c in charges)
    assert {c["schedule"] for c in charges} == {made["id"]}
    assert {c["amount"] for c in charges} == {35000}
    assert {c["customer"] for c in charges} == {customer["id"]}
    assert {c["card"]["id"] for c in charges} == {customer["default_card"]}
    assert {c["description"] for c in charges} == {"Daily lunch box"}
    assert charges[0]["metadata"] == {"plan": "lunch", "opn_desk_operation": "op-1"}
    assert charges[0]["created_at"] == runs[0]["processed_at"]
    assert api.get("/balance").json()["total"] == balance_before + sum(
        c["net"] for c in charges
    )
    assert schedule["next_occurrences_on"] == [(start + timedelta(days=9)).isoformat()]
    assert schedule["status"] == "expiring"
    assert schedule["occurrences"]["total"] == 3
    assert [e["data"]["id"] for e in _events(api, "charge.create")][-3:] == [
        c["id"] for c in charges
    ]


def test_the_run_happens_at_half_past_eight_in_bangkok(
    live: SandboxServer,
    api: httpx.Client,
    make_customer: Callable[..., dict[str, Any]],
    today: date,
) -> None:
    day = today + timedelta(days=1)
    made = _schedule(api, make_customer()["id"], day, day + timedelta(days=5))
    run_at = run_moment(live.state, day)

    live.set_clock(run_at - timedelta(minutes=1))
    before = _occurrences(api, made["id"])
    live.set_clock(run_at)
    after = _occurrences(api, made["id"])

    assert run_at == datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC)
    assert before == []
    assert [o["scheduled_on"] for o in after] == [day.isoformat()]


def test_starting_today_at_bangkok_midnight_runs_at_once(
    live: SandboxServer,
    api: httpx.Client,
    make_customer: Callable[..., dict[str, Any]],
    today: date,
) -> None:
    customer = make_customer()
    tomorrow = today + timedelta(days=1)
    # 00:00:30 in Bangkok is still the day before in UTC.
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)
    live.set_clock(midnight - timedelta(hours=7) + timedelta(seconds=30))
    utc_date = live.state.now().date()

    refused = api.post(
        "/schedules",
        json={
            "every": 1, "period": "day", "start_date": utc_date.isoformat(),
            "end_date": (tomorrow + timedelta(days=3)).isoformat(),
            "charge": {"customer": customer["id"], "amount": 30000},
        },
    )  # fmt: skip
    made = _schedule(api, customer["id"], tomorrow, tomorrow + timedelta(days=3))

    assert utc_date == today and local_today(live.state) == tomorrow
    assert refused.status_code == 400
    assert "is in the past" in refused.json()["message"]
    (ran,) = made["occurrences"]["data"]
    assert ran["scheduled_on"] == tomorrow.isoformat()
    assert ran["status"] == "successful"
    assert ran["processed_at"].startswith(f"{today}T17:00:")  # 00:00 Bangkok
    assert made["next_occurrences_on"][0] == (tomorrow + timedelta(days=1)).isoformat()


def test_a_declined_card_is_retried_twice_then_the_schedule_is_suspended(
    live: SandboxServer,
    api: httpx.Client,
    make_customer: Callable[..., dict[str, Any]],
    today: date,
) -> None:
    customer = make_customer(DECLINING)
    day = today + timedelta(days=1)
    made = _schedule(
        api, customer["id"], day, day + timedelta(days=90),
        period="month", on={"days_of_month": [day.day]},
    )  # fmt: skip

    seen = []
    for offset in range(3):
        _run_day(live, day + timedelta(days=offset))
        (occurrence,) = _occurrences(api, made["id"])
        schedule = api.get(f"/schedules/{made['id']}").json()
        seen.append((occurrence["status"], occurrence["retry_on"], schedule["status"]))
    charges = [c for c in live.state.charges_sorted() if c["schedule"] == made["id"]]

    assert seen == [
        ("failed", (day + timedelta(days=1)).isoformat(), "running"),
        ("failed", (day + timedelta(days=2)).isoformat(), "running"),
        ("failed", None, "suspended"),
    ]
    assert occurrence["message"] == (
        "insufficient funds in the account or the card has reached the credit limit"
    )
    assert occurrence["result"] == charges[-1]["id"]
    assert len(charges) == 3
    assert {c["failure_code"] for c in charges} == {"insufficient_fund"}
    assert (schedule["active"], schedule["next_occurrences_on"]) == (False, [])
    assert schedule["ended_at"] == occurrence["processed_at"]
    assert [e["data"]["id"] for e in _events(api, "schedule.suspend")] == [made["id"]]
    _run_day(live, day + timedelta(days=40))
    assert len(_occurrences(api, made["id"])) == 1  # a suspended one never runs


def test_a_retry_after_the_customer_changes_card_succeeds(
    live: SandboxServer,
    api: httpx.Client,
    make_customer: Callable[..., dict[str, Any]],
    make_token: Callable[..., str],
    today: date,
) -> None:
    customer = make_customer(DECLINING)
    day = today + timedelta(days=1)
    made = _schedule(
        api, customer["id"], day, day + timedelta(days=60),
        period="week", on={"weekdays": [day.strftime("%A").lower()]},
    )  # fmt: skip

    _run_day(live, day)
    api.patch(f"/customers/{customer['id']}", json={"card": make_token()})
    _run_day(live, day + timedelta(days=1))
    (occurrence,) = _occurrences(api, made["id"])
    charge = api.get(f"/charges/{occurrence['result']}").json()
    schedule = api.get(f"/schedules/{made['id']}").json()

    assert (occurrence["status"], occurrence["retry_on"]) == ("successful", None)
    assert occurrence["message"] is None
    assert charge["status"] == "successful"
    assert charge["card"]["id"] != customer["default_card"]
    assert schedule["status"] == "running"
    assert schedule["next_occurrences_on"][0] == (day + timedelta(days=7)).isoformat()


def test_after_the_last_date_the_schedule_expires(
    live: SandboxServer,
    api: httpx.Client,
    make_customer: Callable[..., dict[str, Any]],
    today: date,
) -> None:
    day = today + timedelta(days=2)
    made = _schedule(api, make_customer()["id"], day, day + timedelta(days=1))

    _run_day(live, day)
    expiring = api.get(f"/schedules/{made['id']}").json()
    _run_day(live, day + timedelta(days=1))
    expired = api.get(f"/schedules/{made['id']}").json()

    assert made["status"] == "running"
    assert expiring["status"] == "expiring" and expiring["active"] is True
    assert expiring["next_occurrences_on"] == [(day + timedelta(days=1)).isoformat()]
    assert (expired["status"], expired["active"]) == ("expired", False)
    assert expired["next_occurrences_on"] == [] and expired["ended_at"]
    assert expired["occurrences"]["total"] == 2
    assert [e["data"]["id"] for e in _events(api, "schedule.expiring")] == [made["id"]]
    assert [e["data"]["status"] for e in _events(api, "schedule.expire")] == ["expired"]


def test_occurrences_list_and_retrieve(
    live: SandboxServer,
    api: httpx.Client,
    make_customer: Callable[..., dict[str, Any]],
    today: date,
) -> None:
    made = _schedule(api, make_customer()["id"], today, today + timedelta(days=40))
    _run_day(live, today + timedelta(days=24))

    page = api.get(
        f"/schedules/{made['id']}/occurrences", params={"limit": "10", "offset": "20"}
    ).json()
    first = _occurrences(api, made["id"])[0]
    schedule = api.get(f"/schedules/{made['id']}").json()

    assert page["total"] == 25 and len(page["data"]) == 5
    assert page["location"] == f"/schedules/{made['id']}/occurrences"
    assert api.get(f"/occurrences/{first['id']}").json() == first
    assert first["location"] == f"/occurrences/{first['id']}"
    assert len(schedule["occurrences"]["data"]) == 20  # the embedded first page
    assert schedule["occurrences"]["total"] == 25
    assert api.get("/occurrences/occu_test_nonenonenonenonenon").status_code == 404
    assert api.get("/schedules/schd_test_nonenone/occurrences").status_code == 404


# -- the seed --------------------------------------------------------------------


def test_the_seed_has_demo_schedules_with_their_history() -> None:
    state = SandboxState.seeded(charges=120, seed=3)
    schedules = {s["charge"]["metadata"]["plan"]: s for s in state.objects("schedule")}
    charges = state.charges_sorted()
    occurrences = state.objects("occurrence")
    scheduled = [c for c in charges if c["schedule"]]

    assert len(charges) == 120
    assert len(scheduled) == schedule_seed.DEMO_CHARGES
    assert {plan: s["status"] for plan, s in schedules.items()} == {
        "coffee-weekly": "running",
        "gym-monthly": "running",
        "sofa-3-months": "expiring",
        "meal-daily": "suspended",
        "magazine-monthly": "deleted",
        "cleaning-monthly": "running",
    }
    suspended = schedules["meal-daily"]
    failed = [o for o in occurrences if o["schedule"] == suspended["id"]]
    assert [o["status"] for o in failed] == ["failed", "failed"]
    assert all(o["message"] and o["retry_on"] is None for o in failed)
    assert suspended["ended_at"] and suspended["next_occurrences_on"] == []
    assert len(schedules["sofa-3-months"]["next_occurrences_on"]) == 1
    assert schedules["magazine-monthly"]["occurrences"]["total"] == 1
    assert schedules["cleaning-monthly"]["occurrences"]["total"] == 0
    by_id = {c["id"]: c for c in charges}
    for occurrence in occurrences:
        assert by_id[occurrence["result"]]["schedule"] == occurrence["schedule"]
    today = local_today(state).isoformat()
    assert all(o["scheduled_on"] < today for o in occurrences)


def test_the_demo_schedules_are_the_same_every_time() -> None:
    moment = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)

    def seeded() -> SandboxState:
        state = SandboxState.seeded(charges=100, seed=3, now=moment)
        state.clock = SandboxClock(lambda: moment)
        schedule_seed.add_demo_schedules(state, moment)
        return state

    first, again = seeded(), seeded()

    assert first.objects("schedule") == again.objects("schedule")
    assert first.objects("occurrence") == again.objects("occurrence")
    assert first.charges_sorted() == again.charges_sorted()
    assert first.charge_count == 100 + schedule_seed.DEMO_CHARGES


def test_a_seed_with_a_fixed_now_has_no_schedules() -> None:
    # Its clock is the real one, so seeded schedules would run every date
    # between that "now" and the clock at the first request.
    state = SandboxState.seeded(
        charges=150, seed=3, now=datetime(2025, 6, 1, tzinfo=UTC)
    )

    assert state.count("schedule") == 0 and state.charge_count == 150


# -- a restart -------------------------------------------------------------------


@contextmanager
def _cli(*args: str) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", START, *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield line.removeprefix("listening on ").strip()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _new_customer(api: httpx.Client) -> str:
    token = api.post(
        "/tokens",
        data={
            "card[number]": "4242424242424242",
            "card[name]": "KANDA SRISUK",
            "card[expiration_month]": "9",
            "card[expiration_year]": "2033",
        },
    ).json()["id"]
    customer_id: str = api.post("/customers", json={"card": token}).json()["id"]
    return customer_id


def test_schedules_keep_running_after_a_restart(tmp_path: Path) -> None:
    data_file = tmp_path / "demo.json"
    args = ("--charges", "120", "--seed", "5", "--data-file", str(data_file))
    with (
        _cli(*args) as url,
        httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as api,
    ):
        seeded = api.get("/schedules", params={"limit": "100"}).json()
        today = date.fromisoformat(
            api.get("/__sandbox/clock").json()["now"][:10]
        )  # UTC date; the schedule starts two days later in any time zone
        start = today + timedelta(days=2)
        made = _schedule(api, _new_customer(api), start, start + timedelta(days=5))
        deadline = time.monotonic() + 5
        while made["id"] not in data_file.read_text():
            assert time.monotonic() < deadline, "the schedule was never saved"
            time.sleep(0.1)

    with (
        _cli(*args) as url,
        httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as api,
    ):
        kept = api.get(f"/schedules/{made['id']}").json()
        api.post("/__sandbox/clock", json={"advance_s": 4 * 86400})
        runs = _occurrences(api, made["id"])

    assert seeded["total"] == 6
    assert kept == made
    assert [o["scheduled_on"] for o in runs][:1] == [start.isoformat()]
    assert {o["status"] for o in runs} == {"successful"}
