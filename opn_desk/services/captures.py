"""Capturing or releasing card authorizations through the operations journal.

Capture and reverse take no metadata, so an operation is found on the API
by the charge's state: captured (with the amount asked for) or reversed.
Both happen at most once per charge, so a resend after a certain absence
is safe, and a state another done operation already accounts for is not
taken for this one's (``once_per_target``).
"""

from __future__ import annotations

from datetime import datetime

from opn_desk.services.api import OpnClient
from opn_desk.services.capture_rules import (
    capture_terms,
    check_capture,
    check_reverse,
)
from opn_desk.services.money import format_amount
from opn_desk.services.operations import Journal, Operation, Outcome, WriteKind

CAPTURE = "capture"
REVERSE = "reverse"


def capture(
    journal: Journal, client: OpnClient, charge_id: str, amount: int, now: datetime
) -> Operation:
    """Capture ``amount`` of an authorization once; the rest is released.

    Raises:
        CaptureRefused: the rules do not allow this capture now.
        OperationInFlight: another write on this charge is unsettled.
    """
    charge = client.get_charge(charge_id)
    terms = capture_terms(charge, now)
    check_capture(terms, amount)
    params = {
        "amount": amount,
        "currency": terms.currency,
        "authorized_amount": terms.authorized_amount,
    }
    return journal.submit(CAPTURE_KIND, charge_id, params, before=charge.raw)


def reverse(
    journal: Journal, client: OpnClient, charge_id: str, now: datetime
) -> Operation:
    """Release a whole authorization (void it) once.

    Raises:
        CaptureRefused: the charge cannot be reversed now.
    """
    charge = client.get_charge(charge_id)
    terms = capture_terms(charge, now)
    check_reverse(terms)
    params = {"amount": terms.authorized_amount, "currency": terms.currency}
    return journal.submit(REVERSE_KIND, charge_id, params, before=charge.raw)


def _send_capture(client: OpnClient, operation: Operation) -> Outcome:
    amount = int(operation.params["amount"])
    partial = amount < int(operation.params["authorized_amount"])
    charge = client.capture_charge(
        operation.target_id, capture_amount=amount if partial else None
    )
    return Outcome(charge.id, charge.raw)


def _find_capture(client: OpnClient, operation: Operation) -> Outcome | None:
    charge = client.get_charge(operation.target_id)
    if charge.paid and charge.captured_amount == int(operation.params["amount"]):
        return Outcome(charge.id, charge.raw)
    return None


def _send_reverse(client: OpnClient, operation: Operation) -> Outcome:
    charge = client.reverse_charge(operation.target_id)
    return Outcome(charge.id, charge.raw)


def _find_reverse(client: OpnClient, operation: Operation) -> Outcome | None:
    charge = client.get_charge(operation.target_id)
    if charge.status == "reversed" or bool(charge.raw.get("reversed")):
        return Outcome(charge.id, charge.raw)
    return None


def _describe_capture(operation: Operation) -> str:
    amount = int(operation.params["amount"])
    currency = str(operation.params["currency"])
    released = int(operation.params["authorized_amount"]) - amount
    text = f"Capture {format_amount(amount, currency)} of {operation.target_id}"
    if released > 0:
        text += f", releasing {format_amount(released, currency)}"
    return text


def _describe_reverse(operation: Operation) -> str:
    amount = format_amount(
        int(operation.params["amount"]), str(operation.params["currency"])
    )
    return f"Release the authorization of {amount} on {operation.target_id}"


CAPTURE_KIND = WriteKind(
    CAPTURE, _send_capture, _find_capture, _describe_capture, once_per_target=True
)
REVERSE_KIND = WriteKind(
    REVERSE, _send_reverse, _find_reverse, _describe_reverse, once_per_target=True
)
