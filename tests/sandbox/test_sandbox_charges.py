"""Creating and updating charges, and the request bodies the API takes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer
from opn_desk.sandbox.bodies import nest, parse_multipart
from opn_desk.sandbox.errors import ApiError

Charge = dict[str, Any]


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["object"] == "error" and body["code"] == code
    message: str = body["message"]
    return message


# -- bodies ------------------------------------------------------------------


def test_form_and_json_bodies_both_create_charges(
    api: httpx.Client, make_token: Callable[..., str]
) -> None:
    form = api.post(
        "/charges",
        data={
            "amount": "250000",
            "currency": "thb",
            "card": make_token(),
            "capture": "false",
            "metadata[order_id]": "42",
            "metadata[branch]": "สาขาเซ็นทรัลเวิลด์",
            "description": "ผ้าไหม 2 ผืน",
        },
    ).json()
    as_json = api.post(
        "/charges",
        json={
            "amount": 250000,
            "currency": "THB",
            "card": make_token(),
            "capture": False,
            "metadata": {"order_id": 42, "tags": ["gift", "vip"]},
        },
    ).json()

    assert form["amount"] == as_json["amount"] == 250000
    assert form["currency"] == as_json["currency"] == "THB"
    assert form["capture"] is as_json["capture"] is False
    assert form["metadata"] == {"order_id": "42", "branch": "สาขาเซ็นทรัลเวิลด์"}
    assert as_json["metadata"] == {"order_id": 42, "tags": ["gift", "vip"]}
    assert form["description"] == "ผ้าไหม 2 ผืน"


def test_bracket_notation_nests_objects_and_lists() -> None:
    pairs = [
        ("metadata[order][id]", "42"),
        ("on[days_of_month][]", "1"),
        ("on[days_of_month][]", "15"),
        ("items[][sku]", "A"),
        ("items[][sku]", "B"),
        ("plain", "x"),
    ]

    assert nest(pairs) == {
        "metadata": {"order": {"id": "42"}},
        "on": {"days_of_month": ["1", "15"]},
        "items": [{"sku": "A"}, {"sku": "B"}],
        "plain": "x",
    }
    with pytest.raises(ApiError):
        nest([("a", "1"), ("a[b]", "2")])


def test_multipart_parts_from_a_real_client() -> None:
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/disputes/x/documents",
        files={"file": ("evidence.pdf", b"%PDF-1.4 ...", "application/pdf")},
        data={"kind": "receipt"},
    )
    body = request.read()

    parts = parse_multipart(request.headers["Content-Type"], body)

    by_name = {part.name: part for part in parts}
    assert by_name["file"].filename == "evidence.pdf"
    assert by_name["file"].content_type == "application/pdf"
    assert by_name["file"].data == b"%PDF-1.4 ..."
    assert by_name["kind"].filename is None and by_name["kind"].text() == "receipt"


@pytest.mark.parametrize(
    ("content", "content_type", "named"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "must be a JSON object"),
        (b"<charge/>", "application/xml", "not supported"),
        (b"a=1&a[b]=2", "application/x-www-form-urlencoded", "two shapes"),
    ],
)
def test_unreadable_bodies_are_bad_request(
    api: httpx.Client, content: bytes, content_type: str, named: str
) -> None:
    response = api.post(
        "/charges", content=content, headers={"Content-Type": content_type}
    )

    assert named in _error(response, 400, "bad_request")


def test_omise_version_header_is_echoed(api: httpx.Client) -> None:
    pinned = api.get("/balance", headers={"Omise-Version": "2019-05-29"})

    assert pinned.headers["omise-version"] == "2019-05-29"


# -- create ------------------------------------------------------------------


def test_card_charge_is_paid_with_every_flag(
    make_charge: Callable[..., Charge],
) -> None:
    charge = make_charge(description="Teak tray", return_uri="https://shop/x")

    assert charge["status"] == "successful" and charge["paid"] and charge["authorized"]
    assert charge["authorized_amount"] == charge["captured_amount"] == 100000
    assert charge["transaction"].startswith("trxn_test_")
    assert charge["refundable"] and charge["partially_refundable"]
    assert charge["disputable"] and charge["can_perform_void"]
    assert not (charge["capturable"] or charge["reversible"] or charge["voided"])
    assert charge["card"]["last_digits"] == "4242" and charge["card"]["brand"] == "Visa"
    assert charge["return_uri"] == "https://shop/x"
    assert charge["location"] == f"/charges/{charge['id']}"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4111111111140011", "insufficient_fund"),
        ("5555551111100012", "stolen_or_lost_card"),
        ("377138160000009", "failed_processing"),
        ("3530111111160014", "payment_rejected"),
    ],
)
def test_declining_test_cards_make_failed_charges_with_200(
    make_charge: Callable[..., Charge],
    balance: Callable[[], int],
    number: str,
    code: str,
) -> None:
    before = balance()
    charge = make_charge(number=number)

    assert charge["status"] == "failed" and charge["failure_code"] == code
    assert charge["failure_message"]
    assert not (charge["authorized"] or charge["paid"] or charge["refundable"])
    assert charge["transaction"] is None
    assert balance() == before


def test_test_card_table_is_a_setting(
    live: SandboxServer, make_charge: Callable[..., Charge]
) -> None:
    live.update_config(test_cards={"4242424242424242": "failed_fraud_check"})

    charge = make_charge()

    assert charge["failure_code"] == "failed_fraud_check"


def test_a_token_is_used_once(
    api: httpx.Client, make_token: Callable[..., str], vault: httpx.Client
) -> None:
    token = make_token()
    first = api.post(
        "/charges", json={"amount": 5000, "currency": "THB", "card": token}
    )
    second = api.post(
        "/charges", json={"amount": 5000, "currency": "THB", "card": token}
    )

    assert first.status_code == 200
    assert _error(second, 400, "used_token") == "token was already used"
    shown = vault.get(f"/tokens/{token}").json()
    assert shown["used"] is True and shown["charge_status"] == "successful"


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [
        ("THB", 1999, "amount must be greater than or equal to 2000 (thb subunits)"),
        (
            "THB",
            15_000_001,
            "amount must be less than or equal to 15000000 (thb subunits)",
        ),
        ("JPY", 99, "amount must be greater than or equal to 100 (jpy subunits)"),
        (
            "SGD",
            2_000_001,
            "amount must be less than or equal to 2000000 (sgd subunits)",
        ),
        ("XYZ", 5000, "currency is currently not supported"),
        ("THB", "50.5", "amount must be an integer"),
        ("THB", None, "amount is required"),
    ],
)
def test_amount_and_currency_rules_are_invalid_charge(
    api: httpx.Client,
    make_token: Callable[..., str],
    currency: str,
    amount: object,
    message: str,
) -> None:
    token = make_token()
    body: dict[str, Any] = {"currency": currency, "card": token}
    if amount is not None:
        body["amount"] = amount

    response = api.post("/charges", json=body)
    shown = api.get(f"/tokens/{token}").json()

    assert _error(response, 400, "invalid_charge") == message
    assert shown["used"] is False


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({}, 400, "bad_request", "card, customer or source is required"),
        ({"card": "tokn_test_nope"}, 404, "not_found", "token tokn_test_nope was not found"),
        ({"customer": "cust_test_nope"}, 404, "not_found", "customer cust_test_nope was not found"),
        ({"source": "src_test_nope"}, 404, "not_found", "source src_test_nope was not found"),
        ({"card": "card_test_x"}, 400, "bad_request", "customer is required to charge a card id"),
        ({"authorization_type": "maybe", "card": "x"}, 400, "bad_request", "authorization_type must be pre_auth or final_auth"),
        ({"metadata": "x", "card": "x"}, 400, "bad_request", "metadata must be an object"),
        ({"capture": "perhaps", "card": "x"}, 400, "bad_request", "capture must be true or false"),
    ],
)  # fmt: skip
def test_payment_rules(
    api: httpx.Client, body: dict[str, Any], status: int, code: str, message: str
) -> None:
    response = api.post("/charges", json={"amount": 5000, "currency": "THB", **body})

    assert _error(response, status, code) == message


def test_customer_charges_use_the_default_or_the_named_card(
    api: httpx.Client, make_token: Callable[..., str]
) -> None:
    customer = api.post("/customers", json={"card": make_token()}).json()
    customer = api.patch(
        f"/customers/{customer['id']}", json={"card": make_token("5555555555554444")}
    ).json()
    first_card, second_card = (c["id"] for c in customer["cards"]["data"])
    bare = api.post("/customers", json={"email": "no-card@example.co.th"}).json()

    default = api.post(
        "/charges", json={"amount": 5000, "currency": "THB", "customer": customer["id"]}
    ).json()
    named = api.post(
        "/charges",
        json={
            "amount": 5000,
            "currency": "THB",
            "customer": customer["id"],
            "card": first_card,
        },
    ).json()
    foreign = api.post(
        "/charges",
        json={
            "amount": 5000,
            "currency": "THB",
            "customer": bare["id"],
            "card": first_card,
        },
    )
    no_card = api.post(
        "/charges", json={"amount": 5000, "currency": "THB", "customer": bare["id"]}
    )

    assert (
        default["card"]["id"] == second_card and default["customer"] == customer["id"]
    )
    assert default["card"]["brand"] == "MasterCard"
    assert named["card"]["id"] == first_card
    assert _error(foreign, 404, "not_found") == f"card {first_card} was not found"
    assert _error(no_card, 400, "missing_card") == "customer has no card to charge"


def test_seeded_declining_customer_card_fails(
    live: SandboxServer, api: httpx.Client
) -> None:
    customer = next(
        c
        for c in live.state.objects("customer")
        if c["cards"]["data"][0]["name"] == "DECLINED TESTCARD"
    )

    charge = api.post(
        "/charges", json={"amount": 5000, "currency": "THB", "customer": customer["id"]}
    ).json()

    assert charge["status"] == "failed"
    assert charge["failure_code"] == "insufficient_fund"


def test_source_charges_by_id_and_inline(
    api: httpx.Client, vault: httpx.Client
) -> None:
    source = vault.post(
        "/sources",
        data={"type": "mobile_banking_scb", "amount": "8000", "currency": "THB"},
    ).json()
    by_id = api.post(
        "/charges",
        json={"amount": 8000, "currency": "THB", "source": source["id"]},
    ).json()
    again = api.post(
        "/charges", json={"amount": 8000, "currency": "THB", "source": source["id"]}
    )
    mismatch = api.post(
        "/charges",
        json={
            "amount": 9000,
            "currency": "THB",
            "source": vault.post(
                "/sources",
                json={"type": "promptpay", "amount": 8000, "currency": "THB"},
            ).json()["id"],
        },
    )
    unsupported = api.post(
        "/charges",
        json={"amount": 8000, "currency": "THB", "source": {"type": "carrier_pigeon"}},
    )

    assert source["flow"] == "app_redirect" and source["charge_status"] == "unknown"
    assert by_id["status"] == "pending" and not by_id["authorized"]
    assert by_id["source"]["id"] == source["id"] and by_id["authorize_uri"]
    assert by_id["source"]["charge_status"] == "pending"
    assert by_id["card"] is None and by_id["customer"] is None
    assert "already charged" in _error(again, 400, "bad_request")
    assert _error(mismatch, 400, "invalid_charge").startswith("amount and currency")
    assert _error(unsupported, 400, "bad_request") == "type is currently not supported"


def test_source_charge_with_its_own_expiry(
    live: SandboxServer, api: httpx.Client
) -> None:
    soon = live.state.now().replace(microsecond=0).isoformat()
    response = api.post(
        "/charges",
        json={
            "amount": 5000,
            "currency": "THB",
            "source": {"type": "promptpay"},
            "expires_at": soon,
        },
    )

    assert _error(response, 400, "bad_request") == "expires_at must be in the future"


# -- update and events ---------------------------------------------------------


def test_update_changes_description_and_metadata_only(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge(metadata={"order_id": "1"})

    updated = api.patch(
        f"/charges/{charge['id']}",
        data={"description": "เปลี่ยนแล้ว", "metadata[order_id]": "2"},
    ).json()
    refused = api.patch(f"/charges/{charge['id']}", json={"amount": 1})
    events = api.get(f"/charges/{charge['id']}/events").json()

    assert updated["description"] == "เปลี่ยนแล้ว"
    assert updated["metadata"] == {"order_id": "2"}
    assert updated["amount"] == 100000
    assert _error(refused, 400, "bad_request") == (
        "amount is not a parameter of this request"
    )
    assert [e["key"] for e in events["data"]] == ["charge.create", "charge.update"]
    assert events["location"] == f"/charges/{charge['id']}/events"
    assert events["data"][1]["data"]["metadata"] == {"order_id": "2"}


def test_every_change_records_an_event_with_its_state(
    api: httpx.Client, make_charge: Callable[..., Charge]
) -> None:
    charge = make_charge(capture=False, authorization_type="pre_auth")
    api.post(f"/charges/{charge['id']}/capture", json={"capture_amount": 50000})
    refund = api.post(f"/charges/{charge['id']}/refunds", json={"amount": 100}).json()

    latest = api.get(
        "/events", params={"order": "reverse_chronological", "limit": "3"}
    ).json()["data"]

    assert [e["key"] for e in latest] == [
        "refund.create",
        "charge.capture",
        "charge.create",
    ]
    assert latest[0]["data"] == refund
    assert latest[1]["data"]["captured_amount"] == 50000
    assert latest[2]["data"]["status"] == "pending"
    assert api.get(f"/events/{latest[0]['id']}").json() == latest[0]


@pytest.mark.parametrize(
    "recorded_name",
    [
        "php/api.omise.co/charges-post.json",
        "php/api.omise.co/charges/chrg_test_63444wyfsg4mtvvck1z/capture-post.json",
        "php/api.omise.co/charges/chrg_test_63444wyfsg4mtvvck1z/reverse-post.json",
        "php/api.omise.co/charges/chrg_test_63444wyfsg4mtvvck1z-patch.json",
    ],
)
def test_created_and_changed_charges_have_the_recorded_keys_and_types(
    api: httpx.Client,
    make_charge: Callable[..., Charge],
    fixtures_dir: Path,
    recorded_name: str,
) -> None:
    recorded = json.loads((fixtures_dir / recorded_name).read_text())
    charge = make_charge(capture=False, metadata={"a": "1"})
    if "capture" in recorded_name:
        charge = api.post(f"/charges/{charge['id']}/capture").json()
    elif "reverse" in recorded_name:
        charge = api.post(f"/charges/{charge['id']}/reverse").json()
    elif "patch" in recorded_name:
        charge = api.patch(f"/charges/{charge['id']}", json={"description": "x"}).json()

    for key, value in recorded.items():
        assert key in charge, key
        if value is not None and charge[key] is not None:
            assert type(charge[key]) is type(value), key
    assert set(recorded["card"]) <= set(charge["card"])
