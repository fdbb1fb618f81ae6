"""Creating, deleting and changing charge schedules through the journal.

A create carries its operation id in ``charge[metadata]``, which Opn
copies onto the schedule; after a lost answer the journal finds the
schedule again by that id in the schedule list, so a retried create never
makes a second schedule. Opn cannot edit a schedule: a change is a delete
followed by a create that keeps every parameter the clerk did not change,
each step its own journal operation and audit entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from opn_desk.models.db import session_scope
from opn_desk.models.operations import DONE
from opn_desk.models.schedule_queries import account_currency, capability_object
from opn_desk.services import stores
from opn_desk.services.api import InvalidResponse, NotFound, OpnClient, parse_schedule
from opn_desk.services.api.ledger import parse_capability
from opn_desk.services.api.schedules import LIVE_STATUSES, Schedule
from opn_desk.services.money import format_amount
from opn_desk.services.operations import (
    OPERATION_METADATA_KEY,
    Journal,
    Operation,
    Outcome,
    WriteKind,
    utc_now,
)
from opn_desk.services.schedule_dates import (
    Cadence,
    CadenceRefused,
    cadence_from_api,
    check_cadence,
)

logger = logging.getLogger(__name__)

SCHEDULE_CREATE = "schedule_create"
SCHEDULE_DELETE = "schedule_delete"


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    """A charge schedule to create; ``amount`` in the smallest unit.

    ``card_id`` None charges the customer's default card at each run.
    """

    customer_id: str
    card_id: str | None
    amount: int
    currency: str
    description: str
    cadence: Cadence
    start_on: date
    end_on: date
    metadata: dict[str, str] = field(default_factory=dict)


class ScheduleRefused(ValueError):
    """A create or change the app refuses before sending; ``reason`` code.

    Reasons: ``no_amount`` (zero or less), ``below_minimum`` and
    ``above_maximum`` (outside the account's charge limits),
    ``schedule_not_live`` (a
    change of a deleted, expired or suspended schedule),
    ``start_repeats_a_run`` (the new start would charge a date the old
    schedule already charged), and every ``CadenceRefused`` reason.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ChargeLimits:
    """The smallest and largest charge the account takes, in its currency,
    as its capability said at the last sync."""

    currency: str
    min_amount: int | None
    max_amount: int | None

    def problem(self, amount: int, currency: str) -> str | None:
        """``below_minimum``, ``above_maximum``, or None: within the limits,
        or in another currency (whose limits Opn does not publish)."""
        if currency.upper() != self.currency:
            return None
        if self.min_amount is not None and amount < self.min_amount:
            return "below_minimum"
        if self.max_amount is not None and amount > self.max_amount:
            return "above_maximum"
        return None


def charge_limits(session: Session) -> ChargeLimits | None:
    """The account's charge limits from the cache; None before a sync."""
    currency = account_currency(session)
    raw = capability_object(session)
    if currency is None or raw is None:
        return None
    try:
        capability = parse_capability(raw)
    except InvalidResponse:
        logger.warning("The cached capability cannot be read; limits unknown")
        return None
    return ChargeLimits(
        currency, capability.min_charge_amount, capability.max_charge_amount
    )


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """The two operations of a change; ``created`` None when not sent."""

    deleted: Operation
    created: Operation | None


def check_request(
    request: ScheduleRequest, today: date, limits: ChargeLimits | None = None
) -> None:
    """Refuse what Opn would refuse, before anything is sent.

    Raises:
        ScheduleRefused: with the reason code.
    """
    if request.amount <= 0:
        raise ScheduleRefused("no_amount")
    beyond = limits.problem(request.amount, request.currency) if limits else None
    if beyond is not None:
        raise ScheduleRefused(beyond)
    try:
        check_cadence(request.cadence, request.start_on, request.end_on, today)
    except CadenceRefused as refused:
        raise ScheduleRefused(refused.reason) from None


def create_schedule(
    journal: Journal, request: ScheduleRequest, today: date
) -> Operation:
    """Check the request, then create the schedule exactly once.

    Raises:
        ScheduleRefused: the request cannot make a schedule.
        OperationInFlight: another write for this customer is unsettled.
    """
    check_request(request, today)
    operation = journal.submit(CREATE_KIND, request.customer_id, params_of(request))
    keep_answer(journal, operation)
    return operation


def delete_schedule(journal: Journal, client: OpnClient, schedule_id: str) -> Operation:
    """Stop a schedule once, its state before kept in the audit entry.

    Raises:
        ScheduleRefused: ``schedule_not_live``.
        OperationInFlight: another write on the schedule is unsettled.
        ApiError: the schedule could not be read before sending.
    """
    current = client.get_schedule(schedule_id)
    if current.deleted or current.status not in LIVE_STATUSES:
        raise ScheduleRefused("schedule_not_live")
    params = {"customer_id": current.customer_id or ""}
    operation = journal.submit(DELETE_KIND, schedule_id, params, before=current.raw)
    keep_answer(journal, operation)
    return operation


def keep_answer(journal: Journal, operation: Operation) -> None:
    """Store the schedule Opn answered a done write with, so that the
    cache shows it created or deleted before the next sync."""
    if operation.state != DONE or not operation.result:
        return
    try:
        schedule = parse_schedule(operation.result)
    except InvalidResponse:
        logger.warning("Opn's answer to %s is not a schedule", operation.id)
        return
    with session_scope(journal.engine) as session:
        stores.store_schedules(session, [schedule], utc_now())


def request_from_schedule(schedule: Schedule, today: date) -> ScheduleRequest:
    """A request that recreates ``schedule`` from its next run on.

    The new start is the old schedule's next run date (or tomorrow), so a
    recreated schedule neither repeats nor skips a run.
    """
    assert schedule.every is not None and schedule.period is not None
    charge = schedule.raw.get("charge") or {}
    metadata = {
        str(k): str(v)
        for k, v in (charge.get("metadata") or {}).items()
        if k != OPERATION_METADATA_KEY
    }
    return ScheduleRequest(
        customer_id=schedule.customer_id or "",
        card_id=None if charge.get("default_card") else schedule.card_id,
        amount=schedule.amount or 0,
        currency=schedule.currency or "",
        description=schedule.description or "",
        cadence=cadence_from_api(schedule.every, schedule.period, schedule.on),
        start_on=schedule.next_run_on or today + timedelta(days=1),
        end_on=schedule.end_on or today,
        metadata=metadata,
    )


def change_schedule(
    journal: Journal,
    client: OpnClient,
    schedule_id: str,
    changed: ScheduleRequest,
    today: date,
) -> ChangeOutcome:
    """Delete a schedule, then create ``changed`` in its place.

    ``changed`` is ``request_from_schedule`` with the clerk's changes.
    Both are checked first; the create is sent only once the delete is done.

    Raises:
        ScheduleRefused: the change is refused before anything is sent.
        OperationInFlight: a write on the schedule is unsettled.
        ApiError: the schedule could not be read before sending.
    """
    current = client.get_schedule(schedule_id)
    if current.deleted or current.status not in LIVE_STATUSES:
        raise ScheduleRefused("schedule_not_live")
    last_run = max(
        (o.scheduled_on for o in current.occurrences if o.scheduled_on),
        default=None,
    )
    if last_run is not None and changed.start_on <= last_run:
        raise ScheduleRefused("start_repeats_a_run")
    check_request(changed, today)
    deleted = delete_schedule(journal, client, schedule_id)
    if deleted.state != "done":
        return ChangeOutcome(deleted, None)
    marked = replace(changed, metadata={**changed.metadata, "replaces": schedule_id})
    return ChangeOutcome(deleted, create_schedule(journal, marked, today))


# Parameters kept in the journal, and the request body


def params_of(request: ScheduleRequest) -> dict[str, Any]:
    """The journal's copy of a request: plain JSON."""
    return {
        "customer": request.customer_id,
        "card": request.card_id,
        "amount": request.amount,
        "currency": request.currency,
        "description": request.description,
        "metadata": dict(request.metadata),
        "every": request.cadence.every,
        "period": request.cadence.period,
        "on": request.cadence.on_object(),
        "start_date": request.start_on.isoformat(),
        "end_date": request.end_on.isoformat(),
    }


def _body(operation: Operation) -> dict[str, Any]:
    params = operation.params
    charge: dict[str, Any] = {
        "customer": params["customer"],
        "amount": int(params["amount"]),
        "currency": params["currency"],
        "metadata": {**params["metadata"], OPERATION_METADATA_KEY: operation.id},
    }
    if params.get("card"):
        charge["card"] = params["card"]
    if params.get("description"):
        charge["description"] = params["description"]
    body: dict[str, Any] = {
        "every": params["every"],
        "period": params["period"],
        "start_date": params["start_date"],
        "end_date": params["end_date"],
        "charge": charge,
    }
    if params["on"]:
        body["on"] = params["on"]
    return body


def _send_create(client: OpnClient, operation: Operation) -> Outcome:
    created = client.create_schedule(_body(operation))
    return Outcome(created.id, created.raw)


def _find_create(client: OpnClient, operation: Operation) -> Outcome | None:
    for schedule in client.iter_schedules(order="reverse_chronological"):
        charge = schedule.raw.get("charge") or {}
        metadata = charge.get("metadata") or {}
        if metadata.get(OPERATION_METADATA_KEY) == operation.id:
            return Outcome(schedule.id, schedule.raw)
    return None


def _describe_create(operation: Operation) -> str:
    params = operation.params
    amount = format_amount(int(params["amount"]), str(params["currency"]))
    return (
        f"Schedule {amount} for {params['customer']} every {params['every']} "
        f"{params['period']}(s) from {params['start_date']} "
        f"to {params['end_date']}"
    )


def _send_delete(client: OpnClient, operation: Operation) -> Outcome:
    deleted = client.delete_schedule(operation.target_id)
    return Outcome(deleted.id, deleted.raw)


def _find_delete(client: OpnClient, operation: Operation) -> Outcome | None:
    try:
        schedule = client.get_schedule(operation.target_id)
    except NotFound:
        return None
    return Outcome(schedule.id, schedule.raw) if schedule.deleted else None


def _describe_delete(operation: Operation) -> str:
    return f"Delete schedule {operation.target_id}"


CREATE_KIND = WriteKind(SCHEDULE_CREATE, _send_create, _find_create, _describe_create)
DELETE_KIND = WriteKind(SCHEDULE_DELETE, _send_delete, _find_delete, _describe_delete)
KINDS = {kind.name: kind for kind in (CREATE_KIND, DELETE_KIND)}
