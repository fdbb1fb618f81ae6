"""Sentences for refunds, captures and operations the rules or Opn refused."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from opn_desk.models.journal_store import Operation
from opn_desk.models.operations import DONE, FAILED
from opn_desk.services import capture_rules as cr
from opn_desk.services import refund_rules as rr

_CONTEXT = "refusals"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def refund_refusal(reason: str) -> str:
    """Why a refund cannot be made, and what the clerk can do."""
    sentences = {
        rr.DISPUTED: _tr(
            "This charge is disputed, and Opn takes no refund on a disputed "
            "charge. Answer the dispute in the Disputes tab instead."
        ),
        rr.NOT_PAID: _tr(
            "This charge was never paid, so there is nothing to refund. "
            "An authorization can be released in the Capture tab."
        ),
        rr.NOTHING_LEFT: _tr("This charge has already been refunded in full."),
        rr.TOO_MANY_REFUNDS: _tr(
            "This charge already has 15 refunds, the most Opn allows on one charge."
        ),
        rr.WINDOW_CLOSED: _tr(
            "The refund window of this charge has closed (365 days after "
            "payment, 160 for JCB, American Express and Diners cards). "
            "Contact Opn support to return the money another way."
        ),
        rr.NOT_REFUNDABLE: _tr(
            "Opn does not refund this payment method through the API. "
            "Return the money to the customer another way."
        ),
        rr.NOT_POSITIVE: _tr("Enter an amount greater than zero."),
        rr.MORE_THAN_LEFT: _tr(
            "The amount is more than what is left to refund on this charge."
        ),
        rr.FULL_ONLY: _tr(
            "This payment method takes full refunds only: refund everything "
            "that is left, or nothing."
        ),
    }
    return sentences.get(reason, _tr("Opn does not allow this refund now."))


def capture_refusal(reason: str) -> str:
    """Why a capture or release cannot be made, and what the clerk can do."""
    sentences = {
        cr.NOT_CAPTURABLE: _tr(
            "This charge cannot be captured: it is not an uncaptured card "
            "authorization any more. Sync to see its current state."
        ),
        cr.AUTHORIZATION_LAPSED: _tr(
            "The authorization has lapsed and its money was released. "
            "Ask the customer to pay again."
        ),
        cr.NOT_POSITIVE: _tr("Enter an amount greater than zero."),
        cr.MORE_THAN_AUTHORIZED: _tr(
            "The amount is more than was authorized on this charge."
        ),
        cr.FULL_ONLY: _tr(
            "This authorization can only be captured in full (it is not a "
            "pre-authorization)."
        ),
        cr.NOT_REVERSIBLE: _tr("This authorization can no longer be released."),
    }
    return sentences.get(reason, _tr("Opn does not allow this capture now."))


def amount_problem(reason: str, currency: str) -> str:
    """What is wrong with a typed amount (money.AmountError.reason)."""
    if reason == "empty":
        return _tr("Enter an amount.")
    if reason == "negative":
        return _tr("Enter an amount greater than zero.")
    if reason == "too_many_decimals":
        if currency.upper() == "JPY":
            return _tr("Yen amounts have no decimals; enter a whole number.")
        return _tr("Enter at most two decimals.")
    return _tr("Enter the amount as a number, for example 1,250.50.")


def operation_outcome(operation: Operation) -> str:
    """How a refund, capture or release ended, for the clerk."""
    if operation.state == DONE:
        done = {
            "refund": _tr("Refunded. Opn's refund id is %1."),
            "capture": _tr("Captured. The rest of the authorization was released."),
            "reverse": _tr("Released. The customer's money is no longer held."),
        }
        text = done.get(operation.kind, _tr("Done."))
        return text.replace("%1", operation.result_id or "")
    if operation.state == FAILED:
        return _tr("Opn refused it: %1. Nothing was changed.").replace(
            "%1", operation.error_message or operation.error_code or ""
        )
    return _tr(
        "opn-desk could not confirm this with Opn. It will check again by "
        "itself; do not repeat it by hand."
    )
