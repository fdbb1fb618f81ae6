"""The seeded demo merchant: deterministic, and shaped like real Thai trade."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from opn_desk.sandbox import SandboxState, rules
from opn_desk.services.money import decimals

SEED_NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)  # as in conftest

Charge = dict[str, Any]
FLAGS = (
    "authorized",
    "paid",
    "capturable",
    "reversible",
    "reversed",
    "refundable",
    "disputable",
    "expired",
)
# Flags per state, as in the API's status table (REFERENCE.md section 2.4).
STATE_FLAGS = {
    "awaiting_payer": (False, False, False, False, False, False, False, False),
    "authorized": (True, False, True, True, False, False, False, False),
    "reversed": (True, False, False, False, True, False, False, False),
    "failed": (False, False, False, False, False, False, False, False),
    "expired": (False, False, False, False, False, False, False, True),
}


@pytest.fixture(scope="module")
def charges(seeded_state: SandboxState) -> list[Charge]:
    return seeded_state.charges_sorted()


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_same_arguments_give_identical_json() -> None:
    first = SandboxState.seeded(charges=300, seed=42, now=SEED_NOW)
    again = SandboxState.seeded(charges=300, seed=42, now=SEED_NOW)
    other = SandboxState.seeded(charges=300, seed=43, now=SEED_NOW)

    assert first.charges_sorted() == again.charges_sorted()
    assert first.events_sorted() == again.events_sorted()
    assert first.account_json() == again.account_json()
    assert first.charges_sorted() != other.charges_sorted()


def test_count_ids_and_time_span(charges: list[Charge]) -> None:
    ids = [c["id"] for c in charges]
    oldest, newest = _parse(charges[0]["created_at"]), _parse(charges[-1]["created_at"])

    assert len(charges) == 1500
    assert len(set(ids)) == 1500
    assert all(
        i.startswith("chrg_test_") and len(i) == 29 and i[10:].isalnum() for i in ids
    )
    assert all(i[10:] == i[10:].lower() for i in ids)
    assert newest <= SEED_NOW
    assert oldest >= SEED_NOW - timedelta(days=121)
    assert newest - oldest > timedelta(days=110)


def test_hours_are_daytime_heavy_in_bangkok(charges: list[Charge]) -> None:
    local_hours = Counter(
        (_parse(c["created_at"]) + timedelta(hours=7)).hour for c in charges
    )
    day = sum(local_hours[h] for h in range(9, 22))
    night = sum(local_hours[h] for h in range(6))

    assert day > 0.75 * len(charges)
    assert night < 0.06 * len(charges)


def test_every_status_and_payment_method_share(charges: list[Charge]) -> None:
    statuses = Counter(c["status"] for c in charges)
    methods = Counter(c["source"]["type"] if c["source"] else "card" for c in charges)
    share = {name: count / len(charges) for name, count in methods.items()}

    assert set(statuses) == {"successful", "failed", "pending", "reversed", "expired"}
    assert statuses["successful"] > 0.8 * len(charges)
    assert 0.48 < share["card"] < 0.62
    assert 0.15 < share["promptpay"] < 0.25
    mobile = sum(v for k, v in share.items() if k.startswith("mobile_banking_"))
    assert 0.06 < mobile < 0.14
    assert 0.02 < share["truemoney"] < 0.08
    assert {"rabbit_linepay", "alipay", "wechat_pay"} <= set(methods)
    assert any(m.startswith("installment_") for m in methods)


def test_scenarios_a_back_office_meets(charges: list[Charge]) -> None:
    full = [c for c in charges if c["refunded_amount"] == c["captured_amount"] > 0]
    partial = [c for c in charges if 0 < c["refunded_amount"] < c["captured_amount"]]
    disputed = [c for c in charges if c["dispute"]]
    pre_auth = [c for c in charges if c["authorization_type"] == "pre_auth"]
    failures = {c["failure_code"] for c in charges if c["status"] == "failed"}

    assert full and partial
    assert 2 <= len(disputed) <= 40
    assert pre_auth
    assert {"insufficient_fund", "payment_rejected"} <= failures
    assert any(c["captured_amount"] < c["amount"] for c in charges if c["paid"])


def test_currencies_and_amount_ranges(charges: list[Charge]) -> None:
    by_currency = Counter(c["currency"] for c in charges)
    thb = [c["amount"] for c in charges if c["currency"] == "THB"]
    jpy = [c["amount"] for c in charges if c["currency"] == "JPY"]
    sgd = [c["amount"] for c in charges if c["currency"] == "SGD"]

    assert set(by_currency) == {"THB", "JPY", "SGD"}
    assert by_currency["THB"] > 0.85 * len(charges)
    assert decimals("JPY") == 0 and decimals("THB") == 2
    assert all(2000 <= a <= 15_000_000 for a in thb)
    assert all(100 <= a <= 6_000_000 for a in jpy)
    assert all(100 <= a <= 2_000_000 for a in sgd)
    # Yen have no subunit (1200 = ¥1,200, about 282 baht = 28,200 satang);
    # SGD counts cents (1200 = S$12.00, about 310 baht).
    satang_per_unit = {"THB": (1, 1), "JPY": (20, 27), "SGD": (23, 29)}
    for charge in charges:
        base = charge["captured_amount"] if charge["paid"] else charge["amount"]
        low, high = satang_per_unit[charge["currency"]]
        assert low <= charge["funding_amount"] / base <= high, charge["id"]
    assert all(isinstance(c["amount"], int) for c in charges)


def test_metadata_and_descriptions(charges: list[Charge]) -> None:
    with_branch = [c for c in charges if "branch" in c["metadata"]]
    with_order = [c for c in charges if "order_id" in c["metadata"]]
    branches = {c["metadata"]["branch"] for c in with_branch}
    campaigns = {c["metadata"].get("campaign") for c in charges}
    thai = [c for c in charges if c["description"] and _has_thai(c["description"])]
    english = [c for c in charges if c["description"] and c["description"].isascii()]

    assert 0.8 < len(with_branch) / len(charges) < 0.95
    assert len(with_order) > 0.75 * len(charges)
    assert any(c["metadata"] == {} for c in charges)
    assert 5 <= len(branches) <= 10 and any(_has_thai(b) for b in branches)
    assert len(campaigns - {None}) >= 3 and None in campaigns
    assert len(thai) > 0.3 * len(charges) and len(english) > 0.1 * len(charges)


def test_cards_and_customers(charges: list[Charge]) -> None:
    card_charges = [c for c in charges if c["card"] and not c["source"]]
    installments = [c for c in charges if rules.method_of(c).startswith("inst")]
    assert installments and all(c["card"] for c in installments)
    brands = Counter(c["card"]["brand"] for c in card_charges)

    assert {"Visa", "MasterCard", "JCB", "American Express"} <= set(brands)
    assert brands.most_common(1)[0][0] == "Visa"
    assert all(len(c["card"]["last_digits"]) == 4 for c in card_charges)
    assert all(c["card"]["name"] for c in card_charges)
    assert sum(1 for c in card_charges if c["customer"]) > len(card_charges) / 3
    assert all(c["customer"] is None for c in charges if c["source"])
    # A source charge shows a card only when the payer pays by installments.
    with_card = [c for c in charges if c["source"] and c["card"]]
    assert all(c["source"]["type"].startswith("installment_") for c in with_card)


def test_every_charge_has_consistent_flags_fees_and_refunds(
    charges: list[Charge],
) -> None:
    for charge in charges:
        try:
            _check_status_flags(charge)
            _check_fees(charge)
            _check_refunds(charge)
        except AssertionError as exc:
            raise AssertionError(f"{charge['id']} ({charge['status']})") from exc


def _check_status_flags(charge: Charge) -> None:
    status = charge["status"]
    flags = tuple(charge[flag] for flag in FLAGS)
    if status == "pending":
        state = "authorized" if charge["authorized"] else "awaiting_payer"
        assert flags == STATE_FLAGS[state]
        assert charge["expires_at"] and charge["transaction"] is None
        if state == "authorized":
            created = _parse(charge["created_at"])
            assert _parse(charge["expires_at"]) == created + timedelta(days=7)
            assert charge["capture"] is False
        elif charge["source"]["flow"] == "offline":
            assert charge["authorize_uri"] is None
        else:
            assert charge["authorize_uri"]
    elif status == "successful":
        assert charge["authorized"] and charge["paid"]
        assert not (charge["capturable"] or charge["reversible"] or charge["expired"])
        assert charge["transaction"].startswith("trxn_test_")
        assert charge["paid_at"] >= charge["created_at"]
        open_amount = charge["captured_amount"] - charge["refunded_amount"]
        if charge["dispute"]:
            assert not (charge["disputable"] or charge["refundable"])
            assert not charge["partially_refundable"]
        elif charge["card"] and not charge["source"]:
            assert charge["refundable"] == (open_amount > 0)
            assert charge["disputable"] == (open_amount > 0)
        assert charge["can_perform_void"] <= charge["refundable"]
        assert charge["partially_refundable"] <= charge["refundable"]
    else:
        expected = STATE_FLAGS[status]
        if status == "failed" and charge["card"] and not charge["source"]:
            expected = (*expected[:-1], True)  # declined cards: as recorded
        assert flags == expected
        assert charge["transaction"] is None and charge["paid_at"] is None
        assert not (charge["partially_refundable"] or charge["can_perform_void"])
    if status == "failed":
        assert charge["failure_code"] and charge["failure_message"]
    else:
        assert charge["failure_code"] is None
    if status == "reversed":
        assert charge["reversed_at"] and charge["capture"] is False
    if status == "expired":
        assert charge["expired_at"] and charge["source"]
    if charge["source"]:
        assert charge["source"]["charge_status"] == status


def _check_fees(charge: Charge) -> None:
    base = charge["captured_amount"] if charge["paid"] else charge["amount"]
    fee = _half_up(Decimal(base) * Decimal("3.65") / 100)
    fee_vat = _half_up(Decimal(fee) * Decimal("7") / 100)

    assert (charge["fee"], charge["fee_vat"]) == (fee, fee_vat)
    assert charge["net"] == base - fee - fee_vat
    assert charge["transaction_fees"]["fee_rate"] == "3.65"
    assert charge["funding_currency"] == "THB"
    if charge["currency"] == "THB":
        assert charge["funding_amount"] == base


def _check_refunds(charge: Charge) -> None:
    refunds = charge["refunds"]["data"]

    assert charge["refunds"]["total"] == len(refunds)
    assert charge["refunded_amount"] == sum(r["amount"] for r in refunds)
    assert charge["refunded_amount"] <= charge["captured_amount"]
    for refund in refunds:
        assert refund["charge"] == charge["id"]
        assert refund["currency"] == charge["currency"]
        assert refund["status"] == "closed"
        assert refund["created_at"] >= charge["paid_at"]
        assert refund["location"] == f"/charges/{charge['id']}/refunds/{refund['id']}"
    fully_voided = bool(refunds) and all(r["voided"] for r in refunds)
    assert charge["voided"] == (
        fully_voided and charge["refunded_amount"] == charge["captured_amount"]
    )
    dispute = charge["dispute"]
    if dispute:
        assert dispute["charge"] == charge["id"]
        assert dispute["amount"] == charge["captured_amount"]
        assert dispute["status"] in ("open", "pending", "won", "lost")
        assert (dispute["closed_at"] is not None) == (
            dispute["status"] in ("won", "lost")
        )


def _has_thai(text: str) -> bool:
    return any("\u0e00" <= letter <= "\u0e7f" for letter in text)


def test_small_seeds_still_hold_every_status() -> None:
    charges = SandboxState.seeded(charges=40, seed=2, now=SEED_NOW).charges_sorted()

    assert {c["status"] for c in charges} == {
        "successful",
        "failed",
        "pending",
        "reversed",
        "expired",
    }
    assert any(c["dispute"] for c in charges)
    assert any(c["refunds"]["total"] for c in charges)
