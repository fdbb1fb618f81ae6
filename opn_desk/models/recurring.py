"""The schedules, occurrences, customers and cards tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime
from opn_desk.models.synced import ApiObject


class ScheduleRecord(ApiObject, Base):
    """A charge (or transfer) schedule; ``amount`` in the smallest unit."""

    __tablename__ = "schedules"

    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)
    every: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str | None] = mapped_column(String(10))
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    next_run_on: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    card_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_schedules_status", "status"),
        Index("ix_schedules_customer_id", "customer_id"),
        Index("ix_schedules_next_run_on", "next_run_on"),
    )


class OccurrenceRecord(ApiObject, Base):
    """One run of a schedule and the charge it produced, if any."""

    __tablename__ = "occurrences"

    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    schedule_id: Mapped[str | None] = mapped_column(String(64))
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(20))
    retry_on: Mapped[date | None] = mapped_column(Date)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_occurrences_schedule_id_scheduled_on", "schedule_id", "scheduled_on"),
        Index("ix_occurrences_result_id", "result_id"),
    )


class CustomerRecord(ApiObject, Base):
    """A customer, whose saved cards new schedules charge."""

    __tablename__ = "customers"

    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    email: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    default_card_id: Mapped[str | None] = mapped_column(String(64))
    customer_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JsonDocument)

    __table_args__ = (Index("ix_customers_email", "email"),)


class CardRecord(ApiObject, Base):
    """A card saved on a customer: brand, last digits and expiry only."""

    __tablename__ = "cards"

    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    brand: Mapped[str | None] = mapped_column(String(40))
    last_digits: Mapped[str | None] = mapped_column(String(4))
    name: Mapped[str | None] = mapped_column(Text)
    expiration_month: Mapped[int | None] = mapped_column(Integer)
    expiration_year: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_cards_customer_id", "customer_id"),)
