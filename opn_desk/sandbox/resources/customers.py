"""Customers and their cards: create, list, retrieve, update, delete.

A customer's cards come from tokens (``card=tokn_...`` on create or update);
the newest card added becomes the default. Cards are stored in their own
kind and embedded in the customer as the API shows them. A deleted customer
or card is answered once with ``deleted: true`` and is 404 afterwards;
charges keep the deleted customer's id, and a schedule of a deleted
customer fails its next run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import fields as f
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.resources.base import list_of, retrieve_of, sub_list
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.times import iso
from opn_desk.sandbox.wire import encode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

_FIELDS = {"email", "description", "card", "metadata", "linked_account"}
_CARD_TEXT_FIELDS = (
    "name", "city", "postal_code", "street1", "street2", "state",
    "country", "phone_number",
)  # fmt: skip
_CARD_FIELDS = {*_CARD_TEXT_FIELDS, "expiration_month", "expiration_year"}


def add_routes(router: Router) -> None:
    router.add("POST", r"/customers", create_customer)
    router.add("GET", r"/customers", list_of("customer", "/customers"))
    router.add("GET", r"/customers/([^/]+)", retrieve_of("customer"))
    router.add("PATCH", r"/customers/([^/]+)", update_customer)
    router.add("DELETE", r"/customers/([^/]+)", delete_customer)
    router.add("GET", r"/customers/([^/]+)/cards", list_cards)
    router.add("GET", r"/customers/([^/]+)/cards/([^/]+)", get_card)
    router.add("PATCH", r"/customers/([^/]+)/cards/([^/]+)", update_card)
    router.add("DELETE", r"/customers/([^/]+)/cards/([^/]+)", delete_card)


def new_customer(
    customer_id: str,
    created_at: str,
    *,
    email: str | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A customer without cards, in the 2019-05-29 shape."""
    location = f"/customers/{customer_id}"
    return {
        "object": "customer",
        "id": customer_id,
        "livemode": False,
        "location": location,
        "deleted": False,
        "metadata": metadata if metadata is not None else {},
        "cards": _list_envelope([], f"{location}/cards", created_at),
        "default_card": None,
        "linked_accounts": _list_envelope(
            [], f"{location}/linked_accounts", created_at
        ),
        "description": description,
        "email": email,
        "created_at": created_at,
    }


def attach_card(customer: dict[str, Any], card: dict[str, Any], now: str) -> None:
    """Add ``card`` to ``customer`` and make it the default card."""
    card["location"] = f"{customer['location']}/cards/{card['id']}"
    cards = customer["cards"]
    cards["data"].append(card)
    cards["total"] = len(cards["data"])
    cards["to"] = now
    customer["default_card"] = card["id"]


def create_customer(state: SandboxState, request: Request) -> bytes:
    fields = request.fields
    f.only(fields, _FIELDS)
    now = iso(state.now())
    customer = new_customer(
        state.new_id("cust"),
        now,
        email=f.text(fields, "email"),
        description=f.text(fields, "description"),
        metadata=f.metadata(fields),
    )
    token_id = f.text(fields, "card")
    if token_id:
        _attach_token(state, customer, token_id, now)
    return state.emit("customer.create", "customer", customer)


def update_customer(state: SandboxState, request: Request) -> bytes:
    (customer_id,) = request.path_args
    customer = state.require("customer", customer_id)
    fields = request.fields
    f.only(fields, _FIELDS | {"default_card"})
    for name in ("email", "description"):
        if name in fields:
            customer[name] = f.text(fields, name)
    metadata = f.metadata(fields)
    if metadata is not None:
        customer["metadata"] = metadata
    token_id = f.text(fields, "card")
    if token_id:
        _attach_token(state, customer, token_id, iso(state.now()))
    default = f.text(fields, "default_card")
    if default:
        _card_of(customer, default)
        customer["default_card"] = default
    return state.emit("customer.update", "customer", customer)


def delete_customer(state: SandboxState, request: Request) -> bytes:
    """``DELETE``: the customer with ``deleted: true``; 404 from then on."""
    (customer_id,) = request.path_args
    customer = state.require("customer", customer_id)
    customer["deleted"] = True
    data = encode(customer)
    state.remove("customer", customer_id)
    for card in customer["cards"]["data"]:
        state.remove("card", card["id"])
    state.record("customer.destroy", "customer", customer_id, data)
    return data


