"""Charge schedules over HTTP: create (every rule), list, retrieve, delete.

Also: the answers have the keys and JSON types of the recorded 2019-05-29
responses, the official ``omise`` library drives them, and a create whose
answer is lost leaves exactly one schedule to find by its metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SANDBOX_PUBLIC_KEY, SandboxServer, SandboxState
from opn_desk.sandbox.schedule_runs import local_today

PHP = "php/api.omise.co"
SWIFT = "swift/api.omise.co"


@pytest.fixture
def today(live: SandboxServer) -> date:
    return local_today(live.state)


@pytest.fixture
def customer(api: httpx.Client, make_token: Callable[..., str]) -> dict[str, Any]:
    """A customer whose card pays."""
    made: dict[str, Any] = api.post("/customers", json={"card": make_token()}).json()
    return made


def _body(customer_id: str, today: date, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "every": 1,
        "period": "month",
        "on": {"days_of_month": [15]},
        "start_date": (today + timedelta(days=1)).isoformat(),
        "end_date": (today + timedelta(days=400)).isoformat(),
        "charge": {"customer": customer_id, "amount": 99000},
    }
    for name, value in changes.items():
        if value is None:
            body.pop(name, None)
        elif name == "charge":
            body["charge"] = {**body["charge"], **value}
        else:
            body[name] = value
    return body


def _recent_events(api: httpx.Client) -> list[dict[str, Any]]:
    """The last 100 events, oldest first."""
    params = {"order": "reverse_chronological", "limit": "100"}
    events: list[dict[str, Any]] = api.get("/events", params=params).json()["data"]
    return events[::-1]


# -- validation: one test per rule -------------------------------------------

_DROP = None
# (changes to a good request, message the 400 answer names)
_REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "unknown parameter": ({"colour": "red"}, "colour is not a parameter"),
    "unknown charge parameter": (
        {"charge": {"capture": False}},
        "charge[capture] is not a parameter",
    ),
    "every missing": ({"every": _DROP}, "every is required"),
    "every zero": ({"every": 0}, "every must be 1 or more"),
    "every not a number": ({"every": "two"}, "every must be an integer"),
    "period missing": ({"period": _DROP}, "period is required"),
    "period unknown": ({"period": "year"}, "period must be day, week or month"),
    "on with a daily period": (
        {"period": "day", "on": {"weekdays": ["monday"]}},
        "on must be left out for a daily schedule",
    ),
    "week without weekdays": (
        {"period": "week", "on": {}},
        "needs on[weekdays]",
    ),
    "weekday misspelt": (
        {"period": "week", "on": {"weekdays": ["funday"]}},
        "on[weekdays] has 'funday'",
    ),
    "month without a day": ({"on": {}}, "needs on[days_of_month]"),
    "month with days and a weekday": (
        {"on": {"days_of_month": [1], "weekday_of_month": "last_friday"}},
        "not both",
    ),
    "day of month 32": ({"on": {"days_of_month": [32]}}, "from 1 to 31"),
    "weekday of month 5th": (
        {"on": {"weekday_of_month": "5th_monday"}},
        "is not a weekday of the month",
    ),
    "end date missing": ({"end_date": _DROP}, "end_date is required"),
    "end before start": (
        {"end_date": "2020-01-01", "start_date": _DROP},
        "is before start_date",
    ),
    "start in the past": ({"start_date": "2020-01-01"}, "is in the past"),
    "date not a date": ({"end_date": "next year"}, "must be a date such as"),
    "both start spellings": ({"start_on": "2099-01-01"}, "give start_date or"),
    "no date matches": (
        {
            "on": {"days_of_month": [15]},
            "start_date": "2099-01-16",
            "end_date": "2099-02-14",
        },
        "no date from 2099-01-16 to 2099-02-14 matches",
    ),  # fmt: skip
    "no charge": ({"charge": _DROP}, "charge is required"),
    "charge and transfer": ({"transfer": {"amount": 100000}}, "not both"),
    "customer missing": ({"charge": {"customer": None}}, "charge[customer]"),
    "amount missing": ({"charge": {"amount": None}}, "charge[amount] is required"),
    "amount below the minimum": (
        {"charge": {"amount": 1999}},
        "charge[amount] must be from 2000 to 15000000 (thb subunits)",
    ),
    "currency unsupported": (
        {"charge": {"currency": "XTS"}},
        "charge[currency] XTS is not supported",
    ),
    "metadata not an object": (
        {"charge": {"metadata": "vip"}},
        "charge[metadata] must be an object",
    ),
}


@pytest.fixture(scope="module")
def refusing() -> Iterator[tuple[SandboxServer, httpx.Client, str]]:
    """One sandbox for the refused requests (they change nothing)."""
    state = SandboxState.seeded(charges=20, seed=14)
    with (
        SandboxServer(state) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as api,
    ):
        card = {"number": "4242424242424242", "name": "PRANEE KAEWMANEE",
                "expiration_month": 8, "expiration_year": 2033}  # fmt: skip
        token = api.post("/tokens", json={"card": card}).json()["id"]
        customer = api.post("/customers", json={"card": token}).json()["id"]
        yield server, api, customer


@pytest.mark.parametrize("rule", list(_REFUSED))
def test_each_rule_refuses_with_a_reason_and_leaves_no_trace(
    refusing: tuple[SandboxServer, httpx.Client, str], rule: str
) -> None:
    server, api, customer_id = refusing
    changes, message = _REFUSED[rule]
    events_before = server.state.events.index[-1]
    body = _body(customer_id, local_today(server.state), **changes)

    answer = api.post("/schedules", json=body)

    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "bad_request"
    assert message in answer.json()["message"]
    assert server.state.count("schedule") == 0
    assert server.state.events.index[-1] == events_before


def test_a_transfer_schedule_is_refused_as_out_of_scope(
    api: httpx.Client, today: date
) -> None:
    body = _body("unused", today, charge=None)
    answer = api.post("/schedules", json={**body, "transfer": {"amount": 300000}})

    assert answer.status_code == 400
    assert "transfer schedules are not supported" in answer.json()["message"]


def test_unknown_customer_and_card_are_not_found(
    api: httpx.Client,
    customer: dict[str, Any],
    make_token: Callable[..., str],
    today: date,
) -> None:
    other = api.post("/customers", json={"card": make_token()}).json()
    no_customer = api.post(
        "/schedules", json=_body("cust_test_nobodynobodynobody1", today)
    )
    no_card = api.post(
        "/schedules",
        json=_body(customer["id"], today, charge={"card": "card_test_nope"}),
    )
    someone_elses = api.post(
        "/schedules",
        json=_body(customer["id"], today, charge={"card": other["default_card"]}),
    )

    assert no_customer.status_code == 404
    assert no_customer.json()["message"] == (
        "customer cust_test_nobodynobodynobody1 was not found"
    )
    assert (no_card.status_code, no_card.json()["code"]) == (404, "not_found")
    assert someone_elses.status_code == 404


def test_a_customer_without_a_card_is_refused(api: httpx.Client, today: date) -> None:
    bare = api.post("/customers", json={"email": "nocard@example.co.th"}).json()

    answer = api.post("/schedules", json=_body(bare["id"], today))

    assert answer.status_code == 400
    assert f"customer {bare['id']} has no card" in answer.json()["message"]


def test_days_past_28_can_be_refused_by_setting(
    live: SandboxServer, api: httpx.Client, customer: dict[str, Any], today: date
) -> None:
    body = _body(customer["id"], today, on={"days_of_month": [29]})
    clamped = api.post("/schedules", json=body)
    live.update_config(schedule_month_end_clamp=False)

    refused = api.post("/schedules", json=body)

    assert clamped.status_code == 200
    assert refused.status_code == 400
    assert "days run from 1 to 28" in refused.json()["message"]


def test_a_3_d_secure_account_cannot_schedule_charges(
    live: SandboxServer, api: httpx.Client, customer: dict[str, Any], today: date
) -> None:
    live.update_config(three_d_secure_enabled=True)

    answer = api.post("/schedules", json=_body(customer["id"], today))

    assert answer.status_code == 400
    assert "3-D Secure" in answer.json()["message"]


# -- creating ----------------------------------------------------------------


def test_form_body_with_brackets_and_date_aliases(
    api: httpx.Client, customer: dict[str, Any], today: date
) -> None:
    start = today + timedelta(days=2)
    answer = api.post(
        "/schedules",
        data={
            "every": "2",
            "period": "week",
            "on[weekdays][]": ["monday", "friday"],
            "start_on": start.isoformat(),
            "end_on": (start + timedelta(days=60)).isoformat(),
            "charge[customer]": customer["id"],
            "charge[amount]": "45000",
            "charge[description]": "Cleaning, twice a fortnight",
            "charge[metadata][opn_desk_operation]": "op-7",
        },
    )
    schedule = answer.json()

    assert answer.status_code == 200, answer.text
    assert schedule["on"] == {"weekdays": ["monday", "friday"]}
    assert schedule["in_words"] == "Every 2 week(s) on Monday and Friday"
    assert schedule["start_on"] == start.isoformat()
    assert schedule["charge"]["amount"] == 45000
    assert schedule["charge"]["currency"] == "THB"  # the account's currency
    assert schedule["charge"]["metadata"] == {"opn_desk_operation": "op-7"}
    assert schedule["charge"]["default_card"] is True
    assert schedule["charge"]["card"] == customer["default_card"]
    assert schedule["charge"]["id"].startswith("rchg_test_")
    assert (schedule["status"], schedule["active"], schedule["state"]) == (
        "running",
        True,
        "Active",
    )
    assert schedule["occurrences"]["total"] == 0


def test_a_fixed_card_and_weekday_of_month(
    api: httpx.Client, customer: dict[str, Any], today: date
) -> None:
    answer = api.post(
        "/schedules",
        json=_body(
            customer["id"],
            today,
            on={"weekday_of_month": "second_monday"},
            charge={"card": customer["default_card"]},
        ),
    )
    schedule = answer.json()
    dates = [date.fromisoformat(d) for d in schedule["next_occurrences_on"]]

    assert answer.status_code == 200, answer.text
    assert schedule["charge"]["default_card"] is False
    assert schedule["in_words"] == "Every 1 month(s) on the 2nd Monday"
    assert len(dates) == 13  # a 400-day span holds 13 or 14 second Mondays
    assert all(d.weekday() == 0 and 8 <= d.day <= 14 for d in dates)


def test_lists_retrieve_and_events(
    live: SandboxServer,
    api: httpx.Client,
    customer: dict[str, Any],
    make_token: Callable[..., str],
    today: date,
) -> None:
    other = api.post("/customers", json={"card": make_token()}).json()
    mine = api.post("/schedules", json=_body(customer["id"], today)).json()
    theirs = api.post("/schedules", json=_body(other["id"], today)).json()

    every = api.get("/schedules").json()
    charges_only = api.get("/charges/schedules").json()
    of_customer = api.get(f"/customers/{customer['id']}/schedules").json()
    transfers = api.get("/transfers/schedules").json()
    one = api.get(f"/schedules/{mine['id']}").json()
    missing = api.get("/schedules/schd_test_missingmissingmiss")
    created = [
        e["data"]["id"] for e in _recent_events(api) if e["key"] == "schedule.create"
    ]

    assert [s["id"] for s in every["data"]] == [mine["id"], theirs["id"]]
    assert every["location"] == "/schedules" and every["total"] == 2
    assert charges_only["location"] == "/charges/schedules"
    assert [s["id"] for s in charges_only["data"]] == [mine["id"], theirs["id"]]
    assert [s["id"] for s in of_customer["data"]] == [mine["id"]]
    assert of_customer["location"] == f"/customers/{customer['id']}/schedules"
    assert (transfers["total"], transfers["data"]) == (0, [])
    assert one == mine
    assert missing.status_code == 404
    assert missing.json()["message"] == (
        "schedule schd_test_missingmissingmiss was not found"
    )
    assert created == [mine["id"], theirs["id"]]


def test_delete_stops_it_and_twice_is_refused(
    live: SandboxServer, api: httpx.Client, customer: dict[str, Any], today: date
) -> None:
    made = api.post("/schedules", json=_body(customer["id"], today)).json()

    deleted = api.delete(f"/schedules/{made['id']}")
    again = api.delete(f"/schedules/{made['id']}")
    live.advance_clock(70 * 86400)
    after = api.get(f"/schedules/{made['id']}").json()
    destroyed = [e for e in _recent_events(api) if e["key"] == "schedule.destroy"]

    gone = deleted.json()
    assert deleted.status_code == 200
    assert (gone["status"], gone["deleted"], gone["active"]) == (
        "deleted",
        True,
        False,
    )
    assert gone["next_occurrences_on"] == [] and gone["ended_at"]
    assert again.status_code == 400 and again.json()["code"] == "bad_request"
    assert "already deleted" in again.json()["message"]
    assert after["occurrences"]["total"] == 0  # no run after the delete
    assert [e["data"]["id"] for e in destroyed] == [made["id"]]


# -- the recorded shapes -------------------------------------------------------


def _shape(value: Any) -> Any:
    """The JSON types of ``value``: keys kept, one list item stands for all."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _within(served: Any, recorded: Any) -> Any:
    """``served``'s shape cut to the keys ``recorded`` has."""
    if isinstance(recorded, dict) and isinstance(served, dict):
        return {k: _within(served.get(k, "missing"), v) for k, v in recorded.items()}
    if isinstance(recorded, list) and isinstance(served, list):
        if recorded and served:
            return [_within(served[0], recorded[0])]
        return [] if not recorded else served
    return served


