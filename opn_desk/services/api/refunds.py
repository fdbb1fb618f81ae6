"""Refunds as typed records, read from JSON of any API version.

2015 refunds carry ``created`` and no ``status``, ``metadata`` or
``livemode``; 2019-05-29 refunds add ``status`` (only ``closed`` is ever
recorded), ``voided``, ``funding_amount`` and ``metadata``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opn_desk.services.api import fields as f
from opn_desk.services.api.errors import InvalidResponse

# A refund that says nothing of its state predates refund statuses: those
# versions only reported refunds once they were done.
DONE_STATUS = "closed"
FINAL_STATUSES = frozenset({"closed", "failed"})


@dataclass(frozen=True, slots=True)
class Refund:
    """Money given back on a charge, in the charge's smallest unit."""

    id: str
    livemode: bool
    created_at: datetime
    charge_id: str
    amount: int
    currency: str
    voided: bool
    status: str
    transaction_id: str | None
    funding_amount: int | None
    funding_currency: str | None
    metadata: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def final(self) -> bool:
        """True once the refund cannot change any more."""
        return self.status in FINAL_STATUSES


def parse_refund(raw: Any, *, charge_id: str | None = None) -> Refund:
    """Read a refund; ``charge_id`` names the charge it came embedded in.

    Raises:
        InvalidResponse: not a refund, or a field of the wrong type.
    """
    obj = f.require_object(raw, "refund")
    charge = f.ref_id(obj, "charge") or charge_id or f.path_id(obj, "charges")
    if charge is None:
        raise InvalidResponse(f"{f.describe(obj)}: no charge is named")
    return Refund(
        id=f.text(obj, "id"),
        livemode=f.livemode(obj),
        created_at=f.timestamp(obj, *f.CREATED_KEYS),
        charge_id=charge,
        amount=f.amount(obj, "amount"),
        currency=f.currency(obj, "currency"),
        voided=f.flag(obj, "voided"),
        status=f.optional_text(obj, "status") or DONE_STATUS,
        transaction_id=f.ref_id(obj, "transaction"),
        funding_amount=f.optional_amount(obj, "funding_amount"),
        funding_currency=f.optional_currency(obj, "funding_currency"),
        metadata=f.metadata(obj),
        raw=obj,
    )


def embedded_refunds(charge_raw: dict[str, Any]) -> list[Refund]:
    """The refunds a charge object carries in its ``refunds`` list."""
    items, _complete = f.sub_list(charge_raw, "refunds")
    charge_id = charge_raw.get("id")
    owner = charge_id if isinstance(charge_id, str) else None
    return [parse_refund(item, charge_id=owner) for item in items]
