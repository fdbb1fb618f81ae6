"""Opn API objects as typed records, and the functions that read them from JSON.

The parsers accept every API version seen in recorded responses: 2014 and
2015 charges (``created``, ``captured``, ``refunded``, lowercase currencies,
no ``status``), 2017-11-02 and 2019-05-29. Each record keeps the JSON it was
read from in ``raw``, so nothing the API sent is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from opn_desk.services.api import fields as f
from opn_desk.services.api.errors import InvalidResponse

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Charge:
    """A charge as the API reported it, amounts in the smallest unit."""

    id: str
    livemode: bool
    created_at: datetime
    amount: int
    currency: str
    status: str
    authorized: bool
    paid: bool
    capturable: bool
    reversible: bool
    refundable: bool
    partially_refundable: bool
    voided: bool
    disputable: bool
    authorization_type: str | None
    authorized_amount: int | None
    captured_amount: int | None
    refunded_amount: int
    fee: int | None
    fee_vat: int | None
    net: int | None
    description: str | None
    metadata: dict[str, Any]
    customer_id: str | None
    card_brand: str | None
    card_last_digits: str | None
    source_type: str | None
    payment_method: str
    failure_code: str | None
    failure_message: str | None
    dispute_id: str | None
    refund_ids: tuple[str, ...]
    transaction_id: str | None
    paid_at: datetime | None
    expires_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Account:
    """The merchant account the secret key belongs to.

    ``livemode`` is None only when neither the object, its id nor the key
    that fetched it tell the mode (2015 recordings omit it).
    """

    id: str
    email: str | None
    country: str | None
    currency: str | None
    livemode: bool | None
    api_version: str | None
    created_at: datetime
    supported_currencies: tuple[str, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in the account, with the object it touched.

    ``data`` is the object as serialized when the event was created, in the
    API version of that time; sync re-fetches the object rather than trust
    its money fields. ``data_object`` is its kind (``charge``, ``refund``,
    ...), empty when the event carries no object.
    """

    id: str
    key: str
    livemode: bool
    created_at: datetime
    data: dict[str, Any]
    data_object: str
    data_id: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list endpoint and the window it was cut from.

    ``total`` counts every matching object, not only this page. ``from_`` and
    ``to`` are the window the server applied (``to`` defaults to the time of
    the request).
    """

    data: list[T]
    total: int
    offset: int
    limit: int
    order: str | None
    from_: datetime | None
    to: datetime | None


def parse_charge(raw: Any) -> Charge:
    """Read a charge object of any API version.

    Raises:
        InvalidResponse: not a charge, or a required field is missing or of
            the wrong type (an amount that is not an integer, for one).
    """
    obj = f.require_object(raw, "charge")
    card = f.nested(obj, "card")
    source_type = _source_type(obj)
    return Charge(
        id=f.text(obj, "id"),
        livemode=f.livemode(obj),
        created_at=f.timestamp(obj, *f.CREATED_KEYS),
        amount=f.amount(obj, "amount"),
        currency=f.currency(obj, "currency"),
        status=_charge_status(obj),
        authorized=f.flag(obj, "authorized"),
        paid=_charge_paid(obj),
        capturable=f.flag(obj, "capturable"),
        reversible=f.flag(obj, "reversible"),
        refundable=f.flag(obj, "refundable"),
        partially_refundable=f.flag(obj, "partially_refundable"),
        voided=f.flag(obj, "voided"),
        disputable=f.flag(obj, "disputable"),
        authorization_type=f.optional_text(obj, "authorization_type"),
        authorized_amount=f.optional_amount(obj, "authorized_amount"),
        captured_amount=f.optional_amount(obj, "captured_amount"),
        refunded_amount=_refunded_amount(obj),
        fee=f.optional_amount(obj, "fee"),
        fee_vat=f.optional_amount(obj, "fee_vat"),
        net=f.optional_amount(obj, "net"),
        description=f.optional_text(obj, "description"),
        metadata=f.metadata(obj),
        customer_id=f.ref_id(obj, "customer"),
        card_brand=f.optional_text(card, "brand") if card else None,
        card_last_digits=f.optional_text(card, "last_digits") if card else None,
        source_type=source_type,
        payment_method=_payment_method(card, source_type),
        failure_code=f.optional_text(obj, "failure_code"),
        failure_message=f.optional_text(obj, "failure_message"),
        dispute_id=f.ref_id(obj, "dispute"),
        refund_ids=_refund_ids(obj),
        transaction_id=f.ref_id(obj, "transaction"),
        paid_at=f.optional_timestamp(obj, "paid_at"),
        expires_at=f.optional_timestamp(obj, "expires_at"),
        raw=obj,
    )


def parse_account(raw: Any, *, livemode_hint: bool | None = None) -> Account:
    """Read the account object.

    ``livemode_hint`` is the mode of the key that fetched it; it is used
    when the object itself does not say (old API versions).
    """
    obj = f.require_object(raw, "account")
    return Account(
        id=f.text(obj, "id"),
        email=f.optional_text(obj, "email"),
        country=f.optional_currency(obj, "country"),
        currency=f.optional_currency(obj, "currency"),
        livemode=_account_livemode(obj, livemode_hint),
        api_version=f.optional_text(obj, "api_version"),
        created_at=f.timestamp(obj, *f.CREATED_KEYS),
        supported_currencies=tuple(
            code.upper() for code in f.loose_strings(obj, "supported_currencies")
        ),
        raw=obj,
    )


def parse_event(raw: Any) -> Event:
    """Read an event; its ``data`` is kept as JSON, not parsed further."""
    obj = f.require_object(raw, "event")
    data = f.nested(obj, "data") or {}
    kind = data.get("object")
    ident = data.get("id")
    return Event(
        id=f.text(obj, "id"),
        key=f.text(obj, "key"),
        livemode=f.livemode(obj),
        created_at=f.timestamp(obj, *f.CREATED_KEYS),
        data=data,
        data_object=kind if isinstance(kind, str) else "",
        data_id=ident if isinstance(ident, str) else None,
        raw=obj,
    )


def parse_page(raw: Any, parse_item: Callable[[Any], T]) -> Page[T]:
    """Read a list object, each item with ``parse_item``.

    A list without ``offset``, ``limit`` or ``total`` (hand-written stubs in
    the SDK recordings) reads as one complete page, so a walk stops there.
    """
    obj = f.require_object(raw, "list")
    items = obj.get("data")
    if not isinstance(items, list):
        raise InvalidResponse("list object: field 'data' should be a list")
    offset = f.optional_integer(obj, "offset") or 0
    total = f.optional_integer(obj, "total")
    limit = f.optional_integer(obj, "limit")
    return Page(
        data=[parse_item(item) for item in items],
        total=offset + len(items) if total is None else total,
        offset=offset,
        limit=len(items) if limit is None else limit,
        order=f.optional_text(obj, "order"),
        from_=f.optional_timestamp(obj, "from"),
        to=f.optional_timestamp(obj, "to"),
    )


def _charge_paid(obj: dict[str, Any]) -> bool:
    # 2014-07-27 had ``captured`` where later versions have ``paid``.
    if obj.get("paid") is not None:
        return f.flag(obj, "paid")
    return f.flag(obj, "captured")


def _charge_status(obj: dict[str, Any]) -> str:
    """``status`` as sent (even a value this app does not know), or derived.

    Versions before 2015-11-17 have no ``status``; it is worked out from the
    flags those versions do have.
    """
    status = f.optional_text(obj, "status")
    if status:
        return status
    if obj.get("failure_code"):
        return "failed"
    if f.flag(obj, "reversed"):
        return "reversed"
    if f.flag(obj, "expired"):
        return "expired"
    return "successful" if _charge_paid(obj) else "pending"


def _refunded_amount(obj: dict[str, Any]) -> int:
    # 2019-05-29 names it refunded_amount; older versions named it refunded.
    for key in ("refunded_amount", "refunded"):
        value = f.optional_amount(obj, key)
        if value is not None:
            return value
    return 0


def _refund_ids(obj: dict[str, Any]) -> tuple[str, ...]:
    refunds = f.nested(obj, "refunds")
    items = refunds.get("data") if refunds else None
    if not isinstance(items, list):
        return ()
    ids = (item.get("id") if isinstance(item, dict) else item for item in items)
    return tuple(ident for ident in ids if isinstance(ident, str))


def _source_type(obj: dict[str, Any]) -> str | None:
    source = f.nested(obj, "source")
    if source is not None:
        return f.optional_text(source, "type")
    # 2017-11-02 charges named the offsite method in ``offsite``.
    offsite = obj.get("offsite")
    return offsite if isinstance(offsite, str) and offsite else None


def _payment_method(card: dict[str, Any] | None, source_type: str | None) -> str:
    """How the payer paid: the source type, else ``card``, else ``unknown``.

    A source wins over a card because installment charges carry both, and
    their method is the installment source.
    """
    if source_type:
        return source_type
    return "card" if card is not None else "unknown"


def _account_livemode(obj: dict[str, Any], hint: bool | None) -> bool | None:
    value = obj.get("livemode")
    if isinstance(value, bool):
        return value
    if "_test_" in f.text(obj, "id"):
        return False
    return hint
