"""Refunding a charge, in full or in part, through the operations journal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from opn_desk.services.api import OpnClient
from opn_desk.services.money import format_amount
from opn_desk.services.operations import (
    OPERATION_METADATA_KEY,
    Journal,
    Operation,
    Outcome,
    WriteKind,
)
from opn_desk.services.refund_rules import RefundTerms, check_refund, refund_terms

logger = logging.getLogger(__name__)

REFUND = "refund"
REASON_KEY = "opn_desk_reason"
NOTE_KEY = "opn_desk_note"


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """What the clerk asked for; ``amount`` in the smallest unit."""

    charge_id: str
    amount: int
    reason: str
    note: str


def read_refund_terms(client: OpnClient, charge_id: str, now: datetime) -> RefundTerms:
    """Re-read the charge from the API and state what a refund may be."""
    return refund_terms(client.get_charge(charge_id), now)


def refund(
    journal: Journal, client: OpnClient, request: RefundRequest, now: datetime
) -> Operation:
    """Check the rules on a fresh read of the charge, then refund once.

    Raises:
        RefundRefused: the rules do not allow this amount now.
        OperationInFlight: another write on this charge is unsettled.
        ApiError: the charge could not be read before sending.
    """
    charge = client.get_charge(request.charge_id)
    terms = refund_terms(charge, now)
    check_refund(terms, request.amount)
    params = {
        "amount": request.amount,
        "currency": terms.currency,
        "reason": request.reason,
        "note": request.note,
    }
    return journal.submit(REFUND_KIND, request.charge_id, params, before=charge.raw)


def _send(client: OpnClient, operation: Operation) -> Outcome:
    created = client.create_refund(
        operation.target_id,
        amount=int(operation.params["amount"]),
        metadata=_metadata(operation),
    )
    return Outcome(created.id, created.raw)


def _find(client: OpnClient, operation: Operation) -> Outcome | None:
    for existing in client.iter_charge_refunds(operation.target_id):
        if existing.metadata.get(OPERATION_METADATA_KEY) == operation.id:
            return Outcome(existing.id, existing.raw)
    return None


def _metadata(operation: Operation) -> dict[str, str]:
    metadata = {OPERATION_METADATA_KEY: operation.id}
    if operation.params.get("reason"):
        metadata[REASON_KEY] = str(operation.params["reason"])
    if operation.params.get("note"):
        metadata[NOTE_KEY] = str(operation.params["note"])
    return metadata


def _describe(operation: Operation) -> str:
    amount = format_amount(
        int(operation.params["amount"]), str(operation.params["currency"])
    )
    return f"Refund {amount} on {operation.target_id}"


REFUND_KIND = WriteKind(REFUND, _send, _find, _describe)
