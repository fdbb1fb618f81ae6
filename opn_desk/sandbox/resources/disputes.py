"""Disputes: list by status, retrieve, update, accept, close, and opening one.

A dispute is ``open`` when the issuer raises it, ``pending`` once the
merchant answers with a message, and ends ``won`` or ``lost``; accepting it
makes it ``lost`` at once. Opening one debits the disputed amount and a win
credits it back, both through the ledger. The disputed charge embeds the
dispute as it is now and can no longer be refunded or disputed again
(REFERENCE.md sections 4 and 8.5). Evidence documents live in
``documents.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox import fields as f
from opn_desk.sandbox.control import PREFIX
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.listing import ListQuery
from opn_desk.sandbox.resources import ledger
from opn_desk.sandbox.resources.base import list_of, retrieve_of
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.store import decode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

OPEN = "open"
PENDING = "pending"
WON = "won"
LOST = "lost"
CLOSED = (WON, LOST)
# The list buckets of GET /disputes/{bucket}; "closed" is never a status.
BUCKETS = {"open": (OPEN,), "pending": (PENDING,), "closed": CLOSED}

# Timer hook: a dispute left open too long is lost (SandboxConfig setting).
AUTO_ACCEPT = "dispute.auto_accept"

DEFAULT_REASON = "goods_or_services_not_provided"
# Every reason code of REFERENCE.md section 4.3 with a readable message.
# Two are recorded (goods_or_services_not_provided, not_recorded); the
# others are our own wording, shared with the seeder's disputes.
REASON_MESSAGES = {
    "cancelled_recurring_transaction": "Recurring transaction was cancelled",
    "credit_not_processed": "Credit not processed",
    "duplicate_processing": "Duplicate processing",
    "expired_card": "Card had expired",
    "goods_or_services_not_provided": "Merchandise/Services Not Received",
    "incorrect_currency": "Incorrect currency",
    "incorrect_transaction_amount": "Incorrect transaction amount",
    "late_presentment": "Late presentment",
    "non_matching_account_number": "Account number does not match",
    "not_as_described_or_defective_merchandise": "Not as described or defective",
    "not_available": "Reason not available",
    "not_recorded": "Reason was not recorded.",
    "other": "Other reason",
    "paid_by_other_means": "Paid by other means",
    "transaction_not_recognised": "Cardholder does not recognise transaction",
    "unauthorized_charge": "Unauthorized charge",
}


def add_routes(router: Router) -> None:
    router.add("GET", r"/disputes", list_of("dispute", "/disputes"))
    router.add("GET", r"/disputes/(open|pending|closed)", list_bucket)
    router.add("GET", r"/disputes/([^/]+)", retrieve_of("dispute"))
    router.add("PATCH", r"/disputes/([^/]+)", update_dispute)
    router.add("PATCH", r"/disputes/([^/]+)/accept", accept_dispute)
    router.add("PATCH", r"/disputes/([^/]+)/close", close_dispute)
    router.add("POST", r"/charges/([^/]+)/disputes", create_dispute)


def add_control_routes(router: Router) -> None:
    router.add("POST", rf"{PREFIX}/disputes", control_open)
    router.add("POST", rf"{PREFIX}/disputes/([^/]+)/resolve", control_resolve)


def timer_hooks() -> dict[str, Any]:
    return {AUTO_ACCEPT: auto_accept}


# -- reading -----------------------------------------------------------------


def list_bucket(state: SandboxState, request: Request) -> bytes:
    """``GET /disputes/open|pending|closed``: the list of those statuses."""
    (bucket,) = request.path_args
    statuses = BUCKETS[bucket]
    query = ListQuery.parse(request.list_params(), state.now())
    with state.lock:
        table = state.store.table("dispute")
        index = [
            entry
            for entry in table.index
            if decode(table.objects[entry[2]])["status"] in statuses
        ]
        total, entries = query.page(index)
        items = [table.objects[entry[2]] for entry in entries]
    return query.envelope(f"/disputes/{bucket}", total, items)


# -- the merchant's actions --------------------------------------------------


def update_dispute(state: SandboxState, request: Request) -> bytes:
    """``PATCH /disputes/{id}``: the merchant's message and the metadata.

    A message answers the dispute: an open one becomes pending. Metadata
    can change in any status; the message no longer once it is decided.
    """
    dispute = state.require("dispute", request.path_args[0])
    fields = request.fields
    f.only(fields, {"message", "metadata"})
    metadata = f.metadata(fields)
    message = _message(fields) if "message" in fields else None
    if message is not None and dispute["status"] in CLOSED:
        raise ApiError.bad_request(
            f"the dispute is {dispute['status']}; its message can no longer change"
        )
    if message is not None:
        dispute["message"] = message
        if dispute["status"] == OPEN:
            dispute["status"] = PENDING
    if metadata is not None:
        dispute["metadata"] = metadata
    return save_dispute(state, dispute, "dispute.update")


def _message(fields: dict[str, Any]) -> str:
    message = f.text(fields, "message")
    if message is None or not message.strip():
        raise ApiError.bad_request("message must be a non-empty string")
    return message


def accept_dispute(state: SandboxState, request: Request) -> bytes:
    """``PATCH /disputes/{id}/accept``: the merchant concedes; ``lost``."""
    dispute = state.require("dispute", request.path_args[0])
    f.only(request.fields, set())
    _check_undecided(dispute)
    ch.close_dispute(dispute, LOST, state.now())
    return save_dispute(state, dispute, "dispute.accept")


def close_dispute(state: SandboxState, request: Request) -> bytes:
    """``PATCH /disputes/{id}/close`` (test mode): ``status`` won or lost."""
    fields = request.fields
    f.only(fields, {"status"})
    status = f.text(fields, "status", required=True)
    return resolve(state, request.path_args[0], str(status))


def create_dispute(state: SandboxState, request: Request) -> bytes:
    """``POST /charges/{id}/disputes`` (test mode): the issuer disputes it."""
    fields = request.fields
    f.only(fields, {"reason_code"})
    reason_code = f.text(fields, "reason_code") or DEFAULT_REASON
    return open_dispute(state, request.path_args[0], reason_code)


# -- the control interface ---------------------------------------------------


def control_open(state: SandboxState, request: Request) -> bytes:
    """``POST /__sandbox/disputes``: ``charge`` and optional ``reason_code``."""
    fields = request.fields
    f.only(fields, {"charge", "reason_code"})
    charge_id = f.text(fields, "charge", required=True)
    reason_code = f.text(fields, "reason_code") or DEFAULT_REASON
    return open_dispute(state, str(charge_id), reason_code)


def control_resolve(state: SandboxState, request: Request) -> bytes:
    """``POST /__sandbox/disputes/{id}/resolve``: ``status`` won or lost."""
    return close_dispute(state, request)


# -- the transitions, also for tests -----------------------------------------


def open_dispute(state: SandboxState, charge_id: str, reason_code: str) -> bytes:
    """Open a dispute on a paid card charge; the dispute's bytes.

    Debits the disputed amount (in the account currency) and records
    ``dispute.create``. Raises ``ApiError`` before changing anything when
    the reason code is unknown or the charge cannot be disputed.
    """
    with state.lock:
        charge = state.require("charge", charge_id)
        reason_message = _reason_message(reason_code)
        _check_disputable(charge)
        dispute_id = state.new_id("dspt")
        debit = ledger.post_transaction(
            state,
            amount=ch.funding_amount(charge["captured_amount"], charge["currency"]),
            direction=ledger.DEBIT,
            key=ledger.DISPUTE_STARTED,
            origin=dispute_id,
        )
        dispute = ch.dispute_object(
            dispute_id, charge, state.now(), debit["id"],
            reason_code=reason_code, reason_message=reason_message,
        )  # fmt: skip
        dispute["transactions"] = [debit]
        ch.attach_dispute(charge, dispute)
        data = state.emit("dispute.create", "dispute", dispute)
        state.put("charge", charge)
        _schedule_auto_accept(state, dispute_id)
        return data


def _reason_message(reason_code: str) -> str:
    message = REASON_MESSAGES.get(reason_code)
    if message is None:
        raise ApiError.bad_request(
            f"reason_code {reason_code} is not a dispute reason code"
        )
    return message


def _check_disputable(charge: dict[str, Any]) -> None:
    if charge["status"] != "successful" or not charge["paid"]:
        raise ApiError.bad_request(
            f"only paid charges can be disputed (this one is {charge['status']})"
        )
    if charge["dispute"] is not None:
        raise ApiError.bad_request("the charge is already disputed")
    if not ch.paid_by_card(charge):
        raise ApiError.bad_request("only card charges can be disputed")
    if charge["refunded_amount"] >= charge["captured_amount"]:
        raise ApiError.bad_request("a fully refunded charge cannot be disputed")


def resolve(state: SandboxState, dispute_id: str, status: str) -> bytes:
    """Decide an open or pending dispute as ``won`` or ``lost``; its bytes.

    A win credits the disputed amount back. Records ``dispute.close``.
    """
    with state.lock:
        dispute = state.require("dispute", dispute_id)
        if status not in CLOSED:
            raise ApiError.bad_request("status must be won or lost")
        _check_undecided(dispute)
        ch.close_dispute(dispute, status, state.now())
        if status == WON:
            credit = ledger.post_transaction(
                state,
                amount=dispute["funding_amount"],
                direction=ledger.CREDIT,
                key=ledger.DISPUTE_WON,
                origin=dispute_id,
                currency=dispute["funding_currency"],
            )
            dispute["transactions"].append(credit)
        return save_dispute(state, dispute, "dispute.close")


def _check_undecided(dispute: dict[str, Any]) -> None:
    if dispute["status"] in CLOSED:
        raise ApiError.bad_request(f"the dispute is already {dispute['status']}")


def save_dispute(
    state: SandboxState, dispute: dict[str, Any], event_key: str | None
) -> bytes:
    """Store ``dispute`` (recording ``event_key`` unless None) and show it
    on its charge as it is now; the dispute's bytes."""
    with state.lock:
        if event_key is None:
            data = state.put("dispute", dispute)
        else:
            data = state.emit(event_key, "dispute", dispute)
        charge = state.get("charge", dispute["charge"])
        if charge is not None:
            charge["dispute"] = dispute
            state.put("charge", charge)
        return data


# -- auto-accept -------------------------------------------------------------


def _schedule_auto_accept(state: SandboxState, dispute_id: str) -> None:
    days = state.config.dispute_auto_accept_days
    if days > 0:
        due = state.now() + timedelta(days=days)
        state.schedule(due, AUTO_ACCEPT, dispute_id)


def auto_accept(state: SandboxState, dispute_id: str, due: datetime) -> None:
    """Timer hook: a dispute still ``open`` at ``due`` is lost.

    Does nothing when the merchant answered (pending), the dispute was
    decided, or the setting has been turned off since.
    """
    if state.config.dispute_auto_accept_days <= 0:
        return
    dispute = state.get("dispute", dispute_id)
    if dispute is None or dispute["status"] != OPEN:
        return
    ch.close_dispute(dispute, LOST, due)
    save_dispute(state, dispute, "dispute.close")
