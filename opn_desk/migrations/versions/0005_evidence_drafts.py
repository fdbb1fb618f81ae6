"""Evidence drafts and their files (local-only, never synced).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opn_desk.models.base import JsonDocument, UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_drafts",
        sa.Column("dispute_id", sa.String(64), nullable=False),
        sa.Column("answers", JsonDocument, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("clerk", sa.String(200), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("dispute_id", name="pk_evidence_drafts"),
    )
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("dispute_id", sa.String(64), nullable=False),
        sa.Column("question", sa.String(60), nullable=True),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_files"),
    )
    op.create_index(
        "ix_evidence_files_dispute_id_added_at",
        "evidence_files",
        ["dispute_id", "added_at"],
    )


def downgrade() -> None:
    op.drop_table("evidence_files")
    op.drop_table("evidence_drafts")
