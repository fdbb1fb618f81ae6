"""Balance transactions, the balance and the capability, over loopback HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from opn_desk.sandbox import SandboxServer

DAY_S = 24 * 3600


def _recorded(fixtures_dir: Path, name: str) -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads((fixtures_dir / name).read_text())
    return recorded


def _signed_sum(transactions: list[dict[str, Any]]) -> int:
    return sum(
        t["amount"] if t["direction"] == "credit" else -t["amount"]
        for t in transactions
    )


def test_balance_is_the_sum_of_every_transaction(
    api: httpx.Client,
    fetch_all_from: Callable[..., list[dict[str, Any]]],
    make_charge: Callable[..., dict[str, Any]],
) -> None:
    charge = make_charge()
    api.post(f"/charges/{charge['id']}/refunds", json={"amount": 5000})

    transactions = fetch_all_from(api, "/transactions")
    balance = api.get("/balance").json()

    assert balance["total"] == _signed_sum(transactions)
    assert balance["transferable"] == balance["total"]
    assert balance["on_hold"] == 0 and balance["currency"] == "THB"
    keys = {t["key"] for t in transactions}
    assert {"charge.captured.net", "refund.created.debit"} <= keys
    assert "dispute.started.debit" in keys


def test_seeded_paid_charges_each_have_their_credit(live: SandboxServer) -> None:
    transactions = {t["id"]: t for t in live.state.objects("transaction")}
    paid = [c for c in live.state.charges_sorted() if c["paid"]]

    assert paid
    for charge in paid:
        credit = transactions[charge["transaction"]]
        assert credit["origin"] == charge["id"]
        assert credit["direction"] == "credit"
        if charge["currency"] == "THB":
            assert credit["amount"] == charge["net"]


def test_transfer_hold_keeps_new_credits_on_hold(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., dict[str, Any]]
) -> None:
    live.update_config(transfer_hold_days=2)
    before = api.get("/balance").json()

    charge = make_charge()
    held = api.get("/balance").json()
    transaction = api.get(f"/transactions/{charge['transaction']}").json()
    live.advance_clock(2 * DAY_S)
    released = api.get("/balance").json()

    assert held["total"] == before["total"] + charge["net"]
    assert held["transferable"] == before["transferable"]
    assert held["on_hold"] == charge["net"]
    assert transaction["transferable_at"] > transaction["created_at"]
    assert released["transferable"] == released["total"] == held["total"]


def test_transactions_list_and_retrieve(api: httpx.Client, fixtures_dir: Path) -> None:
    page = api.get(
        "/transactions", params={"limit": "5", "order": "reverse_chronological"}
    ).json()
    newest = page["data"][0]
    recorded = _recorded(fixtures_dir, "php/api.omise.co/transactions-get.json")

    assert page["object"] == "list" and page["location"] == "/transactions"
    assert len(page["data"]) == 5
    assert set(newest) == set(recorded["data"][0])
    assert api.get(f"/transactions/{newest['id']}").json() == newest
    assert api.get("/transactions/trxn_test_nope").status_code == 404


def test_balance_and_capability_have_the_recorded_shape(
    api: httpx.Client, fixtures_dir: Path
) -> None:
    balance = api.get("/balance").json()
    capability = api.get("/capability").json()
    recorded_balance = _recorded(fixtures_dir, "php/api.omise.co/balance-get.json")
    recorded_capability = _recorded(
        fixtures_dir, "php/api.omise.co/capability-get.json"
    )

    assert set(balance) == set(recorded_balance)
    assert set(recorded_capability) <= set(capability)
    method = recorded_capability["payment_methods"][0]
    card = capability["payment_methods"][0]
    assert set(card) == set(method)
    assert card["name"] == "card" and "THB" in card["currencies"]
    names = {m["name"] for m in capability["payment_methods"]}
    assert {"promptpay", "truemoney", "mobile_banking_scb"} <= names
    assert capability["limits"]["charge_amount"] == {"max": 15000000, "min": 2000}


def test_refund_has_the_recorded_shape(
    api: httpx.Client,
    make_charge: Callable[..., dict[str, Any]],
    fixtures_dir: Path,
) -> None:
    charge = make_charge()
    refund = api.post(f"/charges/{charge['id']}/refunds", json={"amount": 100}).json()
    recorded = _recorded(
        fixtures_dir,
        "php/api.omise.co/charges/chrg_test_63444wyfsg4mtvvck1z/refunds-post.json",
    )

    assert set(refund) == set(recorded)
    for key, value in recorded.items():
        if value is not None:
            assert type(refund[key]) is type(value), key
