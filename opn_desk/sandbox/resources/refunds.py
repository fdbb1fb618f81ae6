"""Refunds: create on a charge, list per charge and across the account, retrieve.

``create_refund`` checks the rules of REFERENCE.md sections 3.4 and 8.4 in
order and answers the first one broken with the API's error object, before
anything changes. A refund before the charge settles is a void. Each refund
debits the ledger and records ``refund.create``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox import fields as f
from opn_desk.sandbox import rules
from opn_desk.sandbox.config import FULL_ONLY, NOT_REFUNDABLE
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.resources import ledger
from opn_desk.sandbox.resources.base import list_of, sub_list
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.wire import encode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

_CHARGE_REFUNDS = r"/charges/([^/]+)/refunds"


def add_routes(router: Router) -> None:
    router.add("POST", _CHARGE_REFUNDS, create_refund)
    router.add("GET", _CHARGE_REFUNDS, list_charge_refunds)
    router.add("GET", rf"{_CHARGE_REFUNDS}/([^/]+)", get_refund)
    router.add("GET", r"/refunds", list_of("refund", "/refunds"))


def create_refund(state: SandboxState, request: Request) -> bytes:
    charge = state.require("charge", request.path_args[0])
    fields = request.fields
    f.only(fields, {"amount", "metadata", "void", "reason"})
    amount = _amount(fields)
    metadata = f.metadata(fields)
    want_void = f.boolean(fields, "void", False)
    now = state.now()
    check_refund(state, charge, amount, now)
    voided = rules.voidable(charge, state.config, now)
    if want_void and not voided:
        raise ApiError(
            400,
            "failed_void",
            "the charge has settled and can no longer be voided; refund it instead",
        )
    refund = _make_refund(state, charge, amount, voided, metadata)
    return state.emit("refund.create", "refund", refund)


def _amount(fields: dict[str, Any]) -> int:
    amount = f.integer(fields, "amount", code="invalid_amount", required=True)
    if amount is None or amount <= 0:
        raise ApiError(400, "invalid_amount", "amount must be greater than 0")
    return amount


def check_refund(
    state: SandboxState, charge: dict[str, Any], amount: int, now: datetime
) -> None:
    """Raise ``failed_refund`` naming the first refund rule ``amount`` breaks."""
    config = state.config
    method = rules.method_of(charge)
    support = config.refund_support_of(method)
    remaining = charge["captured_amount"] - charge["refunded_amount"]
    if charge["status"] != "successful" or not charge["paid"]:
        _refuse(f"only paid charges can be refunded (this one is {charge['status']})")
    if charge["dispute"] is not None:
        _refuse("a disputed charge cannot be refunded")
    if support == NOT_REFUNDABLE:
        _refuse(f"{method} charges cannot be refunded")
    if charge["refunds"]["total"] >= config.max_refunds_per_charge:
        _refuse(
            f"the charge already has {config.max_refunds_per_charge} refunds, "
            "the most allowed"
        )
    if remaining <= 0:
        _refuse("the charge is already fully refunded")
    if amount > remaining:
        _refuse(f"amount exceeds the refundable amount ({remaining})")
    window_days = config.refund_window_days_for(rules.card_brand(charge))
    if now >= rules.refund_window_ends_at(charge, config):
        _refuse(f"the {window_days}-day refund window after payment has passed")
    if support == FULL_ONLY and amount != remaining:
        _refuse(f"{method} charges can only be refunded in full ({remaining})")


def _refuse(message: str) -> None:
    raise ApiError(400, "failed_refund", message)


def _make_refund(
    state: SandboxState,
    charge: dict[str, Any],
    amount: int,
    voided: bool,
    metadata: dict[str, Any] | None,
) -> dict[str, Any]:
    refund_id = state.new_id("rfnd")
    debit = refund_debit(charge, amount, voided)
    transaction = ledger.post_transaction(
        state,
        amount=debit,
        direction=ledger.DEBIT,
        key=ledger.REFUND_CREATED,
        origin=refund_id,
    )
    refund = ch.refund_object(
        refund_id, charge, amount, state.now(), transaction["id"],
        voided=voided, metadata=metadata,
    )  # fmt: skip
    ch.add_refund(
        charge,
        refund,
        refund_support=rules.refund_support(charge, state.config),
        max_refunds=state.config.max_refunds_per_charge,
    )
    rules.refresh_flags(charge, state.config, state.now())
    state.put("charge", charge)
    return refund


def refund_debit(charge: dict[str, Any], amount: int, voided: bool) -> int:
    """What a refund takes from the balance, in the account currency.

    A refund gives back ``amount``; the fee stays charged. A void cancels
    that share of the capture, fee included, so it takes back the same share
    of the net that was credited (exactly the net once fully voided).
    """
    currency = charge["currency"]
    if not voided:
        return ch.funding_amount(amount, currency)
    captured = int(charge["captured_amount"])
    net = ch.funding_amount(charge["net"], currency)
    before = int(charge["refunded_amount"])
    return net * (before + amount) // captured - net * before // captured


def list_charge_refunds(state: SandboxState, request: Request) -> bytes:
    (charge_id,) = request.path_args
    charge = state.require("charge", charge_id)
    refunds = charge["refunds"]["data"]
    return sub_list(state, request, refunds, f"/charges/{charge_id}/refunds")


def get_refund(state: SandboxState, request: Request) -> bytes:
    charge_id, refund_id = request.path_args
    charge = state.require("charge", charge_id)
    for refund in charge["refunds"]["data"]:
        if refund["id"] == refund_id:
            return encode(refund)
    raise ApiError.not_found("refund", refund_id)