def update_card(state: SandboxState, request: Request) -> bytes:
    """``PATCH``: the holder's name, address and expiry of a customer's card."""
    customer_id, card_id = request.path_args
    customer = state.require("customer", customer_id)
    card = _card_of(customer, card_id)
    fields = request.fields
    f.only(fields, _CARD_FIELDS)
    month = f.integer(fields, "expiration_month", code="invalid_card")
    year = f.integer(fields, "expiration_year", code="invalid_card")
    if month is not None and not 1 <= month <= 12:
        raise ApiError(400, "invalid_card", "expiration month must be 1-12")
    for name in _CARD_TEXT_FIELDS:
        if name in fields:
            card[name] = f.text(fields, name)
    if card["name"] is None:
        raise ApiError(400, "invalid_card", "name cannot be blank")
    if month is not None:
        card["expiration_month"] = month
    if year is not None:
        card["expiration_year"] = year
    _replace_card(customer, card)
    state.put("customer", customer)
    return state.emit("card.update", "card", card)


def delete_card(state: SandboxState, request: Request) -> bytes:
    """``DELETE``: the card with ``deleted: true``, gone from the customer.

    When it was the default card, the newest remaining card becomes the
    default (none left: ``default_card`` is null).
    """
    customer_id, card_id = request.path_args
    customer = state.require("customer", customer_id)
    card = {**_card_of(customer, card_id), "deleted": True}
    cards = customer["cards"]
    cards["data"] = [c for c in cards["data"] if c["id"] != card_id]
    cards["total"] = len(cards["data"])
    if customer["default_card"] == card_id:
        remaining = cards["data"]
        customer["default_card"] = remaining[-1]["id"] if remaining else None
    state.put("customer", customer)
    data = encode(card)
    state.remove("card", card_id)
    state.record("card.destroy", "card", card_id, data)
    return data


def _replace_card(customer: dict[str, Any], card: dict[str, Any]) -> None:
    cards = customer["cards"]["data"]
    position = next(i for i, c in enumerate(cards) if c["id"] == card["id"])
    cards[position] = card


def list_cards(state: SandboxState, request: Request) -> bytes:
    (customer_id,) = request.path_args
    customer = state.require("customer", customer_id)
    cards = customer["cards"]["data"]
    return sub_list(state, request, cards, f"/customers/{customer_id}/cards")


def get_card(state: SandboxState, request: Request) -> bytes:
    customer_id, card_id = request.path_args
    customer = state.require("customer", customer_id)
    return encode(_card_of(customer, card_id))


def _card_of(customer: dict[str, Any], card_id: str) -> dict[str, Any]:
    for card in customer["cards"]["data"]:
        if card["id"] == card_id:
            return dict(card)
    raise ApiError.not_found("card", card_id)


def customer_card(
    state: SandboxState, customer_id: str, card_id: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(customer, card to charge): ``card_id`` or the default card.

    Raises ``ApiError``: 404 for an unknown customer or card, 400
    ``missing_card`` for a customer without cards.
    """
    customer = state.require("customer", customer_id)
    if card_id is None:
        card_id = customer["default_card"]
        if card_id is None:
            raise ApiError(400, "missing_card", "customer has no card to charge")
    return customer, _card_of(customer, card_id)


def _attach_token(
    state: SandboxState, customer: dict[str, Any], token_id: str, now: str
) -> None:
    token = use_token(state, token_id)
    card = dict(token["card"])
    attach_card(customer, card, now)
    state.put("card", card)


def use_token(state: SandboxState, token_id: str) -> dict[str, Any]:
    """Mark a token used and return it. 404 unknown, 400 ``used_token``."""
    token = state.require("token", token_id)
    if token["used"]:
        raise ApiError(400, "used_token", "token was already used")
    token["used"] = True
    state.put("token", token)
    return token


def _list_envelope(
    items: list[dict[str, Any]], location: str, to: str
) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "limit": 20,
        "offset": 0,
        "total": len(items),
        "location": location,
        "order": "chronological",
        "from": "1970-01-01T00:00:00Z",
        "to": to,
    }
