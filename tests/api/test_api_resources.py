"""Reading refunds, disputes, schedules, customers and the ledger from recordings.

Each parser reads every object of its kind found anywhere in
shared/fixtures/opn-sdk (all SDKs, all API versions), and a few recorded
values are pinned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from opn_desk.services.api import (
    InvalidResponse,
    embedded_refunds,
    parse_balance,
    parse_capability,
    parse_card,
    parse_customer,
    parse_dispute,
    parse_document,
    parse_occurrence,
    parse_refund,
    parse_schedule,
    parse_transaction,
)

# Measured over shared/fixtures/opn-sdk: 107 refunds, 72 disputes, 36
# dispute documents, 69 schedules, 98 occurrences, 74 customers, 355 cards,
# 164 transactions, 10 balances and 9 capabilities. The floors sit a little
# below, so the tests fail when the walk silently stops finding objects.
FLOORS = {
    "refund": 100,
    "dispute": 70,
    "document": 35,
    "schedule": 65,
    "occurrence": 95,
    "customer": 70,
    "card": 350,
    "transaction": 160,
    "balance": 10,
    "capability": 9,
}
CREATED_KEYS = ("created_at", "created", "created_at_at")

PHP = "php/api.omise.co"
SWIFT = "swift/api.omise.co"


def _created(raw: dict[str, Any]) -> datetime | None:
    key = next((k for k in CREATED_KEYS if k in raw), None)
    return datetime.fromisoformat(raw[key]).astimezone(UTC) if key else None


def _objects(recorded: Any, kind: str) -> list[Any]:
    items = recorded[kind]
    assert len(items) >= FLOORS[kind]
    return list(items)


def test_every_recorded_refund_parses(recorded) -> None:
    for item in _objects(recorded, "refund"):
        refund = parse_refund(item.obj)
        raw = item.obj
        assert refund.id == raw["id"], item.file
        assert type(refund.amount) is int and refund.amount == raw["amount"]
        assert refund.currency == raw["currency"].upper()
        assert refund.charge_id == raw["charge"]
        assert refund.created_at == _created(raw)
        assert refund.status == raw.get("status", "closed")
        assert refund.final


def test_every_recorded_dispute_parses(recorded) -> None:
    for item in _objects(recorded, "dispute"):
        dispute = parse_dispute(item.obj)
        raw = item.obj
        assert dispute.id == raw["id"], item.file
        assert (dispute.amount, dispute.status) == (raw["amount"], raw["status"])
        assert dispute.created_at == _created(raw)
        embedded = (raw.get("documents") or {}).get("data", [])
        assert [d.id for d in dispute.documents] == [d["id"] for d in embedded]
        assert all(d.dispute_id == dispute.id for d in dispute.documents)


def test_every_recorded_dispute_document_parses(recorded) -> None:
    # A barcode image inside a source is also an "object": "document"; it
    # has no id and is not a dispute's evidence.
    documents = [i for i in _objects(recorded, "document") if "id" in i.obj]
    assert len(documents) >= FLOORS["document"]

    for item in documents:
        document = parse_document(item.obj)
        assert document.id == item.obj["id"]
        assert document.created_at == _created(item.obj)
        assert document.deleted is item.obj.get("deleted", False)


def test_every_recorded_schedule_parses(recorded) -> None:
    for item in _objects(recorded, "schedule"):
        schedule = parse_schedule(item.obj)
        raw = item.obj
        assert schedule.id == raw["id"], item.file
        assert schedule.status != "active"  # read as running
        assert schedule.created_at == _created(raw)
        if schedule.deleted:
            assert not schedule.active
        if "every" in raw:
            assert schedule.every == raw["every"]
            assert schedule.start_on is not None


def test_every_recorded_occurrence_parses(recorded) -> None:
    for item in _objects(recorded, "occurrence"):
        occurrence = parse_occurrence(item.obj)
        raw = item.obj
        assert occurrence.id == raw["id"], item.file
        if "schedule_date" in raw or "scheduled_on" in raw:
            assert isinstance(occurrence.scheduled_on, date)
        assert occurrence.result_id == raw.get("result")


def test_every_recorded_customer_parses(recorded) -> None:
    for item in _objects(recorded, "customer"):
        customer = parse_customer(item.obj)
        raw = item.obj
        assert customer.id == raw["id"], item.file
        assert customer.deleted is raw.get("deleted", False)
        embedded = (raw.get("cards") or {}).get("data", [])
        assert [c.id for c in customer.cards] == [c["id"] for c in embedded]
        assert all(c.customer_id == customer.id for c in customer.cards)


def test_every_recorded_card_parses(recorded) -> None:
    for item in _objects(recorded, "card"):
        card = parse_card(item.obj)
        raw = item.obj
        assert card.id == raw["id"], item.file
        assert card.last_digits == raw.get("last_digits")
        assert card.created_at == _created(raw)


def test_every_recorded_transaction_parses(recorded) -> None:
    for item in _objects(recorded, "transaction"):
        transaction = parse_transaction(item.obj)
        raw = item.obj
        assert transaction.id == raw["id"], item.file
        assert transaction.direction == raw.get("direction", raw.get("type"))
        assert type(transaction.amount) is int and transaction.amount == raw["amount"]
        assert abs(transaction.signed_amount) == transaction.amount


def test_every_recorded_balance_and_capability_parses(recorded) -> None:
    for item in _objects(recorded, "balance"):
        balance = parse_balance(item.obj)
        assert balance.total == item.obj["total"]
        assert balance.transferable is not None, item.file
    for item in _objects(recorded, "capability"):
        capability = parse_capability(item.obj)
        assert capability.payment_methods, item.file


def test_voided_full_refund(load) -> None:
    path = "charges/chrg_test_5frvn3hgya3qemayzrt/refunds/rfnd_test_5frz1pdm34u27646j5p"
    refund = parse_refund(load(f"{SWIFT}/{path}-get.json"))

    assert (refund.amount, refund.currency) == (100000, "THB")
    assert refund.voided is True
    assert refund.status == "closed"
    assert refund.charge_id == "chrg_test_5frvn3hgya3qemayzrt"
    assert refund.transaction_id == "trxn_test_5frz1pdv42v4xsorr6z"


def test_refunds_embedded_in_a_charge(load) -> None:
    charge = load(f"{SWIFT}/charges/chrg_test_5frvn3hgya3qemayzrt-get.json")

    refunds = embedded_refunds(charge)

    assert [r.id for r in refunds] == ["rfnd_test_5frz1pdm34u27646j5p"]
    assert refunds[0].charge_id == charge["id"]


def test_accepted_dispute_is_lost_and_closed(load) -> None:
    raw = load(f"{PHP}/disputes/dspt_test_6344e4i5yv427gaj1s2/accept-patch.json")

    dispute = parse_dispute(raw)

    assert dispute.status == "lost" and not dispute.still_open
    assert dispute.closed_at == datetime(2025, 3, 20, 9, 53, 53, tzinfo=UTC)
    assert dispute.reason_code == "goods_or_services_not_provided"
    assert dispute.transaction_ids == ("trxn_test_6344fcf92vetm4oar11",)
    assert dispute.documents == () and dispute.documents_complete


def test_2018_dispute_carries_its_documents(load) -> None:
    path = "swift-history/195b08f/api.omise.co/disputes"
    dispute = parse_dispute(load(f"{path}/dspt_test_5dzhbyswtur9eu7cgzz-get.json"))

    assert dispute.status == "pending" and dispute.still_open
    assert dispute.currency == "THB"  # recorded as "thb"
    assert [d.filename for d in dispute.documents] == [
        "Screen Shot.png",
        "ScreenShot.png",
    ]
    assert dispute.documents[0].created_at == datetime(
        2018, 11, 19, 12, 47, 55, tzinfo=UTC
    )
    assert dispute.transaction_ids == ("trxn_test_5dzhbyt4t3ljizml216",)


def test_deleted_document_is_a_bare_tombstone(load) -> None:
    document = parse_document(load("elixir/bodies/dispute/destroy_document.json"))

    assert document.deleted is True
    assert document.created_at is None and document.filename is None


def test_2019_schedule_with_its_first_occurrence(load) -> None:
    schedule = parse_schedule(load(f"{PHP}/schedules-post.json"))

    assert (schedule.status, schedule.active, schedule.deleted) == (
        "running",
        True,
        False,
    )
    assert (schedule.every, schedule.period) == (2, "day")
    assert (schedule.amount, schedule.currency) == (100000, "THB")
    assert schedule.customer_id == "cust_test_63440m5rxrwz1lcwno0"
    assert schedule.card_id == "card_test_63440m1wwjc3ipgm9w4"
    assert schedule.next_run_on == date(2025, 3, 22)
    (occurrence,) = schedule.occurrences
    assert occurrence.scheduled_on == date(2025, 3, 20)
    assert occurrence.result_id == "chrg_test_6344k78vzhmto06r79z"
    assert occurrence.schedule_id == schedule.id


def test_2017_transfer_schedule_reads_active_as_running(load) -> None:
    page = load("elixir/bodies/schedule/list_schedules.json")
    schedule = parse_schedule(page["data"][0])

    assert schedule.status == "running" and schedule.active
    assert schedule.start_on == date(2017, 12, 1)  # from start_date
    assert schedule.end_on == date(2018, 5, 1)
    assert schedule.kind == "transfer" and schedule.amount is None
    assert len(schedule.next_occurrences_on) == 30


def test_deleted_schedule_is_not_active(load) -> None:
    raw = load(f"{SWIFT}/schedules/schd_test_5fzcqxg53hhuhz49e73-get.json")
    assert raw["active"] is True  # as recorded

    schedule = parse_schedule(raw)

    assert schedule.deleted and not schedule.active


def test_failed_occurrence_with_a_retry_date(load) -> None:
    raw = load("go/api.omise.co/occurrences/occu_57z9hj228pusa652nk1-get.json")

    occurrence = parse_occurrence(raw)

    assert occurrence.status == "failed"
    assert occurrence.scheduled_on == date(2017, 2, 20)
    assert occurrence.retry_on == date(2017, 2, 22)
    assert occurrence.result_id is None


def test_customer_with_a_card(load) -> None:
    raw = load(f"{PHP}/customers/cust_test_63440m5rxrwz1lcwno0-get.json")

    customer = parse_customer(raw)

    assert customer.default_card_id == "card_test_63440m1wwjc3ipgm9w4"
    (card,) = customer.cards
    assert (card.brand, card.last_digits) == ("Visa", "4242")
    assert (card.expiration_month, card.expiration_year) == (11, 2027)
    assert card.customer_id == customer.id
    assert card.financing is None  # recorded as ""


def test_2015_transaction_reads_type_and_source(load) -> None:
    page = load("dotnet/api.omise.co/transactions-get.json")

    credit, debit = (parse_transaction(item) for item in page["data"])

    assert (credit.direction, credit.amount, credit.signed_amount) == (
        "credit",
        96094,
        96094,
    )
    assert credit.origin_id == "chrg_test_52u2h7igf601x172g23"
    assert credit.transferable_at == datetime(2016, 1, 28, 5, 58, 28, tzinfo=UTC)
    assert debit.signed_amount == -192188
    assert credit.key is None


def test_balances_old_and_new(load) -> None:
    new = parse_balance(load(f"{PHP}/balance-get.json"))
    old = parse_balance(load("elixir/bodies/balance/retrieve_balance.json"))

    assert (new.total, new.transferable, new.on_hold) == (1644800, 1644800, 0)
    assert (old.transferable, old.reserve) == (393336607, 0)
    assert old.currency == "THB"


def test_capabilities_old_and_new(load) -> None:
    new = parse_capability(load("elixir/bodies/capability/retrieve_capability.json"))
    old = parse_capability(load("dotnet/api.omise.co/capability-get.json"))

    assert new.payment_methods[0] == "card"
    assert old.payment_methods[:2] == ("credit_card", "alipay")
    assert "bbl" in old.banks


@pytest.mark.parametrize(
    ("parse", "raw"),
    [
        (parse_refund, {"object": "refund", "id": "rfnd_test_1", "amount": 1.5}),
        (
            parse_transaction,
            {"object": "transaction", "id": "trxn_test_1", "direction": "up"},
        ),
        (parse_dispute, {"object": "charge", "id": "chrg_test_1"}),
        (parse_schedule, {"object": "schedule", "id": "s", "start_on": "soon"}),
    ],
)
def test_malformed_objects_are_refused(parse: Any, raw: dict[str, Any]) -> None:
    with pytest.raises(InvalidResponse):
        parse(raw)