def _load(fixtures_dir: Path, name: str) -> Any:
    return json.loads((fixtures_dir / name).read_text(encoding="utf-8"))


def test_answers_have_the_recorded_keys_and_types(
    api: httpx.Client, customer: dict[str, Any], today: date, fixtures_dir: Path
) -> None:
    # As recorded: every 2 days from today, so it ran once at creation.
    made = api.post(
        "/schedules",
        json=_body(
            customer["id"],
            today,
            every=2,
            period="day",
            on=None,
            start_date=today.isoformat(),
            charge={"description": "Membership fee"},
        ),
    ).json()
    occurrence = api.get(made["occurrences"]["data"][0]["location"]).json()
    listed = api.get(f"/customers/{customer['id']}/schedules").json()
    described = {"description": "Coffee beans"}
    every_weekday = {"weekdays": ["monday", "tuesday", "wednesday", "thursday",
                                  "friday", "saturday", "sunday"]}  # fmt: skip
    weekly = api.post(
        "/schedules",
        json=_body(customer["id"], today, period="week", on=every_weekday,
                   start_date=today.isoformat(), charge=described),
    ).json()  # fmt: skip
    monthly = api.post(
        "/schedules", json=_body(customer["id"], today, charge=described)
    ).json()
    deleted = api.delete(f"/schedules/{monthly['id']}").json()
    recorded = _load(fixtures_dir, f"{PHP}/schedules-post.json")

    assert _shape(made) == _shape(recorded)
    assert _shape(occurrence) == _shape(
        _load(fixtures_dir, f"{PHP}/occurrences/occu_test_6344k76ztk6c26m7gmi-get.json")
    )
    php_list = _load(
        fixtures_dir,
        f"{PHP}/customers/cust_test_63440m5rxrwz1lcwno0/schedules-get.json",
    )
    assert _shape(listed) == _shape(php_list)
    swift = _shape(
        _load(fixtures_dir, f"{SWIFT}/schedules/schd_test_5fzoznrnfbwhyxx2slg-get.json")
    )
    swift_deleted = _shape(
        _load(fixtures_dir, f"{SWIFT}/schedules/schd_test_5fzcqxg53hhuhz49e73-get.json")
    )
    assert _within(_shape(weekly), swift) == swift
    # The swift recording of a deleted schedule still lists dates (and says
    # active: true); ours lists none, as REFERENCE.md section 5.4 says.
    assert _within(_shape(deleted), swift_deleted) == {
        **swift_deleted,
        "next_occurrences_on": [],
    }


