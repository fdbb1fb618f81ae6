"""The rules a refund must meet, checked on a freshly read charge.

Opn refuses a refund on a charge that is disputed, not paid, fully refunded,
refunded 15 times already, or paid more than 365 days ago (160 days for
JCB, American Express and Diners cards); some payment methods take full
refunds only. ``refund_terms`` states what is allowed now, and
``check_refund`` refuses an amount before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from opn_desk.services.api import Charge

MAX_REFUNDS_PER_CHARGE = 15
REFUND_WINDOW = timedelta(days=365)
SHORT_REFUND_WINDOW = timedelta(days=160)
_SHORT_WINDOW_BRANDS = frozenset(
    {"jcb", "american express", "amex", "diners", "diners club"}
)

# Reasons a refund is refused; the views turn each into a sentence.
DISPUTED = "disputed"
NOT_PAID = "not_paid"
NOTHING_LEFT = "nothing_left"
TOO_MANY_REFUNDS = "too_many_refunds"
WINDOW_CLOSED = "window_closed"
NOT_REFUNDABLE = "not_refundable"
NOT_POSITIVE = "not_positive"
MORE_THAN_LEFT = "more_than_left"
FULL_ONLY = "full_only"


class RefundRefused(ValueError):
    """A refund that the rules do not allow; ``reason`` says which rule."""

    def __init__(self, reason: str, terms: RefundTerms) -> None:
        super().__init__(reason)
        self.reason = reason
        self.terms = terms


@dataclass(frozen=True, slots=True)
class RefundTerms:
    """What a refund on one charge may be, as of ``checked_at``."""

    charge_id: str
    currency: str
    captured_amount: int
    refunded_amount: int
    refund_count: int
    window_closes_at: datetime | None
    partial_allowed: bool
    will_be_void: bool
    blocked_by: str | None
    checked_at: datetime

    @property
    def remaining_amount(self) -> int:
        """What is still refundable, in the smallest unit."""
        return max(self.captured_amount - self.refunded_amount, 0)

    @property
    def refunds_left(self) -> int:
        return max(MAX_REFUNDS_PER_CHARGE - self.refund_count, 0)


def refund_terms(charge: Charge, now: datetime) -> RefundTerms:
    """The refund terms of a charge read from the API at ``now``."""
    captured = charge.captured_amount
    if captured is None:
        captured = charge.amount if charge.paid else 0
    closes_at = None
    if charge.paid_at is not None:
        closes_at = charge.paid_at + refund_window(charge.card_brand)
    terms = RefundTerms(
        charge_id=charge.id,
        currency=charge.currency,
        captured_amount=captured,
        refunded_amount=charge.refunded_amount,
        refund_count=refund_count(charge),
        window_closes_at=closes_at,
        partial_allowed=charge.partially_refundable,
        will_be_void=bool(charge.raw.get("can_perform_void")),
        blocked_by=None,
        checked_at=now,
    )
    blocked = _blocking_rule(charge, terms, now)
    if blocked is None:
        return terms
    return _replace_blocked(terms, blocked)


def check_refund(terms: RefundTerms, amount: int) -> None:
    """Refuse ``amount`` unless the terms allow it.

    Raises:
        RefundRefused: with the rule the amount breaks.
    """
    if terms.blocked_by is not None:
        raise RefundRefused(terms.blocked_by, terms)
    if amount <= 0:
        raise RefundRefused(NOT_POSITIVE, terms)
    if amount > terms.remaining_amount:
        raise RefundRefused(MORE_THAN_LEFT, terms)
    if amount < terms.remaining_amount and not terms.partial_allowed:
        raise RefundRefused(FULL_ONLY, terms)


def refund_window(card_brand: str | None) -> timedelta:
    """How long after payment a charge of this card brand can be refunded."""
    brand = (card_brand or "").strip().lower()
    return SHORT_REFUND_WINDOW if brand in _SHORT_WINDOW_BRANDS else REFUND_WINDOW


def refund_count(charge: Charge) -> int:
    """How many refunds the charge has, from its embedded list's total."""
    refunds = charge.raw.get("refunds")
    if isinstance(refunds, dict):
        total = refunds.get("total")
        if isinstance(total, int) and not isinstance(total, bool):
            return total
    return len(charge.refund_ids)


def _blocking_rule(charge: Charge, terms: RefundTerms, now: datetime) -> str | None:
    if charge.dispute_id is not None:
        return DISPUTED
    if not charge.paid:
        return NOT_PAID
    if terms.remaining_amount <= 0:
        return NOTHING_LEFT
    if terms.refund_count >= MAX_REFUNDS_PER_CHARGE:
        return TOO_MANY_REFUNDS
    if terms.window_closes_at is not None and now > terms.window_closes_at:
        return WINDOW_CLOSED
    if not charge.refundable:
        return NOT_REFUNDABLE
    return None


def _replace_blocked(terms: RefundTerms, reason: str) -> RefundTerms:
    return replace(terms, blocked_by=reason)
