"""Comparing a synced cache with the sandbox's own state, object by object.

The sync tests and the reliability soak judge a cache the same way: every
object of the compared kinds, and every event, exactly as the sandbox
holds it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from opn_desk.models.db import session_scope
from opn_desk.models.ledger import EventRecord
from opn_desk.models.tables import (
    BalanceTransactionRecord,
    CardRecord,
    ChargeRecord,
    CustomerRecord,
    DisputeRecord,
    RefundRecord,
    ScheduleRecord,
)

# The sandbox's kind of object, and the table that caches it.
TABLES: dict[str, Any] = {
    "charge": ChargeRecord,
    "refund": RefundRecord,
    "customer": CustomerRecord,
    "card": CardRecord,
    "transaction": BalanceTransactionRecord,
    "dispute": DisputeRecord,
    "schedule": ScheduleRecord,
}


def cached(engine: Engine, record: Any) -> dict[str, dict[str, Any]]:
    """id -> raw JSON of every row of a table."""
    with session_scope(engine) as session:
        rows = session.execute(select(record.id, record.raw))
        return {row.id: row.raw for row in rows}


def upstream(state: Any, kind: str) -> dict[str, dict[str, Any]]:
    return {obj["id"]: obj for obj in state.objects(kind)}


def assert_cache_equals_sandbox(
    engine: Engine, state: Any, kinds: tuple[str, ...]
) -> None:
    """Every object of ``kinds``, and every event, as the sandbox has it."""
    for kind in kinds:
        expected = upstream(state, kind)
        assert expected, f"the sandbox has no {kind} to compare"
        assert cached(engine, TABLES[kind]) == expected, kind
    # The sandbox can hold events dated after its own clock (a seeded
    # expiry); the API lists none of them yet, so neither can the cache.
    now = state.now()
    events = {
        event["id"]: event
        for event in state.events_sorted()
        if datetime.fromisoformat(event["created_at"]) <= now
    }
    assert cached(engine, EventRecord) == events
