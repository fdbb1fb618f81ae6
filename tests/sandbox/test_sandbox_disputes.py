"""Disputes over loopback HTTP: opening, every status change, lists, events.

What a clerk would check: the dispute's status and amounts, the money the
balance lost or got back, and that a disputed charge can no longer be
refunded. Documents are in ``test_sandbox_disputes_documents.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.times import iso, parse_iso

Charge = dict[str, Any]
DAY_S = 24 * 3600
# REFERENCE.md section 4.3, written out here so a code dropped from the
# sandbox's table fails this test.
REASON_CODES = (
    "cancelled_recurring_transaction",
    "credit_not_processed",
    "duplicate_processing",
    "expired_card",
    "goods_or_services_not_provided",
    "incorrect_currency",
    "incorrect_transaction_amount",
    "late_presentment",
    "non_matching_account_number",
    "not_as_described_or_defective_merchandise",
    "not_available",
    "not_recorded",
    "other",
    "paid_by_other_means",
    "transaction_not_recognised",
    "unauthorized_charge",
)


def _dispute(api: httpx.Client, charge_id: str, **body: Any) -> dict[str, Any]:
    response = api.post(f"/charges/{charge_id}/disputes", json=body)
    assert response.status_code == 200, response.text
    dispute: dict[str, Any] = response.json()
    return dispute


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()
    assert error["object"] == "error" and error["code"] == code
    message: str = error["message"]
    return message


def _events(api: httpx.Client, object_id: str) -> list[str]:
    page = api.get("/events", params={"limit": "100", "order": "reverse_chronological"})
    keys = [e["key"] for e in page.json()["data"] if e["data"]["id"] == object_id]
    return keys[::-1]


@pytest.fixture
def disputed(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> Callable[..., dict[str, Any]]:
    """Opens a dispute on a new paid charge of 100,000 satang."""

    def make(**body: Any) -> dict[str, Any]:
        return _dispute(api, make_charge()["id"], **body)

    return make


# -- opening -------------------------------------------------------------------


def test_opening_a_dispute_debits_it_and_locks_the_charge(
    live: SandboxServer,
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    balance: Callable[[], int],
) -> None:
    charge = make_charge(amount=250000)
    assert charge["disputable"] and charge["refundable"]
    before = balance()

    dispute = _dispute(api, charge["id"])
    after = api.get(f"/charges/{charge['id']}").json()
    debit = dispute["transactions"][0]

    assert dispute["id"].startswith("dspt_test_")
    assert dispute["location"] == f"/disputes/{dispute['id']}"
    assert (dispute["status"], dispute["amount"], dispute["currency"]) == (
        "open",
        250000,
        "THB",
    )
    assert dispute["charge"] == charge["id"] and dispute["closed_at"] is None
    assert dispute["reason_code"] == "goods_or_services_not_provided"
    assert dispute["reason_message"] == "Merchandise/Services Not Received"
    assert dispute["created_at"] == iso(live.state.now())
    assert (debit["direction"], debit["key"], debit["amount"]) == (
        "debit",
        "dispute.started.debit",
        250000,
    )
    assert debit["origin"] == dispute["id"]
    assert api.get(f"/transactions/{debit['id']}").json() == debit
    assert balance() == before - 250000
    assert after["dispute"]["id"] == dispute["id"]
    assert not after["disputable"] and not after["refundable"]
    assert not after["partially_refundable"] and not after["can_perform_void"]
    assert api.get(f"/disputes/{dispute['id']}").json() == dispute
    assert _events(api, dispute["id"]) == ["dispute.create"]


def test_a_refund_on_a_disputed_charge_is_refused(
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    balance: Callable[[], int],
) -> None:
    charge = make_charge()
    _dispute(api, charge["id"])
    before = api.get(f"/charges/{charge['id']}").json()
    total_before = balance()

    response = api.post(f"/charges/{charge['id']}/refunds", json={"amount": 1000})

    assert "disputed" in _error(response, 400, "failed_refund")
    assert api.get(f"/charges/{charge['id']}").json() == before
    assert balance() == total_before


def test_a_foreign_currency_dispute_debits_the_account_currency(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge(amount=10000, currency="JPY")

    dispute = _dispute(api, charge["id"])

    assert (dispute["amount"], dispute["currency"]) == (10000, "JPY")
    assert dispute["funding_currency"] == "THB"
    assert dispute["funding_amount"] == charge["funding_amount"]
    debit = dispute["transactions"][0]
    assert (debit["amount"], debit["currency"]) == (charge["funding_amount"], "THB")


def test_every_reason_code_has_a_readable_message(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    disputes = [
        _dispute(api, make_charge()["id"], reason_code=code) for code in REASON_CODES
    ]

    assert [d["reason_code"] for d in disputes] == list(REASON_CODES)
    messages = [d["reason_message"] for d in disputes]
    assert len(set(messages)) == len(REASON_CODES)
    for message in messages:
        assert message[0].isupper() and "_" not in message, message


def test_refused_disputes_change_nothing(
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    balance: Callable[[], int],
) -> None:
    held = make_charge(capture=False)
    declined = make_charge(number="4111111111140011")
    paid = make_charge()
    _dispute(api, paid["id"])
    disputes_before = api.get("/disputes").json()["total"]
    total_before = balance()

    cases = [
        (held["id"], {}, 400, "bad_request", "only paid charges"),
        (declined["id"], {}, 400, "bad_request", "only paid charges"),
        (paid["id"], {}, 400, "bad_request", "already disputed"),
        ("chrg_test_nope", {}, 404, "not_found", "chrg_test_nope was not found"),
        (held["id"], {"reason_code": "fraud"}, 400, "bad_request", "reason code"),
        (held["id"], {"amount": 5}, 400, "bad_request", "amount is not"),
    ]
    for charge_id, body, status, code, words in cases:
        response = api.post(f"/charges/{charge_id}/disputes", json=body)
        assert words in _error(response, status, code), charge_id

    assert api.get("/disputes").json()["total"] == disputes_before
    assert balance() == total_before
    assert api.get(f"/charges/{held['id']}").json()["dispute"] is None


def test_a_fully_refunded_or_source_charge_cannot_be_disputed(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    refunded = make_charge()
    api.post(f"/charges/{refunded['id']}/refunds", json={"amount": 100000})
    body = {"amount": 20000, "currency": "THB", "source": {"type": "promptpay"}}
    source_charge = api.post("/charges", json=body).json()
    api.post(f"/charges/{source_charge['id']}/mark_as_paid")

    fully = api.post(f"/charges/{refunded['id']}/disputes")
    by_source = api.post(f"/charges/{source_charge['id']}/disputes")

    assert "fully refunded" in _error(fully, 400, "bad_request")
    assert "card charges" in _error(by_source, 400, "bad_request")


# -- the merchant's answer -----------------------------------------------------


def test_a_message_moves_an_open_dispute_to_pending(
    api: httpx.Client, disputed: Callable[..., dict[str, Any]]
) -> None:
    dispute = disputed()
    path = f"/disputes/{dispute['id']}"

    answered = api.patch(
        path, data={"message": "Delivered 3 March, tracking TH123456789"}
    ).json()
    again = api.patch(path, json={"message": "Signed for by the buyer"}).json()
    charge = api.get(f"/charges/{dispute['charge']}").json()

    assert answered["status"] == "pending"
    assert answered["message"] == "Delivered 3 March, tracking TH123456789"
    assert (again["status"], again["message"]) == (
        "pending",
        "Signed for by the buyer",
    )
    assert charge["dispute"]["status"] == "pending"
    assert charge["dispute"]["message"] == "Signed for by the buyer"
    assert _events(api, dispute["id"]) == [
        "dispute.create",
        "dispute.update",
        "dispute.update",
    ]


def test_metadata_alone_changes_no_status(
    api: httpx.Client, disputed: Callable[..., dict[str, Any]]
) -> None:
    dispute = disputed()

    updated = api.patch(
        f"/disputes/{dispute['id']}", data={"metadata[case]": "CB-2025-118"}
    ).json()

    assert updated["status"] == "open" and updated["message"] is None
    assert updated["metadata"] == {"case": "CB-2025-118"}


@pytest.mark.parametrize("decision", ["won", "lost"])
def test_a_decided_dispute_keeps_its_message_but_takes_metadata(
    live: SandboxServer,
    api: httpx.Client,
    disputed: Callable[..., dict[str, Any]],
    decision: str,
) -> None:
    dispute = disputed()
    path = f"/disputes/{dispute['id']}"
    api.patch(path, json={"message": "Our answer"})
    live.resolve_dispute(dispute["id"], decision)
    before = api.get(path).json()

    refused = api.patch(path, json={"message": "Too late"})
    tagged = api.patch(path, json={"metadata": {"archived": True}})

    assert decision in _error(refused, 400, "bad_request")
    assert tagged.status_code == 200
    after = tagged.json()
    assert (after["status"], after["message"]) == (decision, "Our answer")
    assert after["metadata"] == {"archived": True}
    assert {**after, "metadata": before["metadata"]} == before


def test_bad_updates_are_refused(
    api: httpx.Client, disputed: Callable[..., dict[str, Any]]
) -> None:
    dispute = disputed()
    path = f"/disputes/{dispute['id']}"

    blank = api.patch(path, json={"message": "   "})
    unknown = api.patch(path, json={"status": "won"})
    not_object = api.patch(path, json={"metadata": "case 7"})
    missing = api.patch("/disputes/dspt_test_nope", json={"message": "x"})

    assert "message" in _error(blank, 400, "bad_request")
    assert "status is not a parameter" in _error(unknown, 400, "bad_request")
    assert "metadata" in _error(not_object, 400, "bad_request")
    _error(missing, 404, "not_found")
    assert api.get(path).json() == dispute


# -- accepting and closing ---------------------------------------------------


@pytest.mark.parametrize("answered", [False, True])
def test_accepting_makes_the_dispute_lost_and_keeps_the_money_gone(
    live: SandboxServer,
    api: httpx.Client,
    disputed: Callable[..., dict[str, Any]],
    balance: Callable[[], int],
    answered: bool,
) -> None:
    dispute = disputed()
    path = f"/disputes/{dispute['id']}"
    if answered:
        api.patch(path, json={"message": "We disagree"})
    live.advance_clock(3600)
    before = balance()

    accepted = api.patch(f"{path}/accept")

    assert accepted.status_code == 200, accepted.text
    lost = accepted.json()
    assert lost["status"] == "lost"
    assert lost["closed_at"] == iso(live.state.now())
    assert [t["key"] for t in lost["transactions"]] == ["dispute.started.debit"]
    assert balance() == before
    assert _events(api, dispute["id"])[-1] == "dispute.accept"
    charge = api.get(f"/charges/{dispute['charge']}").json()
    assert charge["dispute"]["status"] == "lost" and not charge["refundable"]


@pytest.mark.parametrize("decision", ["won", "lost"])
def test_a_decided_dispute_cannot_be_accepted_or_closed_again(
    live: SandboxServer,
    api: httpx.Client,
    disputed: Callable[..., dict[str, Any]],
    decision: str,
) -> None:
    dispute = disputed()
    path = f"/disputes/{dispute['id']}"
    api.patch(f"{path}/close", json={"status": decision})
    before = api.get(path).json()

    accept = api.patch(f"{path}/accept")
    close = api.patch(f"{path}/close", json={"status": "won"})

    assert decision in _error(accept, 400, "bad_request")
    assert decision in _error(close, 400, "bad_request")
    assert api.get(path).json() == before


def test_winning_credits_the_money_back(
    live: SandboxServer,
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    balance: Callable[[], int],
) -> None:
    charge = make_charge(amount=180000)
    before = balance()
    dispute = _dispute(api, charge["id"])
    api.patch(f"/disputes/{dispute['id']}", json={"message": "Delivered"})
    live.advance_clock(5 * DAY_S)

    response = api.patch(f"/disputes/{dispute['id']}/close", data={"status": "won"})

    won = response.json()
    assert response.status_code == 200, response.text
    assert won["status"] == "won" and won["closed_at"] == iso(live.state.now())
    credit = won["transactions"][1]
    assert (credit["direction"], credit["key"], credit["amount"]) == (
        "credit",
        "dispute.won.credit",
        180000,
    )
    assert credit["origin"] == dispute["id"]
    assert balance() == before
    assert _events(api, dispute["id"])[-1] == "dispute.close"


def test_losing_by_close_keeps_the_money_gone(
    api: httpx.Client,
    disputed: Callable[..., dict[str, Any]],
    balance: Callable[[], int],
) -> None:
    dispute = disputed()
    before = balance()

    lost = api.patch(f"/disputes/{dispute['id']}/close", json={"status": "lost"})

    assert lost.json()["status"] == "lost" and lost.json()["closed_at"]
    assert balance() == before
    bad = api.patch(f"/disputes/{dispute['id']}/close", json={"status": "closed"})
    _error(bad, 400, "bad_request")


# -- lists -------------------------------------------------------------------


def test_status_lists_hold_exactly_their_statuses(
    live: SandboxServer,
    api: httpx.Client,
    disputed: Callable[..., dict[str, Any]],
    fetch_all_from: Callable[..., list[dict[str, Any]]],
) -> None:
    kept_open = disputed()
    answered = disputed()
    api.patch(f"/disputes/{answered['id']}", json={"message": "See evidence"})
    accepted = disputed()
    api.patch(f"/disputes/{accepted['id']}/accept")
    won = disputed()
    live.resolve_dispute(won["id"], "won")

    everything = fetch_all_from(api, "/disputes")
    buckets = {
        name: fetch_all_from(api, f"/disputes/{name}")
        for name in ("open", "pending", "closed")
    }

    by_status: dict[str, set[str]] = {}
    for dispute in everything:
        by_status.setdefault(dispute["status"], set()).add(dispute["id"])
    assert {d["id"] for d in buckets["open"]} == by_status["open"]
    assert {d["id"] for d in buckets["pending"]} == by_status["pending"]
    closed = by_status["won"] | by_status.get("lost", set())
    assert {d["id"] for d in buckets["closed"]} == closed
    assert kept_open["id"] in by_status["open"]
    assert answered["id"] in by_status["pending"]
    assert {accepted["id"], won["id"]} <= closed
    assert len(everything) == live.state.count("dispute")


def test_status_lists_take_list_parameters(
    api: httpx.Client, disputed: Callable[..., dict[str, Any]]
) -> None:
    first, second, third = disputed(), disputed(), disputed()

    page = api.get(
        "/disputes/open", params={"limit": "2", "order": "reverse_chronological"}
    ).json()
    window = api.get(
        "/disputes/open", params={"from": first["created_at"], "offset": "1"}
    ).json()

    assert page["location"] == "/disputes/open"
    assert (page["limit"], page["order"]) == (2, "reverse_chronological")
    assert [d["id"] for d in page["data"]] == [third["id"], second["id"]]
    assert window["total"] == 3
    assert [d["id"] for d in window["data"]] == [second["id"], third["id"]]
    bad = api.get("/disputes/closed", params={"limit": "zero"})
    _error(bad, 400, "bad_request")


# -- the control interface -----------------------------------------------------


def test_the_control_interface_opens_and_resolves(
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    balance: Callable[[], int],
) -> None:
    charge = make_charge()
    before = balance()

    opened = api.post(
        "/__sandbox/disputes",
        json={"charge": charge["id"], "reason_code": "duplicate_processing"},
    )
    dispute = opened.json()
    resolved = api.post(
        f"/__sandbox/disputes/{dispute['id']}/resolve", data={"status": "won"}
    )
    again = api.post(
        f"/__sandbox/disputes/{dispute['id']}/resolve", json={"status": "lost"}
    )

    assert opened.status_code == 200, opened.text
    assert (dispute["status"], dispute["reason_code"]) == (
        "open",
        "duplicate_processing",
    )
    assert dispute["reason_message"] == "Duplicate processing"
    assert resolved.json()["status"] == "won"
    assert balance() == before
    assert "already won" in _error(again, 400, "bad_request")
    missing = api.post("/__sandbox/disputes", json={"reason_code": "other"})
    assert "charge is required" in _error(missing, 400, "bad_request")
    wrong = api.post("/__sandbox/disputes/dspt_test_nope/resolve", json={})
    _error(wrong, 400, "bad_request")


def test_python_control_equivalents(
    live: SandboxServer, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()

    dispute = live.open_dispute(charge["id"], "expired_card")
    lost = live.resolve_dispute(dispute["id"], "lost")

    assert (dispute["status"], dispute["reason_message"]) == (
        "open",
        "Card had expired",
    )
    assert lost["status"] == "lost" and lost["closed_at"] is not None
    with pytest.raises(ApiError, match="already disputed"):
        live.open_dispute(charge["id"])
    with pytest.raises(ApiError, match="won or lost"):
        live.resolve_dispute(dispute["id"], "pending")


def test_auto_accept_loses_disputes_left_open(
    live: SandboxServer,
    api: httpx.Client,
    disputed: Callable[..., dict[str, Any]],
) -> None:
    untouched_before = disputed()
    live.update_config(dispute_auto_accept_days=7)
    left_open = disputed()
    answered = disputed()
    api.patch(f"/disputes/{answered['id']}", json={"message": "Evidence sent"})

    live.advance_clock(7 * DAY_S - 60)
    still_open = api.get(f"/disputes/{left_open['id']}").json()
    live.advance_clock(120)

    lost = api.get(f"/disputes/{left_open['id']}").json()
    due = parse_iso(left_open["created_at"]).timestamp() + 7 * DAY_S
    assert still_open["status"] == "open"
    assert lost["status"] == "lost"
    assert parse_iso(lost["closed_at"]).timestamp() == due
    assert _events(api, left_open["id"])[-1] == "dispute.close"
    assert api.get(f"/disputes/{answered['id']}").json()["status"] == "pending"
    # Opened while the setting was off (the default): never auto-accepted.
    live.advance_clock(30 * DAY_S)
    after = api.get(f"/disputes/{untouched_before['id']}").json()
    assert after["status"] == "open"


def test_auto_accept_turned_off_again_leaves_disputes_open(
    live: SandboxServer, disputed: Callable[..., dict[str, Any]]
) -> None:
    live.update_config(dispute_auto_accept_days=2)
    dispute = disputed()
    live.update_config(dispute_auto_accept_days=0)

    live.advance_clock(3 * DAY_S)

    stored = live.state.get("dispute", dispute["id"])
    assert stored is not None and stored["status"] == "open"


# -- fidelity --------------------------------------------------------------------


def _shape(value: object) -> object:
    """Keys and JSON types of ``value``; a list by the shape of its first item."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return ["list", _shape(value[0])] if value else ["list"]
    return type(value).__name__


