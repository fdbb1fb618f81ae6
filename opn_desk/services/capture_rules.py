"""The rules a capture must meet, checked on a freshly read charge.

Only an authorized, uncaptured card charge whose authorization has not
lapsed can be captured, once. A ``pre_auth`` authorization may be captured
in part, and the rest is released at once; a ``final_auth`` one only in
full. ``capture_terms`` states what is allowed now, and ``check_capture``
refuses an amount before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from opn_desk.services.api import Charge

NOT_CAPTURABLE = "not_capturable"
AUTHORIZATION_LAPSED = "authorization_lapsed"
NOT_POSITIVE = "not_positive"
MORE_THAN_AUTHORIZED = "more_than_authorized"
FULL_ONLY = "full_only"
NOT_REVERSIBLE = "not_reversible"

PRE_AUTH = "pre_auth"


class CaptureRefused(ValueError):
    """A capture or reversal the rules do not allow; ``reason`` says why."""

    def __init__(self, reason: str, terms: CaptureTerms) -> None:
        super().__init__(reason)
        self.reason = reason
        self.terms = terms


@dataclass(frozen=True, slots=True)
class CaptureTerms:
    """What a capture of one authorization may be, as of ``checked_at``."""

    charge_id: str
    currency: str
    authorized_amount: int
    partial_allowed: bool
    reversible: bool
    expires_at: datetime | None
    blocked_by: str | None
    checked_at: datetime

    def released_amount(self, capture_amount: int) -> int:
        """What a capture of ``capture_amount`` gives back to the payer."""
        return max(self.authorized_amount - capture_amount, 0)


def capture_terms(charge: Charge, now: datetime) -> CaptureTerms:
    """The capture terms of a charge read from the API at ``now``."""
    authorized = charge.authorized_amount
    if authorized is None:
        authorized = charge.amount
    terms = CaptureTerms(
        charge_id=charge.id,
        currency=charge.currency,
        authorized_amount=authorized,
        partial_allowed=charge.authorization_type == PRE_AUTH,
        reversible=charge.reversible,
        expires_at=charge.expires_at,
        blocked_by=None,
        checked_at=now,
    )
    if charge.expires_at is not None and now >= charge.expires_at:
        return replace(terms, blocked_by=AUTHORIZATION_LAPSED)
    if not charge.capturable or charge.paid:
        return replace(terms, blocked_by=NOT_CAPTURABLE)
    return terms


def check_capture(terms: CaptureTerms, amount: int) -> None:
    """Refuse a capture of ``amount`` unless the terms allow it.

    Raises:
        CaptureRefused: with the rule the amount breaks.
    """
    if terms.blocked_by is not None:
        raise CaptureRefused(terms.blocked_by, terms)
    if amount <= 0:
        raise CaptureRefused(NOT_POSITIVE, terms)
    if amount > terms.authorized_amount:
        raise CaptureRefused(MORE_THAN_AUTHORIZED, terms)
    if amount < terms.authorized_amount and not terms.partial_allowed:
        raise CaptureRefused(FULL_ONLY, terms)


def check_reverse(terms: CaptureTerms) -> None:
    """Refuse releasing the authorization unless it can be reversed.

    Raises:
        CaptureRefused: when the charge is captured, lapsed or not reversible.
    """
    if terms.blocked_by == AUTHORIZATION_LAPSED:
        raise CaptureRefused(AUTHORIZATION_LAPSED, terms)
    if not terms.reversible:
        raise CaptureRefused(NOT_REVERSIBLE, terms)
