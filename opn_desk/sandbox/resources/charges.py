"""Charges: create (card token, customer card or source), list, retrieve, update.

Creation checks what the API checks (REFERENCE.md sections 2.2 and 8.3)
before anything changes, so a refused request leaves no trace: amount and
currency, exactly one way to pay, unknown ids (404), a used token. A
declined test card is not an error: the answer is a ``failed`` charge.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox import fields as f
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.payer_details import add_payer_details
from opn_desk.sandbox.resources import customers, payments, tokens
from opn_desk.sandbox.resources.base import list_of, retrieve_of
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.times import iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

AUTHORIZATION_TYPES = ("pre_auth", "final_auth")
PAYMENTS_URL = "https://api.omise.co/payments"
_CREATE_FIELDS = {
    "amount", "currency", "card", "customer", "source", "capture",
    "authorization_type", "description", "metadata", "return_uri",
    "expires_at", "ip", "platform_fee", "zero_interest_installments",
    "webhook_endpoints", "authentication", "transaction_indicator",
    "recurring_reason", "first_charge", "linked_account", "reference",
}  # fmt: skip


def add_routes(router: Router) -> None:
    router.add("POST", r"/charges", create_charge)
    router.add("GET", r"/charges", list_of("charge", "/charges"))
    router.add("GET", r"/charges/([^/]+)", retrieve_of("charge"))
    router.add("PATCH", r"/charges/([^/]+)", update_charge)


def create_charge(state: SandboxState, request: Request) -> bytes:
    fields = request.fields
    f.only(fields, _CREATE_FIELDS)
    charge = build_charge(state, fields)
    return state.emit("charge.create", "charge", charge)


def build_charge(state: SandboxState, fields: dict[str, Any]) -> dict[str, Any]:
    """A new charge from create fields, its outcome decided, not yet stored.

    Schedules can create their charges through this too. Raises
    ``ApiError`` before changing anything when the fields are refused.
    """
    amount, currency = _amount_and_currency(state, fields)
    capture = f.boolean(fields, "capture", True)
    authorization_type = _authorization_type(fields, capture)
    description = f.text(fields, "description")
    metadata = f.metadata(fields)
    expires_at = f.moment(fields, "expires_at")
    payment = _payment(state, fields, amount, currency)
    charge = ch.new_charge(
        state.new_id("chrg"),
        state.now(),
        amount,
        currency,
        customer=payment.get("customer"),
        description=description,
        metadata=metadata,
        capture=capture if payment["kind"] == "card" else True,
        authorization_type=authorization_type,
        ip=f.text(fields, "ip"),
    )
    charge["return_uri"] = f.text(fields, "return_uri")
    if payment["kind"] == "card":
        _charge_card(state, charge, payment)
    else:
        _charge_source(state, charge, payment, expires_at)
    return charge


def _amount_and_currency(
    state: SandboxState, fields: dict[str, Any]
) -> tuple[int, str]:
    amount = f.integer(fields, "amount", code="invalid_charge", required=True)
    assert amount is not None
    currency_text = f.text(fields, "currency", required=True, code="invalid_charge")
    currency = str(currency_text).upper()
    supported = state.account()["supported_currencies"]
    limits = state.config.charge_limits.get(currency)
    if currency not in supported or limits is None:
        raise ApiError(400, "invalid_charge", "currency is currently not supported")
    low, high = limits
    unit = f"({currency.lower()} subunits)"
    if amount < low:
        raise ApiError(
            400,
            "invalid_charge",
            f"amount must be greater than or equal to {low} {unit}",
        )
    if amount > high:
        raise ApiError(
            400, "invalid_charge", f"amount must be less than or equal to {high} {unit}"
        )
    return amount, currency


def _authorization_type(fields: dict[str, Any], capture: bool) -> str | None:
    value = f.text(fields, "authorization_type")
    if value is not None and value not in AUTHORIZATION_TYPES:
        raise ApiError.bad_request("authorization_type must be pre_auth or final_auth")
    if value is None and not capture:
        return "final_auth"
    return value


def _payment(
    state: SandboxState, fields: dict[str, Any], amount: int, currency: str
) -> dict[str, Any]:
    """How the charge is paid, checked: kind, card or source, customer."""
    card_ref = f.text(fields, "card")
    customer_id = f.text(fields, "customer")
    source = fields.get("source")
    if source is not None:
        if card_ref or customer_id:
            raise ApiError.bad_request(
                "source cannot be combined with card or customer"
            )
        return {"kind": "source", "source": _source(state, source, amount, currency)}
    if customer_id:
        if card_ref and not card_ref.startswith("card_"):
            raise ApiError.bad_request(
                "with a customer, card must be one of its card ids"
            )
        _, card = customers.customer_card(state, customer_id, card_ref)
        return {"kind": "card", "card": card, "customer": customer_id}
    if not card_ref:
        raise ApiError.bad_request("card, customer or source is required")
    if card_ref.startswith("card_"):
        raise ApiError.bad_request("customer is required to charge a card id")
    token = state.require("token", card_ref)
    if token["used"]:
        raise ApiError(400, "used_token", "token was already used")
    return {"kind": "card", "card": token["card"], "token": card_ref}


def _source(
    state: SandboxState, source: Any, amount: int, currency: str
) -> dict[str, Any]:
    if isinstance(source, dict):
        values = {"amount": amount, "currency": currency, **source}
        built = tokens.build_source(state, values)
    else:
        built = state.require("source", str(source))
        if built["charge_status"] != "unknown":
            raise ApiError.bad_request(f"source {built['id']} was already charged")
    if built["amount"] != amount or built["currency"] != currency:
        raise ApiError(
            400, "invalid_charge", "amount and currency must match the source's"
        )
    return built


def _charge_card(
    state: SandboxState, charge: dict[str, Any], payment: dict[str, Any]
) -> None:
    card = dict(payment["card"])
    charge["card"] = card
    window = timedelta(days=state.config.authorization_window_days)
    charge["expires_at"] = iso(state.now() + window)
    if state.config.three_d_secure_enabled:
        # Frictionless: the payer is authenticated without a challenge, so
        # the outcome is at once, as in the recorded 3-D Secure charges.
        payment_id = state.new_id("paym")
        charge["authorize_uri"] = f"{PAYMENTS_URL}/{payment_id}/authorize"
    token_id = payment.get("token")
    if token_id:
        token = customers.use_token(state, token_id)
    failure = tokens.card_failure(state, card["id"])
    if failure is not None:
        payments.fail(state, charge, failure)
    elif charge["capture"]:
        payments.pay(state, charge)
    else:
        payments.hold_authorization(state, charge)
    if token_id:
        token["charge_status"] = charge["status"]
        state.put("token", token)


def _charge_source(
    state: SandboxState,
    charge: dict[str, Any],
    payment: dict[str, Any],
    expires_at: datetime | None,
) -> None:
    if expires_at is not None and expires_at <= state.now():
        raise ApiError.bad_request("expires_at must be in the future")
    charge["source"] = payment["source"]
    payments.await_payer(state, charge, expires_at)
    add_payer_details(charge, state.now())
    state.put("source", charge["source"])


def update_charge(state: SandboxState, request: Request) -> bytes:
    """``PATCH /charges/{id}``: description and metadata, in any status."""
    (charge_id,) = request.path_args
    charge = state.require("charge", charge_id)
    fields = request.fields
    f.only(fields, {"description", "metadata"})
    if "description" in fields:
        charge["description"] = f.text(fields, "description")
    metadata = f.metadata(fields)
    if metadata is not None:
        charge["metadata"] = metadata
    return state.emit("charge.update", "charge", charge)
