"""Refund and capture rules on charges as the API reports them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opn_desk.services import capture_rules as cr
from opn_desk.services import refund_rules as rr
from opn_desk.services.api import parse_charge

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def card_charge(**changes: Any) -> dict[str, Any]:
    """A paid THB card charge of ฿1,000.00, with ``changes`` applied."""
    paid_at = NOW - timedelta(days=10)
    charge: dict[str, Any] = {
        "object": "charge",
        "id": "chrg_test_5rules00000000000000",
        "livemode": False,
        "created_at": iso(paid_at),
        "paid_at": iso(paid_at),
        "amount": 100000,
        "authorized_amount": 100000,
        "captured_amount": 100000,
        "refunded_amount": 0,
        "currency": "THB",
        "status": "successful",
        "authorized": True,
        "paid": True,
        "capturable": False,
        "reversible": False,
        "refundable": True,
        "partially_refundable": True,
        "voided": False,
        "disputable": True,
        "can_perform_void": False,
        "authorization_type": None,
        "expires_at": None,
        "dispute": None,
        "card": {"object": "card", "brand": "Visa", "last_digits": "4242"},
        "source": None,
        "metadata": {},
        "refunds": {"object": "list", "data": [], "total": 0},
    }
    charge.update(changes)
    return charge


def terms_of(**changes: Any) -> rr.RefundTerms:
    return rr.refund_terms(parse_charge(card_charge(**changes)), NOW)


def test_full_refund_means_what_is_left_not_the_original_amount() -> None:
    terms = terms_of(refunded_amount=30000, refunds={"total": 1, "data": []})
    assert terms.remaining_amount == 70000
    assert terms.refunds_left == 14
    rr.check_refund(terms, 70000)
    with pytest.raises(rr.RefundRefused) as caught:
        rr.check_refund(terms, 100000)
    assert caught.value.reason == rr.MORE_THAN_LEFT


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"dispute": {"object": "dispute", "id": "dspt_test_1"}}, rr.DISPUTED),
        ({"paid": False, "status": "pending", "paid_at": None}, rr.NOT_PAID),
        ({"refunded_amount": 100000}, rr.NOTHING_LEFT),
        (
            {"refunds": {"total": 15, "data": []}, "refunded_amount": 1500},
            rr.TOO_MANY_REFUNDS,
        ),
        ({"paid_at": iso(NOW - timedelta(days=366))}, rr.WINDOW_CLOSED),
        (
            {
                "paid_at": iso(NOW - timedelta(days=161)),
                "card": {"object": "card", "brand": "JCB", "last_digits": "0001"},
            },
            rr.WINDOW_CLOSED,
        ),
        ({"refundable": False}, rr.NOT_REFUNDABLE),
    ],
)
def test_blocked_charges_refuse_every_amount(
    changes: dict[str, Any], reason: str
) -> None:
    terms = terms_of(**changes)
    assert terms.blocked_by == reason
    with pytest.raises(rr.RefundRefused) as caught:
        rr.check_refund(terms, 100)
    assert caught.value.reason == reason


def test_amex_window_is_160_days_and_visa_365() -> None:
    amex = terms_of(card={"object": "card", "brand": "American Express"})
    visa = terms_of()
    paid_at = NOW - timedelta(days=10)
    assert amex.window_closes_at == paid_at + timedelta(days=160)
    assert visa.window_closes_at == paid_at + timedelta(days=365)
    assert (
        terms_of(
            paid_at=iso(NOW - timedelta(days=159)), card={"brand": "Diners"}
        ).blocked_by
        is None
    )


def test_full_only_methods_refuse_partial_amounts() -> None:
    terms = terms_of(partially_refundable=False)
    rr.check_refund(terms, 100000)
    with pytest.raises(rr.RefundRefused) as caught:
        rr.check_refund(terms, 99999)
    assert caught.value.reason == rr.FULL_ONLY


@pytest.mark.parametrize("amount", [0, -1])
def test_amount_must_be_positive(amount: int) -> None:
    with pytest.raises(rr.RefundRefused) as caught:
        rr.check_refund(terms_of(), amount)
    assert caught.value.reason == rr.NOT_POSITIVE


def test_refund_before_settlement_is_announced_as_a_void() -> None:
    assert terms_of(can_perform_void=True).will_be_void
    assert not terms_of().will_be_void


def authorization(**changes: Any) -> cr.CaptureTerms:
    fields: dict[str, Any] = {
        "status": "pending",
        "paid": False,
        "paid_at": None,
        "captured_amount": 0,
        "capturable": True,
        "reversible": True,
        "refundable": False,
        "authorization_type": "pre_auth",
        "expires_at": iso(NOW + timedelta(days=3)),
    }
    fields.update(changes)
    return cr.capture_terms(parse_charge(card_charge(**fields)), NOW)


def test_partial_capture_of_pre_auth_releases_the_rest() -> None:
    terms = authorization()
    cr.check_capture(terms, 60000)
    assert terms.released_amount(60000) == 40000
    with pytest.raises(cr.CaptureRefused) as caught:
        cr.check_capture(terms, 100001)
    assert caught.value.reason == cr.MORE_THAN_AUTHORIZED


def test_final_auth_captures_in_full_only() -> None:
    terms = authorization(authorization_type="final_auth")
    cr.check_capture(terms, 100000)
    with pytest.raises(cr.CaptureRefused) as caught:
        cr.check_capture(terms, 50000)
    assert caught.value.reason == cr.FULL_ONLY


def test_lapsed_or_captured_authorizations_refuse_capture_and_reverse() -> None:
    lapsed = authorization(expires_at=iso(NOW - timedelta(minutes=1)))
    with pytest.raises(cr.CaptureRefused) as caught:
        cr.check_capture(lapsed, 100)
    assert caught.value.reason == cr.AUTHORIZATION_LAPSED
    with pytest.raises(cr.CaptureRefused):
        cr.check_reverse(lapsed)

    captured = cr.capture_terms(parse_charge(card_charge()), NOW)
    assert captured.blocked_by == cr.NOT_CAPTURABLE
    with pytest.raises(cr.CaptureRefused) as caught:
        cr.check_reverse(captured)
    assert caught.value.reason == cr.NOT_REVERSIBLE
