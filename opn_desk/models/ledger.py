"""The balance transactions, events and account singletons tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime
from opn_desk.models.synced import ApiObject

# The kinds kept in ``account_objects``, one row each.
ACCOUNT = "account"
BALANCE = "balance"
CAPABILITY = "capability"


class BalanceTransactionRecord(ApiObject, Base):
    """One movement of the balance; ``amount`` is positive, ``direction``
    gives its sign."""

    __tablename__ = "balance_transactions"

    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    direction: Mapped[str] = mapped_column(String(10))
    key: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    fee: Mapped[int | None] = mapped_column(BigInteger)
    fee_vat: Mapped[int | None] = mapped_column(BigInteger)
    origin_id: Mapped[str | None] = mapped_column(String(64))
    transferable_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_balance_transactions_created_at_id", "created_at", "id"),
        Index("ix_balance_transactions_origin_id", "origin_id"),
        Index("ix_balance_transactions_key", "key"),
    )


class EventRecord(Base):
    """An event of the account's feed, with the object it touched."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    key: Mapped[str] = mapped_column(String(60))
    object_kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_events_created_at_id", "created_at", "id"),
        Index("ix_events_key", "key"),
        Index("ix_events_object_id", "object_id"),
    )


class AccountObjectRecord(Base):
    """One of the account's singletons (account, balance, capability)."""

    __tablename__ = "account_objects"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
