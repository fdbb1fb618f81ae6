"""``Omise-Version``: answers in older API versions, the account's default,
and events kept in the version they were made in (REFERENCE.md 1.4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer, SandboxState
from opn_desk.services.api import OpnClient

Json = dict[str, Any]
V2014 = {"Omise-Version": "2014-07-27"}
V2015 = {"Omise-Version": "2015-11-17"}
V2017 = {"Omise-Version": "2017-11-02"}
V2019 = {"Omise-Version": "2019-05-29"}


def ok(response: httpx.Response) -> Json:
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def set_account_version(api: httpx.Client, version: str) -> Json:
    return ok(api.patch("/__sandbox/account", json={"api_version": version}))


def test_a_charge_and_its_refund_in_2017_11_02(
    api: httpx.Client, make_charge: Callable[..., Json]
) -> None:
    charge = make_charge()

    refund = api.post(
        f"/charges/{charge['id']}/refunds", json={"amount": 30000}, headers=V2017
    )
    old = api.get(f"/charges/{charge['id']}", headers=V2017)
    new = ok(api.get(f"/charges/{charge['id']}", headers=V2019))

    assert refund.headers["Omise-Version"] == "2017-11-02"
    assert old.headers["Omise-Version"] == "2017-11-02"
    assert ok(refund)["currency"] == "thb" and "created" in refund.json()
    assert "created_at" not in refund.json()
    shown = old.json()
    assert shown["refunded"] == 30000 and "refunded_amount" not in shown
    assert shown["created"] == new["created_at"] and "created_at" not in shown
    assert (shown["currency"], shown["funding_currency"]) == ("thb", "thb")
    assert shown["reference"] is None  # a card charge without authorize_uri
    assert shown["refunds"]["data"][0]["created"] == refund.json()["created"]
    assert new["refunded_amount"] == 30000 and new["currency"] == "THB"


def test_older_versions_name_the_fund_and_2014_says_captured(
    api: httpx.Client, make_charge: Callable[..., Json]
) -> None:
    charge = make_charge()
    source = {"type": "internet_banking_scb"}
    body = {"amount": 100000, "currency": "THB", "source": source}
    body["return_uri"] = "https://shop.example.co.th/orders/complete"
    offsite = ok(api.post("/charges", json=body, headers=V2015))

    card_2014 = ok(api.get(f"/charges/{charge['id']}", headers=V2014))
    card_2015 = ok(api.get(f"/charges/{charge['id']}", headers=V2015))

    assert card_2014["captured"] is True and "paid" not in card_2014
    assert card_2015["paid"] is True and "captured" not in card_2015
    assert card_2015["source_of_fund"] == "card" and card_2015["offsite"] is None
    assert offsite["source_of_fund"] == "offsite"
    assert offsite["offsite"] == "internet_banking_scb" and offsite["offline"] is None
    assert offsite["reference"] == offsite["authorize_uri"].split("/")[-2]


def _schedule_body(api: httpx.Client, live: SandboxServer, token: str) -> Json:
    customer = ok(api.post("/customers", json={"card": token}))
    today = live.state.now().date()
    return {
        "every": 1,
        "period": "week",
        "on": {"weekdays": ["monday", "thursday"]},
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=120)).isoformat(),
        "charge": {"customer": customer["id"], "amount": 250000, "currency": "THB"},
    }


def test_a_schedule_and_its_occurrences_in_2017_11_02(
    api: httpx.Client, live: SandboxServer, make_token: Callable[..., str]
) -> None:
    body = _schedule_body(api, live, make_token())
    made = ok(api.post("/schedules", json=body, headers=V2019))
    live.advance_clock(8 * 24 * 3600)  # at least two runs

    old = ok(api.get(f"/schedules/{made['id']}", headers=V2017))
    listed = ok(api.get(f"/schedules/{made['id']}/occurrences", headers=V2017))
    new = ok(api.get(f"/schedules/{made['id']}", headers=V2019))

    assert old["status"] == "active" and new["status"] == "running"
    assert (old["start_date"], old["end_date"]) == (new["start_on"], new["end_on"])
    assert old["next_occurrence_dates"] == new["next_occurrences_on"]
    assert "start_on" not in old and "next_occurrences_on" not in old
    assert old["charge"]["currency"] == "thb"
    assert listed["total"] >= 2
    for occurrence in listed["data"]:
        assert {"schedule_date", "retry_date", "created"} <= occurrence.keys()
        assert not {"scheduled_on", "retry_on", "created_at"} & occurrence.keys()
    assert [o["schedule_date"] for o in listed["data"]] == [
        o["scheduled_on"] for o in new["occurrences"]["data"]
    ]


def test_deleted_objects_are_stubs_but_a_schedule_stays_whole(
    api: httpx.Client, live: SandboxServer, make_token: Callable[..., str]
) -> None:
    body = _schedule_body(api, live, make_token())
    body["start_date"] = (live.state.now().date() + timedelta(days=3)).isoformat()
    schedule = ok(api.post("/schedules", json=body))
    customer = body["charge"]["customer"]
    card = ok(api.get(f"/customers/{customer}"))["default_card"]

    gone_schedule = ok(api.delete(f"/schedules/{schedule['id']}", headers=V2017))
    gone_card = ok(api.delete(f"/customers/{customer}/cards/{card}", headers=V2017))
    gone_customer = ok(api.delete(f"/customers/{customer}", headers=V2015))

    assert gone_card == {
        "object": "card",
        "id": card,
        "livemode": False,
        "deleted": True,
    }
    assert gone_customer == {
        "object": "customer",
        "id": customer,
        "livemode": False,
        "deleted": True,
    }
    # As the 2017 recording of a schedule's DELETE: the whole schedule.
    assert gone_schedule["status"] == "deleted"
    assert gone_schedule["next_occurrence_dates"] == []
    assert "start_date" in gone_schedule and "created" in gone_schedule


def test_a_list_envelope_keeps_its_shape_and_renders_its_items(
    api: httpx.Client,
) -> None:
    params = {"limit": 3, "order": "reverse_chronological"}

    old = ok(api.get("/charges", params=params, headers=V2015))
    new = ok(api.get("/charges", params=params, headers=V2019))

    assert old.keys() == new.keys()
    assert {k: v for k, v in old.items() if k != "data"} == {
        k: v for k, v in new.items() if k != "data"
    }
    assert [c["id"] for c in old["data"]] == [c["id"] for c in new["data"]]
    for shown, current in zip(old["data"], new["data"], strict=True):
        assert shown["created"] == current["created_at"]
        assert shown["currency"] == current["currency"].lower()


def test_transactions_balance_and_disputes_in_older_names(
    api: httpx.Client, live: SandboxServer, make_charge: Callable[..., Json]
) -> None:
    charge = make_charge()
    dispute = live.open_dispute(charge["id"])

    transaction = ok(api.get(f"/transactions/{charge['transaction']}", headers=V2017))
    balance = ok(api.get("/balance", headers=V2017))
    current = ok(api.get("/balance", headers=V2019))
    old_dispute = ok(api.get(f"/disputes/{dispute['id']}", headers=V2017))

    assert transaction["type"] == "credit" and transaction["source"] == charge["id"]
    assert "transferable" in transaction and "direction" not in transaction
    assert (balance["available"], balance["total"]) == (
        current["transferable"],
        current["total"],
    )
    assert balance["reserve_amount"] == current["reserve"]
    assert old_dispute["transaction"] == dispute["transactions"][0]["id"]
    assert "transactions" not in old_dispute


def test_metadata_is_never_renamed(
    api: httpx.Client, make_charge: Callable[..., Json]
) -> None:
    metadata = {"created_at": "2025-01-01", "currency": "THB", "start_on": "x"}
    charge = make_charge(metadata=metadata)

    shown = ok(api.get(f"/charges/{charge['id']}", headers=V2017))

    assert shown["metadata"] == metadata


def test_without_a_header_the_account_default_answers(
    api: httpx.Client, live: SandboxServer, make_charge: Callable[..., Json]
) -> None:
    charge = make_charge()

    account = set_account_version(api, "2017-11-02")
    plain = api.get(f"/charges/{charge['id']}")
    asked = api.get(f"/charges/{charge['id']}", headers=V2019)
    shown = ok(api.get("/account"))

    assert account == {"object": "sandbox_account", "api_version": "2017-11-02"}
    assert plain.headers["Omise-Version"] == "2017-11-02" and "created" in plain.json()
    assert asked.headers["Omise-Version"] == "2019-05-29"
    assert "created_at" in asked.json()
    assert shown["api_version"] == "2017-11-02"
    assert shown["last_updated_api_version"] == live.state.now().date().isoformat()
    assert shown["currency"] == "thb"


def test_an_unknown_version_is_refused_unless_configured(
    api: httpx.Client, live: SandboxServer
) -> None:
    bad = {"Omise-Version": "2016-01-01"}

    refused = api.get("/account", headers=bad)
    live.update_config(unknown_api_version="account_default")
    answered = api.get("/account", headers=bad)
    wrong_default = api.patch("/__sandbox/account", json={"api_version": "2016-01-01"})

    assert refused.status_code == 400
    assert refused.json()["code"] == "bad_request"
    assert "2016-01-01" in refused.json()["message"]
    assert refused.headers["Omise-Version"] == "2019-05-29"
    assert answered.status_code == 200
    assert answered.headers["Omise-Version"] == "2019-05-29"
    assert wrong_default.status_code == 400
    with pytest.raises(ValueError, match="unknown_api_version"):
        live.update_config(unknown_api_version="newest")


def test_an_error_in_an_older_version_points_at_the_old_errors_page(
    api: httpx.Client,
) -> None:
    missing = api.get("/charges/chrg_test_missing", headers=V2017)

    assert missing.status_code == 404
    assert missing.json() == {
        "object": "error",
        "location": "https://www.omise.co/api-errors#not-found",
        "code": "not_found",
        "message": "charge chrg_test_missing was not found",
    }


def _newest_events(api: httpx.Client, headers: dict[str, str]) -> list[Json]:
    params = {"limit": 10, "order": "reverse_chronological"}
    events: list[Json] = ok(api.get("/events", params=params, headers=headers))["data"]
    return events


def test_events_keep_the_version_in_force_when_they_were_made(
    api: httpx.Client, make_charge: Callable[..., Json]
) -> None:
    set_account_version(api, "2017-11-02")
    old_charge = make_charge()  # its events' data: 2017-11-02, for good
    set_account_version(api, "2019-05-29")
    new_charge = make_charge()

    read_new = {e["data"]["id"]: e for e in _newest_events(api, V2019)}
    read_old = {e["data"]["id"]: e for e in _newest_events(api, V2017)}
    single = ok(api.get(f"/events/{read_new[old_charge['id']]['id']}", headers=V2019))

    for events in (read_new, read_old):
        assert "created" in events[old_charge["id"]]["data"]
        assert events[old_charge["id"]]["data"]["currency"] == "thb"
        assert "created_at" in events[new_charge["id"]]["data"]
        assert events[new_charge["id"]]["data"]["currency"] == "THB"
    # The event itself is shown in the version asked for.
    assert "created_at" in read_new[old_charge["id"]]
    assert "created" in read_old[new_charge["id"]]
    assert single["data"] == read_new[old_charge["id"]]["data"]


def test_events_keep_their_version_in_the_data_file(tmp_path: Path) -> None:
    state = SandboxState.seeded(charges=20, seed=3)
    state.set_api_version("2015-11-17")
    old = state.add_charge({"amount": 50000, "currency": "THB"})
    path = tmp_path / "sandbox.json"

    state.save(path)
    loaded = SandboxState.load(path)

    assert loaded.api_version == "2015-11-17"
    event = next(e for e in loaded.events_sorted() if e["data"]["id"] == old["id"])
    assert event["data"]["created"] == old["created_at"]
    assert event["data"]["currency"] == "thb" and "created_at" not in event["data"]
    assert loaded.events_sorted() == state.events_sorted()


def test_the_app_client_asks_for_2019_05_29_whatever_the_account_says(
    api: httpx.Client, live: SandboxServer, make_charge: Callable[..., Json]
) -> None:
    set_account_version(api, "2017-11-02")
    charge = make_charge()
    api.post(f"/charges/{charge['id']}/refunds", json={"amount": 20000})
    event_id = next(
        e["id"] for e in _newest_events(api, V2019) if e["key"] == "refund.create"
    )

    with OpnClient(live.secret_key, live.base_url) as client:
        read = client.get_charge(charge["id"])
        event = client.get_event(event_id)

    assert read.refunded_amount == 20000 and read.currency == "THB"
    assert "created_at" in read.raw and "refunded_amount" in read.raw
    # An event made at the account's 2017 default keeps that shape; the
    # app's parser reads it too.
    assert "created" in event.raw["data"] and "created_at" in event.raw
