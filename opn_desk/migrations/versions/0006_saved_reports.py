"""Saved report definitions (local only, never synced).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opn_desk.models.base import JsonDocument, UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("definition", JsonDocument, nullable=False),
        sa.Column("saved_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_saved_reports"),
        sa.UniqueConstraint("name", name="uq_saved_reports_name"),
    )


def downgrade() -> None:
    op.drop_table("saved_reports")
