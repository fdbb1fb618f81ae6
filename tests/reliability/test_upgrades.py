"""A cache made by the first migration and used through every version since.

The database is created at revision 0001 and upgraded one revision at a
time; after each step, rows go into every local-only table that exists by
then (as a clerk using that version would have left them), written through
the schema of that moment. Upgraded to head, every row must read back
through today's models and services, files byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from reliability_figures import Figures
from sqlalchemy import Connection, Engine, MetaData, Table, func, select

from opn_desk.models.db import alembic_config, create_cache_engine, session_scope
from opn_desk.models.evidence import EvidenceFileRecord
from opn_desk.models.operations import AuditEntry, OperationRecord
from opn_desk.models.report_queries import SavedReportRecord
from opn_desk.models.saved_filters import SavedFilterRecord
from opn_desk.models.sync_state import SyncState
from opn_desk.services import evidence

AT = datetime(2025, 6, 1, 8, 0)  # naive UTC, as the columns store it
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
Rows = dict[str, list[dict[str, Any]]]


def sync_rows(step: str) -> Rows:
    return {
        "sync_state": [
            {
                "resource": f"charges_{step}",
                "backfill_cursor": AT,
                "backfill_done": False,
                "last_synced_at": AT,
                "objects_seen": 40,
                "last_error": None,
            }
        ]
    }


def journal_rows(step: str) -> Rows:
    operation = {
        "id": f"op_{step}",
        "kind": "refund",
        "target_id": f"chrg_test_{step}",
        "params": {"amount": 12_345, "currency": "THB", "note": "ลูกค้าขอคืน"},
        "clerk": "Somchai",
        "workstation": "desk-1",
        "state": "unconfirmed",
        "attempts": 1,
        "result_id": None,
        "result": None,
        "error_code": "timeout",
        "error_message": "no answer",
        "created_at": AT,
        "updated_at": AT,
    }
    audit = {
        "at": AT,
        "clerk": "Somchai",
        "action": "refund",
        "target_id": f"chrg_test_{step}",
        "operation_id": f"op_{step}",
        "summary": f"Refund of ฿123.45 ({step})",
        "before": {"refunded_amount": 0},
        "after": None,
    }
    return {"operations": [operation], "audit_log": [audit]}


def filter_rows(step: str) -> Rows:
    document = {"currency": "THB", "amount_min": 100_000}
    return {
        "saved_filters": [
            {"name": f"Big THB {step}", "filter": document, "created_at": AT}
        ]
    }


def evidence_rows(step: str) -> Rows:
    dispute_id = f"dspt_test_{step}"
    draft = {
        "dispute_id": dispute_id,
        "answers": {"what_was_sold": "A rice cooker"},
        "message": f"What was sold: A rice cooker ({step})",
        "state": "ready_for_review",
        "clerk": "Somchai",
        "updated_at": AT,
    }
    attachment = {
        "id": f"evf_{step}",
        "dispute_id": dispute_id,
        "question": "delivery_proof",
        "filename": "ใบเสร็จ.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "data": PDF,
        "added_at": AT,
    }
    return {"evidence_drafts": [draft], "evidence_files": [attachment]}


def report_rows(step: str) -> Rows:
    definition = {"name": f"Monthly {step}", "period": "month", "group_by": []}
    return {
        "saved_reports": [
            {"name": f"Monthly {step}", "definition": definition, "saved_at": AT}
        ]
    }


# The local-only tables, and the revision that created them.
LOCAL_TABLES: dict[str, tuple[str, Callable[[str], Rows]]] = {
    "sync_state": ("0001", sync_rows),
    "operations": ("0003", journal_rows),
    "saved_filters": ("0004", filter_rows),
    "evidence_drafts": ("0005", evidence_rows),
    "saved_reports": ("0006", report_rows),
}


def revisions() -> list[str]:
    """Every revision from the first to head, in order."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def upgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def insert(connection: Connection, rows: Rows) -> None:
    """Write rows through the schema as it is now, reflected."""
    for name, items in rows.items():
        table = Table(name, MetaData(), autoload_with=connection)
        connection.execute(table.insert(), items)


@pytest.fixture
def old_engine(cache_url: str) -> Iterator[Engine]:
    engine = create_cache_engine(cache_url)
    yield engine
    engine.dispose()


def test_local_rows_of_every_version_survive_the_upgrade_to_head(
    old_engine: Engine, figures: Figures
) -> None:
    steps = revisions()
    assert steps[0] == "0001" and len(steps) >= 6
    written: Rows = {}
    for step in steps:
        upgrade(old_engine, step)
        with old_engine.begin() as connection:
            for _table, (since, rows_for) in LOCAL_TABLES.items():
                if since <= step:  # every version since adds its own rows
                    rows = rows_for(step)
                    insert(connection, rows)
                    for name, items in rows.items():
                        written.setdefault(name, []).extend(items)

    with session_scope(old_engine) as session:
        counts = {
            name: session.scalar(
                select(func.count()).select_from(Table(name, MetaData()))
            )
            for name in written
        }
    backend = old_engine.dialect.name
    figures.add("upgrades", f"revisions stepped through on {backend}", len(steps))
    figures.add("upgrades", "local rows written", sum(map(len, written.values())))
    lost = sum(len(items) for items in written.values()) - sum(
        n or 0 for n in counts.values()
    )
    figures.add("lost items", "local rows after upgrade", lost)
    assert counts == {name: len(items) for name, items in written.items()}
    assert_rows_read_back(old_engine, written)


def assert_rows_read_back(engine: Engine, written: Rows) -> None:
    """Each row, read through today's models, equals what was written."""
    with session_scope(engine) as session:
        operations = {r.id: r for r in session.scalars(select(OperationRecord))}
        audit = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        filters = {r.name: r.filter for r in session.scalars(select(SavedFilterRecord))}
        reports = {
            r.name: r.definition for r in session.scalars(select(SavedReportRecord))
        }
        states = {r.resource: r for r in session.scalars(select(SyncState))}
        files = session.scalars(select(EvidenceFileRecord)).all()

    for row in written["operations"]:
        kept = operations[row["id"]]
        assert (kept.state, kept.params) == (row["state"], row["params"])
        assert kept.created_at == row["created_at"].replace(tzinfo=UTC)
    assert [(a.summary, a.before) for a in audit] == [
        (row["summary"], row["before"]) for row in written["audit_log"]
    ]
    assert filters == {row["name"]: row["filter"] for row in written["saved_filters"]}
    assert reports == {
        row["name"]: row["definition"] for row in written["saved_reports"]
    }
    assert {r["resource"] for r in written["sync_state"]} <= set(states)
    assert len(files) == len(written["evidence_files"])
    for row in written["evidence_drafts"]:
        draft = evidence.load_draft(engine, row["dispute_id"])
        assert draft.message == row["message"]
        [attachment] = draft.files
        assert attachment.filename == "ใบเสร็จ.pdf"
        assert evidence.file_bytes(engine, attachment.id) == PDF
