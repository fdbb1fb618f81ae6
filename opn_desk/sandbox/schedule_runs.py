"""Running charge schedules as the sandbox clock passes their dates.

Each live schedule has a plan in ``state.module_data["schedules"]``: the
moment its timer is armed for and the failed occurrences waiting for a
retry (with the attempts made). A date runs at 08:30 in the account's time
zone (01:30 UTC for Bangkok, as the recordings show), or at once when a
schedule starting today is created. A run makes an occurrence and a real
charge through ``POST /charges``'s code path. A declined charge leaves the
occurrence ``failed`` with ``retry_on`` the next day; the third failed
attempt suspends the schedule. A schedule with no date left expires.

Timers never need cancelling: a timer whose moment is not the plan's
armed moment (or whose schedule has ended) does nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import schedule_dates as sd
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.resources import charges
from opn_desk.sandbox.times import epoch_s, iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

RUN = "schedule.run"
RUN_TIME_LOCAL = time(8, 30)
MAX_ATTEMPTS = 3  # the first try and two retries on the following days
NEXT_DATES = 30
EMBEDDED_OCCURRENCES = 20
LIVE = ("running", "expiring")

Schedule = dict[str, Any]


# -- local dates -----------------------------------------------------------


def zone(state: SandboxState) -> timezone:
    return timezone(timedelta(hours=state.config.account_utc_offset_hours))


def local_today(state: SandboxState) -> date:
    """Today's date in the account's time zone (Bangkok for the demo)."""
    return state.now().astimezone(zone(state)).date()


def run_moment(state: SandboxState, day: date) -> datetime:
    """When the run of ``day`` happens: 08:30 local time, in UTC."""
    local = datetime.combine(day, RUN_TIME_LOCAL, tzinfo=zone(state))
    return local.astimezone(UTC)


def rule_of(schedule: Schedule) -> sd.Cadence:
    """The cadence a stored schedule runs by."""
    return sd.cadence(schedule["every"], schedule["period"], schedule["on"])


def upcoming(schedule: Schedule, after: date | None) -> list[str]:
    """The next run dates later than ``after`` (ISO dates, at most 30)."""
    found = sd.dates_after(
        rule_of(schedule),
        date.fromisoformat(schedule["start_on"]),
        date.fromisoformat(schedule["end_on"]),
        after,
        NEXT_DATES,
    )
    return [day.isoformat() for day in found]


# -- what the resource calls -----------------------------------------------


def start(state: SandboxState, schedule: Schedule) -> None:
    """Plan a schedule just stored; a date due today runs at once."""
    _plans(state)[schedule["id"]] = {"due_s": None, "retrying": {}}
    _process(state, schedule)


def delete(state: SandboxState, schedule: Schedule) -> bytes:
    """Stop a schedule for good: ``deleted``, with no retry left."""
    plan = _plans(state).pop(schedule["id"], None)
    if plan is not None:
        _cancel_retries(state, schedule, plan)
    schedule.update(
        status="deleted",
        deleted=True,
        active=False,
        next_occurrences_on=[],
        ended_at=schedule["ended_at"] or iso(state.now()),
    )
    return state.emit("schedule.destroy", "schedule", schedule)


def run_due(state: SandboxState, schedule_id: str, due: datetime) -> None:
    """Timer hook: run what a schedule has due by ``due``."""
    plan = _plans(state).get(schedule_id)
    if plan is None or plan["due_s"] != epoch_s(due):
        return
    schedule = state.get("schedule", schedule_id)
    if schedule is None or schedule["status"] not in LIVE:
        _plans(state).pop(schedule_id, None)
        return
    _process(state, schedule)


def run_until(state: SandboxState, schedule_id: str, until: datetime) -> None:
    """Run a schedule's timers due by ``until`` now, each at its moment
    (the seeder's way to give a schedule its past)."""
    while (plan := _plans(state).get(schedule_id)) is not None:
        due = datetime.fromtimestamp(plan["due_s"], UTC)
        if due > until:
            return
        with state.pinned_clock(due):
            run_due(state, schedule_id, due)


# -- a run -----------------------------------------------------------------


def _process(state: SandboxState, schedule: Schedule) -> None:
    """Retries due today, then dates due by today; then status and timer."""
    plan = _plans(state)[schedule["id"]]
    today = local_today(state)
    for occurrence in _retries_due(state, plan, today):
        _attempt(state, schedule, occurrence, plan)
        if schedule["status"] not in LIVE:
            return
    while schedule["next_occurrences_on"] and (
        date.fromisoformat(schedule["next_occurrences_on"][0]) <= today
    ):
        day = date.fromisoformat(schedule["next_occurrences_on"][0])
        schedule["next_occurrences_on"] = upcoming(schedule, day)
        _attempt(state, schedule, _new_occurrence(state, schedule, day), plan)
        if schedule["status"] not in LIVE:
            return
    _settle(state, schedule, plan)


def _retries_due(
    state: SandboxState, plan: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    waiting = [state.require("occurrence", i) for i in plan["retrying"]]
    due = [o for o in waiting if date.fromisoformat(o["retry_on"]) <= today]
    return sorted(due, key=lambda o: (o["scheduled_on"], o["id"]))


def _new_occurrence(
    state: SandboxState, schedule: Schedule, day: date
) -> dict[str, Any]:
    occurrence_id = state.new_id("occu")
    return {
        "object": "occurrence",
        "livemode": False,
        "location": f"/occurrences/{occurrence_id}",
        "id": occurrence_id,
        "result": None,
        "schedule": schedule["id"],
        "message": None,
        "status": "scheduled",
        "processed_at": None,
        "created_at": iso(state.now()),
        "scheduled_on": day.isoformat(),
        "retry_on": None,
        "execute_time": None,
        "split_metadata": None,
        "transfer_amount": 0,
    }


def _attempt(
    state: SandboxState,
    schedule: Schedule,
    occurrence: dict[str, Any],
    plan: dict[str, Any],
) -> None:
    """Charge once for ``occurrence``; suspend after the last failed try."""
    attempts = plan["retrying"].pop(occurrence["id"], 0) + 1
    charge, message = _charge(state, schedule)
    occurrence["processed_at"] = iso(state.now())
    occurrence["result"] = charge["id"] if charge is not None else None
    succeeded = charge is not None and charge["status"] == "successful"
    occurrence["status"] = "successful" if succeeded else "failed"
    occurrence["message"] = None if succeeded else message
    occurrence["retry_on"] = None
    exhausted = not succeeded and attempts >= MAX_ATTEMPTS
    if not succeeded and not exhausted:
        retry_on = local_today(state) + timedelta(days=1)
        occurrence["retry_on"] = retry_on.isoformat()
        plan["retrying"][occurrence["id"]] = attempts
    state.put("occurrence", occurrence)
    _embed(state, schedule, occurrence)
    if exhausted:
        _end(state, schedule, plan, "suspended", "schedule.suspend")


def _charge(
    state: SandboxState, schedule: Schedule
) -> tuple[dict[str, Any] | None, str | None]:
    """(the charge made, its failure message); no charge if it was refused."""
    template = schedule["charge"]
    fields: dict[str, Any] = {
        "customer": template["customer"],
        "amount": template["amount"],
        "currency": template["currency"],
        "description": template["description"],
        "metadata": dict(template["metadata"]),
    }
    if not template["default_card"]:
        fields["card"] = template["card"]
    try:
        charge = charges.build_charge(state, fields)
    except ApiError as error:
        logger.info("schedule %s could not charge: %s", schedule["id"], error)
        return None, error.message
    charge["schedule"] = schedule["id"]
    state.emit("charge.create", "charge", charge)
    return charge, charge["failure_message"]


def _embed(state: SandboxState, schedule: Schedule, occurrence: dict[str, Any]) -> None:
    """Show ``occurrence`` in the schedule's embedded first page."""
    embedded = schedule["occurrences"]
    items = embedded["data"]
    for position, item in enumerate(items):
        if item["id"] == occurrence["id"]:
            items[position] = dict(occurrence)
            break
    else:
        embedded["total"] += 1
        if len(items) < EMBEDDED_OCCURRENCES:
            items.append(dict(occurrence))
    embedded["to"] = iso(state.now())


# -- status and timer ------------------------------------------------------


def _settle(state: SandboxState, schedule: Schedule, plan: dict[str, Any]) -> None:
    """Expire a schedule with nothing left, else set its status and timer."""
    left = len(schedule["next_occurrences_on"])
    if left == 0 and not plan["retrying"]:
        _end(state, schedule, plan, "expired", "schedule.expire")
        return
    status = "expiring" if left <= 1 else "running"
    became_expiring = status == "expiring" and schedule["status"] != status
    schedule["status"] = status
    if became_expiring:
        state.emit("schedule.expiring", "schedule", schedule)
    else:
        state.put("schedule", schedule)
    _arm(state, schedule, plan)


def _arm(state: SandboxState, schedule: Schedule, plan: dict[str, Any]) -> None:
    days = [date.fromisoformat(d) for d in schedule["next_occurrences_on"][:1]]
    for occurrence_id in plan["retrying"]:
        occurrence = state.require("occurrence", occurrence_id)
        days.append(date.fromisoformat(occurrence["retry_on"]))
    due = max(run_moment(state, min(days)), state.now())
    plan["due_s"] = epoch_s(due)
    state.schedule(due, RUN, schedule["id"])


def _end(
    state: SandboxState,
    schedule: Schedule,
    plan: dict[str, Any],
    status: str,
    event_key: str,
) -> None:
    _cancel_retries(state, schedule, plan)
    _plans(state).pop(schedule["id"], None)
    schedule.update(
        status=status,
        active=False,
        next_occurrences_on=[],
        ended_at=iso(state.now()),
    )
    state.emit(event_key, "schedule", schedule)


def _cancel_retries(
    state: SandboxState, schedule: Schedule, plan: dict[str, Any]
) -> None:
    for occurrence_id in list(plan["retrying"]):
        occurrence = state.require("occurrence", occurrence_id)
        occurrence["retry_on"] = None
        state.put("occurrence", occurrence)
        _embed(state, schedule, occurrence)
    plan["retrying"].clear()


def _plans(state: SandboxState) -> dict[str, dict[str, Any]]:
    plans: dict[str, dict[str, Any]] = state.module_data.setdefault("schedules", {})
    return plans
