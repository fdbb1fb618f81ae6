"""Balance transactions: one per money movement, and the balance they add up to.

``post_transaction`` is how every module moves money: a charge capture
credits its net (amount less fee and VAT), a refund debits, a dispute debits
and a won dispute credits back. Credits become transferable after the
configured hold; debits count at once. The running balance is kept in the
state's ``module_data`` so ``GET /balance`` never reads every transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox.resources.base import list_of, retrieve_of
from opn_desk.sandbox.router import Router
from opn_desk.sandbox.times import epoch_s

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

CREDIT = "credit"
DEBIT = "debit"
CHARGE_CAPTURED = "charge.captured.net"
REFUND_CREATED = "refund.created.debit"
DISPUTE_STARTED = "dispute.started.debit"
DISPUTE_WON = "dispute.won.credit"


def add_routes(router: Router) -> None:
    router.add("GET", r"/transactions", list_of("transaction", "/transactions"))
    router.add("GET", r"/transactions/([^/]+)", retrieve_of("transaction"))


def post_transaction(
    state: SandboxState,
    *,
    amount: int,
    direction: str,
    key: str,
    origin: str,
    currency: str = "THB",
) -> dict[str, Any]:
    """Record a money movement of ``amount`` (> 0, smallest unit) now.

    ``key`` says what caused it (``charge.captured.net``...), ``origin`` is
    the id of the object that did. Returns the transaction.
    """
    if amount < 0 or direction not in (CREDIT, DEBIT):
        raise ValueError(f"bad transaction: {direction} {amount}")
    now = state.now()
    transferable_at = now
    if direction == CREDIT:
        transferable_at = now + timedelta(days=state.config.transfer_hold_days)
    transaction = ch.transaction_object(
        state.new_id("trxn"), currency, amount, direction, key, origin, now,
        transferable_at,
    )  # fmt: skip
    with state.lock:
        state.put("transaction", transaction)
        signed = amount if direction == CREDIT else -amount
        add_to_balance(state.module_data, signed, transferable_at, now)
    return transaction


def add_to_balance(
    module_data: dict[str, Any],
    signed_amount: int,
    transferable_at: datetime,
    now: datetime,
) -> None:
    """Count a movement in the running balance kept in ``module_data``."""
    book = module_data.setdefault("ledger", {"total": 0, "held": []})
    book["total"] += signed_amount
    if transferable_at > now:
        book["held"].append([epoch_s(transferable_at), signed_amount])


def balance(state: SandboxState) -> tuple[int, int]:
    """(total, transferable) now; credits still on hold are not transferable."""
    with state.lock:
        book = state.module_data.setdefault("ledger", {"total": 0, "held": []})
        now_s = epoch_s(state.now())
        book["held"] = [row for row in book["held"] if row[0] > now_s]
        held = sum(amount for _, amount in book["held"])
        return book["total"], book["total"] - held
