"""Charge objects in the 2019-05-29 shape, and the state changes they go through.

Each function that changes a charge sets every flag the way the API's status
table does (REFERENCE.md section 2.4), so a charge built here never shows a
combination the real API would not. Amounts are integers in the smallest unit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from typing import Any

from opn_desk.sandbox.times import iso

Charge = dict[str, Any]

FEE_RATE = "3.65"
VAT_RATE = "7.0"
AUTHORIZATION_WINDOW = timedelta(days=7)

# Settlement currency rates used for multi-currency charges (THB per unit).
_THB_PER_UNIT = {"THB": Decimal(1), "JPY": Decimal("0.235"), "SGD": Decimal("25.8")}
_SUBUNITS = {"JPY": 1}

MAX_REFUNDS = 15

# Refund support of a payment method (see SandboxConfig.refund_support).
PARTIAL = "partial"
FULL_ONLY = "full"
NOT_REFUNDABLE = "none"

FAILURE_MESSAGES = {
    "insufficient_fund": (
        "insufficient funds in the account or the card has reached the credit limit"
    ),
    "stolen_or_lost_card": "the card was reported stolen or lost",
    "failed_processing": "the payment could not be processed",
    "payment_rejected": "the payment was rejected by the issuer",
    "invalid_security_code": "the security code is invalid",
    "failed_fraud_check": "the card was marked as fraudulent",
    "payment_cancelled": "the payer cancelled the payment",
    "timeout": "the payer did not complete the payment in time",
}


def round_half_up(value: Decimal) -> int:
    """``value`` rounded to a whole number, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fees(amount: int, fee_rate: str = FEE_RATE) -> tuple[int, int, int]:
    """(fee, fee_vat, net) for ``amount``: 5000 -> (183, 13, 4804)."""
    fee = _percent_half_up(amount, fee_rate)
    fee_vat = _percent_half_up(fee, VAT_RATE)
    return fee, fee_vat, amount - fee - fee_vat


