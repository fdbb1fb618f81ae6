"""What happens to a charge when money moves, shared by every charge endpoint.

``pay`` captures (in full or in part): it sets the charge's amounts and
flags, credits the net to the ledger and sets the timers for settlement and
the end of the refund window. ``hold_authorization`` and ``await_payer``
leave a charge pending with a timer for when it lapses or expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox import rules
from opn_desk.sandbox.config import SandboxConfig
from opn_desk.sandbox.resources import ledger
from opn_desk.sandbox.times import parse_iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

AUTHORIZATION_LAPSE = "charge.authorization_lapse"
SOURCE_EXPIRY = "charge.source_expiry"


def pay(
    state: SandboxState, charge: dict[str, Any], captured_amount: int | None = None
) -> None:
    """Capture ``charge`` now (``captured_amount`` for a partial capture)."""
    now = state.now()
    config = state.config
    captured = charge["amount"] if captured_amount is None else captured_amount
    _, _, net = ch.fees(captured)
    transaction = ledger.post_transaction(
        state,
        amount=ch.funding_amount(net, charge["currency"]),
        direction=ledger.CREDIT,
        key=ledger.CHARGE_CAPTURED,
        origin=charge["id"],
    )
    ch.succeed(
        charge,
        now,
        transaction["id"],
        captured_amount=captured_amount,
        refund_support=rules.refund_support(charge, config),
        max_refunds=config.max_refunds_per_charge,
    )
    rules.refresh_flags(charge, config, now)
    _settle_source(charge)
    for due, hook, object_id in rules.after_payment_timers(charge, config, now):
        state.schedule(due, hook, object_id)


def hold_authorization(state: SandboxState, charge: dict[str, Any]) -> None:
    """Authorized, not captured: lapses after the authorization window."""
    window = timedelta(days=state.config.authorization_window_days)
    ch.authorize(charge, state.now(), window)
    state.schedule(parse_iso(charge["expires_at"]), AUTHORIZATION_LAPSE, charge["id"])


def await_payer(
    state: SandboxState, charge: dict[str, Any], expires_at: datetime | None
) -> None:
    """A source charge waiting for the payer; expires at ``expires_at``."""
    now = state.now()
    if expires_at is None:
        expires_at = now + timedelta(minutes=state.config.source_expiry_minutes)
    uri = None
    if charge["source"]["flow"] != "offline":  # offline: the payer scans or pays
        uri = f"https://pay.omise.co/payments/{state.new_id('pay2')}/authorize"
    ch.await_payer(charge, expires_at, uri)
    _settle_source(charge)
    state.schedule(expires_at, SOURCE_EXPIRY, charge["id"])


def timers_for(
    charge: dict[str, Any], config: SandboxConfig, now: datetime
) -> list[tuple[datetime, str, str]]:
    """(due, hook, charge id) for what will still happen to a stored charge:
    a lapse or an expiry while pending, settlement and the refund window's
    end once paid."""
    if charge["status"] == "pending" and charge.get("expires_at"):
        hook = AUTHORIZATION_LAPSE if charge["authorized"] else SOURCE_EXPIRY
        return [(parse_iso(charge["expires_at"]), hook, charge["id"])]
    if charge["status"] == "successful" and charge.get("dispute") is None:
        return rules.after_payment_timers(charge, config, now)
    return []


def fail(state: SandboxState, charge: dict[str, Any], failure_code: str) -> None:
    ch.fail(charge, failure_code)
    _settle_source(charge)


def expire(state: SandboxState, charge: dict[str, Any]) -> None:
    ch.expire(charge, state.now())
    _settle_source(charge)


def is_awaiting_payer(charge: dict[str, Any]) -> bool:
    return charge["status"] == "pending" and not charge["authorized"]


def is_held_authorization(charge: dict[str, Any]) -> bool:
    return charge["status"] == "pending" and bool(charge["authorized"])


def lapsed(charge: dict[str, Any]) -> bool:
    """An authorization released because its window ran out (not by hand)."""
    if not charge["authorized"] or charge["paid"] or not charge["expires_at"]:
        return False
    if charge["status"] == "expired":
        return True
    reversed_at = charge["reversed_at"]
    return (
        charge["status"] == "reversed"
        and reversed_at is not None
        and reversed_at >= charge["expires_at"]
    )


def _settle_source(charge: dict[str, Any]) -> None:
    """A source shows the status of the charge that used it."""
    if isinstance(charge.get("source"), dict):
        charge["source"]["charge_status"] = charge["status"]
