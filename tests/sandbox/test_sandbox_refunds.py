"""Refunds over loopback HTTP: one test per rule, and the full, partial and void paths.

A refused refund must change nothing a clerk would see: the charge's
refunded amount and refunds, and the balance.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer

Charge = dict[str, Any]
DAY_S = 24 * 3600
JCB_OK = "3530111333300000"


def _refund(api: httpx.Client, charge_id: str, **body: Any) -> httpx.Response:
    return api.post(f"/charges/{charge_id}/refunds", json=body)


def _refused(
    api: httpx.Client, charge_id: str, code: str, **body: Any
) -> dict[str, Any]:
    """Posts a refund that must be refused; checks nothing changed."""
    before = api.get(f"/charges/{charge_id}").json()
    total_before = api.get("/balance").json()["total"]

    response = _refund(api, charge_id, **body)

    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()
    assert error["object"] == "error" and error["code"] == code
    after = api.get(f"/charges/{charge_id}").json()
    assert after["refunded_amount"] == before["refunded_amount"]
    assert after["refunds"]["total"] == before["refunds"]["total"]
    assert after == before
    assert api.get("/balance").json()["total"] == total_before
    return error


def _to_next_bangkok_day(live: SandboxServer) -> None:
    """Move the clock past midnight in Bangkok: today's charges settle."""
    now = live.state.now()
    local = now.astimezone(UTC) + timedelta(hours=7)
    midnight = local.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    live.set_clock((midnight - timedelta(hours=7)).replace(tzinfo=UTC))


# -- what a good refund does ---------------------------------------------------


def test_partial_refund_after_settlement_debits_the_amount(
    live: SandboxServer,
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    balance: Callable[[], int],
) -> None:
    charge = make_charge()
    _to_next_bangkok_day(live)
    before = balance()

    response = api.post(
        f"/charges/{charge['id']}/refunds",
        data={"amount": "30000", "metadata[ticket]": "CS-1042"},
    )
    refund = response.json()
    after = api.get(f"/charges/{charge['id']}").json()
    transaction = api.get(f"/transactions/{refund['transaction']}").json()

    assert response.status_code == 200
    assert refund["id"].startswith("rfnd_test_")
    assert refund["location"] == f"/charges/{charge['id']}/refunds/{refund['id']}"
    assert (refund["amount"], refund["voided"], refund["status"]) == (
        30000,
        False,
        "closed",
    )
    assert refund["metadata"] == {"ticket": "CS-1042"}
    assert after["refunded_amount"] == 30000 and after["refunds"]["total"] == 1
    assert after["refundable"] and after["partially_refundable"]
    assert not after["can_perform_void"] and not after["voided"]
    assert after["status"] == "successful"
    assert transaction["direction"] == "debit" and transaction["amount"] == 30000
    assert transaction["key"] == "refund.created.debit"
    assert transaction["origin"] == refund["id"]
    assert balance() == before - 30000


