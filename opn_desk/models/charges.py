"""The charges table: each charge as last seen, with promoted columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime
from opn_desk.models.synced import Tombstoned


class ChargeRecord(Tombstoned, Base):
    """A charge from the API, its raw JSON and the columns views filter on."""

    __tablename__ = "charges"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    payment_method: Mapped[str] = mapped_column(String(60))
    card_brand: Mapped[str | None] = mapped_column(String(40))
    card_last_digits: Mapped[str | None] = mapped_column(String(4))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    authorized: Mapped[bool] = mapped_column(Boolean)
    paid: Mapped[bool] = mapped_column(Boolean)
    capturable: Mapped[bool] = mapped_column(Boolean)
    refundable: Mapped[bool] = mapped_column(Boolean)
    captured_amount: Mapped[int | None] = mapped_column(BigInteger)
    refunded_amount: Mapped[int] = mapped_column(BigInteger)
    failure_code: Mapped[str | None] = mapped_column(String(60))
    dispute_id: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    charge_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JsonDocument)
    raw: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # The Transactions tab's orders and filters read the wider indexes of
    # models.charge_index (BY_TIME, BY_AMOUNT).
    __table_args__ = (
        Index("ix_charges_status_created_at", "status", "created_at"),
        Index("ix_charges_payment_method", "payment_method"),
        Index("ix_charges_customer_id", "customer_id"),
    )

    def __repr__(self) -> str:
        return (
            f"ChargeRecord(id={self.id!r}, amount={self.amount}, "
            f"currency={self.currency!r}, status={self.status!r})"
        )
