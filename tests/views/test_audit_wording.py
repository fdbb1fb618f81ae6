"""The audit log says each write in the clerk's language, whenever it was made."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from display_language import compile_catalogs, speaking
from sqlalchemy import Engine

from opn_desk.models import journal_store as store
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.journal_queries import AuditFilter, AuditListItem, audit_page
from opn_desk.models.operations import DONE, FAILED
from opn_desk.views.audit_wording import audit_summary

AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)

# (operation id, action, target, parameters, Opn's error code)
WRITES: list[tuple[str, str, str, dict[str, Any], str | None]] = [
    (
        "op_refund",
        "refund",
        "chrg_test_a",
        {"amount": 150_000, "currency": "THB"},
        None,
    ),
    (
        "op_capture",
        "capture_refused",
        "chrg_test_b",
        {"amount": 3_000, "currency": "JPY", "authorized_amount": 5_000},
        "failed_capture",
    ),
    (
        "op_schedule",
        "schedule_create",
        "cust_test_c",
        {
            "amount": 99_900,
            "currency": "THB",
            "customer": "cust_test_c",
            "every": 2,
            "period": "week",
            "start_date": "2026-12-07",
            "end_date": "2027-06-07",
        },
        None,
    ),
    ("op_answer", "dispute_message_update", "dspt_test_d", {"message": "Sent"}, None),
]


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    with session_scope(engine) as session:
        for operation_id, action, target, params, error in WRITES:
            kind = action.removesuffix("_refused")
            store.record_operation(
                session,
                operation_id=operation_id,
                kind=kind,
                target_id=target,
                params=params,
                clerk="Malee",
                workstation="desk-1",
                now=AT,
            )
            store.settle_operation(
                session, operation_id, FAILED if error else DONE, AT, error_code=error
            )
            store.add_audit_entry(
                session,
                at=AT,
                clerk="Malee",
                action=action,
                target_id=target,
                summary=f"recorded summary of {operation_id}",
                operation_id=operation_id,
            )
        store.add_audit_entry(
            session,
            at=AT,
            clerk="Malee",
            action="something_new",
            target_id="chrg_test_e",
            summary="An entry of a kind this version does not know",
        )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_catalogs(tmp_path_factory.mktemp("catalogs"))


def summaries(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        items: list[AuditListItem] = audit_page(session, AuditFilter(), 0, 50)
    return {item.target_id: audit_summary(item) for item in items}


def test_entries_are_worded_from_their_operation_in_english(
    qapp: Any, audited: Engine, catalogs: Path
) -> None:
    with speaking(qapp, "en", catalogs):
        said = summaries(audited)

    assert said == {
        "chrg_test_a": "Refund ฿1,500.00 on chrg_test_a",
        "chrg_test_b": (
            "Capture ¥3,000 of chrg_test_b, releasing ¥2,000: "
            "refused by Opn (failed_capture)"
        ),
        "cust_test_c": (
            "Schedule ฿999.00 for cust_test_c every 2 weeks "
            "from 2026-12-07 to 2027-06-07"
        ),
        "dspt_test_d": "Answer dispute dspt_test_d (4 characters)",
        "chrg_test_e": "An entry of a kind this version does not know",
    }


def test_entries_are_worded_in_thai_whatever_was_recorded(
    qapp: Any, audited: Engine, catalogs: Path
) -> None:
    with speaking(qapp, "th", catalogs):
        said = summaries(audited)

    assert said["chrg_test_a"] == "คืนเงิน ฿1,500.00 ให้ chrg_test_a"
    assert said["chrg_test_b"] == (
        "เรียกเก็บเงิน ¥3,000 จาก chrg_test_b และปล่อยวงเงินที่เหลือ ¥2,000: "
        "Opn ปฏิเสธ (failed_capture)"
    )
    assert said["cust_test_c"] == (
        "ตั้งกำหนดการ ฿999.00 ให้ cust_test_c ทุก 2 สัปดาห์ ตั้งแต่ 2026-12-07 ถึง 2027-06-07"
    )
    assert said["dspt_test_d"] == "ตอบข้อโต้แย้ง dspt_test_d (4 ตัวอักษร)"
    assert said["chrg_test_e"] == "An entry of a kind this version does not know"
