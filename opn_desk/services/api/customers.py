"""Customers and their saved cards as typed records.

A deleted customer or card may come back as a bare ``{object, id,
livemode, deleted}`` (the 2015 answer to DELETE), so the time and every
descriptive field are optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opn_desk.services.api import fields as f


@dataclass(frozen=True, slots=True)
class Card:
    """A card saved on a customer; only its last digits are ever known."""

    id: str
    livemode: bool
    created_at: datetime | None
    customer_id: str | None
    brand: str | None
    last_digits: str | None
    name: str | None
    expiration_month: int | None
    expiration_year: int | None
    financing: str | None
    bank: str | None
    deleted: bool
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer of the merchant, with the cards it carried.

    ``cards_complete`` says whether ``cards`` is every card the customer has
    (an embedded list is one page).
    """

    id: str
    livemode: bool
    created_at: datetime | None
    email: str | None
    description: str | None
    default_card_id: str | None
    metadata: dict[str, Any]
    deleted: bool
    cards: tuple[Card, ...]
    cards_complete: bool
    raw: dict[str, Any] = field(repr=False, compare=False)


def parse_customer(raw: Any) -> Customer:
    """Read a customer of any API version, with its embedded cards.

    Raises:
        InvalidResponse: not a customer, or a field of the wrong type.
    """
    obj = f.require_object(raw, "customer")
    customer_id = f.text(obj, "id")
    items, complete = f.sub_list(obj, "cards")
    deleted = f.flag(obj, "deleted")
    return Customer(
        id=customer_id,
        livemode=f.livemode(obj),
        created_at=f.first_timestamp(obj, *f.CREATED_KEYS),
        email=f.optional_text(obj, "email"),
        description=f.optional_text(obj, "description"),
        default_card_id=f.ref_id(obj, "default_card"),
        metadata=f.metadata(obj),
        deleted=deleted,
        cards=tuple(parse_card(item, customer_id=customer_id) for item in items),
        # A deleted customer's cards went with it.
        cards_complete=complete or deleted,
        raw=obj,
    )


def parse_card(raw: Any, *, customer_id: str | None = None) -> Card:
    """Read a card; ``customer_id`` names the customer it came with.

    Raises:
        InvalidResponse: not a card, or a field of the wrong type.
    """
    obj = f.require_object(raw, "card")
    return Card(
        id=f.text(obj, "id"),
        livemode=f.livemode(obj),
        created_at=f.first_timestamp(obj, *f.CREATED_KEYS),
        customer_id=customer_id or f.path_id(obj, "customers"),
        brand=f.optional_text(obj, "brand"),
        last_digits=f.optional_text(obj, "last_digits"),
        name=f.optional_text(obj, "name"),
        expiration_month=f.optional_integer(obj, "expiration_month"),
        expiration_year=f.optional_integer(obj, "expiration_year"),
        financing=f.optional_text(obj, "financing") or None,
        bank=f.optional_text(obj, "bank") or None,
        deleted=f.flag(obj, "deleted"),
        raw=obj,
    )
