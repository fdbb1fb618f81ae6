"""The refunds, disputes and dispute documents tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime
from opn_desk.models.synced import ApiObject


class RefundRecord(ApiObject, Base):
    """A refund of a charge, amount in the charge currency's smallest unit."""

    __tablename__ = "refunds"

    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    charge_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    voided: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    refund_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JsonDocument)

    __table_args__ = (
        Index("ix_refunds_created_at_id", "created_at", "id"),
        Index("ix_refunds_charge_id", "charge_id"),
        Index("ix_refunds_status", "status"),
    )


class DisputeRecord(ApiObject, Base):
    """A dispute (chargeback) and the columns the Disputes view filters on."""

    __tablename__ = "disputes"

    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    charge_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dispute_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JsonDocument)

    __table_args__ = (
        Index("ix_disputes_created_at_id", "created_at", "id"),
        Index("ix_disputes_status_created_at", "status", "created_at"),
        Index("ix_disputes_charge_id", "charge_id"),
    )


class DisputeDocumentRecord(ApiObject, Base):
    """A file of evidence on a dispute; kept as a tombstone once deleted."""

    __tablename__ = "dispute_documents"

    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dispute_id: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(60))

    __table_args__ = (Index("ix_dispute_documents_dispute_id", "dispute_id"),)
