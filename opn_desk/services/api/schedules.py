"""Charge schedules and their occurrences as typed records.

The versions disagree on names, and the parsers take every spelling:

* status: 2017 says ``active``, 2019-05-29 says ``running`` for the same
  live state; both read as ``running``.
* dates: ``start_date``/``end_date`` (2017) or ``start_on``/``end_on``
  (2019); ``next_occurrence_dates``, ``next_occurrences`` or
  ``next_occurrences_on`` for the coming runs; an occurrence's
  ``schedule_date``/``retry_date`` or ``scheduled_on``/``retry_on``.

The SDKs also keep hand-written schedule stubs with little more than an id;
they read too, with the missing parts empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from opn_desk.services.api import fields as f

RUNNING = "running"
DELETED = "deleted"
# Statuses in which a schedule will still create charges.
LIVE_STATUSES = frozenset({RUNNING, "expiring"})
_RENAMED_STATUSES = {"active": RUNNING}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One run of a schedule: the charge it made, or why it did not."""

    id: str
    livemode: bool
    created_at: datetime | None
    schedule_id: str | None
    scheduled_on: date | None
    retry_on: date | None
    processed_at: datetime | None
    status: str | None
    message: str | None
    result_id: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring charge (or transfer) plan.

    ``amount``, ``currency``, ``customer_id`` and ``card_id`` come from the
    scheduled charge; a transfer schedule has only an amount (or none, when
    it moves a share of the balance). ``occurrences`` are those embedded,
    or all of them once the sync completed the list.
    """

    id: str
    livemode: bool
    created_at: datetime | None
    status: str | None
    active: bool
    deleted: bool
    every: int | None
    period: str | None
    on: dict[str, Any]
    in_words: str | None
    start_on: date | None
    end_on: date | None
    ended_at: datetime | None
    next_occurrences_on: tuple[date, ...]
    kind: str
    amount: int | None
    currency: str | None
    customer_id: str | None
    card_id: str | None
    description: str | None
    occurrences: tuple[Occurrence, ...]
    occurrences_complete: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def next_run_on(self) -> date | None:
        """The date of the next occurrence, if any is planned."""
        return self.next_occurrences_on[0] if self.next_occurrences_on else None


def parse_schedule(raw: Any) -> Schedule:
    """Read a schedule of any API version, with its embedded occurrences.

    Raises:
        InvalidResponse: not a schedule, or a field of the wrong type.
    """
    obj = f.require_object(raw, "schedule")
    schedule_id = f.text(obj, "id")
    status = _status(obj)
    deleted = f.flag(obj, "deleted") or status == DELETED
    template = f.nested(obj, "charge") or f.nested(obj, "transfer") or {}
    items, complete = f.sub_list(obj, "occurrences")
    return Schedule(
        id=schedule_id,
        livemode=f.livemode(obj),
        created_at=f.first_timestamp(obj, *f.CREATED_KEYS),
        status=status,
        # One swift recording says active=true of a deleted schedule.
        active=f.flag(obj, "active", status in LIVE_STATUSES) and not deleted,
        deleted=deleted,
        every=f.optional_integer(obj, "every"),
        period=f.optional_text(obj, "period"),
        on=f.metadata(obj, "on"),
        in_words=f.optional_text(obj, "in_words"),
        start_on=f.optional_date(obj, "start_on", "start_date"),
        end_on=f.optional_date(obj, "end_on", "end_date"),
        ended_at=f.optional_timestamp(obj, "ended_at"),
        next_occurrences_on=f.dates(
            obj, "next_occurrences_on", "next_occurrence_dates", "next_occurrences"
        ),
        kind="transfer" if f.nested(obj, "transfer") else "charge",
        amount=f.optional_amount(template, "amount"),
        currency=f.optional_currency(template, "currency"),
        customer_id=f.ref_id(template, "customer"),
        card_id=f.ref_id(template, "card"),
        description=f.optional_text(template, "description"),
        occurrences=tuple(
            parse_occurrence(item, schedule_id=schedule_id) for item in items
        ),
        occurrences_complete=complete,
        raw=obj,
    )


def parse_occurrence(raw: Any, *, schedule_id: str | None = None) -> Occurrence:
    """Read an occurrence; ``schedule_id`` names the schedule it came in.

    Raises:
        InvalidResponse: not an occurrence, or a field of the wrong type.
    """
    obj = f.require_object(raw, "occurrence")
    return Occurrence(
        id=f.text(obj, "id"),
        livemode=f.livemode(obj),
        created_at=f.first_timestamp(obj, *f.CREATED_KEYS),
        schedule_id=f.ref_id(obj, "schedule") or schedule_id,
        scheduled_on=f.optional_date(obj, "scheduled_on", "schedule_date"),
        retry_on=f.optional_date(obj, "retry_on", "retry_date"),
        processed_at=f.optional_timestamp(obj, "processed_at"),
        status=f.optional_text(obj, "status"),
        message=f.optional_text(obj, "message"),
        result_id=f.ref_id(obj, "result"),
        raw=obj,
    )


def _status(obj: dict[str, Any]) -> str | None:
    status = f.optional_text(obj, "status")
    return _RENAMED_STATUSES.get(status, status) if status else None
