"""How charges look to the payer and the merchant: authorization windows,
3-D Secure, source types with their QR codes and references, ``expand``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer

Charge = dict[str, Any]
DECLINED = "4111111111140011"


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _source_charge(api: httpx.Client, **source: Any) -> httpx.Response:
    currency = source.pop("currency", "THB")
    body = {"amount": 150000, "currency": currency, "source": source}
    return api.post("/charges", json=body)


# -- the authorization window on every card charge ---------------------------


def test_card_charges_show_their_window_as_recorded(
    make_charge: Callable[..., Charge], api: httpx.Client
) -> None:
    paid = make_charge()
    declined = make_charge(DECLINED)
    held = make_charge(capture=False)
    captured = api.post(f"/charges/{held['id']}/capture").json()

    week = timedelta(days=7)
    for charge in (paid, declined, held):
        assert _moment(charge["expires_at"]) == _moment(charge["created_at"]) + week
    # Final charges show the window's end as expired_at; a declined one is
    # also expired. A held authorization is still open.
    assert paid["expired_at"] == paid["expires_at"] and not paid["expired"]
    assert declined["expired_at"] == declined["expires_at"] and declined["expired"]
    assert declined["status"] == "failed"
    assert held["expired_at"] is None and not held["expired"]
    assert captured["expired_at"] == held["expires_at"] and not captured["expired"]


def test_a_source_charge_paid_keeps_its_own_expiry(api: httpx.Client) -> None:
    created = _source_charge(api, type="rabbit_linepay").json()

    paid = api.post(f"/charges/{created['id']}/mark_as_paid").json()

    assert paid["expired_at"] == created["expires_at"] and not paid["expired"]


# -- 3-D Secure ----------------------------------------------------------------


def test_three_d_secure_charges_carry_an_authorize_uri(
    live: SandboxServer, make_charge: Callable[..., Charge]
) -> None:
    plain = make_charge()
    live.update_config(three_d_secure_enabled=True)

    secured = make_charge(return_uri="https://shop.example.co.th/done")
    declined = make_charge(DECLINED)
    held = make_charge(capture=False)

    assert plain["authorize_uri"] is None
    uris = [c["authorize_uri"] for c in (secured, declined, held)]
    assert all(u.startswith("https://api.omise.co/payments/paym_test_") for u in uris)
    assert all(u.endswith("/authorize") for u in uris) and len(set(uris)) == 3
    # Frictionless: the outcome is there at once, as recorded.
    assert secured["status"] == "successful" and secured["paid"]
    assert declined["status"] == "failed" and held["status"] == "pending"
    assert held["capturable"]


# -- source types ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "flow"),
    [
        ({"type": "internet_banking_scb"}, "redirect"),
        ({"type": "points_citi"}, "redirect"),
        ({"type": "fpx", "bank": "uob", "currency": "MYR"}, "redirect"),
        ({"type": "paynow", "currency": "SGD"}, "offline"),
        ({"type": "barcode_wechat", "barcode": "134567890123456789"}, "offline"),
        ({"type": "bill_payment_papaya"}, "offline"),
        ({"type": "wechat_pay"}, "app_redirect"),
    ],
)
def test_more_source_types_are_served(
    api: httpx.Client, source: dict[str, Any], flow: str
) -> None:
    response = _source_charge(api, **source)

    assert response.status_code == 200, response.text
    charge = response.json()
    assert charge["status"] == "pending" and charge["source"]["flow"] == flow
    # Only redirect flows send the payer to a page.
    assert (charge["authorize_uri"] is not None) == (flow != "offline")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"type": "fpx", "currency": "MYR"}, "bank is required for fpx"),
        ({"type": "barcode_alipay"}, "barcode is required for barcode_alipay"),
        ({"type": "paynow"}, "currency is currently not supported"),
        ({"type": "fpx", "bank": "uob", "currency": "SGD"}, "currency is"),
        (
            {"type": "installment_kbank", "installment_term": 4},
            "installment_term must be one of 3, 6, 10",
        ),
        ({"type": "installment_bay"}, "installment_term must be one of"),
    ],
)
def test_source_rules_are_bad_request(
    api: httpx.Client, source: dict[str, Any], message: str
) -> None:
    charges_before = len(api.get("/charges", params={"limit": 100}).json()["data"])

    response = _source_charge(api, **source)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert response.json()["message"].startswith(message)
    after = api.get("/charges", params={"limit": 100}).json()["data"]
    assert len(after) == charges_before


def test_qr_payments_carry_a_scannable_code(api: httpx.Client) -> None:
    charge = _source_charge(api, type="promptpay").json()
    source = api.get(f"/sources/{charge['source']['id']}").json()

    code = charge["source"]["scannable_code"]
    assert code["object"] == "barcode" and code["type"] == "qr"
    image = code["image"]
    assert image["object"] == "document" and image["filename"] == "qrcode.png"
    assert image["download_uri"].startswith(f"/charges/{charge['id']}/documents/")
    assert source["scannable_code"] == code and source["references"] is None


def test_bill_payments_carry_references_until_the_charge_expires(
    api: httpx.Client,
) -> None:
    tesco = _source_charge(api, type="bill_payment_tesco_lotus").json()
    papaya = _source_charge(api, type="bill_payment_papaya").json()

    references = tesco["source"]["references"]
    assert references["expires_at"] == tesco["expires_at"]
    first, second = references["reference_number_1"], references["reference_number_2"]
    assert len(first) == len(second) == 18 and (first + second).isdigit()
    assert first != second
    assert references["barcode"].startswith(f"/charges/{tesco['id']}/documents/")
    assert {"reference_1", "key"} <= set(papaya["source"]["references"])
    assert tesco["source"]["scannable_code"] is None


def test_installment_charges_show_the_payer_card_but_are_not_card_charges(
    api: httpx.Client,
) -> None:
    created = _source_charge(api, type="installment_bay", installment_term=6)
    charge = api.post(f"/charges/{created.json()['id']}/mark_as_paid").json()
    dispute = api.post(f"/charges/{charge['id']}/disputes")

    assert charge["card"]["brand"] == "Visa" and charge["card"]["last_digits"]
    assert charge["source"]["installment_term"] == 6
    assert charge["refundable"] and not charge["partially_refundable"]
    assert not charge["disputable"] and not charge["can_perform_void"]
    assert dispute.status_code == 400


def test_capability_lists_each_method_with_its_currencies_and_terms(
    api: httpx.Client,
) -> None:
    methods = {m["name"]: m for m in api.get("/capability").json()["payment_methods"]}

    assert methods["fpx"]["currencies"] == ["THB", "MYR"]
    assert methods["paynow"]["currencies"] == ["SGD"]
    assert methods["installment_kbank"]["installment_terms"] == [3, 6, 10]
    first_choice = methods["installment_wlb_first_choice"]
    assert first_choice["loan_installment_terms"] == [3, 4, 6, 9, 10, 12, 18, 24]
    assert methods["promptpay"]["installment_terms"] is None


# -- expand ------------------------------------------------------------------


def test_expand_embeds_the_objects_an_answer_names(
    api: httpx.Client, make_token: Callable[..., str]
) -> None:
    customer = api.post("/customers", json={"card": make_token()}).json()
    charge = api.post(
        "/charges",
        json={"amount": 80000, "currency": "THB", "customer": customer["id"]},
    ).json()
    refund = api.post(f"/charges/{charge['id']}/refunds", json={"amount": 1000}).json()

    plain = api.get(f"/charges/{charge['id']}").json()
    expanded = api.get(f"/charges/{charge['id']}", params={"expand": "true"}).json()
    listed = api.get(
        "/charges", params={"expand": "true", "order": "reverse_chronological"}
    ).json()
    refund_path = f"/charges/{charge['id']}/refunds/{refund['id']}"
    expanded_refund = api.get(refund_path, params={"expand": "true"}).json()

    assert plain["customer"] == customer["id"]
    assert plain["transaction"] == charge["transaction"]
    assert expanded["customer"]["email"] == customer["email"]
    assert expanded["customer"]["default_card"] == customer["default_card"]
    transaction = expanded["transaction"]
    assert transaction["id"] == charge["transaction"]
    assert transaction["direction"] == "credit" and transaction["amount"] > 0
    assert listed["data"][0]["customer"]["id"] == customer["id"]
    assert expanded_refund["charge"]["id"] == charge["id"]
    assert expanded_refund["transaction"]["direction"] == "debit"
    # One level only: the embedded charge keeps its own ids.
    assert expanded_refund["charge"]["customer"] == customer["id"]
