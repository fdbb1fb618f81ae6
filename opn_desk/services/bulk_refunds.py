"""Refunding several charges at once: a reviewed plan, then throttled sends.

Each charge is read afresh and checked on its own; the clerk reviews one
line per charge before anything is sent. Sending goes charge by charge
through the operations journal (one operation each), with a pause between
requests so a long batch stays well inside Opn's rate limits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from opn_desk.models.journal_store import Operation, OperationInFlight
from opn_desk.services.api import ApiError, OpnClient
from opn_desk.services.operations import Journal
from opn_desk.services.refund_rules import RefundRefused, check_refund
from opn_desk.services.refunds import RefundRequest, read_refund_terms, refund

logger = logging.getLogger(__name__)

# Pause between two refunds of a batch.
DEFAULT_PAUSE_S = 0.5


@dataclass(frozen=True, slots=True)
class PlannedRefund:
    """One line of the review: what would be refunded, or why not."""

    charge_id: str
    currency: str
    amount: int
    refused_because: str | None


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What happened to one line once sent (or skipped)."""

    charge_id: str
    state: str  # an operation state, or "skipped" / "refused" / "error"
    detail: str | None
    operation: Operation | None


def plan_refunds(
    client: OpnClient, charge_ids: Sequence[str], now: datetime
) -> list[PlannedRefund]:
    """A full refund of what is left on each charge, each checked afresh."""
    plan = []
    for charge_id in charge_ids:
        try:
            terms = read_refund_terms(client, charge_id, now)
        except ApiError as error:
            plan.append(PlannedRefund(charge_id, "", 0, type(error).__name__))
            continue
        reason = terms.blocked_by
        amount = terms.remaining_amount
        if reason is None:
            try:
                check_refund(terms, amount)
            except RefundRefused as refused:
                reason = refused.reason
        plan.append(PlannedRefund(charge_id, terms.currency, amount, reason))
    return plan


def send_refunds(
    journal: Journal,
    client: OpnClient,
    plan: Sequence[PlannedRefund],
    *,
    reason: str,
    note: str,
    now: Callable[[], datetime],
    progress: Callable[[int, BulkOutcome], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    pause_s: float = DEFAULT_PAUSE_S,
) -> list[BulkOutcome]:
    """Send each planned refund once, in order; one outcome per line."""
    report = progress or (lambda _index, _outcome: None)
    stop = cancelled or (lambda: False)
    outcomes: list[BulkOutcome] = []
    for index, line in enumerate(plan):
        if stop():
            outcome = BulkOutcome(line.charge_id, "skipped", "cancelled", None)
        elif line.refused_because is not None:
            outcome = BulkOutcome(line.charge_id, "skipped", line.refused_because, None)
        else:
            outcome = _send_one(journal, client, line, reason, note, now)
            if index < len(plan) - 1:
                time.sleep(pause_s)
        outcomes.append(outcome)
        report(index, outcome)
    return outcomes


def _send_one(
    journal: Journal,
    client: OpnClient,
    line: PlannedRefund,
    reason: str,
    note: str,
    now: Callable[[], datetime],
) -> BulkOutcome:
    request = RefundRequest(line.charge_id, line.amount, reason, note)
    try:
        operation = refund(journal, client, request, now())
    except RefundRefused as refused:
        # The charge changed since the review (another clerk refunded it).
        return BulkOutcome(line.charge_id, "refused", refused.reason, None)
    except OperationInFlight:
        return BulkOutcome(line.charge_id, "refused", "in_flight", None)
    except ApiError as error:
        logger.warning("Bulk refund of %s not sent", line.charge_id, exc_info=error)
        return BulkOutcome(line.charge_id, "error", type(error).__name__, None)
    detail = operation.error_code if operation.state != "done" else operation.result_id
    return BulkOutcome(line.charge_id, operation.state, detail, operation)
