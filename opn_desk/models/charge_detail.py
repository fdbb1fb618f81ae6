"""Everything the cache knows about one charge, for the detail pane.

The charge's columns and the money fields of its JSON, its refunds, its
dispute, and one timeline of the API's events on it (and on its refunds
and dispute) and of the local actions the audit log recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.ledger import EventRecord
from opn_desk.models.operations import AuditEntry
from opn_desk.models.payments import DisputeRecord, RefundRecord
from opn_desk.models.recurring import CustomerRecord

# Timeline entries kept per charge; a charge has a handful in practice.
TIMELINE_LIMIT = 500

EVENT = "event"
ACTION = "action"


@dataclass(frozen=True, slots=True)
class RefundLine:
    id: str
    created_at: datetime
    amount: int
    currency: str
    status: str
    voided: bool
    transaction_id: str | None


@dataclass(frozen=True, slots=True)
class DisputeLine:
    id: str
    created_at: datetime
    status: str
    reason_code: str | None
    amount: int
    currency: str
    message: str | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """An API event (``kind`` EVENT) or a local action (``kind`` ACTION).

    ``title`` is the event key (``refund.create``) or the audit action;
    ``detail`` is the object the event touched, or the audit summary;
    ``actor`` is the clerk of an action.
    """

    at: datetime
    kind: str
    title: str
    detail: str
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class ChargeDetail:
    """One charge as the detail pane shows it; amounts in smallest units."""

    id: str
    status: str
    created_at: datetime
    amount: int
    currency: str
    captured_amount: int | None
    refunded_amount: int
    fee: int | None
    fee_vat: int | None
    net: int | None
    payment_method: str
    card_brand: str | None
    card_last_digits: str | None
    card_name: str | None
    customer_id: str | None
    customer_email: str | None
    description: str | None
    metadata: dict[str, Any]
    authorized: bool
    paid: bool
    capturable: bool
    refundable: bool
    partially_refundable: bool | None
    voided: bool
    reversed: bool
    deleted: bool
    failure_code: str | None
    failure_message: str | None
    transaction_id: str | None
    paid_at: datetime | None
    expires_at: datetime | None
    refunds: list[RefundLine] = field(default_factory=list)
    dispute: DisputeLine | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def taken_amount(self) -> int:
        """What was actually charged: the captured amount when known."""
        return self.captured_amount or self.amount

    @property
    def remaining_amount(self) -> int:
        """What refunds have not given back yet."""
        return max(self.taken_amount - self.refunded_amount, 0)


def charge_detail(session: Session, charge_id: str) -> ChargeDetail | None:
    """The charge ``charge_id`` with its refunds, dispute and timeline."""
    record = session.get(ChargeRecord, charge_id)
    if record is None:
        return None
    refunds = _refunds(session, charge_id)
    dispute = _dispute(session, record)
    related = [charge_id, *(r.id for r in refunds)]
    if dispute is not None:
        related.append(dispute.id)
    return ChargeDetail(
        **_charge_fields(session, record),
        refunds=refunds,
        dispute=dispute,
        timeline=_timeline(session, related),
    )


def _charge_fields(session: Session, record: ChargeRecord) -> dict[str, Any]:
    raw = record.raw if isinstance(record.raw, dict) else {}
    card = raw.get("card") if isinstance(raw.get("card"), dict) else {}
    email = None
    if record.customer_id is not None:
        customer = session.get(CustomerRecord, record.customer_id)
        email = customer.email if customer is not None else None
    return {
        "id": record.id,
        "status": record.status,
        "created_at": record.created_at,
        "amount": record.amount,
        "currency": record.currency,
        "captured_amount": record.captured_amount,
        "refunded_amount": record.refunded_amount,
        "fee": _whole(raw.get("fee")),
        "fee_vat": _whole(raw.get("fee_vat")),
        "net": _whole(raw.get("net")),
        "payment_method": record.payment_method,
        "card_brand": record.card_brand,
        "card_last_digits": record.card_last_digits,
        "card_name": _text(card.get("name")) if card else None,
        "customer_id": record.customer_id,
        "customer_email": email,
        "description": record.description,
        "metadata": dict(record.charge_metadata or {}),
        "authorized": record.authorized,
        "paid": record.paid,
        "capturable": record.capturable,
        "refundable": record.refundable,
        "partially_refundable": _flag(raw.get("partially_refundable")),
        "voided": raw.get("voided") is True,
        "reversed": raw.get("reversed") is True,
        "deleted": record.deleted,
        "failure_code": record.failure_code,
        "failure_message": _text(raw.get("failure_message")),
        "transaction_id": record.transaction_id,
        "paid_at": record.paid_at,
        "expires_at": record.expires_at,
    }


def _refunds(session: Session, charge_id: str) -> list[RefundLine]:
    records = session.scalars(
        select(RefundRecord)
        .where(RefundRecord.charge_id == charge_id)
        .order_by(RefundRecord.created_at, RefundRecord.id)
    )
    return [
        RefundLine(
            id=r.id,
            created_at=r.created_at,
            amount=r.amount,
            currency=r.currency,
            status=r.status,
            voided=r.voided,
            transaction_id=r.transaction_id,
        )
        for r in records
    ]


def _dispute(session: Session, charge: ChargeRecord) -> DisputeLine | None:
    statement = select(DisputeRecord).where(DisputeRecord.charge_id == charge.id)
    if charge.dispute_id is not None:
        statement = select(DisputeRecord).where(DisputeRecord.id == charge.dispute_id)
    record = session.scalars(statement.limit(1)).first()
    if record is None:
        return None
    return DisputeLine(
        id=record.id,
        created_at=record.created_at,
        status=record.status,
        reason_code=record.reason_code,
        amount=record.amount,
        currency=record.currency,
        message=record.message,
        closed_at=record.closed_at,
    )


def _timeline(session: Session, object_ids: list[str]) -> list[TimelineEntry]:
    """Events on the objects and audit entries on them, oldest first."""
    events = session.execute(
        select(EventRecord.created_at, EventRecord.key, EventRecord.object_id)
        .where(EventRecord.object_id.in_(object_ids))
        .order_by(EventRecord.created_at.desc())
        .limit(TIMELINE_LIMIT)
    )
    entries = [
        TimelineEntry(at, EVENT, key, object_id or "") for at, key, object_id in events
    ]
    actions = session.execute(
        select(AuditEntry.at, AuditEntry.action, AuditEntry.summary, AuditEntry.clerk)
        .where(AuditEntry.target_id.in_(object_ids))
        .order_by(AuditEntry.at.desc())
        .limit(TIMELINE_LIMIT)
    )
    entries += [
        TimelineEntry(at, ACTION, action, summary, clerk)
        for at, action, summary, clerk in actions
    ]
    return sorted(entries, key=lambda entry: entry.at)


def _whole(value: object) -> int | None:
    """An integer amount from JSON; anything else (a float) is not money."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
