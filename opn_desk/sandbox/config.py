"""The sandbox's settings for behaviour the API documents loosely or not at all.

Every field has the default the README argues for. A ``SandboxConfig`` is
saved with the state and can be changed while the sandbox runs
(``PATCH /__sandbox/config``); a change applies to what happens next, not
to objects already made.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

# Refund support of a payment method.
PARTIAL = "partial"
FULL_ONLY = "full"
NOT_REFUNDABLE = "none"
REFUND_SUPPORT = (PARTIAL, FULL_ONLY, NOT_REFUNDABLE)

LAPSE_STATUSES = ("reversed", "expired")

# What an Omise-Version the sandbox does not know gets (README).
REFUSE_VERSION = "refuse"
ACCOUNT_VERSION = "account_default"
UNKNOWN_VERSION_ANSWERS = (REFUSE_VERSION, ACCOUNT_VERSION)


def _refund_support() -> dict[str, str]:
    # First matching pattern wins (shell-style patterns over the method name:
    # "card" or the source type).
    return {
        "card": PARTIAL,
        "installment_*": FULL_ONLY,
        "promptpay": NOT_REFUNDABLE,
        "mobile_banking_*": NOT_REFUNDABLE,
        "internet_banking_*": NOT_REFUNDABLE,
        "bill_payment_*": NOT_REFUNDABLE,
        "econtext": NOT_REFUNDABLE,
        "wechat_pay*": NOT_REFUNDABLE,
        "*": PARTIAL,
    }


def _test_cards() -> dict[str, str]:
    # Card number -> failure code (REFERENCE.md section 2.9). A number that is
    # not listed succeeds, as the success rows of that table do.
    rows = {
        "insufficient_fund": (
            "4111111111140011",
            "5555551111110011",
            "3530111111190011",
            "6250947000000014",
        ),
        "stolen_or_lost_card": (
            "4111111111130012",
            "5555551111100012",
            "3530111111180012",
            "6250947000000022",
        ),
        "failed_processing": (
            "4111111111120013",
            "5555551111190013",
            "3530111111170013",
            "377138160000009",
            "6447032400001111005",
            "36021042111108",
            "6250947000000030",
        ),
        "payment_rejected": (
            "4111111111110014",
            "5555551111180014",
            "3530111111160014",
        ),
    }
    return {number: code for code, numbers in rows.items() for number in numbers}


def _charge_limits() -> dict[str, list[int]]:
    # [min, max] in the smallest unit. THB, JPY, SGD and MYR are the docs'
    # card limits; the others are our choice (one main unit up to a large cap).
    documented = {
        "THB": [2000, 15_000_000],
        "JPY": [100, 6_000_000],
        "SGD": [100, 2_000_000],
        "MYR": [100, 10_000_000],
    }
    chosen = {
        code: [100, 100_000_000]
        for code in ("USD", "EUR", "GBP", "AUD", "CHF", "CNY", "DKK", "HKD")
    }
    return documented | chosen


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Settings for undocumented or disputed behaviour; see the README."""

    authorization_window_days: int = 7
    authorization_lapse_status: str = "reversed"
    source_expiry_minutes: int = 24 * 60
    settlement_delay_days: int = 0
    account_utc_offset_hours: int = 7
    refund_window_days: int = 365
    short_refund_window_days: int = 160
    short_refund_window_brands: tuple[str, ...] = (
        "JCB",
        "American Express",
        "Diners Club",
    )
    max_refunds_per_charge: int = 15
    refund_support: dict[str, str] = field(default_factory=_refund_support)
    partial_capture_enabled: bool = True
    test_cards: dict[str, str] = field(default_factory=_test_cards)
    charge_limits: dict[str, list[int]] = field(default_factory=_charge_limits)
    mark_as_failed_code: str = "payment_rejected"
    # Schedule days 29-31 fall on a shorter month's last day; false refuses
    # days above 28 (README).
    schedule_month_end_clamp: bool = True
    # Charge schedules are refused on a 3-D Secure account (README).
    three_d_secure_enabled: bool = False
    transfer_hold_days: int = 0
    fault_seed: int = 1
    save_interval_s: float = 1.0
    # Disputes left open this many days are lost (0: never; README).
    dispute_auto_accept_days: int = 0
    # Largest dispute document accepted: "10 MB", read strictly (README).
    document_max_bytes: int = 10_000_000
    # An unknown Omise-Version is refused with bad_request, or answered at
    # the account's version (README).
    unknown_api_version: str = REFUSE_VERSION

    def refund_support_of(self, method: str) -> str:
        """``partial``, ``full`` or ``none`` for ``card`` or a source type."""
        for pattern, support in self.refund_support.items():
            if fnmatchcase(method, pattern):
                return support
        return PARTIAL

    def refund_window_days_for(self, brand: str | None) -> int:
        if brand in self.short_refund_window_brands:
            return self.short_refund_window_days
        return self.refund_window_days

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["short_refund_window_brands"] = list(self.short_refund_window_brands)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SandboxConfig:
        """A config from saved or patched values; raises ``ValueError``."""
        return cls().updated(values)

    def updated(self, changes: dict[str, Any]) -> SandboxConfig:
        """A copy with ``changes`` applied. Raises ``ValueError`` naming a bad key."""
        known = {f.name: f for f in dataclasses.fields(self)}
        converted: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"{name} is not a sandbox setting")
            converted[name] = _convert(name, getattr(self, name), value)
        result = dataclasses.replace(self, **converted)
        result.check()
        return result

    def check(self) -> None:
        """Raise ``ValueError`` for values that cannot work together."""
        if self.authorization_lapse_status not in LAPSE_STATUSES:
            raise ValueError("authorization_lapse_status must be reversed or expired")
        for method, support in self.refund_support.items():
            if support not in REFUND_SUPPORT:
                raise ValueError(
                    f"refund_support of {method} must be partial, full or none"
                )
        for currency, limits in self.charge_limits.items():
            if len(limits) != 2 or not 0 < limits[0] <= limits[1]:
                raise ValueError(f"charge_limits of {currency} must be [min, max]")
        if self.save_interval_s < 0 or self.max_refunds_per_charge < 1:
            raise ValueError("save_interval_s and max_refunds_per_charge are too low")
        if self.dispute_auto_accept_days < 0:
            raise ValueError("dispute_auto_accept_days must be 0 (off) or more")
        if self.document_max_bytes < 1:
            raise ValueError("document_max_bytes must be at least 1")
        if self.unknown_api_version not in UNKNOWN_VERSION_ANSWERS:
            raise ValueError("unknown_api_version must be refuse or account_default")


def _convert(name: str, current: Any, value: Any) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if isinstance(current, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer")
        return value
    if isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number")
        return float(value)
    if isinstance(current, str):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string")
        return value
    if isinstance(current, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} must be a list of strings")
        return tuple(value)
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be an object")
    return dict(value)
