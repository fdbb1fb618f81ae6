"""Card tokens (the vault's ``POST /tokens``) and payment sources.

The sandbox serves the vault's paths on its own port; they take the public
key as well as the secret one. A token is made from a card number that is
never stored: what the number decides (decline or success, from the
test-card table) is kept with the card id in the private ``vault_card`` kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import fields as f
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.methods import (
    SOURCE_FLOWS,
    SOURCE_REQUIRED_FIELDS,
    card_number_problem,
    installment_terms,
    new_card,
    source_currencies,
)
from opn_desk.sandbox.resources.base import retrieve_of
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.times import iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

VAULT_CARD = "vault_card"


def add_routes(router: Router) -> None:
    router.add("POST", r"/tokens", create_token, public=True)
    router.add("GET", r"/tokens/([^/]+)", retrieve_of("token"), public=True)
    router.add("POST", r"/sources", create_source, public=True)
    # Reading a source back is server-side work (REFERENCE.md section 8.1).
    router.add("GET", r"/sources/([^/]+)", retrieve_of("source"))


def create_token(state: SandboxState, request: Request) -> bytes:
    card_fields = request.fields.get("card")
    if not isinstance(card_fields, dict):
        raise ApiError(400, "invalid_card", "card is required")
    number = _card_number(card_fields)
    _check_expiry(state, card_fields)
    now = state.now()
    card = new_card(state.new_id("card"), number, card_fields, now)
    failure_code = state.config.test_cards.get(number)
    if failure_code is not None:
        secret = {"id": card["id"], "created_at": iso(now), "failure": failure_code}
        state.put(VAULT_CARD, secret)
    token_id = state.new_id("tokn")
    token = {
        "object": "token",
        "id": token_id,
        "livemode": False,
        "location": f"/tokens/{token_id}",
        "used": False,
        "charge_status": "unknown",
        "card": card,
        "created_at": iso(now),
    }
    return state.put("token", token)


def _card_number(card_fields: dict[str, Any]) -> str:
    number = "".join(str(card_fields.get("number") or "").split())
    problem = card_number_problem(number)
    if problem is not None:
        raise ApiError(400, "invalid_card", problem)
    if not str(card_fields.get("name") or "").strip():
        raise ApiError(400, "invalid_card", "name is required")
    return number


def _check_expiry(state: SandboxState, card_fields: dict[str, Any]) -> None:
    month = f.integer(card_fields, "expiration_month", code="invalid_card")
    year = f.integer(card_fields, "expiration_year", code="invalid_card")
    if month is None or year is None or not 1 <= month <= 12:
        raise ApiError(
            400, "invalid_card", "expiration month and year are required (1-12)"
        )
    now = state.now()
    if (year, month) < (now.year, now.month):
        raise ApiError(400, "invalid_card", "expiration date cannot be in the past")
    card_fields["expiration_month"], card_fields["expiration_year"] = month, year


def card_failure(state: SandboxState, card_id: str) -> str | None:
    """The failure code a charge on this card gets, or None for success."""
    secret = state.get(VAULT_CARD, card_id)
    return str(secret["failure"]) if secret is not None else None


def create_source(state: SandboxState, request: Request) -> bytes:
    source = build_source(state, request.fields)
    return state.put("source", source)


def build_source(state: SandboxState, values: dict[str, Any]) -> dict[str, Any]:
    """A new source from request fields. Raises ``ApiError`` 400."""
    kind = f.text(values, "type", required=True)
    if kind not in SOURCE_FLOWS:
        raise ApiError.bad_request("type is currently not supported")
    amount = f.integer(values, "amount", required=True)
    if amount is None or amount <= 0:
        raise ApiError.bad_request("amount must be greater than 0")
    currency = str(f.text(values, "currency", required=True)).upper()
    if currency not in source_currencies(kind):
        raise ApiError.bad_request("currency is currently not supported")
    for name in SOURCE_REQUIRED_FIELDS.get(kind, ()):
        if not f.text(values, name):
            raise ApiError.bad_request(f"{name} is required for {kind}")
    source_id = state.new_id("src")
    installment = kind.startswith("installment_")
    term = f.integer(values, "installment_term") if installment else None
    if installment and term not in installment_terms(kind):
        terms = ", ".join(str(t) for t in installment_terms(kind))
        raise ApiError.bad_request(f"installment_term must be one of {terms}")
    return {
        "object": "source",
        "id": source_id,
        "livemode": False,
        "location": f"/sources/{source_id}",
        "amount": amount,
        "barcode": f.text(values, "barcode"),
        "bank": f.text(values, "bank"),
        "created_at": iso(state.now()),
        "currency": currency,
        "email": f.text(values, "email"),
        "flow": SOURCE_FLOWS[kind],
        "installment_term": term,
        "ip": f.text(values, "ip"),
        "absorption_type": "customer" if installment else None,
        "name": f.text(values, "name"),
        "mobile_number": f.text(values, "mobile_number"),
        "phone_number": f.text(values, "phone_number"),
        "platform_type": f.text(values, "platform_type"),
        "scannable_code": None,
        "qr_settings": None,
        "billing": None,
        "shipping": None,
        "items": [],
        "references": None,
        "provider_references": None,
        "store_id": f.text(values, "store_id"),
        "store_name": f.text(values, "store_name"),
        "terminal_id": f.text(values, "terminal_id"),
        "type": kind,
        "zero_interest_installments": False if installment else None,
        "charge_status": "unknown",
        "receipt_amount": None,
        "discounts": [],
        "promotion_code": None,
    }
