"""Charges and sync state.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opn_desk.models.base import JsonDocument, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charges",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payment_method", sa.String(60), nullable=False),
        sa.Column("card_brand", sa.String(40), nullable=True),
        sa.Column("card_last_digits", sa.String(4), nullable=True),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("authorized", sa.Boolean(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("capturable", sa.Boolean(), nullable=False),
        sa.Column("refundable", sa.Boolean(), nullable=False),
        sa.Column("captured_amount", sa.BigInteger(), nullable=True),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("failure_code", sa.String(60), nullable=True),
        sa.Column("dispute_id", sa.String(64), nullable=True),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("metadata", JsonDocument, nullable=False),
        sa.Column("raw", JsonDocument, nullable=False),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_charges"),
    )
    op.create_index("ix_charges_created_at_id", "charges", ["created_at", "id"])
    op.create_index("ix_charges_amount", "charges", ["amount"])
    op.create_index("ix_charges_status_created_at", "charges", ["status", "created_at"])
    op.create_index("ix_charges_payment_method", "charges", ["payment_method"])
    op.create_index("ix_charges_customer_id", "charges", ["customer_id"])

    op.create_table(
        "sync_state",
        sa.Column("resource", sa.String(40), nullable=False),
        sa.Column("backfill_cursor", UtcDateTime(), nullable=True),
        sa.Column("backfill_done", sa.Boolean(), nullable=False),
        sa.Column("last_synced_at", UtcDateTime(), nullable=True),
        sa.Column("objects_seen", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("resource", name="pk_sync_state"),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_table("charges")
