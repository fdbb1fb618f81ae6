"""Authorized card charges waiting to be captured, soonest to lapse first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opn_desk.models.charges import ChargeRecord

# More than a back office ever holds at once; the list stays one query.
MAX_AUTHORIZATIONS = 5000


@dataclass(frozen=True, slots=True)
class Authorization:
    """One uncaptured authorization, as the Capture tab shows it."""

    charge_id: str
    created_at: datetime
    expires_at: datetime | None
    amount: int
    currency: str
    authorization_type: str | None
    card_brand: str | None
    card_last_digits: str | None
    description: str | None


def open_authorizations(session: Session) -> list[Authorization]:
    """Charges that can still be captured, the soonest to lapse first."""
    record = ChargeRecord
    rows = session.execute(
        select(
            record.id,
            record.created_at,
            record.expires_at,
            record.amount,
            record.currency,
            record.raw["authorization_type"].as_string(),
            record.card_brand,
            record.card_last_digits,
            record.description,
        )
        .where(record.capturable.is_(True), record.deleted.is_(False))
        .order_by(record.expires_at.asc().nulls_last(), record.id)
        .limit(MAX_AUTHORIZATIONS)
    )
    return [Authorization(*row) for row in rows]
