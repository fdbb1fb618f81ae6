"""The search box: a charge by an id it carries, a metadata value, or words.

A search finds the charges that carry the text exactly as one of their
ids (charge, refund, dispute or balance transaction) or as a metadata
value (an order id), and the charges whose description contains every
word of it, wherever the word sits: Thai is written without spaces, so a
word is a piece of text, not a token. Letters match whatever their case.

Ids and metadata values are looked up through indexes. Words go through a
trigram index: SQLite's FTS5 table ``charge_search`` (kept by triggers,
see migration 0004) and PostgreSQL's ``pg_trgm`` index on the
description. A trigram index needs three characters: a word of one or two
characters is matched by reading every description instead, which is
slower on a large cache.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.sql.selectable import CompoundSelect

from opn_desk.models.charge_index import ChargeMetadataEntry
from opn_desk.models.charges import ChargeRecord
from opn_desk.models.payments import DisputeRecord, RefundRecord

TRIGRAM_CHARS = 3


# The SQLite-only tables of migration 0004, which no model describes.
_FTS = table("charge_search", column("rowid"), column("description"))
_FTS_ROWS = table("charge_search_rows", column("row_id"), column("charge_id"))


@dataclass(frozen=True, slots=True)
class IdLookup:
    """Charges found through an index: by a search, or a metadata pair.

    ``parts`` each select the ids of some of them, and ``words`` are
    words the description of the others contains (matched through the
    trigram index by ``parts`` too): a charge is found when any part
    holds its id.
    """

    parts: tuple[Select[str], ...]
    words: tuple[str, ...] = ()

    def ids(self) -> Select[str] | CompoundSelect[str]:
        """Every id found, as one subquery."""
        return self.parts[0] if len(self.parts) == 1 else union_all(*self.parts)

    @property
    def exact(self) -> tuple[Select[str], ...]:
        """The parts that find charges by an id or a metadata value."""
        return self.parts[:-1] if self.words else self.parts

    def holds(
        self,
        charge_id: ColumnElement[str],
        description: ColumnElement[str | None],
        exact_ids: Collection[str] | None = None,
    ) -> ColumnElement[bool]:
        """Whether the charge of an outer query's row is found.

        For a lookup that finds many charges: each row is tested on its
        own (an index seek, or its description) instead of first listing
        every charge found. The words are tested on the description
        itself: asking the trigram index about one row costs more than
        reading the row. ``exact_ids``, when the caller has listed what
        the exact parts find (usually nothing), replaces a seek per row.
        """
        tests: list[ColumnElement[bool]] = []
        if exact_ids is None:
            tests += [
                part.where(part.selected_columns[0] == charge_id).exists()
                for part in self.exact
            ]
        elif exact_ids:
            tests.append(charge_id.in_(sorted(exact_ids)))
        if self.words:
            contains = [description.like(_contains(w), escape="\\") for w in self.words]
            tests.append(and_(*contains))
        return or_(*tests)


def search_lookup(text: str, dialect: str) -> IdLookup | None:
    """The ids of the charges ``text`` finds; None for blank text."""
    query = text.strip()
    if not query:
        return None
    found: list[Select[str]] = list(_exact_matches(query))
    if _looks_like_id(query):
        return IdLookup(tuple(found))
    words = tuple(query.split())
    found.append(_description_matches(list(words), dialect))
    return IdLookup(tuple(found), words)


def _looks_like_id(query: str) -> bool:
    return query.startswith(("chrg_", "rfnd_", "dspt_", "trxn_")) and " " not in query


def _exact_matches(query: str) -> list[Select[str]]:
    """Indexed lookups of ``query`` as an id of each kind, and as a value."""
    charge, refund, dispute = ChargeRecord, RefundRecord, DisputeRecord
    entry = ChargeMetadataEntry
    lookups: list[Select[str]] = [select(entry.charge_id).where(entry.value == query)]
    if query.startswith("chrg_"):
        lookups.append(select(charge.id).where(charge.id == query))
    elif query.startswith("rfnd_"):
        lookups.append(select(refund.charge_id).where(refund.id == query))
    elif query.startswith("dspt_"):
        lookups.append(select(charge.id).where(charge.dispute_id == query))
        disputed = select(dispute.charge_id).where(
            dispute.id == query, dispute.charge_id.is_not(None)
        )
        lookups.append(cast(Select[str], disputed))
    elif query.startswith("trxn_"):
        lookups.append(select(charge.id).where(charge.transaction_id == query))
        # Refunds are few next to charges: this one reads them all.
        lookups.append(select(refund.charge_id).where(refund.transaction_id == query))
    return lookups


def _description_matches(words: list[str], dialect: str) -> Select[str]:
    if dialect == "postgresql":
        description = ChargeRecord.description
        return select(ChargeRecord.id).where(
            *(description.ilike(_contains(word), escape="\\") for word in words)
        )
    long_words = [word for word in words if len(word) >= TRIGRAM_CHARS]
    short_words = [word for word in words if len(word) < TRIGRAM_CHARS]
    statement = select(_FTS_ROWS.c.charge_id).join_from(
        _FTS, _FTS_ROWS, _FTS_ROWS.c.row_id == _FTS.c.rowid
    )
    if long_words:
        phrases = " ".join(_fts_phrase(word) for word in long_words)
        statement = statement.where(_FTS.c.description.op("MATCH")(phrases))
    for word in short_words:
        statement = statement.where(
            _FTS.c.description.like(_contains(word), escape="\\")
        )
    return statement


def _fts_phrase(word: str) -> str:
    """An FTS5 phrase matching ``word`` literally."""
    return '"' + word.replace('"', '""') + '"'


def _contains(word: str) -> str:
    """A LIKE pattern for text containing ``word`` literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
