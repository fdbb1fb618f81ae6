"""Reading schedules, occurrences, customers and cards from the cache.

Results are plain frozen values, never ORM objects, so that they can be
handed from the database worker to the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from opn_desk.models.ledger import AccountObjectRecord
from opn_desk.models.recurring import (
    CardRecord,
    CustomerRecord,
    OccurrenceRecord,
    ScheduleRecord,
)

OPERATION_KEY = "opn_desk_operation"
LIVE_STATUSES = ("running", "active", "expiring")
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ScheduleFilter:
    """What the Schedules tab shows; an empty field does not filter.

    ``search`` matches part of a schedule id, a customer id, a customer's
    e-mail, or a description.
    """

    status: str | None = None
    live_only: bool = False
    search: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleItem:
    """One schedule as the tab shows it; ``amount`` in smallest units."""

    id: str
    status: str
    every: int
    period: str
    on: dict[str, Any]
    amount: int
    currency: str
    customer_id: str
    customer_email: str
    card_id: str | None
    description: str
    metadata: dict[str, str]
    start_on: date | None
    end_on: date | None
    next_runs_on: tuple[date, ...]

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES


@dataclass(frozen=True, slots=True)
class OccurrenceItem:
    """One run of a schedule: its date, status, charge and failure."""

    id: str
    schedule_id: str
    scheduled_on: date | None
    status: str
    charge_id: str | None
    message: str
    retry_on: date | None
    customer_id: str
    customer_email: str


@dataclass(frozen=True, slots=True)
class CardChoice:
    """A saved card a schedule may charge."""

    id: str
    brand: str
    last_digits: str
    expiration_month: int | None
    expiration_year: int | None


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    """A customer a schedule may charge, with its saved cards."""

    id: str
    email: str
    description: str
    default_card_id: str | None
    cards: tuple[CardChoice, ...]


def list_schedules(session: Session, filters: ScheduleFilter) -> list[ScheduleItem]:
    """Charge schedules, the next to run first, then the ended ones."""
    query = select(ScheduleRecord).where(ScheduleRecord.customer_id.is_not(None))
    if filters.status:
        statuses = LIVE_STATUSES if filters.status == "running" else (filters.status,)
        query = query.where(ScheduleRecord.status.in_(statuses))
    if filters.live_only:
        query = query.where(ScheduleRecord.status.in_(LIVE_STATUSES))
    emails = _emails(session)
    needle = filters.search.strip().lower()
    items = [_schedule_item(r, emails) for r in session.scalars(query)]
    if needle:
        items = [i for i in items if needle in _haystack(i)]
    return sorted(items, key=_schedule_order)


def _haystack(item: ScheduleItem) -> str:
    words = [item.id, item.customer_id, item.customer_email, item.description]
    words += [f"{k}={v}" for k, v in item.metadata.items()]
    return " ".join(words).lower()


def _schedule_order(item: ScheduleItem) -> tuple[bool, date, str]:
    next_on = item.next_runs_on[0] if item.next_runs_on else date.max
    return (not item.live, next_on, item.id)


def _schedule_item(record: ScheduleRecord, emails: dict[str, str]) -> ScheduleItem:
    raw = record.raw
    charge = raw.get("charge") or {}
    metadata = {
        str(k): str(v)
        for k, v in (charge.get("metadata") or {}).items()
        if k != OPERATION_KEY
    }
    next_on = raw.get("next_occurrences_on") or []
    status = record.status or ""
    return ScheduleItem(
        id=record.id,
        status="running" if status == "active" else status,
        every=record.every or 1,
        period=record.period or "",
        on=dict(raw.get("on") or {}),
        amount=record.amount or 0,
        currency=record.currency or "",
        customer_id=record.customer_id or "",
        customer_email=emails.get(record.customer_id or "", ""),
        card_id=record.card_id,
        description=str(charge.get("description") or ""),
        metadata=metadata,
        start_on=record.start_on,
        end_on=record.end_on,
        next_runs_on=tuple(date.fromisoformat(str(d)) for d in next_on),
    )


def _emails(session: Session) -> dict[str, str]:
    rows = session.execute(select(CustomerRecord.id, CustomerRecord.email))
    return {row.id: row.email or "" for row in rows}


def schedule_occurrences(session: Session, schedule_id: str) -> list[OccurrenceItem]:
    """A schedule's runs, the latest first."""
    query = (
        select(OccurrenceRecord)
        .where(OccurrenceRecord.schedule_id == schedule_id)
        .order_by(OccurrenceRecord.scheduled_on.desc(), OccurrenceRecord.id)
    )
    return _occurrence_items(session, list(session.scalars(query)))


