"""Customers, cards, tokens and sources; which key may call what."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer


def _shape(value: object) -> object:
    """Keys and JSON types of ``value`` (lists are not looked into)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _recorded(fixtures_dir: Path, name: str) -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads((fixtures_dir / name).read_text())
    return recorded


def _covers(served: dict[str, Any], recorded: dict[str, Any], *nullable: str) -> None:
    """``served`` has every key of ``recorded`` with the same JSON type."""
    for key, value in recorded.items():
        assert key in served, key
        if value is None or served[key] is None or key in nullable:
            continue
        assert type(served[key]) is type(value), key


def test_customer_create_list_retrieve_update(
    api: httpx.Client, make_token: Callable[..., str], fixtures_dir: Path
) -> None:
    created = api.post(
        "/customers",
        data={
            "email": "nattaya@example.co.th",
            "description": "นัตติยา ศรีสุข",
            "metadata[tier]": "gold",
            "card": make_token(),
        },
    ).json()
    customer_id = created["id"]
    updated = api.patch(
        f"/customers/{customer_id}",
        json={"email": "n.srisuk@example.co.th", "metadata": {"tier": "platinum"}},
    ).json()
    listed = api.get("/customers", params={"order": "reverse_chronological"}).json()
    cards = api.get(f"/customers/{customer_id}/cards").json()
    card_id = created["default_card"]
    card = api.get(f"/customers/{customer_id}/cards/{card_id}").json()
    events = api.get("/events", params={"order": "reverse_chronological"}).json()

    recorded = _recorded(
        fixtures_dir,
        "php/api.omise.co/customers/cust_test_63440m5rxrwz1lcwno0-get.json",
    )
    assert set(created) == set(recorded)
    _covers(created["cards"]["data"][0], recorded["cards"]["data"][0])
    assert created["id"].startswith("cust_test_")
    assert created["metadata"] == {"tier": "gold"}
    assert created["cards"]["total"] == 1 and card_id.startswith("card_test_")
    assert updated["email"] == "n.srisuk@example.co.th"
    assert updated["metadata"] == {"tier": "platinum"}
    assert updated["description"] == "นัตติยา ศรีสุข"
    assert listed["data"][0]["id"] == customer_id
    assert cards["total"] == 1 and cards["data"][0]["id"] == card_id
    assert card["location"] == f"/customers/{customer_id}/cards/{card_id}"
    assert [e["key"] for e in events["data"][:2]] == [
        "customer.update",
        "customer.create",
    ]


def test_unknown_customer_and_card_are_404(api: httpx.Client) -> None:
    customer = api.post("/customers", json={}).json()

    missing = api.get("/customers/cust_test_nope")
    missing_card = api.get(f"/customers/{customer['id']}/cards/card_test_nope")
    bad_default = api.patch(
        f"/customers/{customer['id']}", json={"default_card": "card_test_nope"}
    )

    assert missing.status_code == 404
    assert missing.json()["message"] == "customer cust_test_nope was not found"
    assert missing_card.status_code == bad_default.status_code == 404


def test_seeded_charges_have_their_customers_and_cards(live: SandboxServer) -> None:
    customers = {c["id"]: c for c in live.state.objects("customer")}
    with_customer = [c for c in live.state.charges_sorted() if c["customer"]]

    assert with_customer
    for charge in with_customer:
        customer = customers[charge["customer"]]
        card_ids = [card["id"] for card in customer["cards"]["data"]]
        assert charge["card"]["id"] in card_ids
        assert customer["default_card"] in card_ids


def test_token_from_the_vault_path(vault: httpx.Client, fixtures_dir: Path) -> None:
    response = vault.post(
        "/tokens",
        json={
            "card": {
                "name": "KENJI TANAKA",
                "number": "3566 1111 1111 1113",
                "expiration_month": 3,
                "expiration_year": 2030,
                "city": "Bangkok",
                "postal_code": "10320",
            }
        },
    )
    token = response.json()
    recorded = _recorded(fixtures_dir, "php/vault.omise.co/tokens-post.json")

    assert response.status_code == 200
    assert set(token) == set(recorded)
    _covers(token["card"], recorded["card"])
    assert token["used"] is False and token["charge_status"] == "unknown"
    assert token["card"]["brand"] == "JCB" and token["card"]["last_digits"] == "1113"
    assert token["card"]["city"] == "Bangkok"
    assert "3566111111111113" not in response.text


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"number": "4242424242424241"}, "number is invalid (check digit)"),
        ({"number": "42"}, "number is invalid"),
        ({"name": ""}, "name is required"),
        ({"expiration_month": "13"}, "expiration month and year are required (1-12)"),
        ({"expiration_year": "2001"}, "expiration date cannot be in the past"),
    ],
)
def test_bad_cards_are_invalid_card(
    vault: httpx.Client, card: dict[str, str], message: str
) -> None:
    fields = {
        "number": "4242424242424242",
        "name": "A B",
        "expiration_month": "1",
        "expiration_year": "2040",
        **card,
    }

    response = vault.post("/tokens", data={f"card[{k}]": v for k, v in fields.items()})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_card"
    assert response.json()["message"] == message


def test_source_create_and_retrieve(
    api: httpx.Client, vault: httpx.Client, fixtures_dir: Path
) -> None:
    created = vault.post(
        "/sources", json={"type": "truemoney", "amount": 12000, "currency": "thb"}
    ).json()
    by_secret = api.get(f"/sources/{created['id']}").json()
    bad_amount = vault.post(
        "/sources", data={"type": "promptpay", "amount": "ten", "currency": "THB"}
    )
    bad_currency = vault.post(
        "/sources", data={"type": "promptpay", "amount": "1000", "currency": "JPY"}
    )
    recorded = _recorded(
        fixtures_dir, "php/api.omise.co/sources/src_test_6344b4gx4a8rx10p8p2-get.json"
    )

    assert set(created) == set(recorded)
    assert by_secret == created
    assert created["flow"] == "redirect" and created["currency"] == "THB"
    assert bad_amount.status_code == 400 and bad_amount.json()["code"] == "bad_request"
    assert bad_currency.json()["message"] == "currency is currently not supported"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/charges"),
        ("GET", "/balance"),
        ("POST", "/charges"),
        ("GET", "/__sandbox/clock"),
    ],
)
def test_public_key_reaches_only_tokens_sources_and_capability(
    vault: httpx.Client, method: str, path: str
) -> None:
    refused = vault.request(method, path)
    capability = vault.get("/capability")

    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failure"
    assert capability.status_code == 200
