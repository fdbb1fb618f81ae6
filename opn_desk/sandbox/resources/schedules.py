"""Charge schedules and their occurrences: create, list, retrieve, delete.

``POST /schedules`` checks everything REFERENCE.md section 8.6 lists before
anything is stored (400 ``bad_request`` naming the problem, 404 for an
unknown customer or card). Transfer schedules are refused: the sandbox has
no transfers. Running the schedules is ``schedule_runs``' job; the dates
come from ``schedule_dates``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox import fields as f
from opn_desk.sandbox import schedule_dates as sd
from opn_desk.sandbox import schedule_runs as runs
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.fields import Fields
from opn_desk.sandbox.resources import customers
from opn_desk.sandbox.resources.base import list_of, retrieve_of, sub_list
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.times import iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

_FIELDS = {
    "every", "period", "on", "start_date", "end_date", "start_on", "end_on",
    "charge", "transfer",
}  # fmt: skip
_CHARGE_FIELDS = {
    "customer", "card", "amount", "currency", "description", "metadata",
}  # fmt: skip
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\Z")


def add_routes(router: Router) -> None:
    router.add("POST", r"/schedules", create_schedule)
    router.add("GET", r"/schedules", list_of("schedule", "/schedules"))
    router.add("GET", r"/charges/schedules", list_of("schedule", "/charges/schedules"))
    router.add("GET", r"/transfers/schedules", list_transfer_schedules)
    router.add("GET", r"/customers/([^/]+)/schedules", list_customer_schedules)
    router.add("GET", r"/schedules/([^/]+)", retrieve_of("schedule"))
    router.add("DELETE", r"/schedules/([^/]+)", delete_schedule)
    router.add("GET", r"/schedules/([^/]+)/occurrences", list_occurrences)
    router.add("GET", r"/occurrences/([^/]+)", retrieve_of("occurrence"))


def timer_hooks() -> dict[str, Callable[[SandboxState, str, datetime], None]]:
    return {runs.RUN: runs.run_due}


# -- create ----------------------------------------------------------


def create_schedule(state: SandboxState, request: Request) -> bytes:
    schedule_id = create(state, request.fields)
    found = state.get_json("schedule", schedule_id)
    assert found is not None
    return found


def create(state: SandboxState, fields: Fields) -> str:
    """Check ``fields`` (a create request's), store the schedule, start it.

    Returns the schedule's id. Raises ``ApiError`` before changing anything.
    """
    f.only(fields, _FIELDS)
    template = _charge_part(state, fields)
    rule = _cadence(state, fields)
    start_on, end_on = _dates(state, fields)
    first = sd.dates_after(rule, start_on, end_on, None, 1)
    if not first:
        raise ApiError.bad_request(
            f"no date from {start_on} to {end_on} matches "
            f"{sd.in_words(rule).lower()}; move end_date later or change the cadence"
        )
    scheduled_charge = _scheduled_charge(state, template)
    schedule = _new_schedule(state, fields, rule, start_on, end_on, scheduled_charge)
    state.emit("schedule.create", "schedule", schedule)
    runs.start(state, schedule)
    return str(schedule["id"])


def _charge_part(state: SandboxState, fields: Fields) -> dict[str, Any]:
    """The ``charge`` object, after the account and charge/transfer checks."""
    charge = fields.get("charge")
    transfer = fields.get("transfer")
    if charge is not None and transfer is not None:
        raise ApiError.bad_request("give charge or transfer, not both")
    if transfer is not None:
        raise ApiError.bad_request(
            "transfer schedules are not supported by the sandbox; "
            "schedule charges with charge[customer] and charge[amount]"
        )
    if charge is None:
        raise ApiError.bad_request(
            "charge is required: charge[customer] and charge[amount]"
        )
    if not isinstance(charge, dict):
        raise ApiError.bad_request("charge must be an object, e.g. charge[amount]")
    if state.config.three_d_secure_enabled:
        raise ApiError.bad_request(
            "charge schedules are not available on an account with 3-D Secure"
        )
    for name in charge:
        if name not in _CHARGE_FIELDS:
            raise ApiError.bad_request(
                f"charge[{name}] is not a parameter of this request"
            )
    return charge


def _cadence(state: SandboxState, fields: Fields) -> sd.Cadence:
    every = f.integer(fields, "every", required=True)
    period = f.text(fields, "period", required=True)
    assert every is not None and period is not None
    clamp = state.config.schedule_month_end_clamp
    try:
        return sd.cadence(every, period, fields.get("on"), clamp_month_end=clamp)
    except ValueError as error:
        raise ApiError.bad_request(str(error)) from None


def _dates(state: SandboxState, fields: Fields) -> tuple[date, date]:
    today = runs.local_today(state)
    start_on = _date_field(fields, "start_date", "start_on") or today
    end_on = _date_field(fields, "end_date", "end_on")
    if end_on is None:
        raise ApiError.bad_request("end_date is required, e.g. 2026-12-31")
    if start_on < today:
        raise ApiError.bad_request(
            f"start_date {start_on} is in the past; the account's today is {today}"
        )
    if end_on < start_on:
        raise ApiError.bad_request(f"end_date {end_on} is before start_date {start_on}")
    return start_on, end_on


def _date_field(fields: Fields, name: str, alias: str) -> date | None:
    given = [n for n in (name, alias) if fields.get(n) not in (None, "")]
    if len(given) == 2:
        raise ApiError.bad_request(f"give {name} or {alias}, not both")
    if not given:
        return None
    text = f.text(fields, given[0]) or ""
    match = _DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ApiError.bad_request(
            f"{given[0]} must be a date such as 2025-03-20"
        ) from None


def _scheduled_charge(state: SandboxState, template: Fields) -> dict[str, Any]:
    """The ``scheduled_charge`` object, its customer, card and amount checked."""
    customer_id = f.text(template, "customer")
    if not customer_id:
        raise ApiError.bad_request("charge[customer] is required")
    card_id = f.text(template, "card")
    customer = state.require("customer", customer_id)
    if card_id is None and customer["default_card"] is None:
        raise ApiError.bad_request(
            f"customer {customer_id} has no card; add a card before scheduling"
        )
    _, card = customers.customer_card(state, customer_id, card_id)
    amount, currency = _amount(state, template)
    metadata = _metadata(template)
    return {
        "object": "scheduled_charge",
        "id": state.new_id("rchg"),
        "livemode": False,
        "currency": currency,
        "amount": amount,
        "default_card": card_id is None,
        "card": card["id"],
        "customer": customer_id,
        "linked_account": None,
        "description": f.text(template, "description"),
        "metadata": metadata,
        "created_at": iso(state.now()),
    }


def _amount(state: SandboxState, template: Fields) -> tuple[int, str]:
    try:
        amount = f.integer(template, "amount", required=True)
    except ApiError:
        raise ApiError.bad_request(
            "charge[amount] is required: an integer in the smallest unit"
        ) from None
    try:
        currency_text = f.text(template, "currency")
    except ApiError:
        raise ApiError.bad_request(
            "charge[currency] must be a code such as THB"
        ) from None
    assert amount is not None
    currency = (currency_text or state.account()["currency"]).upper()
    limits = state.config.charge_limits.get(currency)
    if currency not in state.account()["supported_currencies"] or limits is None:
        raise ApiError.bad_request(f"charge[currency] {currency} is not supported")
    low, high = limits
    unit = f"({currency.lower()} subunits)"
    if not low <= amount <= high:
        raise ApiError.bad_request(
            f"charge[amount] must be from {low} to {high} {unit}"
        )
    return amount, currency


def _metadata(template: Fields) -> dict[str, Any]:
    try:
        return f.metadata(template) or {}
    except ApiError:
        raise ApiError.bad_request("charge[metadata] must be an object") from None


def _new_schedule(
    state: SandboxState,
    fields: Fields,
    rule: sd.Cadence,
    start_on: date,
    end_on: date,
    scheduled_charge: dict[str, Any],
) -> dict[str, Any]:
    schedule_id = state.new_id("schd")
    location = f"/schedules/{schedule_id}"
    on = fields.get("on") if isinstance(fields.get("on"), dict) else {}
    text = on.get("weekday_of_month") if isinstance(on, dict) else None
    next_on = [
        day.isoformat()
        for day in sd.dates_after(rule, start_on, end_on, None, runs.NEXT_DATES)
    ]
    return {
        "object": "schedule",
        "id": schedule_id,
        "deleted": False,
        "livemode": False,
        "location": location,
        "every": rule.every,
        "occurrences": ch.empty_list(f"{location}/occurrences", state.now()),
        "on": sd.on_object(rule, text if isinstance(text, str) else None),
        "in_words": sd.in_words(rule),
        "period": rule.period,
        "status": "expiring" if len(next_on) == 1 else "running",
        "active": True,
        "state": "Active",
        "charge": scheduled_charge,
        "next_occurrences_on": next_on,
        "ended_at": None,
        "start_on": start_on.isoformat(),
        "end_on": end_on.isoformat(),
        "created_at": iso(state.now()),
        "execute_time": None,
        "deleted_by": None,
    }


# -- the others ------------------------------------------------------


def delete_schedule(state: SandboxState, request: Request) -> bytes:
    """Stop a schedule. Deleting one already deleted is a 400."""
    (schedule_id,) = request.path_args
    schedule = state.require("schedule", schedule_id)
    if schedule["deleted"]:
        raise ApiError.bad_request(f"schedule {schedule_id} was already deleted")
    return runs.delete(state, schedule)


def list_customer_schedules(state: SandboxState, request: Request) -> bytes:
    (customer_id,) = request.path_args
    state.require("customer", customer_id)
    found = [
        schedule
        for schedule in state.objects("schedule")
        if schedule["charge"]["customer"] == customer_id
    ]
    return sub_list(state, request, found, f"/customers/{customer_id}/schedules")


def list_transfer_schedules(state: SandboxState, request: Request) -> bytes:
    """Always empty: the sandbox makes no transfer schedules."""
    return sub_list(state, request, [], "/transfers/schedules")


def list_occurrences(state: SandboxState, request: Request) -> bytes:
    (schedule_id,) = request.path_args
    state.require("schedule", schedule_id)
    found = [o for o in state.objects("occurrence") if o["schedule"] == schedule_id]
    return sub_list(state, request, found, f"/schedules/{schedule_id}/occurrences")
