"""Balance transactions, the balance and the capability as typed records.

Versions differ: 2015 transactions say ``type`` and ``source`` where
2019-05-29 says ``direction`` and ``origin``, and ``transferable`` where it
says ``transferable_at``; an old balance says ``available`` and
``reserve_amount`` for ``transferable`` and ``reserve``; an old capability
lists ``payment_backends`` instead of ``payment_methods``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opn_desk.services.api import fields as f
from opn_desk.services.api.errors import InvalidResponse

DIRECTIONS = ("credit", "debit")


@dataclass(frozen=True, slots=True)
class Transaction:
    """One movement of money in or out of the balance.

    ``amount`` is positive; ``direction`` gives its sign. ``key`` says what
    moved it (``charge.captured.net``, ``refund.created.debit``...), and is
    None in versions before 2019-05-29.
    """

    id: str
    livemode: bool
    created_at: datetime
    direction: str
    key: str | None
    amount: int
    currency: str
    fee: int | None
    fee_vat: int | None
    origin_id: str | None
    transferable_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def signed_amount(self) -> int:
        """The amount with the sign of its direction: debits are negative."""
        return self.amount if self.direction == "credit" else -self.amount


@dataclass(frozen=True, slots=True)
class Balance:
    """The account's money at Opn, in the smallest unit of ``currency``."""

    livemode: bool | None
    currency: str
    total: int
    transferable: int | None
    reserve: int | None
    on_hold: int | None
    created_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Capability:
    """What the account may do: payment methods, banks, charge limits."""

    country: str | None
    payment_methods: tuple[str, ...]
    banks: tuple[str, ...]
    min_charge_amount: int | None
    max_charge_amount: int | None
    zero_interest_installments: bool
    raw: dict[str, Any] = field(repr=False, compare=False)


def parse_transaction(raw: Any) -> Transaction:
    """Read a balance transaction of any API version.

    Raises:
        InvalidResponse: not a transaction, an unknown direction, or a field
            of the wrong type.
    """
    obj = f.require_object(raw, "transaction")
    direction = f.optional_text(obj, "direction") or f.optional_text(obj, "type")
    if direction not in DIRECTIONS:
        raise InvalidResponse(
            f"{f.describe(obj)}: direction should be credit or debit, "
            f"found {direction!r}"
        )
    return Transaction(
        id=f.text(obj, "id"),
        livemode=f.livemode(obj),
        created_at=f.timestamp(obj, *f.CREATED_KEYS),
        direction=direction,
        key=f.optional_text(obj, "key"),
        amount=f.amount(obj, "amount"),
        currency=f.currency(obj, "currency"),
        fee=f.optional_amount(obj, "fee"),
        fee_vat=f.optional_amount(obj, "fee_vat"),
        origin_id=f.ref_id(obj, "origin") or f.ref_id(obj, "source"),
        transferable_at=f.first_timestamp(obj, "transferable_at", "transferable"),
        raw=obj,
    )


def parse_balance(raw: Any) -> Balance:
    """Read the balance of any API version.

    Raises:
        InvalidResponse: not a balance, or an amount that is not an integer.
    """
    obj = f.require_object(raw, "balance")
    livemode = obj.get("livemode")
    return Balance(
        livemode=livemode if isinstance(livemode, bool) else None,
        currency=f.currency(obj, "currency"),
        total=f.amount(obj, "total"),
        transferable=_first_amount(obj, "transferable", "available"),
        reserve=_first_amount(obj, "reserve", "reserve_amount"),
        on_hold=f.optional_amount(obj, "on_hold"),
        created_at=f.first_timestamp(obj, *f.CREATED_KEYS),
        raw=obj,
    )


def parse_capability(raw: Any) -> Capability:
    """Read the capability of any API version.

    Raises:
        InvalidResponse: not a capability, or a field of the wrong type.
    """
    obj = f.require_object(raw, "capability")
    limits = f.nested(obj, "limits") or {}
    charge_limits = f.nested(limits, "charge_amount") or {}
    return Capability(
        country=f.optional_currency(obj, "country"),
        payment_methods=_payment_methods(obj),
        banks=tuple(_strings(obj, "banks")),
        min_charge_amount=f.optional_amount(charge_limits, "min"),
        max_charge_amount=f.optional_amount(charge_limits, "max"),
        zero_interest_installments=f.flag(obj, "zero_interest_installments"),
        raw=obj,
    )


def _first_amount(obj: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = f.optional_amount(obj, key)
        if value is not None:
            return value
    return None


def _payment_methods(obj: dict[str, Any]) -> tuple[str, ...]:
    methods = obj.get("payment_methods")
    if isinstance(methods, list):
        names = (m.get("name") for m in methods if isinstance(m, dict))
        return tuple(name for name in names if isinstance(name, str))
    # Before 2019: a list of {"<name>": {"type": ..., "currencies": ...}}.
    backends = obj.get("payment_backends")
    if isinstance(backends, list):
        return tuple(k for b in backends if isinstance(b, dict) for k in b)
    return ()


def _strings(obj: dict[str, Any], key: str) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidResponse(f"{f.describe(obj)}: field {key!r} should be a list")
    return [item for item in value if isinstance(item, str)]