def test_empty_lists_have_the_recorded_envelope(
    api: httpx.Client, fixtures_dir: Path
) -> None:
    served = api.get("/charges/schedules").json()
    recorded = _load(fixtures_dir, f"{PHP}/charges/schedules-get.json")
    transfers = api.get("/transfers/schedules").json()

    assert _shape(served) == _shape(recorded)
    assert _shape(transfers) == _shape(recorded)


# -- clients -------------------------------------------------------------------


@pytest.fixture
def omise(live: SandboxServer) -> Any:
    import omise as library

    names = ("api_secret", "api_public", "api_main", "api_vault")
    saved = {name: getattr(library, name) for name in names}
    library.api_secret = live.secret_key
    library.api_public = SANDBOX_PUBLIC_KEY
    library.api_main = live.base_url
    library.api_vault = live.base_url
    try:
        yield library
    finally:
        for name, value in saved.items():
            setattr(library, name, value)


def test_the_official_library_creates_lists_and_destroys(
    omise: ModuleType, customer: dict[str, Any], today: date
) -> None:
    schedule = omise.Schedule.create(
        every=1,
        period="month",
        on={"weekday_of_month": "second_monday"},
        start_date=today.isoformat(),
        end_date=(today + timedelta(days=200)).isoformat(),
        charge={"customer": customer["id"], "amount": 100000,
                "description": "Membership fee"},
    )  # fmt: skip
    listed = [s.id for s in omise.Schedule.list()]
    of_customer = omise.Customer.retrieve(customer["id"]).list_schedules()
    occurrences = schedule.occurrence()

    schedule.destroy()
    fetched = omise.Schedule.retrieve(schedule.id)

    assert schedule.in_words == "Every 1 month(s) on the 2nd Monday"
    assert listed == [schedule.id]
    assert [s.id for s in of_customer] == [schedule.id]
    assert occurrences.total == len(occurrences.data)
    assert schedule.destroyed and fetched.status == "deleted"
    assert fetched.next_occurrences_on == []


def test_a_lost_answer_leaves_exactly_one_schedule_to_find(
    live: SandboxServer, api: httpx.Client, customer: dict[str, Any], today: date
) -> None:
    live.add_fault("drop_after", method="POST", path=r"^/schedules$", count=1)
    body = _body(customer["id"], today, charge={
        "metadata": {"opn_desk_operation": "op-42"}})  # fmt: skip

    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/schedules", json=body)
    found = [
        s
        for s in api.get("/schedules", params={"limit": "100"}).json()["data"]
        if s["charge"]["metadata"].get("opn_desk_operation") == "op-42"
    ]

    assert len(found) == 1
    assert live.state.count("schedule") == 1
