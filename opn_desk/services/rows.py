"""Turning parsed API objects into cache rows, one function per table."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from opn_desk.services.api import (
    Card,
    Charge,
    Customer,
    Dispute,
    DisputeDocument,
    Event,
    Occurrence,
    Refund,
    Schedule,
    Transaction,
)

Row = dict[str, Any]


class _Object(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def livemode(self) -> bool: ...
    @property
    def raw(self) -> dict[str, Any]: ...


def object_columns(
    item: _Object,
    fetched_at: datetime,
    deleted: bool = False,
    deleted_at: datetime | None = None,
) -> Row:
    """The columns every object table shares: identity, JSON, tombstone.

    An object the API reports deleted is a tombstone from ``deleted_at``
    (when the API says it ended), else from when it was fetched.
    """
    return {
        "id": item.id,
        "livemode": item.livemode,
        "raw": item.raw,
        "fetched_at": fetched_at,
        "deleted": deleted,
        "deleted_at": (deleted_at or fetched_at) if deleted else None,
    }


def charge_row(charge: Charge, fetched_at: datetime) -> Row:
    """The ``charges`` table row of a charge fetched at ``fetched_at``."""
    return {
        **object_columns(charge, fetched_at),
        "created_at": charge.created_at,
        "amount": charge.amount,
        "currency": charge.currency,
        "status": charge.status,
        "payment_method": charge.payment_method,
        "card_brand": charge.card_brand,
        "card_last_digits": charge.card_last_digits,
        "customer_id": charge.customer_id,
        "description": charge.description,
        "authorized": charge.authorized,
        "paid": charge.paid,
        "capturable": charge.capturable,
        "refundable": charge.refundable,
        "captured_amount": charge.captured_amount,
        "refunded_amount": charge.refunded_amount,
        "failure_code": charge.failure_code,
        "dispute_id": charge.dispute_id,
        "transaction_id": charge.transaction_id,
        "paid_at": charge.paid_at,
        "expires_at": charge.expires_at,
        "metadata": charge.metadata,
    }


def refund_row(refund: Refund, fetched_at: datetime) -> Row:
    return {
        **object_columns(refund, fetched_at),
        "created_at": refund.created_at,
        "charge_id": refund.charge_id,
        "amount": refund.amount,
        "currency": refund.currency,
        "voided": refund.voided,
        "status": refund.status,
        "transaction_id": refund.transaction_id,
        "metadata": refund.metadata,
    }


def dispute_row(dispute: Dispute, fetched_at: datetime) -> Row:
    return {
        **object_columns(dispute, fetched_at),
        "created_at": dispute.created_at,
        "status": dispute.status,
        "reason_code": dispute.reason_code,
        "amount": dispute.amount,
        "currency": dispute.currency,
        "charge_id": dispute.charge_id,
        "message": dispute.message,
        "closed_at": dispute.closed_at,
        "metadata": dispute.metadata,
    }


def document_row(document: DisputeDocument, fetched_at: datetime) -> Row:
    return {
        **object_columns(document, fetched_at, document.deleted),
        "created_at": document.created_at,
        "dispute_id": document.dispute_id,
        "filename": document.filename,
        "kind": document.kind,
    }


def schedule_row(schedule: Schedule, fetched_at: datetime) -> Row:
    return {
        **object_columns(schedule, fetched_at, schedule.deleted, schedule.ended_at),
        "created_at": schedule.created_at,
        "status": schedule.status,
        "active": schedule.active,
        "every": schedule.every,
        "period": schedule.period,
        "start_on": schedule.start_on,
        "end_on": schedule.end_on,
        "next_run_on": schedule.next_run_on,
        "amount": schedule.amount,
        "currency": schedule.currency,
        "customer_id": schedule.customer_id,
        "card_id": schedule.card_id,
    }


def occurrence_row(occurrence: Occurrence, fetched_at: datetime) -> Row:
    return {
        **object_columns(occurrence, fetched_at),
        "created_at": occurrence.created_at,
        "schedule_id": occurrence.schedule_id,
        "scheduled_on": occurrence.scheduled_on,
        "status": occurrence.status,
        "retry_on": occurrence.retry_on,
        "processed_at": occurrence.processed_at,
        "result_id": occurrence.result_id,
    }


def customer_row(customer: Customer, fetched_at: datetime) -> Row:
    return {
        **object_columns(customer, fetched_at, customer.deleted),
        "created_at": customer.created_at,
        "email": customer.email,
        "description": customer.description,
        "default_card_id": customer.default_card_id,
        "metadata": customer.metadata,
    }


def card_row(card: Card, fetched_at: datetime) -> Row:
    return {
        **object_columns(card, fetched_at, card.deleted),
        "created_at": card.created_at,
        "customer_id": card.customer_id,
        "brand": card.brand,
        "last_digits": card.last_digits,
        "name": card.name,
        "expiration_month": card.expiration_month,
        "expiration_year": card.expiration_year,
    }


def transaction_row(transaction: Transaction, fetched_at: datetime) -> Row:
    return {
        **object_columns(transaction, fetched_at),
        "created_at": transaction.created_at,
        "direction": transaction.direction,
        "key": transaction.key,
        "amount": transaction.amount,
        "currency": transaction.currency,
        "fee": transaction.fee,
        "fee_vat": transaction.fee_vat,
        "origin_id": transaction.origin_id,
        "transferable_at": transaction.transferable_at,
    }


def event_row(event: Event, fetched_at: datetime) -> Row:
    """An event row; events are never deleted, so no tombstone columns."""
    return {
        "id": event.id,
        "livemode": event.livemode,
        "created_at": event.created_at,
        "key": event.key,
        "object_kind": event.data_object,
        "object_id": event.data_id,
        "raw": event.raw,
        "fetched_at": fetched_at,
    }


def account_object_row(kind: str, raw: dict[str, Any], fetched_at: datetime) -> Row:
    """A row of ``account_objects``: the account, balance or capability."""
    return {"kind": kind, "raw": raw, "fetched_at": fetched_at}
