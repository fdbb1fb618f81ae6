"""Saved filters of the Transactions tab: named, kept in the profile's cache."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime
from opn_desk.models.charge_filter import ChargeFilter

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 200


class SavedFilterRecord(Base):
    """A filter a clerk named and saved (local only, never synced)."""

    __tablename__ = "saved_filters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS), unique=True)
    filter: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True, slots=True)
class SavedFilter:
    """A saved filter as the views use it."""

    name: str
    charge_filter: ChargeFilter
    created_at: datetime


def saved_filters(session: Session) -> list[SavedFilter]:
    """Every saved filter, by name.

    A stored filter this version cannot read (written by a newer one, or
    no longer valid) is left out and logged, not deleted.
    """
    records = session.scalars(
        select(SavedFilterRecord).order_by(SavedFilterRecord.name)
    )
    filters = []
    for record in records:
        try:
            charge_filter = ChargeFilter.from_json(record.filter)
        except (ValueError, TypeError):
            logger.warning("Saved filter %r cannot be read; skipped", record.name)
            continue
        filters.append(SavedFilter(record.name, charge_filter, record.created_at))
    return filters


def save_filter(
    session: Session, name: str, charge_filter: ChargeFilter, at: datetime
) -> None:
    """Save ``charge_filter`` as ``name``, replacing a filter of that name."""
    if not name.strip() or len(name) > MAX_NAME_CHARS:
        raise ValueError(f"a saved filter needs a name of 1 to {MAX_NAME_CHARS}")
    record = session.scalar(
        select(SavedFilterRecord).where(SavedFilterRecord.name == name)
    )
    if record is None:
        record = SavedFilterRecord(name=name, created_at=at)
        session.add(record)
    record.filter = charge_filter.to_json()
    session.flush()


def delete_saved_filter(session: Session, name: str) -> bool:
    """Forget the saved filter ``name``; False when there was none."""
    statement = delete(SavedFilterRecord).where(SavedFilterRecord.name == name)
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount > 0
