"""Turning parsed API objects into cache rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opn_desk.services.api import Charge


def charge_row(charge: Charge, fetched_at: datetime) -> dict[str, Any]:
    """The ``charges`` table row of a charge fetched at ``fetched_at``."""
    return {
        "id": charge.id,
        "livemode": charge.livemode,
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
        "raw": charge.raw,
        "fetched_at": fetched_at,
    }
