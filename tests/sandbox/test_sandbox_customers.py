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
        ("GET", "/sources/src_test_anything"),
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


def _events_about(api: httpx.Client, object_id: str) -> list[str]:
    params = {"order": "reverse_chronological", "limit": 100}
    events = api.get("/events", params=params).json()["data"]
    return [e["key"] for e in events if e["data"]["id"] == object_id]


def test_deleted_customer_is_gone_but_its_charges_keep_it(
    api: httpx.Client, make_token: Callable[..., str]
) -> None:
    customer = api.post("/customers", json={"card": make_token()}).json()
    charge = api.post(
        "/charges",
        json={"amount": 50000, "currency": "THB", "customer": customer["id"]},
    ).json()
    path = f"/customers/{customer['id']}"

    deleted = api.delete(path)
    again = api.delete(path)
    listed = api.get("/customers", params={"limit": 100}).json()["data"]
    card = api.get(f"{path}/cards/{customer['default_card']}")
    recharged = api.post(
        "/charges",
        json={"amount": 50000, "currency": "THB", "customer": customer["id"]},
    )

    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True and deleted.json()["id"] == customer["id"]
    assert api.get(path).status_code == again.status_code == card.status_code == 404
    assert customer["id"] not in {c["id"] for c in listed}
    assert recharged.status_code == 404
    kept = api.get(f"/charges/{charge['id']}").json()
    assert kept["customer"] == customer["id"] and kept["status"] == "successful"
    assert _events_about(api, customer["id"])[0] == "customer.destroy"


def test_card_update_changes_holder_and_expiry_only(
    api: httpx.Client, make_token: Callable[..., str]
) -> None:
    customer = api.post("/customers", json={"card": make_token()}).json()
    path = f"/customers/{customer['id']}/cards/{customer['default_card']}"

    updated = api.patch(
        path,
        data={
            "name": "SOMCHAI P.",
            "city": "เชียงใหม่",
            "expiration_month": "3",
            "expiration_year": "2032",
        },
    )
    bad_month = api.patch(path, json={"expiration_month": 13})
    number = api.patch(path, json={"number": "4111111111111111"})
    read_back = api.get(path).json()
    embedded = api.get(f"/customers/{customer['id']}").json()["cards"]["data"][0]

    assert updated.status_code == 200, updated.text
    assert read_back["name"] == "SOMCHAI P." and read_back["city"] == "เชียงใหม่"
    assert (read_back["expiration_month"], read_back["expiration_year"]) == (3, 2032)
    assert read_back["last_digits"] == "4242" and embedded == read_back
    assert bad_month.status_code == 400 and bad_month.json()["code"] == "invalid_card"
    assert number.status_code == 400 and number.json()["code"] == "bad_request"
    assert _events_about(api, read_back["id"])[0] == "card.update"


def test_deleting_the_default_card_falls_back_to_the_newest_other(
    api: httpx.Client, make_token: Callable[..., str]
) -> None:
    customer = api.post("/customers", json={"card": make_token()}).json()
    first = customer["default_card"]
    path = f"/customers/{customer['id']}"
    second = api.patch(path, json={"card": make_token()}).json()["default_card"]
    third = api.patch(path, json={"card": make_token()}).json()["default_card"]

    deleted = api.delete(f"{path}/cards/{third}")
    after_one = api.get(path).json()
    api.delete(f"{path}/cards/{second}")
    api.delete(f"{path}/cards/{first}")
    after_all = api.get(path).json()
    charge = api.post(
        "/charges", json={"amount": 50000, "currency": "THB", "customer": path[11:]}
    )

    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert after_one["default_card"] == second
    assert [c["id"] for c in after_one["cards"]["data"]] == [first, second]
    assert api.get(f"{path}/cards/{third}").status_code == 404
    assert after_all["default_card"] is None and after_all["cards"]["total"] == 0
    assert charge.status_code == 400 and charge.json()["code"] == "missing_card"
    assert _events_about(api, third)[0] == "card.destroy"
