"""What can be done to a charge after it exists: capture, reverse, expire,
mark as paid or failed (test mode), and what the clock does to it.

Each refusal is the API's error object: ``failed_capture``,
``failed_reverse``, ``failed_expire``, or ``expired_charge`` once an
authorization has lapsed. The timer hooks release lapsed authorizations,
expire unpaid source charges and re-check flags at settlement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox import fields as f
from opn_desk.sandbox import rules
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.resources import payments
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.times import parse_iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

_CHARGE = r"/charges/([^/]+)"


def add_routes(router: Router) -> None:
    router.add("POST", rf"{_CHARGE}/capture", capture)
    router.add("POST", rf"{_CHARGE}/reverse", reverse)
    router.add("POST", rf"{_CHARGE}/expire", expire)
    router.add("POST", rf"{_CHARGE}/mark_as_paid", mark_as_paid)
    router.add("POST", rf"{_CHARGE}/mark_as_failed", mark_as_failed)


def timer_hooks() -> dict[str, Callable[[SandboxState, str, datetime], None]]:
    return {
        payments.AUTHORIZATION_LAPSE: lapse_authorization,
        payments.SOURCE_EXPIRY: expire_source_charge,
        rules.REFRESH_FLAGS: refresh_flags,
    }


def capture(state: SandboxState, request: Request) -> bytes:
    """Capture in full, or in part with ``capture_amount`` (pre_auth only)."""
    charge = _charge(state, request)
    fields = request.fields
    f.only(fields, {"capture_amount"})
    _check_not_lapsed(state, charge)
    if charge["paid"]:
        raise _failed_capture("charge was already captured; a charge is captured once")
    if not payments.is_held_authorization(charge):
        raise _failed_capture(
            "only authorized, uncaptured charges can be captured "
            f"(this one is {charge['status']})"
        )
    amount = f.integer(fields, "capture_amount", code="failed_capture")
    if amount is not None:
        _check_capture_amount(state, charge, amount)
    payments.pay(state, charge, amount)
    return state.emit("charge.capture", "charge", charge)


def _check_capture_amount(
    state: SandboxState, charge: dict[str, Any], amount: int
) -> None:
    if charge["authorization_type"] != "pre_auth":
        raise _failed_capture("capture_amount is only accepted on pre_auth charges")
    if not state.config.partial_capture_enabled:
        raise _failed_capture("partial capture is not enabled on this account")
    if amount <= 0:
        raise _failed_capture("capture_amount must be greater than 0")
    if amount > charge["authorized_amount"]:
        raise _failed_capture(
            "capture_amount must not exceed the authorized amount "
            f"({charge['authorized_amount']})"
        )


def reverse(state: SandboxState, request: Request) -> bytes:
    """Release an uncaptured authorization."""
    charge = _charge(state, request)
    _check_not_lapsed(state, charge)
    if not payments.is_held_authorization(charge):
        raise ApiError(
            400, "failed_reverse", "only uncaptured authorized charges can be reversed"
        )
    ch.reverse(charge, state.now())
    return state.emit("charge.reverse", "charge", charge)


def expire(state: SandboxState, request: Request) -> bytes:
    """Expire a source charge the payer has not completed."""
    charge = _charge(state, request)
    if not payments.is_awaiting_payer(charge):
        raise ApiError(
            400,
            "failed_expire",
            "only pending charges waiting for the payer can be expired "
            f"(this one is {charge['status']})",
        )
    payments.expire(state, charge)
    return state.emit("charge.expire", "charge", charge)


def mark_as_paid(state: SandboxState, request: Request) -> bytes:
    """Test mode: the payer completed a pending source charge."""
    charge = _awaiting_payer(state, request, "paid")
    payments.pay(state, charge)
    return state.emit("charge.complete", "charge", charge)


def mark_as_failed(state: SandboxState, request: Request) -> bytes:
    """Test mode: the payment of a pending source charge failed."""
    charge = _awaiting_payer(state, request, "failed")
    payments.fail(state, charge, state.config.mark_as_failed_code)
    return state.emit("charge.complete", "charge", charge)


def _awaiting_payer(
    state: SandboxState, request: Request, outcome: str
) -> dict[str, Any]:
    charge = _charge(state, request)
    if not payments.is_awaiting_payer(charge):
        raise ApiError.bad_request(
            f"only pending charges waiting for the payer can be marked as {outcome} "
            f"(this one is {charge['status']})"
        )
    return charge


def _charge(state: SandboxState, request: Request) -> dict[str, Any]:
    return state.require("charge", request.path_args[0])


def _check_not_lapsed(state: SandboxState, charge: dict[str, Any]) -> None:
    held_too_long = payments.is_held_authorization(charge) and state.now() >= (
        parse_iso(charge["expires_at"])
    )
    if payments.lapsed(charge) or held_too_long:
        raise ApiError(
            400,
            "expired_charge",
            f"charge expired: its authorization lapsed at {charge['expires_at']}",
        )


def _failed_capture(message: str) -> ApiError:
    return ApiError(400, "failed_capture", message)


# -- timer hooks ---------------------------------------------------------------


def lapse_authorization(state: SandboxState, charge_id: str, due: datetime) -> None:
    """An authorization never captured is released when its window ends."""
    charge = state.get("charge", charge_id)
    if charge is None or not payments.is_held_authorization(charge):
        return
    if state.config.authorization_lapse_status == "expired":
        ch.expire(charge, due)
        charge["authorized"] = True
        state.emit("charge.expire", "charge", charge)
        return
    ch.reverse(charge, due)
    state.emit("charge.reverse", "charge", charge)


def expire_source_charge(state: SandboxState, charge_id: str, due: datetime) -> None:
    """A source charge the payer never completed expires at ``expires_at``."""
    charge = state.get("charge", charge_id)
    if charge is None or not payments.is_awaiting_payer(charge):
        return
    if charge["expires_at"] and parse_iso(charge["expires_at"]) > due:
        return
    payments.expire(state, charge)
    state.emit("charge.expire", "charge", charge)


def refresh_flags(state: SandboxState, charge_id: str, due: datetime) -> None:
    """Settlement or the end of the refund window changes a paid charge's flags."""
    charge = state.get("charge", charge_id)
    if charge is None or charge["status"] != "successful":
        return
    before = dict(charge)
    rules.refresh_flags(charge, state.config, due)
    if charge != before:
        state.put("charge", charge)