def _percent_half_up(amount: int, rate: str) -> int:
    """``amount`` x ``rate`` % rounded half up, in exact integer arithmetic."""
    numerator, denominator = _percent(rate)
    share = amount * numerator
    if share < 0:
        return -((-2 * share + denominator) // (2 * denominator))
    return (2 * share + denominator) // (2 * denominator)


@cache
def _percent(rate: str) -> tuple[int, int]:
    """``rate`` % as a fraction: "3.65" -> (73, 2000)."""
    ratio = Fraction(rate) / 100
    return ratio.numerator, ratio.denominator


def funding_amount(amount: int, currency: str) -> int:
    """``amount`` of ``currency`` in THB satang, the account's currency."""
    if currency == "THB":
        return amount
    rate = _THB_PER_UNIT.get(currency, Decimal(1))
    subunits = _SUBUNITS.get(currency, 100)
    return round_half_up(Decimal(amount) * rate * 100 / subunits)


def empty_list(location: str, at: datetime) -> dict[str, Any]:
    """An embedded list envelope with no items (refunds, documents)."""
    return {
        "object": "list",
        "data": [],
        "limit": 20,
        "offset": 0,
        "total": 0,
        "location": location,
        "order": "chronological",
        "from": "1970-01-01T00:00:00Z",
        "to": iso(at),
    }


def new_charge(
    charge_id: str,
    created_at: datetime,
    amount: int,
    currency: str,
    *,
    card: dict[str, Any] | None = None,
    source: dict[str, Any] | None = None,
    customer: str | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    capture: bool = True,
    authorization_type: str | None = None,
    ip: str | None = None,
) -> Charge:
    """A charge just created and not yet paid: status ``pending``.

    The caller moves it on with ``authorize``, ``succeed``, ``fail`` and the
    other functions of this module.
    """
    location = f"/charges/{charge_id}"
    fee, fee_vat, net = fees(amount)
    return {
        "object": "charge",
        "id": charge_id,
        "location": location,
        "amount": amount,
        "authorization_type": authorization_type,
        "authorized_amount": 0,
        "captured_amount": 0,
        "acquirer_reference_number": None,
        "net": net,
        "fee": fee,
        "fee_vat": fee_vat,
        "interest": 0,
        "interest_vat": 0,
        "funding_amount": funding_amount(amount, currency),
        "refunded_amount": 0,
        "transaction_fees": {
            "fee_flat": "0.0",
            "fee_rate": FEE_RATE,
            "vat_rate": VAT_RATE,
        },
        "platform_fee": {"fixed": None, "amount": None, "percentage": None},
        "currency": currency,
        "funding_currency": "THB",
        "ip": ip,
        "refunds": empty_list(f"{location}/refunds", created_at),
        "link": None,
        "description": description,
        "metadata": metadata if metadata is not None else {},
        "card": card,
        "source": source,
        "schedule": None,
        "linked_account": None,
        "customer": customer,
        "dispute": None,
        "transaction": None,
        "failure_code": None,
        "failure_message": None,
        "merchant_advice": None,
        "merchant_advice_code": None,
        "status": "pending",
        "authorize_uri": None,
        "return_uri": None,
        "created_at": iso(created_at),
        "paid_at": None,
        "authorized_at": None,
        "expires_at": None,
        "expired_at": None,
        "reversed_at": None,
        "multi_capture": False,
        "zero_interest_installments": False,
        "branch": None,
        "terminal": None,
        "device": None,
        "authorized": False,
        "capturable": False,
        "capture": capture,
        "disputable": False,
        "livemode": False,
        "refundable": False,
        "partially_refundable": False,
        "reversed": False,
        "reversible": False,
        "voided": False,
        "paid": False,
        "expired": False,
        "can_perform_void": False,
        "approval_code": None,
    }


def _clear_actions(charge: Charge) -> None:
    for flag in (
        "capturable",
        "reversible",
        "refundable",
        "partially_refundable",
        "disputable",
        "can_perform_void",
    ):
        charge[flag] = False


def await_payer(
    charge: Charge, expires_at: datetime, authorize_uri: str | None
) -> None:
    """Pending, waiting for the payer on an offsite page (``authorize_uri``)
    or at a till or a QR code (offline flows: no ``authorize_uri``)."""
    _clear_actions(charge)
    charge["status"] = "pending"
    charge["expires_at"] = iso(expires_at)
    charge["authorize_uri"] = authorize_uri


def authorize(
    charge: Charge, at: datetime, window: timedelta = AUTHORIZATION_WINDOW
) -> None:
    """Card authorized but not captured (``capture=false``): pending."""
    _clear_actions(charge)
    charge.update(
        status="pending",
        authorized=True,
        authorized_at=iso(at),
        authorized_amount=charge["amount"],
        expires_at=iso(at + window),
        capturable=True,
        reversible=True,
    )


def succeed(
    charge: Charge,
    paid_at: datetime,
    transaction_id: str,
    *,
    captured_amount: int | None = None,
    voidable: bool = False,
    refund_support: str = PARTIAL,
    max_refunds: int = MAX_REFUNDS,
) -> None:
    """Paid: captured in full, or in part (``captured_amount``, pre_auth).

    ``voidable``: a refund now would be a void (before settlement).
    """
    captured = charge["amount"] if captured_amount is None else captured_amount
    fee, fee_vat, net = fees(captured)
    if charge["authorized_at"] is None:
        charge["authorized_at"] = iso(paid_at)
    charge.update(
        status="successful",
        authorized=True,
        authorized_amount=charge["amount"],
        captured_amount=captured,
        paid=True,
        paid_at=iso(paid_at),
        transaction=transaction_id,
        fee=fee,
        fee_vat=fee_vat,
        net=net,
        funding_amount=funding_amount(captured, charge["currency"]),
    )
    _close_window(charge)
    _clear_actions(charge)
    refresh_refund_flags(charge, refund_support, max_refunds, voidable=voidable)


def fail(charge: Charge, failure_code: str) -> None:
    """Declined or failed: no money moved, no action possible."""
    _clear_actions(charge)
    charge.update(
        status="failed",
        authorized=False,
        paid=False,
        failure_code=failure_code,
        failure_message=FAILURE_MESSAGES.get(failure_code, failure_code),
        transaction=None,
    )
    if paid_by_card(charge):
        _close_window(charge)
        charge["expired"] = charge["expires_at"] is not None


def _close_window(charge: Charge) -> None:
    """A final charge shows its window's end as ``expired_at``.

    The recordings do this for every paid charge and every declined card
    charge (a declined one also has ``expired: true``), although the window
    has not ended yet: the value is the lapse time, not when it ended.
    """
    if charge["expires_at"] is not None:
        charge["expired_at"] = charge["expires_at"]


def reverse(charge: Charge, at: datetime) -> None:
    """An uncaptured authorization released: status ``reversed``."""
    _clear_actions(charge)
    charge.update(status="reversed", reversed=True, reversed_at=iso(at))


def expire(charge: Charge, at: datetime) -> None:
    """A pending charge that the payer never completed: status ``expired``."""
    _clear_actions(charge)
    charge.update(
        status="expired",
        expired=True,
        expired_at=iso(at),
        authorized=False,
        paid=False,
    )


def refund_object(
    refund_id: str,
    charge: Charge,
    amount: int,
    created_at: datetime,
    transaction_id: str,
    *,
    voided: bool = False,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A refund of ``amount`` on ``charge`` (not yet attached to it)."""
    return {
        "object": "refund",
        "id": refund_id,
        "location": f"{charge['location']}/refunds/{refund_id}",
        "livemode": False,
        "voided": voided,
        "currency": charge["currency"],
        "amount": amount,
        "metadata": metadata if metadata is not None else {},
        "charge": charge["id"],
        "capture": None,
        "terminal": None,
        "transaction": transaction_id,
        "status": "closed",
        "funding_amount": funding_amount(amount, charge["currency"]),
        "funding_currency": "THB",
        "created_at": iso(created_at),
        "acquirer_reference_number": None,
        "approval_code": None,
    }


def add_refund(
    charge: Charge,
    refund: dict[str, Any],
    *,
    refund_support: str = PARTIAL,
    max_refunds: int = MAX_REFUNDS,
    voidable: bool = False,
) -> None:
    """Attach ``refund`` to ``charge`` and update its amounts and flags."""
    refunds = charge["refunds"]
    refunds["data"].append(refund)
    refunds["total"] = len(refunds["data"])
    refunds["to"] = refund["created_at"]
    charge["refunded_amount"] += refund["amount"]
    fully_refunded = charge["refunded_amount"] >= charge["captured_amount"]
    all_voids = all(item["voided"] for item in refunds["data"])
    charge["voided"] = fully_refunded and all_voids
    refresh_refund_flags(charge, refund_support, max_refunds, voidable=voidable)


def dispute_object(
    dispute_id: str,
    charge: Charge,
    created_at: datetime,
    transaction_id: str,
    *,
    reason_code: str,
    reason_message: str,
) -> dict[str, Any]:
    """An ``open`` dispute on the captured amount of ``charge``."""
    amount = charge["captured_amount"]
    location = f"/disputes/{dispute_id}"
    return {
        "object": "dispute",
        "id": dispute_id,
        "livemode": False,
        "location": location,
        "currency": charge["currency"],
        "amount": amount,
        "funding_amount": funding_amount(amount, charge["currency"]),
        "funding_currency": "THB",
        "metadata": {},
        "charge": charge["id"],
        "documents": empty_list(f"{location}/documents", created_at),
        "transactions": [
            transaction_object(
                transaction_id,
                charge["currency"],
                amount,
                "debit",
                "dispute.started.debit",
                dispute_id,
                created_at,
            )
        ],
        "admin_message": None,
        "message": None,
        "reason_code": reason_code,
        "reason_message": reason_message,
        "status": "open",
        "closed_at": None,
        "created_at": iso(created_at),
    }


def close_dispute(
    dispute: dict[str, Any],
    status: str,
    at: datetime,
    credit_transaction_id: str | None = None,
) -> None:
    """Decide ``dispute`` as ``won`` or ``lost``; a win credits the money back."""
    dispute.update(status=status, closed_at=iso(at))
    if status == "won" and credit_transaction_id is not None:
        started = dispute["transactions"][0]
        dispute["transactions"].append(
            transaction_object(
                credit_transaction_id,
                started["currency"],
                started["amount"],
                "credit",
                "dispute.won.credit",
                dispute["id"],
                at,
            )
        )


def attach_dispute(charge: Charge, dispute: dict[str, Any]) -> None:
    """A disputed charge can no longer be refunded or disputed again."""
    charge["dispute"] = dispute
    _clear_actions(charge)


def paid_by_card(charge: Charge) -> bool:
    """A card charge: not a source's, even one that shows the payer's card
    (an installment)."""
    return charge["card"] is not None and charge.get("source") is None


def refresh_refund_flags(
    charge: Charge,
    refund_support: str,
    max_refunds: int = MAX_REFUNDS,
    *,
    voidable: bool = False,
    window_open: bool = True,
) -> None:
    """Set ``refundable``, ``partially_refundable``, ``disputable`` and
    ``can_perform_void`` of a paid charge from its amounts and refunds.

    ``refund_support`` is the payment method's (partial, full or none);
    ``voidable`` says the charge has not settled yet; ``window_open`` that
    the refund window since ``paid_at`` has not passed.
    """
    if charge["status"] != "successful" or charge["dispute"] is not None:
        return
    remaining = charge["captured_amount"] - charge["refunded_amount"]
    under_limit = charge["refunds"]["total"] < max_refunds
    refundable = (
        remaining > 0
        and under_limit
        and window_open
        and refund_support != NOT_REFUNDABLE
    )
    charge["refundable"] = refundable
    charge["partially_refundable"] = refundable and refund_support == PARTIAL
    charge["disputable"] = paid_by_card(charge) and remaining > 0
    charge["can_perform_void"] = refundable and voidable


def transaction_object(
    transaction_id: str,
    currency: str,
    amount: int,
    direction: str,
    key: str,
    origin: str,
    at: datetime,
    transferable_at: datetime | None = None,
) -> dict[str, Any]:
    """A balance transaction: ``amount`` (positive) moved in ``direction``."""
    return {
        "object": "transaction",
        "id": transaction_id,
        "livemode": False,
        "currency": currency,
        "amount": amount,
        "location": f"/transactions/{transaction_id}",
        "direction": direction,
        "key": key,
        "origin": origin,
        "transferable_at": iso(transferable_at or at),
        "created_at": iso(at),
    }
