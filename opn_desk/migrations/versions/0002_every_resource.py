"""Every synced resource: refunds, disputes, schedules, customers, ledger.

Also tombstone columns on charges and a feed cursor in sync_state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opn_desk.models.base import JsonDocument, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _object_columns() -> list[sa.Column[object]]:
    """id, livemode, raw, fetched_at and the tombstone of an API object."""
    return [
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("raw", JsonDocument, nullable=False),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        *_tombstone_columns(),
    ]


def _tombstone_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("deleted_at", UtcDateTime(), nullable=True),
    ]


def _money_columns(nullable: bool = False) -> list[sa.Column[object]]:
    return [
        sa.Column("amount", sa.BigInteger(), nullable=nullable),
        sa.Column("currency", sa.String(3), nullable=nullable),
    ]


def _create(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        *_object_columns(),
        *columns,
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )


def upgrade() -> None:
    with op.batch_alter_table("charges") as charges:
        for column in _tombstone_columns():
            charges.add_column(column)
    with op.batch_alter_table("sync_state") as sync_state:
        sync_state.add_column(sa.Column("cursor_at", UtcDateTime(), nullable=True))
        sync_state.add_column(sa.Column("cursor_id", sa.String(64), nullable=True))

    _create_payments()
    _create_recurring()
    _create_ledger()


def _create_payments() -> None:
    _create(
        "refunds",
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("charge_id", sa.String(64), nullable=False),
        *_money_columns(),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("metadata", JsonDocument, nullable=False),
    )
    op.create_index("ix_refunds_created_at_id", "refunds", ["created_at", "id"])
    op.create_index("ix_refunds_charge_id", "refunds", ["charge_id"])
    op.create_index("ix_refunds_status", "refunds", ["status"])

    _create(
        "disputes",
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason_code", sa.String(60), nullable=True),
        *_money_columns(),
        sa.Column("charge_id", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("metadata", JsonDocument, nullable=False),
    )
    op.create_index("ix_disputes_created_at_id", "disputes", ["created_at", "id"])
    op.create_index(
        "ix_disputes_status_created_at", "disputes", ["status", "created_at"]
    )
    op.create_index("ix_disputes_charge_id", "disputes", ["charge_id"])

    _create(
        "dispute_documents",
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("dispute_id", sa.String(64), nullable=True),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(60), nullable=True),
    )
    op.create_index(
        "ix_dispute_documents_dispute_id", "dispute_documents", ["dispute_id"]
    )


def _create_recurring() -> None:
    _create(
        "schedules",
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("every", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(10), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("next_run_on", sa.Date(), nullable=True),
        *_money_columns(nullable=True),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("card_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_schedules_status", "schedules", ["status"])
    op.create_index("ix_schedules_customer_id", "schedules", ["customer_id"])
    op.create_index("ix_schedules_next_run_on", "schedules", ["next_run_on"])

    _create(
        "occurrences",
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("schedule_id", sa.String(64), nullable=True),
        sa.Column("scheduled_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("retry_on", sa.Date(), nullable=True),
        sa.Column("processed_at", UtcDateTime(), nullable=True),
        sa.Column("result_id", sa.String(64), nullable=True),
    )
    op.create_index(
        "ix_occurrences_schedule_id_scheduled_on",
        "occurrences",
        ["schedule_id", "scheduled_on"],
    )
    op.create_index("ix_occurrences_result_id", "occurrences", ["result_id"])

    _create(
        "customers",
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("default_card_id", sa.String(64), nullable=True),
        sa.Column("metadata", JsonDocument, nullable=False),
    )
    op.create_index("ix_customers_email", "customers", ["email"])

    _create(
        "cards",
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("brand", sa.String(40), nullable=True),
        sa.Column("last_digits", sa.String(4), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("expiration_month", sa.Integer(), nullable=True),
        sa.Column("expiration_year", sa.Integer(), nullable=True),
    )
    op.create_index("ix_cards_customer_id", "cards", ["customer_id"])


def _create_ledger() -> None:
    _create(
        "balance_transactions",
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("key", sa.String(60), nullable=True),
        *_money_columns(),
        sa.Column("fee", sa.BigInteger(), nullable=True),
        sa.Column("fee_vat", sa.BigInteger(), nullable=True),
        sa.Column("origin_id", sa.String(64), nullable=True),
        sa.Column("transferable_at", UtcDateTime(), nullable=True),
    )
    op.create_index(
        "ix_balance_transactions_created_at_id",
        "balance_transactions",
        ["created_at", "id"],
    )
    op.create_index(
        "ix_balance_transactions_origin_id", "balance_transactions", ["origin_id"]
    )
    op.create_index("ix_balance_transactions_key", "balance_transactions", ["key"])

    op.create_table(
        "events",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("object_kind", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("raw", JsonDocument, nullable=False),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_created_at_id", "events", ["created_at", "id"])
    op.create_index("ix_events_key", "events", ["key"])
    op.create_index("ix_events_object_id", "events", ["object_id"])

    op.create_table(
        "account_objects",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("raw", JsonDocument, nullable=False),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_account_objects"),
    )


def downgrade() -> None:
    for name in (
        "account_objects",
        "events",
        "balance_transactions",
        "cards",
        "customers",
        "occurrences",
        "schedules",
        "dispute_documents",
        "disputes",
        "refunds",
    ):
        op.drop_table(name)
    with op.batch_alter_table("sync_state") as sync_state:
        sync_state.drop_column("cursor_id")
        sync_state.drop_column("cursor_at")
    with op.batch_alter_table("charges") as charges:
        charges.drop_column("deleted_at")
        charges.drop_column("deleted")
