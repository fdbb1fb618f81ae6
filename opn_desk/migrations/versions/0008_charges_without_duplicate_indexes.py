"""Two charge indexes that the wider ones of migration 0004 make redundant.

``ix_charges_created_at_id`` (created_at, id) and ``ix_charges_amount``
(amount) are the leading columns of ``ix_charges_by_time`` and
``ix_charges_by_amount``, which serve every query they served and more.
Each insert of a charge kept all four up to date; the sync writes charges
faster without the two.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_charges_created_at_id", table_name="charges")
    op.drop_index("ix_charges_amount", table_name="charges")


def downgrade() -> None:
    op.create_index("ix_charges_created_at_id", "charges", ["created_at", "id"])
    op.create_index("ix_charges_amount", "charges", ["amount"])
