"""Reading the audit log and the operations needing attention from the cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.journal_queries import (
    AuditFilter,
    attention_count,
    audit_choices,
    audit_page,
    audit_states,
    count_audit_entries,
    iter_audit_entries,
    operations_needing_attention,
)
from opn_desk.models.operations import AuditEntry, OperationRecord

NOON = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def engine(cache_url: str) -> Iterator[Engine]:
    engine = open_engine(cache_url)
    yield engine
    engine.dispose()


def audit_entry(
    minutes: int, clerk: str, action: str, target_id: str, **fields: Any
) -> AuditEntry:
    return AuditEntry(
        at=NOON + timedelta(minutes=minutes),
        clerk=clerk,
        action=action,
        target_id=target_id,
        operation_id=fields.get("operation_id"),
        summary=fields.get("summary", f"{action} on {target_id}"),
        before=fields.get("before"),
        after=fields.get("after"),
    )


def operation(
    op_id: str, state: str, updated_at: datetime, target_id: str
) -> OperationRecord:
    return OperationRecord(
        id=op_id,
        kind="refund",
        target_id=target_id,
        params={"amount": 50000, "currency": "THB", "reason": "", "note": ""},
        clerk="Somchai",
        workstation="desk-1",
        state=state,
        attempts=1,
        created_at=updated_at - timedelta(seconds=5),
        updated_at=updated_at,
    )


@pytest.fixture
def audited(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        session.add_all(
            [
                audit_entry(0, "Somchai", "refund", "chrg_test_5a1"),
                audit_entry(1, "Malee", "capture", "chrg_test_5b2"),
                audit_entry(2, "Somchai", "refund_refused", "chrg_test_5c3"),
                audit_entry(3, "Malee", "refund", "chrg_test_6a1"),
                audit_entry(3, "Somchai", "reverse", "chrg_test_6b2"),
            ]
        )
    return engine


def test_audit_page_is_newest_first_and_filters_combine(audited: Engine) -> None:
    with session_scope(audited) as session:
        everything = audit_page(session, AuditFilter(), 0, 200)
        refunds_by_somchai = AuditFilter(clerk="Somchai", action="refund")
        by_target = AuditFilter(target="TEST_5")  # part of an id, any case
        counts = [
            count_audit_entries(session, AuditFilter()),
            count_audit_entries(session, refunds_by_somchai),
            count_audit_entries(session, by_target),
            count_audit_entries(session, AuditFilter(target="test%")),
        ]
        second_page = audit_page(session, AuditFilter(), 2, 2)

    # Same minute: the later-written entry (higher id) comes first.
    assert [e.target_id for e in everything] == [
        "chrg_test_6b2",
        "chrg_test_6a1",
        "chrg_test_5c3",
        "chrg_test_5b2",
        "chrg_test_5a1",
    ]
    assert counts == [5, 1, 3, 0]  # '%' is a character, not a wildcard
    assert [e.target_id for e in second_page] == ["chrg_test_5c3", "chrg_test_5b2"]


def test_export_reads_every_entry_in_batches_in_page_order(audited: Engine) -> None:
    with session_scope(audited) as session:
        page = audit_page(session, AuditFilter(), 0, 200)
        # Three more entries sharing one moment straddle a batch boundary.
        session.add_all(
            [audit_entry(-5, "Malee", "capture", f"chrg_test_7{n}") for n in range(3)]
        )

    exported = list(iter_audit_entries(audited, AuditFilter(), batch_rows=2))
    malee = list(iter_audit_entries(audited, AuditFilter(clerk="Malee"), 2))

    assert exported[:5] == page
    assert [e.target_id for e in exported[5:]] == [
        "chrg_test_72",
        "chrg_test_71",
        "chrg_test_70",
    ]
    assert len({e.id for e in exported}) == 8
    assert [e.clerk for e in malee] == ["Malee"] * 5


def test_states_and_choices(engine: Engine) -> None:
    before = {"object": "charge", "refunded_amount": 0}
    after = {"object": "refund", "amount": 10000, "currency": "THB"}
    with session_scope(engine) as session:
        session.add(
            audit_entry(0, "Somchai", "refund", "c1", before=before, after=after)
        )
        session.add(audit_entry(1, "Malee", "capture_refused", "c2"))
    with session_scope(engine) as session:
        first, second = audit_page(session, AuditFilter(), 0, 10)[::-1]
        states = audit_states(session, first.id)
        empty = audit_states(session, second.id)
        missing = audit_states(session, second.id + 100)
        choices = audit_choices(session)

    assert states is not None and states.before == before and states.after == after
    assert empty is not None and empty.before is None and empty.after is None
    assert missing is None
    assert choices.clerks == ("Malee", "Somchai")
    assert choices.actions == ("capture_refused", "refund")


def test_operations_needing_attention_and_their_count(engine: Engine) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        session.add_all(
            [
                operation("op_recorded", "recorded", now, "chrg_a"),
                operation("op_sending", "sending", now - timedelta(hours=3), "chrg_b"),
                operation("op_unconfirmed", "unconfirmed", now, "chrg_c"),
                operation("op_done", "done", now, "chrg_d"),
                operation("op_failed_today", "failed", now - timedelta(hours=2), "e"),
                operation("op_failed_week", "failed", now - timedelta(days=7), "f"),
                operation("op_failed_old", "failed", now - timedelta(days=31), "g"),
            ]
        )
    with session_scope(engine) as session:
        listed = operations_needing_attention(session, now)
        count = attention_count(session, now)

    assert {op.id for op in listed} == {
        "op_recorded",
        "op_sending",
        "op_unconfirmed",
        "op_failed_today",
        "op_failed_week",
    }
    assert [op.id for op in listed][-1] == "op_failed_week"  # newest first
    assert listed[0].params["amount"] == 50000
    assert count == 4  # three unsettled and one failed in the last day
