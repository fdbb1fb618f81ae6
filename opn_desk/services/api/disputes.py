"""Disputes and their evidence documents as typed records.

2015 and 2017 disputes carry ``created``, a single ``transaction`` and no
reason code; 2019-05-29 adds ``reason_code``, ``closed_at``, ``metadata``,
an embedded ``documents`` list and a ``transactions`` list. A deleted
document may come back as a bare ``{object, id, livemode, deleted}``, so a
document's time, name and dispute are all optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opn_desk.services.api import fields as f

# Statuses a dispute can still leave; ``won`` and ``lost`` are final.
OPEN_STATUSES = frozenset({"open", "pending"})
# The list buckets of GET /disputes/{bucket}; "closed" holds won and lost.
BUCKETS = ("open", "pending", "closed")


@dataclass(frozen=True, slots=True)
class DisputeDocument:
    """A file of evidence attached to a dispute."""

    id: str
    livemode: bool
    created_at: datetime | None
    dispute_id: str | None
    filename: str | None
    kind: str | None
    download_uri: str | None
    deleted: bool
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Dispute:
    """A chargeback on a charge, amounts in the smallest unit.

    ``documents`` are those the dispute carried (or, once completed by
    the sync, every one); ``documents_complete`` says whether that is all.
    """

    id: str
    livemode: bool
    created_at: datetime
    status: str
    amount: int
    currency: str
    charge_id: str | None
    reason_code: str | None
    reason_message: str | None
    message: str | None
    admin_message: str | None
    funding_amount: int | None
    funding_currency: str | None
    metadata: dict[str, Any]
    closed_at: datetime | None
    transaction_ids: tuple[str, ...]
    documents: tuple[DisputeDocument, ...]
    documents_complete: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def still_open(self) -> bool:
        """True while the dispute can still change (open or pending)."""
        return self.status in OPEN_STATUSES


def parse_dispute(raw: Any) -> Dispute:
    """Read a dispute of any API version, with its embedded documents.

    Raises:
        InvalidResponse: not a dispute, or a field of the wrong type.
    """
    obj = f.require_object(raw, "dispute")
    dispute_id = f.text(obj, "id")
    items, complete = f.sub_list(obj, "documents")
    return Dispute(
        id=dispute_id,
        livemode=f.livemode(obj),
        created_at=f.timestamp(obj, *f.CREATED_KEYS),
        status=f.text(obj, "status"),
        amount=f.amount(obj, "amount"),
        currency=f.currency(obj, "currency"),
        charge_id=f.ref_id(obj, "charge"),
        reason_code=f.optional_text(obj, "reason_code"),
        reason_message=f.optional_text(obj, "reason_message"),
        message=f.optional_text(obj, "message"),
        admin_message=f.optional_text(obj, "admin_message"),
        funding_amount=f.optional_amount(obj, "funding_amount"),
        funding_currency=f.optional_currency(obj, "funding_currency"),
        metadata=f.metadata(obj),
        closed_at=f.optional_timestamp(obj, "closed_at"),
        transaction_ids=_transaction_ids(obj),
        documents=tuple(parse_document(item, dispute_id=dispute_id) for item in items),
        documents_complete=complete,
        raw=obj,
    )


def parse_document(raw: Any, *, dispute_id: str | None = None) -> DisputeDocument:
    """Read a dispute document; ``dispute_id`` names the dispute it came in.

    Raises:
        InvalidResponse: not a document, or a field of the wrong type.
    """
    obj = f.require_object(raw, "document")
    return DisputeDocument(
        id=f.text(obj, "id"),
        livemode=f.livemode(obj),
        created_at=f.first_timestamp(obj, *f.CREATED_KEYS),
        dispute_id=dispute_id or f.path_id(obj, "disputes"),
        filename=f.optional_text(obj, "filename"),
        kind=f.optional_text(obj, "kind"),
        download_uri=f.optional_text(obj, "download_uri"),
        deleted=f.flag(obj, "deleted"),
        raw=obj,
    )


def _transaction_ids(obj: dict[str, Any]) -> tuple[str, ...]:
    # 2019-05-29 embeds a transactions list; older versions named one id.
    items = obj.get("transactions")
    if isinstance(items, list):
        ids = (item.get("id") if isinstance(item, dict) else item for item in items)
        return tuple(ident for ident in ids if isinstance(ident, str))
    single = f.ref_id(obj, "transaction")
    return (single,) if single else ()