def _recorded(fixtures_dir: Path, name: str) -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads((fixtures_dir / name).read_text())
    return recorded


PHP = "php/api.omise.co"
SWIFT = "swift/api.omise.co"


def test_disputes_have_the_recorded_shape(
    live: SandboxServer,
    api: httpx.Client,
    disputed: Callable[..., dict[str, Any]],
    fixtures_dir: Path,
) -> None:
    opened = disputed()
    path = f"/disputes/{opened['id']}"
    answered = api.patch(path, json={"message": "New message"}).json()
    accepted = api.patch(f"{path}/accept").json()
    won = disputed()
    api.patch(f"/disputes/{won['id']}", json={"message": "Delivered"})
    won_now = live.resolve_dispute(won["id"], "won")
    disputed()
    listed = api.get("/disputes/open", params={"limit": "1"}).json()

    disputes_dir = f"{PHP}/disputes/dspt_test_6344e4i5yv427gaj1s2"
    pairs = [
        (opened, f"{PHP}/charges/chrg_test_63444wyfsg4mtvvck1z/disputes-post.json"),
        (answered, f"{disputes_dir}-patch.json"),
        (accepted, f"{disputes_dir}/accept-patch.json"),
        (won_now, f"{SWIFT}/disputes/dspt_test_5fqdufgovm3zvkfl62q-get.json"),
    ]
    for served, name in pairs:
        recorded = _recorded(fixtures_dir, name)
        assert served["status"] == recorded["status"], name
        assert _shape(served) == _shape(recorded), name
    envelope = _recorded(fixtures_dir, f"{PHP}/disputes/open-get.json")
    assert _shape(listed) == _shape(envelope)
    for bucket in ("open", "pending", "closed"):
        recorded_list = _recorded(fixtures_dir, f"{SWIFT}/disputes/{bucket}-get.json")
        served_list = api.get(f"/disputes/{bucket}").json()
        assert set(served_list) == set(recorded_list), bucket


def test_seeded_disputes_are_served_with_the_same_reasons(
    client: httpx.Client,
) -> None:
    from opn_desk.sandbox.resources.disputes import REASON_MESSAGES

    listed = client.get("/disputes", params={"limit": "100"}).json()["data"]

    assert listed, "the module's seed has disputes"
    for dispute in listed:
        assert REASON_MESSAGES[dispute["reason_code"]] == dispute["reason_message"]
        charge = client.get(f"/charges/{dispute['charge']}").json()
        assert charge["dispute"]["id"] == dispute["id"]
        assert charge["dispute"]["status"] == dispute["status"]
