"""Evidence drafts for disputes and their attached files: local-only tables.

A draft holds the clerk's answers to the questions of the dispute's
reason code and the message text sent to Opn; its files are kept with
their bytes in the cache itself (BLOB on SQLite, bytea on PostgreSQL), so
that the draft, its files and their hashes move, back up and commit
together, are shared by every workstation on one PostgreSQL cache, and
need no network. Each file is at most 10 MB, checked before it is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base, JsonDocument, UtcDateTime

# Draft states: being written, waiting for a second look, sent to Opn.
DRAFT = "draft"
READY_FOR_REVIEW = "ready_for_review"
SUBMITTED = "submitted"
DRAFT_STATES = (DRAFT, READY_FOR_REVIEW, SUBMITTED)


class EvidenceDraftRecord(Base):
    """A clerk's answer to one dispute, as far as it got."""

    __tablename__ = "evidence_drafts"

    dispute_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    clerk: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EvidenceFileRecord(Base):
    """A file of evidence kept for a dispute, with its SHA-256 and bytes."""

    __tablename__ = "evidence_files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(64))
    question: Mapped[str | None] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_evidence_files_dispute_id_added_at", "dispute_id", "added_at"),
    )
