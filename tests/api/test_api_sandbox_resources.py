"""Every read endpoint beyond charges, against the sandbox over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from opn_desk.services.api import (
    NotFound,
    OpnClient,
    parse_refund,
)


@pytest.fixture
def client(sandbox: Any) -> Iterator[OpnClient]:
    with OpnClient(sandbox.secret_key, sandbox.base_url, timeout_s=10) as client:
        yield client


@pytest.fixture(scope="module")
def state(sandbox_state_small: Any) -> Any:
    return sandbox_state_small


def test_refunds_across_the_account_and_of_one_charge(
    client: OpnClient, state: Any
) -> None:
    refunds = state.objects("refund")
    first = refunds[0]

    page = client.list_refunds(limit=10)
    of_charge = client.list_charge_refunds(first["charge"])
    one = client.get_refund(first["charge"], first["id"])

    assert page.total == len(refunds)
    assert [r.id for r in page.data] == [r["id"] for r in refunds[:10]]
    assert first["id"] in {r.id for r in of_charge.data}
    walked = client.iter_charge_refunds(first["charge"], page_size=1)
    assert [r.id for r in walked] == [r.id for r in of_charge.data]
    assert one.raw == first
    assert (one.amount, one.charge_id) == (first["amount"], first["charge"])


def test_customers_and_their_cards(client: OpnClient, state: Any) -> None:
    customer = state.objects("customer")[0]
    card = customer["cards"]["data"][0]

    listed = client.list_customers(limit=5)
    fetched = client.get_customer(customer["id"])
    cards = client.list_cards(customer["id"])
    one_card = client.get_card(customer["id"], card["id"])

    assert listed.total == len(state.objects("customer"))
    assert fetched.raw == customer and fetched.cards_complete
    assert [c.id for c in cards.data] == [c["id"] for c in customer["cards"]["data"]]
    assert (one_card.last_digits, one_card.customer_id) == (
        card["last_digits"],
        customer["id"],
    )


def test_balance_transactions(client: OpnClient, state: Any) -> None:
    transactions = state.objects("transaction")
    newest = transactions[-1]

    page = client.list_transactions(order="reverse_chronological", limit=3)
    one = client.get_transaction(newest["id"])

    assert page.total == len(transactions)
    assert page.data[0].id == newest["id"]
    assert one.raw == newest
    assert one.direction in ("credit", "debit") and one.amount == newest["amount"]


def test_balance_adds_up_the_transactions(client: OpnClient, state: Any) -> None:
    transactions = state.objects("transaction")
    signed = sum(
        t["amount"] if t["direction"] == "credit" else -t["amount"]
        for t in transactions
    )

    balance = client.get_balance()

    assert balance.total == signed
    assert balance.currency == state.account()["currency"]


def test_capability_names_the_payment_methods(client: OpnClient) -> None:
    capability = client.get_capability()

    assert "card" in capability.payment_methods
    assert capability.min_charge_amount is not None
    assert capability.min_charge_amount < (capability.max_charge_amount or 0)


def test_any_list_path_reads_with_a_given_parser(client: OpnClient, state: Any) -> None:
    page = client.list_path("/refunds", parse_refund, limit=2)

    assert [r.id for r in page.data] == [r["id"] for r in state.objects("refund")[:2]]


def test_unknown_ids_are_not_found(client: OpnClient) -> None:
    with pytest.raises(NotFound):
        client.get_customer("cust_test_5nosuchcustomer0000")
    with pytest.raises(ValueError, match="bucket"):
        client.list_disputes("lost")


def test_disputes_in_their_buckets_and_schedules(client: OpnClient, state: Any) -> None:
    open_ids = {d["id"] for d in state.objects("dispute") if d["status"] == "open"}

    buckets = {bucket: client.list_disputes(bucket) for bucket in ("open", "closed")}
    schedules = client.list_schedules()

    assert {d.id for d in buckets["open"].data} == open_ids
    assert all(d.status in ("won", "lost") for d in buckets["closed"].data)
    assert schedules.total == len(state.objects("schedule"))
