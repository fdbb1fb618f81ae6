"""The indexes that make charges quick to filter and search.

``charge_metadata`` repeats each scalar metadata pair of a charge as a row;
database triggers of migration 0004 keep it in step with
``charges.metadata``, so nothing in Python writes it. The description's
trigram index (an FTS5 table on SQLite, a ``pg_trgm`` GIN index on
PostgreSQL) is also kept by that migration and is not described here:
SQLAlchemy has no words for either.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from opn_desk.models.base import Base
from opn_desk.models.charges import ChargeRecord

# What migration 0004 makes that no model can describe: SQLite's FTS5
# table ``charge_search`` with the shadow tables FTS5 keeps for it and its
# row keys, and PostgreSQL's trigram index on the description.
UNMODELLED_PREFIX = "charge_search"
UNMODELLED_INDEX = "ix_charges_description_trgm"

# Longer keys and values are not indexed (see migration 0004).
MAX_KEY_CHARS = 200
MAX_VALUE_CHARS = 500


class ChargeMetadataEntry(Base):
    """One scalar metadata pair of a charge, its value as text."""

    __tablename__ = "charge_metadata"

    charge_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_CHARS), primary_key=True)
    value: Mapped[str] = mapped_column(String(MAX_VALUE_CHARS))

    __table_args__ = (
        # A key = value filter, and the values seen for a key.
        Index("ix_charge_metadata_key_value_charge_id", "key", "value", "charge_id"),
        # The search box: a metadata value (an order id) whatever its key.
        Index("ix_charge_metadata_value_charge_id", "value", "charge_id"),
    )


# Indexes of the charges table that the Transactions filters and search
# read, created by migration 0004. They belong with ChargeRecord; they are
# declared here so that the model and the migration agree.
_record = ChargeRecord
_FILTER_COLUMNS = (
    _record.deleted,
    _record.status,
    _record.currency,
    _record.payment_method,
    _record.card_brand,
    _record.refunded_amount,
    _record.captured_amount,
    _record.dispute_id,
)
# A list query in either order scans one of these and reads every column a
# filter tests from it: the charge's row, a few kB of JSON, is read only
# for the rows shown.
BY_TIME = Index(
    "ix_charges_by_time",
    _record.created_at,
    _record.id,
    _record.amount,
    *_FILTER_COLUMNS,
)
BY_AMOUNT = Index(
    "ix_charges_by_amount",
    _record.amount,
    _record.id,
    _record.created_at,
    *_FILTER_COLUMNS,
)
# The currency and card brand pickers, and id lookups of the search box.
CHARGE_LOOKUP_INDEXES = (
    Index("ix_charges_currency", _record.currency),
    Index("ix_charges_card_brand", _record.card_brand),
    Index("ix_charges_transaction_id", _record.transaction_id),
    Index("ix_charges_dispute_id", _record.dispute_id),
)


def is_unmodelled(name: str | None) -> bool:
    """True for a database object of migration 0004 that no model describes.

    A schema comparison (Alembic's ``include_name``) skips these.
    """
    if name is None:
        return False
    return name.startswith(UNMODELLED_PREFIX) or name == UNMODELLED_INDEX