def test_full_refund_leaves_nothing_refundable(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()
    _to_next_bangkok_day(live)

    _refund(api, charge["id"], amount=40000)
    last = _refund(api, charge["id"], amount=60000)
    after = api.get(f"/charges/{charge['id']}").json()

    assert last.status_code == 200
    assert after["refunded_amount"] == after["captured_amount"] == 100000
    assert not (after["refundable"] or after["partially_refundable"])
    assert not after["disputable"] and not after["voided"]


def test_refund_before_settlement_is_a_void(
    api: httpx.Client, make_charge: Callable[..., Charge], balance: Callable[[], int]
) -> None:
    charge = make_charge()
    assert charge["can_perform_void"]
    before = balance()

    part = _refund(api, charge["id"], amount=25000).json()
    partly = api.get(f"/charges/{charge['id']}").json()
    rest = _refund(api, charge["id"], amount=75000, void=True).json()
    voided = api.get(f"/charges/{charge['id']}").json()

    assert part["voided"] and rest["voided"]
    assert partly["voided"] is False and partly["can_perform_void"]
    assert voided["voided"] is True and voided["refunded_amount"] == 100000
    assert not voided["can_perform_void"]
    # A void cancels the capture: exactly its net credit is taken back.
    assert balance() == before - charge["net"]


def test_settlement_turns_can_perform_void_off(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()

    _to_next_bangkok_day(live)
    settled = api.get(f"/charges/{charge['id']}").json()
    refund = _refund(api, charge["id"], amount=1000).json()

    assert settled["can_perform_void"] is False and settled["refundable"]
    assert refund["voided"] is False


def test_settlement_delay_is_a_setting(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    live.update_config(settlement_delay_days=2)
    charge = make_charge()

    _to_next_bangkok_day(live)
    refund = _refund(api, charge["id"], amount=1000).json()

    assert refund["voided"] is True


def test_refund_lists_and_retrieve(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()
    first = _refund(api, charge["id"], amount=1000).json()
    second = _refund(api, charge["id"], amount=2000).json()

    listed = api.get(f"/charges/{charge['id']}/refunds").json()
    one = api.get(f"/charges/{charge['id']}/refunds/{second['id']}").json()
    everywhere = api.get("/refunds", params={"order": "reverse_chronological"}).json()
    missing = api.get(f"/charges/{charge['id']}/refunds/rfnd_test_nope")
    events = api.get("/events", params={"order": "reverse_chronological"}).json()

    assert listed["object"] == "list" and listed["total"] == 2
    assert listed["location"] == f"/charges/{charge['id']}/refunds"
    assert [r["id"] for r in listed["data"]] == [first["id"], second["id"]]
    assert one == second
    assert {first["id"], second["id"]} <= {r["id"] for r in everywhere["data"]}
    assert everywhere["total"] == live.state.count("refund")
    assert missing.status_code == 404
    assert missing.json()["message"] == "refund rfnd_test_nope was not found"
    refund_events = [e for e in events["data"] if e["key"] == "refund.create"]
    assert refund_events[0]["data"] == second


# -- one test per rule ------------------------------------------------------


def test_rule_only_paid_charges(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    authorized = make_charge(capture=False)
    declined = make_charge(number="4111111111110014")

    first = _refused(api, authorized["id"], "failed_refund", amount=1000)
    second = _refused(api, declined["id"], "failed_refund", amount=1000)

    assert "only paid charges" in first["message"]
    assert "failed" in second["message"]


def test_rule_not_on_a_disputed_charge(live: SandboxServer, api: httpx.Client) -> None:
    disputed = next(c for c in live.state.charges_sorted() if c["dispute"])

    error = _refused(api, disputed["id"], "failed_refund", amount=100)

    assert error["message"] == "a disputed charge cannot be refunded"


def test_rule_at_most_15_refunds(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()
    for _ in range(15):
        assert _refund(api, charge["id"], amount=100).status_code == 200
    fifteen = api.get(f"/charges/{charge['id']}").json()

    error = _refused(api, charge["id"], "failed_refund", amount=100)

    assert fifteen["refunds"]["total"] == 15 and fifteen["refunded_amount"] == 1500
    assert not fifteen["refundable"]
    assert "15 refunds" in error["message"]


def test_rule_never_more_than_what_is_left(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()
    _refund(api, charge["id"], amount=70000)

    error = _refused(api, charge["id"], "failed_refund", amount=30001)

    assert error["message"] == "amount exceeds the refundable amount (30000)"


def test_rule_nothing_left_after_a_full_refund(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()
    _refund(api, charge["id"], amount=100000)

    error = _refused(api, charge["id"], "failed_refund", amount=1)

    assert "already fully refunded" in error["message"]


def test_rule_partial_capture_limits_refunds_to_the_captured_amount(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge(capture=False, authorization_type="pre_auth")
    api.post(f"/charges/{charge['id']}/capture", json={"capture_amount": 40000})

    error = _refused(api, charge["id"], "failed_refund", amount=40001)
    full = _refund(api, charge["id"], amount=40000)

    assert "(40000)" in error["message"]
    assert full.status_code == 200


@pytest.mark.parametrize("amount", [0, -500, "12.5", "abc", None])
def test_rule_amount_is_a_positive_integer(
    api: httpx.Client, make_charge: Callable[..., Charge], amount: object
) -> None:
    charge = make_charge()
    body = {} if amount is None else {"amount": amount}

    error = _refused(api, charge["id"], "invalid_amount", **body)

    assert "amount" in error["message"]


def test_rule_365_day_window(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    inside, outside = make_charge(), make_charge()

    live.advance_clock(364 * DAY_S)
    late_but_fine = _refund(api, inside["id"], amount=1000)
    live.advance_clock(2 * DAY_S)
    error = _refused(api, outside["id"], "failed_refund", amount=1000)
    closed = api.get(f"/charges/{outside['id']}").json()

    assert late_but_fine.status_code == 200
    assert "365-day refund window" in error["message"]
    assert closed["refundable"] is False


def test_rule_160_day_window_for_jcb(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    jcb = make_charge(number=JCB_OK)
    visa = make_charge()
    assert jcb["card"]["brand"] == "JCB"

    live.advance_clock(161 * DAY_S)
    error = _refused(api, jcb["id"], "failed_refund", amount=1000)

    assert "160-day refund window" in error["message"]
    assert _refund(api, visa["id"], amount=1000).status_code == 200


def test_rule_full_only_methods(api: httpx.Client) -> None:
    body = {
        "amount": 300000,
        "currency": "THB",
        "source": {"type": "installment_kbank", "installment_term": 6},
    }
    charge = api.post("/charges", json=body).json()
    paid = api.post(f"/charges/{charge['id']}/mark_as_paid").json()

    error = _refused(api, charge["id"], "failed_refund", amount=100000)
    full = _refund(api, charge["id"], amount=300000)

    assert paid["refundable"] and not paid["partially_refundable"]
    assert error["message"] == (
        "installment_kbank charges can only be refunded in full (300000)"
    )
    assert full.status_code == 200 and full.json()["voided"] is False


def test_rule_methods_without_refunds_and_the_table_is_a_setting(
    live: SandboxServer, api: httpx.Client
) -> None:
    body = {"amount": 50000, "currency": "THB", "source": {"type": "promptpay"}}
    charge = api.post("/charges", json=body).json()
    api.post(f"/charges/{charge['id']}/mark_as_paid")

    error = _refused(api, charge["id"], "failed_refund", amount=50000)
    changed = api.patch("/__sandbox/config", json={"refund_support": {"*": "partial"}})
    allowed = _refund(api, charge["id"], amount=100)

    assert error["message"] == "promptpay charges cannot be refunded"
    assert changed.status_code == 200
    assert allowed.status_code == 200


def test_rule_void_when_no_void_is_possible(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()
    _to_next_bangkok_day(live)

    error = _refused(api, charge["id"], "failed_void", amount=1000, void=True)

    assert "can no longer be voided" in error["message"]


def test_unknown_fields_are_bad_request(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge()

    error = _refused(api, charge["id"], "bad_request", amount=100, amonut=5)

    assert error["message"] == "amonut is not a parameter of this request"


def test_seeded_refunds_match_their_charges(live: SandboxServer) -> None:
    charges = {c["id"]: c for c in live.state.charges_sorted()}
    refunds = live.state.objects("refund")

    assert refunds
    for refund in refunds:
        embedded = charges[refund["charge"]]["refunds"]["data"]
        assert refund in embedded
