"""Capture, reverse, expire and the clock, over loopback HTTP.

Every refused action is checked for its HTTP status, its error code, and
that nothing changed: the charge, the balance, the event feed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer

Charge = dict[str, Any]
WEEK_S = 7 * 24 * 3600


def _snapshot(api: httpx.Client, charge_id: str) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    charge = api.get(f"/charges/{charge_id}").json()
    total = api.get("/balance").json()["total"]
    events = api.get("/events", params={"limit": "1"}).json()["total"]
    return charge, total, events


def _refused(
    api: httpx.Client, path: str, code: str, body: dict[str, Any] | None = None
) -> str:
    charge_id = path.split("/")[2]
    before = _snapshot(api, charge_id)
    response = api.post(path, json=body or {})

    assert response.status_code == 400, response.text
    error = response.json()
    assert error["object"] == "error" and error["code"] == code
    assert error["location"].endswith("#" + code.replace("_", "-"))
    assert _snapshot(api, charge_id) == before
    message: str = error["message"]
    return message


@pytest.fixture
def authorized(make_charge: Callable[..., Charge]) -> Callable[..., Charge]:
    def make(auth_type: str = "pre_auth", **fields: Any) -> Charge:
        return make_charge(capture=False, authorization_type=auth_type, **fields)

    return make


def test_authorized_charge_has_the_authorized_flags(
    authorized: Callable[..., Charge],
) -> None:
    charge = authorized()

    assert charge["status"] == "pending"
    assert charge["authorized"] and charge["capturable"] and charge["reversible"]
    assert not (charge["paid"] or charge["refundable"] or charge["disputable"])
    assert charge["authorized_amount"] == 100000 and charge["captured_amount"] == 0
    assert charge["transaction"] is None
    assert charge["authorization_type"] == "pre_auth" and charge["capture"] is False


def test_full_capture_credits_the_net_and_sets_every_flag(
    api: httpx.Client, authorized: Callable[..., Charge], balance: Callable[[], int]
) -> None:
    charge = authorized("final_auth")
    before = balance()

    captured = api.post(f"/charges/{charge['id']}/capture").json()
    transaction = api.get(f"/transactions/{captured['transaction']}").json()
    events = api.get(f"/charges/{charge['id']}/events").json()["data"]

    assert captured["status"] == "successful" and captured["paid"]
    assert captured["captured_amount"] == captured["authorized_amount"] == 100000
    assert (captured["fee"], captured["fee_vat"], captured["net"]) == (3650, 256, 96094)
    assert captured["refundable"] and captured["partially_refundable"]
    assert captured["disputable"] and captured["can_perform_void"]
    assert not (captured["capturable"] or captured["reversible"])
    assert transaction["direction"] == "credit"
    assert transaction["key"] == "charge.captured.net"
    assert transaction["amount"] == 96094 and transaction["origin"] == charge["id"]
    assert balance() == before + 96094
    assert [e["key"] for e in events] == ["charge.create", "charge.capture"]


def test_partial_capture_keeps_the_amount_and_releases_the_rest(
    api: httpx.Client, authorized: Callable[..., Charge], balance: Callable[[], int]
) -> None:
    charge = authorized()
    before = balance()

    captured = api.post(
        f"/charges/{charge['id']}/capture", data={"capture_amount": "60000"}
    ).json()

    assert captured["status"] == "successful"
    assert captured["amount"] == 100000 and captured["authorized_amount"] == 100000
    assert captured["captured_amount"] == 60000
    assert (captured["fee"], captured["fee_vat"], captured["net"]) == (2190, 153, 57657)
    assert balance() == before + 57657
    assert not captured["capturable"] and not captured["reversible"]


def test_capture_of_a_declined_charge_is_failed_capture(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    declined = make_charge(number="4111111111140011", capture=False)

    message = _refused(api, f"/charges/{declined['id']}/capture", "failed_capture")

    assert "failed" in message


def test_a_second_capture_is_failed_capture(
    api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    charge = authorized()
    first = api.post(f"/charges/{charge['id']}/capture", json={"capture_amount": 5000})
    assert first.status_code == 200

    message = _refused(
        api, f"/charges/{charge['id']}/capture", "failed_capture", {"capture_amount": 1}
    )

    assert "already captured" in message


def test_capture_of_an_auto_captured_charge_is_failed_capture(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    paid = make_charge()

    _refused(api, f"/charges/{paid['id']}/capture", "failed_capture")


def test_capture_after_a_reverse_is_failed_capture(
    api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    charge = authorized()
    assert api.post(f"/charges/{charge['id']}/reverse").status_code == 200

    message = _refused(api, f"/charges/{charge['id']}/capture", "failed_capture")

    assert "reversed" in message


def test_capture_amount_on_final_auth_is_failed_capture(
    api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    charge = authorized("final_auth")

    message = _refused(
        api,
        f"/charges/{charge['id']}/capture",
        "failed_capture",
        {"capture_amount": 50000},
    )

    assert "pre_auth" in message


@pytest.mark.parametrize("amount", [0, -100])
def test_capture_amount_not_above_zero_is_failed_capture(
    api: httpx.Client, authorized: Callable[..., Charge], amount: int
) -> None:
    charge = authorized()

    message = _refused(
        api,
        f"/charges/{charge['id']}/capture",
        "failed_capture",
        {"capture_amount": amount},
    )

    assert "greater than 0" in message


def test_capture_amount_above_the_authorized_amount_is_failed_capture(
    api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    charge = authorized()

    message = _refused(
        api,
        f"/charges/{charge['id']}/capture",
        "failed_capture",
        {"capture_amount": 100001},
    )

    assert "100000" in message


@pytest.mark.parametrize("amount", ["50.5", "lots", True])
def test_capture_amount_not_an_integer_is_failed_capture(
    api: httpx.Client, authorized: Callable[..., Charge], amount: object
) -> None:
    charge = authorized()

    _refused(
        api,
        f"/charges/{charge['id']}/capture",
        "failed_capture",
        {"capture_amount": amount},
    )


def test_partial_capture_switched_off_is_failed_capture(
    live: SandboxServer, api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    live.update_config(partial_capture_enabled=False)
    charge = authorized()

    _refused(
        api,
        f"/charges/{charge['id']}/capture",
        "failed_capture",
        {"capture_amount": 1000},
    )


def test_capture_after_the_authorization_lapsed_is_expired_charge(
    live: SandboxServer, api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    charge = authorized()
    live.advance_clock(WEEK_S)

    lapsed = api.get(f"/charges/{charge['id']}").json()
    capture = _refused(api, f"/charges/{charge['id']}/capture", "expired_charge")
    reverse = _refused(api, f"/charges/{charge['id']}/reverse", "expired_charge")

    assert lapsed["status"] == "reversed" and lapsed["reversed"]
    assert lapsed["reversed_at"] == lapsed["expires_at"] == charge["expires_at"]
    assert not (lapsed["capturable"] or lapsed["reversible"] or lapsed["paid"])
    assert "lapsed" in capture and "lapsed" in reverse


def test_authorization_lapses_only_when_the_clock_passes_expires_at(
    live: SandboxServer, api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    charge = authorized()

    live.advance_clock(WEEK_S - 60)
    still = api.get(f"/charges/{charge['id']}").json()
    live.advance_clock(60)
    lapsed = api.get(f"/charges/{charge['id']}").json()
    events = api.get(f"/charges/{charge['id']}/events").json()["data"]

    assert still["status"] == "pending" and still["capturable"]
    assert lapsed["status"] == "reversed"
    assert events[-1]["key"] == "charge.reverse"
    assert events[-1]["created_at"] == charge["expires_at"]


def test_lapse_status_can_be_expired_instead(
    live: SandboxServer, api: httpx.Client, authorized: Callable[..., Charge]
) -> None:
    live.update_config(authorization_lapse_status="expired")
    charge = authorized()
    live.advance_clock(WEEK_S + 1)

    lapsed = api.get(f"/charges/{charge['id']}").json()

    assert lapsed["status"] == "expired" and lapsed["expired"]
    assert lapsed["expired_at"] == charge["expires_at"]


def test_reverse_releases_the_authorization(
    api: httpx.Client, authorized: Callable[..., Charge], balance: Callable[[], int]
) -> None:
    charge = authorized()
    before = balance()

    reversed_ = api.post(f"/charges/{charge['id']}/reverse").json()

    assert reversed_["status"] == "reversed" and reversed_["reversed"]
    assert reversed_["reversed_at"] is not None
    assert not (reversed_["capturable"] or reversed_["reversible"])
    assert reversed_["transaction"] is None
    assert balance() == before


def test_reverse_of_a_captured_charge_is_failed_reverse(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    paid = make_charge()

    message = _refused(api, f"/charges/{paid['id']}/reverse", "failed_reverse")

    assert message == "only uncaptured authorized charges can be reversed"


def test_pending_source_charge_expires_on_the_clock(
    live: SandboxServer, api: httpx.Client
) -> None:
    created = api.post(
        "/charges",
        data={"amount": "5000", "currency": "THB", "source[type]": "promptpay"},
    ).json()
    live.advance_clock(24 * 3600)

    expired = api.get(f"/charges/{created['id']}").json()
    events = api.get(f"/charges/{created['id']}/events").json()["data"]

    assert created["status"] == "pending" and created["authorize_uri"] is None
    assert created["source"]["scannable_code"]["type"] == "qr"
    assert expired["status"] == "expired" and expired["expired"]
    assert expired["expired_at"] == created["expires_at"]
    assert expired["source"]["charge_status"] == "expired"
    assert [e["key"] for e in events] == ["charge.create", "charge.expire"]


def test_expire_by_request_and_failed_expire(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    pending = api.post(
        "/charges",
        json={
            "amount": 5000,
            "currency": "THB",
            "source": {"type": "truemoney"},
            "return_uri": "https://shop.example/done",
        },
    ).json()
    card = make_charge()

    expired = api.post(f"/charges/{pending['id']}/expire").json()
    _refused(api, f"/charges/{pending['id']}/expire", "failed_expire")
    _refused(api, f"/charges/{card['id']}/expire", "failed_expire")

    assert expired["status"] == "expired" and expired["expired_at"]


def test_mark_as_paid_and_mark_as_failed(
    api: httpx.Client, balance: Callable[[], int]
) -> None:
    def pending() -> Charge:
        body = {"amount": 20000, "currency": "THB", "source": {"type": "promptpay"}}
        charge: Charge = api.post("/charges", json=body).json()
        return charge

    first, second = pending(), pending()
    before = balance()

    paid = api.post(f"/charges/{first['id']}/mark_as_paid").json()
    failed = api.post(f"/charges/{second['id']}/mark_as_failed").json()
    again = api.post(f"/charges/{first['id']}/mark_as_failed")
    events = api.get(f"/charges/{first['id']}/events").json()["data"]

    assert paid["status"] == "successful" and paid["paid"] and paid["transaction"]
    assert paid["source"]["charge_status"] == "successful"
    assert not paid["refundable"]  # PromptPay: not refundable by default
    assert failed["status"] == "failed" and failed["failure_code"] == "payment_rejected"
    assert again.status_code == 400 and again.json()["code"] == "bad_request"
    assert balance() == before + paid["net"]
    assert events[-1]["key"] == "charge.complete"


def test_unknown_charge_actions_are_404(api: httpx.Client) -> None:
    for action in ("capture", "reverse", "expire", "refunds", "mark_as_paid"):
        response = api.post(f"/charges/chrg_test_nope/{action}", json={"amount": 1})
        assert response.status_code == 404, action
        assert response.json()["message"] == "charge chrg_test_nope was not found"