def failed_occurrences(session: Session) -> list[OccurrenceItem]:
    """Failed runs of every schedule, the latest first: customers to call."""
    query = (
        select(OccurrenceRecord)
        .where(OccurrenceRecord.status == FAILED)
        .order_by(OccurrenceRecord.scheduled_on.desc(), OccurrenceRecord.id)
    )
    return _occurrence_items(session, list(session.scalars(query)))


def _occurrence_items(
    session: Session, records: list[OccurrenceRecord]
) -> list[OccurrenceItem]:
    schedule_ids = {r.schedule_id for r in records if r.schedule_id}
    rows = session.execute(
        select(ScheduleRecord.id, ScheduleRecord.customer_id).where(
            ScheduleRecord.id.in_(schedule_ids)
        )
    )
    owners = {row.id: row.customer_id for row in rows}
    emails = _emails(session)
    items = []
    for record in records:
        customer_id = owners.get(record.schedule_id or "") or ""
        items.append(
            OccurrenceItem(
                id=record.id,
                schedule_id=record.schedule_id or "",
                scheduled_on=record.scheduled_on,
                status=record.status or "",
                charge_id=record.result_id,
                message=str(record.raw.get("message") or ""),
                retry_on=record.retry_on,
                customer_id=customer_id,
                customer_email=emails.get(customer_id, ""),
            )
        )
    return items


def customer_choices(session: Session, search: str = "") -> list[CustomerChoice]:
    """Customers still existing, with their cards, by e-mail."""
    query = select(CustomerRecord).where(CustomerRecord.deleted.is_(False))
    needle = search.strip()
    if needle:
        pattern = f"%{needle}%"
        query = query.where(
            or_(
                CustomerRecord.id.ilike(pattern),
                CustomerRecord.email.ilike(pattern),
                CustomerRecord.description.ilike(pattern),
            )
        )
    customers = list(session.scalars(query.order_by(CustomerRecord.email)))
    cards = cards_by_customer(session, [c.id for c in customers])
    return [
        CustomerChoice(
            id=c.id,
            email=c.email or "",
            description=c.description or "",
            default_card_id=c.default_card_id,
            cards=cards.get(c.id, ()),
        )
        for c in customers
    ]


def cards_by_customer(
    session: Session, customer_ids: list[str]
) -> dict[str, tuple[CardChoice, ...]]:
    """The cards not deleted of each customer, oldest first."""
    query = (
        select(CardRecord)
        .where(CardRecord.customer_id.in_(customer_ids))
        .where(CardRecord.deleted.is_(False))
        .order_by(CardRecord.created_at, CardRecord.id)
    )
    found: dict[str, list[CardChoice]] = {}
    for card in session.scalars(query):
        found.setdefault(card.customer_id or "", []).append(
            CardChoice(
                id=card.id,
                brand=card.brand or "",
                last_digits=card.last_digits or "",
                expiration_month=card.expiration_month,
                expiration_year=card.expiration_year,
            )
        )
    return {k: tuple(v) for k, v in found.items()}


def supported_currencies(session: Session) -> tuple[str, ...]:
    """The account's currencies as last synced (empty before a sync)."""
    account = session.get(AccountObjectRecord, "account")
    if account is None:
        return ()
    return tuple(str(c).upper() for c in account.raw.get("supported_currencies", []))


def account_currency(session: Session) -> str | None:
    """The account's own currency as last synced."""
    account = session.get(AccountObjectRecord, "account")
    if account is None or not account.raw.get("currency"):
        return None
    return str(account.raw["currency"]).upper()


def capability_object(session: Session) -> dict[str, Any] | None:
    """The account's capability as last synced (None before a sync)."""
    capability = session.get(AccountObjectRecord, "capability")
    return dict(capability.raw) if capability is not None else None
