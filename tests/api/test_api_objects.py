"""Reading charges, accounts, events and lists from recorded Opn responses."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from opn_desk.services.api import (
    InvalidResponse,
    parse_account,
    parse_charge,
    parse_event,
    parse_page,
)

# Measured over shared/fixtures/opn-sdk: 328 charges, 12 accounts, 96
# events and 655 list objects. The floors sit a little below, so the tests
# fail when the walk silently stops finding objects.
CHARGE_FLOOR = 320
ACCOUNT_FLOOR = 12
EVENT_FLOOR = 90
LIST_FLOOR = 640

PHP = "php/api.omise.co/charges"
SWIFT = "swift/api.omise.co/charges"


def _created_key(raw: dict[str, Any]) -> str:
    return next(k for k in ("created_at", "created", "created_at_at") if k in raw)


def _as_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_every_recorded_charge_parses(recorded) -> None:
    charges = recorded["charge"]
    assert len(charges) > CHARGE_FLOOR

    for item in charges:
        charge = parse_charge(item.obj)
        raw = item.obj
        where = f"{item.file}{item.where}"
        assert charge.id == raw["id"], where
        assert type(charge.amount) is int and charge.amount == raw["amount"]
        assert charge.currency == raw["currency"].upper(), where
        assert charge.created_at.tzinfo is UTC, where
        assert charge.created_at == _as_utc(raw[_created_key(raw)]), where
        assert charge.status, where
        assert charge.raw is raw


def test_charges_are_found_at_every_depth(recorded) -> None:
    places = {re.sub(r"\[\d+\]", "", item.where) for item in recorded["charge"]}

    assert "" in places  # a GET or POST answer
    assert ".data" in places  # a list or search page
    assert ".data.data" in places  # an event's object inside an event list
    assert ".charges.data" in places  # a link's embedded charge list
    # No recorded dispute expands its charge (they all hold the id), so
    # there is no ".charge" place to find.


def test_every_recorded_account_parses(recorded) -> None:
    accounts = recorded["account"]
    assert len(accounts) >= ACCOUNT_FLOOR

    for item in accounts:
        account = parse_account(item.obj)
        assert account.id == item.obj["id"]
        assert account.created_at.tzinfo is UTC


def test_every_recorded_event_parses(recorded) -> None:
    events = recorded["event"]
    assert len(events) > EVENT_FLOOR

    for item in events:
        event = parse_event(item.obj)
        assert event.id == item.obj["id"]
        assert event.key == item.obj["key"]
        assert event.created_at.tzinfo is UTC
        assert event.data_id == (item.obj.get("data") or {}).get("id")


def test_every_recorded_list_envelope_parses(recorded) -> None:
    lists = recorded["list"]
    assert len(lists) > LIST_FLOOR

    for item in lists:
        page = parse_page(item.obj, lambda obj: obj)
        assert page.data == item.obj["data"]
        assert page.total >= 0 and page.offset >= 0


def test_php_charge_list_page(load) -> None:
    page = parse_page(load("php/api.omise.co/charges-get.json"), parse_charge)

    assert (page.total, page.offset, page.limit) == (58, 0, 20)
    assert page.order == "chronological"
    assert page.from_ == datetime(1970, 1, 1, tzinfo=UTC)
    assert len(page.data) == 20
    statuses = [charge.status for charge in page.data]
    assert statuses.count("failed") == 2
    failure_codes = {c.failure_code for c in page.data if c.status == "failed"}
    assert failure_codes == {"insufficient_fund", "failed_fraud_check"}


def test_partially_captured_pre_auth_charge(load) -> None:
    raw = load(f"{PHP}/chrg_test_63444wyfsg4mtvvck1z/capture-post.json")

    charge = parse_charge(raw)

    assert charge.id == "chrg_test_6344625jbi1u9z0m01z"
    assert charge.status == "successful"
    assert charge.authorization_type == "pre_auth"
    assert charge.amount == 100000
    assert charge.authorized_amount == 100000
    assert charge.captured_amount == 50000
    assert (charge.fee, charge.fee_vat, charge.net) == (1825, 128, 48047)
    assert charge.paid and charge.refundable and charge.partially_refundable
    assert not charge.capturable and not charge.reversible
    assert charge.customer_id == "cust_test_63440m5rxrwz1lcwno0"
    assert charge.transaction_id == "trxn_test_634462j8cdphi2ffeto"
    assert (charge.card_brand, charge.card_last_digits) == ("Visa", "4242")
    assert charge.payment_method == "card"
    assert charge.paid_at == datetime(2025, 3, 20, 9, 27, 31, tzinfo=UTC)
    assert charge.expires_at == datetime(2025, 3, 27, 9, 27, 30, tzinfo=UTC)


def test_authorized_charge_awaiting_capture(load) -> None:
    charge = parse_charge(load("php/api.omise.co/charges-post.json"))

    assert charge.status == "pending"
    assert charge.authorized and charge.capturable and charge.reversible
    assert not charge.paid
    # A plain capture=false charge has no pre-auth amounts at all.
    assert charge.authorized_amount is None and charge.captured_amount is None


def test_fully_refunded_voided_charge(load) -> None:
    charge = parse_charge(load(f"{SWIFT}/chrg_test_5frvn3hgya3qemayzrt-get.json"))

    assert charge.status == "successful"
    assert charge.voided
    assert charge.refunded_amount == charge.amount == 100000
    assert charge.refund_ids == ("rfnd_test_5frz1pdm34u27646j5p",)
    assert not charge.refundable


def test_failed_installment_charge(load) -> None:
    path = "swift-history/d0f78f8/api.omise.co/charges/"
    charge = parse_charge(load(path + "chrg_test_5czuxmgzinn6qq1tz5u-get.json"))

    assert charge.status == "failed"
    assert (charge.failure_code, charge.failure_message) == ("timeout", "Timeout")
    assert charge.payment_method == charge.source_type == "installment_kbank"
    assert not charge.paid and charge.paid_at is None


def test_reversed_charge(load) -> None:
    raw = load(f"{PHP}/chrg_test_63444wyfsg4mtvvck1z/reverse-post.json")

    charge = parse_charge(raw)

    assert charge.status == "reversed"
    assert charge.authorized and not charge.paid
    assert charge.transaction_id is None


def test_promptpay_charge_method(load) -> None:
    charge = parse_charge(load(f"{SWIFT}/chrg_test_5jcmh5y5z3g5hurbu8o-get.json"))

    assert charge.payment_method == "promptpay"
    assert charge.card_brand is None and charge.card_last_digits is None
    assert (charge.amount, charge.currency) == (2000, "THB")


def test_disputed_charge_keeps_dispute_id(load) -> None:
    path = "swift-history/166a5de/api.omise.co/charges/chrg_test_disputed-get.json"
    raw = load(path)
    assert isinstance(raw["dispute"], dict)

    charge = parse_charge(raw)

    assert charge.dispute_id == "dspt_test_5fqcgl9si4xqs3fi4hp"
    assert not charge.disputable


def test_legacy_2015_charge(load) -> None:
    raw = load("ruby/api.omise.co/charges/chrg_test_4yq7duw15p9hdrjp8oq-get.json")
    assert "status" not in raw and "paid" not in raw and "created_at" not in raw

    charge = parse_charge(raw)

    assert charge.status == "successful"  # derived from captured=true
    assert charge.paid
    assert charge.currency == "THB"  # recorded as "thb"
    assert charge.created_at == datetime(2015, 1, 15, 5, 0, 29, tzinfo=UTC)
    assert charge.refunded_amount == 10000  # recorded as "refunded"
    assert charge.refund_ids == ("rfnd_test_4yqmv79ahghsiz23y3c",)
    assert charge.fee is None and charge.net is None


def test_legacy_reversed_charge_status_is_derived(load) -> None:
    path = "ruby/api.omise.co/charges/chrg_test_4yq7duw15p9hdrjp8oq/reverse-post.json"

    charge = parse_charge(load(path))

    assert charge.status == "reversed"
    assert not charge.paid


def test_expanded_customer_gives_its_id(load) -> None:
    path = (
        "ruby/api.omise.co/charges/chrg_test_4yq7duw15p9hdrjp8oq-get-expand-true.json"
    )
    raw = load(path)
    assert isinstance(raw["customer"], dict)

    assert parse_charge(raw).customer_id == "cust_test_4yq6txdpfadhbaqnwp3"


def test_misspelt_created_at_at_is_read(load) -> None:
    raw = load("go/api.omise.co/charges/chrg_test_5x1753iuub61dfe41q4-get.json")
    assert "created_at_at" in raw and "created_at" not in raw

    charge = parse_charge(raw)

    assert charge.created_at == datetime(2023, 9, 7, 16, 36, 43, tzinfo=UTC)
    assert charge.captured_amount == 5000


def test_charge_without_refunds_list(load) -> None:
    raw = load("ruby/api.omise.co/charges-post.json")
    assert "refunds" not in raw

    assert parse_charge(raw).refund_ids == ()


def test_2017_charge_with_lowercase_currency(load) -> None:
    raw = load("elixir/bodies/charge/retrieve_charge.json")
    assert raw["currency"] == "thb"

    charge = parse_charge(raw)

    assert (charge.amount, charge.currency) == (450000, "THB")
    assert charge.metadata == {}


@pytest.mark.parametrize("bad_amount", [1000.0, "1000", True, None])
def test_amount_that_is_not_an_integer_is_refused(load, bad_amount) -> None:
    raw = copy.deepcopy(load(f"{SWIFT}/chrg_test_5frvn3hgya3qemayzrt-get.json"))
    raw["amount"] = bad_amount

    with pytest.raises(InvalidResponse, match="'amount'"):
        parse_charge(raw)


def test_refunded_amount_as_float_is_refused(load) -> None:
    raw = copy.deepcopy(load(f"{SWIFT}/chrg_test_5frvn3hgya3qemayzrt-get.json"))
    raw["refunded_amount"] = 100000.0

    with pytest.raises(InvalidResponse, match="refunded_amount"):
        parse_charge(raw)


def test_unknown_status_is_kept(load) -> None:
    raw = copy.deepcopy(load(f"{SWIFT}/chrg_test_5frvn3hgya3qemayzrt-get.json"))
    raw["status"] = "settling"

    assert parse_charge(raw).status == "settling"


def test_null_metadata_reads_as_empty(load) -> None:
    raw = copy.deepcopy(load(f"{SWIFT}/chrg_test_5frvn3hgya3qemayzrt-get.json"))
    raw["metadata"] = None

    assert parse_charge(raw).metadata == {}


def test_not_a_charge_is_refused(load) -> None:
    with pytest.raises(InvalidResponse, match="expected a charge"):
        parse_charge(load("php/api.omise.co/account-get.json"))
    with pytest.raises(InvalidResponse, match="expected a charge"):
        parse_charge(["not", "an", "object"])


def test_charge_without_creation_time_is_refused(load) -> None:
    raw = copy.deepcopy(load(f"{SWIFT}/chrg_test_5frvn3hgya3qemayzrt-get.json"))
    del raw["created_at"]

    with pytest.raises(InvalidResponse, match="created_at"):
        parse_charge(raw)


def test_current_account(load) -> None:
    account = parse_account(load("php/api.omise.co/account-get.json"))

    assert account.id == "account_test_62e6vi5uwgkfh4aal8o"
    assert (account.country, account.currency) == ("TH", "THB")
    assert account.livemode is False
    assert account.api_version == "2019-05-29"
    assert account.email == "person-15@example.com"
    assert "JPY" in account.supported_currencies


def test_legacy_account_takes_mode_from_key(load) -> None:
    raw = load("ruby/api.omise.co/account-get.json")

    assert parse_account(raw).livemode is None
    assert parse_account(raw, livemode_hint=False).livemode is False
    assert parse_account(raw).created_at == datetime(2015, 1, 15, 4, 2, 14, tzinfo=UTC)


def test_charge_event(load) -> None:
    page = parse_page(load("swift/api.omise.co/events-get.json"), parse_event)

    first = page.data[0]
    assert first.key == "charge.complete"
    assert first.data_object == "charge"
    assert first.data_id == "chrg_test_5fxculwurxxe1lc29tw"
    assert first.created_at == datetime(2019, 5, 18, 4, 30, 38, tzinfo=UTC)
    assert parse_charge(first.data).id == first.data_id


def test_event_with_local_offset_is_converted_to_utc(load) -> None:
    event = parse_event(load("elixir/bodies/event/retrieve_event.json"))

    # Recorded as 2017-11-04T19:12:35+07:00.
    assert event.created_at == datetime(2017, 11, 4, 12, 12, 35, tzinfo=UTC)
    assert event.data_object == "dispute"


def test_event_without_data(load) -> None:
    path = "ruby/api.omise.co/charges/chrg_test_4yq7duw15p9hdrjp8oq/events-get.json"
    page = parse_page(load(path), parse_event)

    assert [e.data for e in page.data] == [{}, {}]
    assert {e.data_object for e in page.data} == {""}
