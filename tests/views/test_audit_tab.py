"""The Audit log tab over a real cache: rows, filters, before/after, export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.operations import AuditEntry
from opn_desk.views.audit_tab import AuditTab
from opn_desk.views.audit_table_model import (
    ACTION,
    CLERK,
    OPERATION,
    SUMMARY,
    TARGET,
    WHEN,
    AuditTableModel,
)
from opn_desk.views.tasks import TaskRunner

BANGKOK = "Asia/Bangkok"
MORNING = datetime(2026, 3, 2, 2, 15, tzinfo=UTC)  # 09:15 in Bangkok
CHARGE_BEFORE = {
    "object": "charge",
    "id": "chrg_test_5x",
    "amount": 100000,
    "currency": "THB",
    "refunded_amount": 0,
    "description": "ชุดน้ำชา",
}
REFUND_AFTER = {
    "object": "refund",
    "id": "rfnd_test_5y",
    "amount": 30000,
    "currency": "THB",
    "charge": "chrg_test_5x",
    "metadata": {"opn_desk_operation": "op_7d2e"},
}


@pytest.fixture
def audited(cache_url: str) -> Iterator[Engine]:
    engine = open_engine(cache_url)
    entries = [
        ("Malee", "capture", "chrg_test_4a", None, None, None),
        ("Somchai", "refund_refused", "chrg_test_4b", "op_1b", CHARGE_BEFORE, None),
        ("Malee", "payout_hold", "dspt_test_4c", None, None, None),
        ("Somchai", "refund", "chrg_test_5x", "op_7d2e", CHARGE_BEFORE, REFUND_AFTER),
    ]
    with session_scope(engine) as session:
        for minutes, (clerk, action, target, op_id, before, after) in enumerate(
            entries
        ):
            session.add(
                AuditEntry(
                    at=MORNING + timedelta(minutes=minutes),
                    clerk=clerk,
                    action=action,
                    target_id=target,
                    operation_id=op_id,
                    summary=f"{action} of {target}",
                    before=before,
                    after=after,
                )
            )
    yield engine
    engine.dispose()


def shown_tab(
    qtbot: QtBot, runner: TaskRunner, engine: Engine, kept: list[object]
) -> AuditTab:
    tab = AuditTab(runner, BANGKOK)
    kept.append(tab)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.model.loaded, timeout=5000):
        tab.set_engine(engine)
    qtbot.waitUntil(lambda: tab.action_combo.count() > 1, timeout=5000)
    load_row(qtbot, tab.model, 0)
    return tab


def load_row(qtbot: QtBot, model: AuditTableModel, row: int) -> None:
    model.index(row, 0).data()  # asks for the row's page
    qtbot.waitUntil(lambda: model.item_at(row) is not None, timeout=5000)


def filtered_count(qtbot: QtBot, tab: AuditTab, change: Any) -> int:
    with qtbot.waitSignal(tab.model.loaded, timeout=5000) as loaded:
        change()
    return int(loaded.args[0])


def test_model_passes_qt_model_checks(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    qtmodeltester: Any,
    audited: Engine,
) -> None:
    model = AuditTableModel(runner, BANGKOK)
    kept.append(model)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_engine(audited)
    load_row(qtbot, model, 0)
    qtmodeltester.check(model, force_py=True)


def test_rows_show_local_time_and_actions_in_words(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], audited: Engine
) -> None:
    tab = shown_tab(qtbot, runner, audited, kept)
    model = tab.model

    newest = [model.index(0, c).data() for c in (WHEN, CLERK, ACTION, TARGET)]
    assert newest == ["2026-03-02 09:18:00", "Somchai", "Refund", "chrg_test_5x"]
    assert model.index(0, SUMMARY).data() == "refund of chrg_test_5x"
    assert model.index(0, OPERATION).data() == "op_7d2e"
    assert [model.index(r, ACTION).data() for r in range(1, 4)] == [
        "payout_hold",  # not known here: shown as recorded
        "Refund refused",
        "Capture",
    ]
    assert tab.message.text() == "Entries shown: 4"


def test_filters_by_clerk_action_and_target(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], audited: Engine
) -> None:
    tab = shown_tab(qtbot, runner, audited, kept)
    clerks, actions = tab.clerk_combo, tab.action_combo

    assert [actions.itemText(i) for i in range(actions.count())] == [
        "All actions",
        "Capture",
        "payout_hold",
        "Refund",
        "Refund refused",
    ]
    somchai = lambda: clerks.setCurrentIndex(clerks.findData("Somchai"))  # noqa: E731
    refused = lambda: actions.setCurrentIndex(actions.findData("refund_refused"))  # noqa: E731
    assert filtered_count(qtbot, tab, somchai) == 2
    assert filtered_count(qtbot, tab, refused) == 1
    assert filtered_count(qtbot, tab, lambda: actions.setCurrentIndex(0)) == 2
    assert filtered_count(qtbot, tab, lambda: clerks.setCurrentIndex(0)) == 4
    assert filtered_count(qtbot, tab, lambda: tab.target_edit.setText("TEST_4")) == 3
    assert filtered_count(qtbot, tab, lambda: tab.target_edit.setText("dspt")) == 1


def test_selecting_a_row_shows_before_and_after_side_by_side(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], audited: Engine
) -> None:
    tab = shown_tab(qtbot, runner, audited, kept)
    tab.show()

    tab.table.selectRow(0)
    qtbot.waitUntil(lambda: tab.after_view.toPlainText() != "", timeout=5000)

    assert json.loads(tab.before_view.toPlainText()) == CHARGE_BEFORE
    assert json.loads(tab.after_view.toPlainText()) == REFUND_AFTER
    before_lines = tab.before_view.toPlainText().splitlines()
    assert before_lines[1:3] == ['  "amount": 100000,', '  "currency": "THB",']
    assert '"description": "ชุดน้ำชา"' in tab.before_view.toPlainText()
    assert tab.before_view.isReadOnly() and tab.after_view.isReadOnly()

    load_row(qtbot, tab.model, 2)
    tab.table.selectRow(2)  # refused: the charge before, nothing after
    qtbot.waitUntil(lambda: tab.after_view.toPlainText() == "", timeout=5000)
    qtbot.waitUntil(lambda: "chrg_test_5x" in tab.before_view.toPlainText())
    assert tab.after_view.placeholderText() == "Nothing was recorded."


def test_rows_for_export_follow_the_filter_on_a_worker_thread(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], audited: Engine
) -> None:
    tab = shown_tab(qtbot, runner, audited, kept)
    clerks = tab.clerk_combo
    filtered_count(
        qtbot, tab, lambda: clerks.setCurrentIndex(clerks.findData("Somchai"))
    )

    def export() -> tuple[list[str], list[list[object]]]:
        headers, rows = tab.rows_for_export()
        return headers, list(rows)

    with ThreadPoolExecutor(1) as worker:
        headers, rows = worker.submit(export).result(timeout=10)

    assert headers == ["When", "Clerk", "Action", "Target", "Summary", "Operation"]
    assert rows == [
        [
            datetime(2026, 3, 2, 9, 18),
            "Somchai",
            "Refund",
            "chrg_test_5x",
            "refund of chrg_test_5x",
            "op_7d2e",
        ],
        [
            datetime(2026, 3, 2, 9, 16),
            "Somchai",
            "Refund refused",
            "chrg_test_4b",
            "refund_refused of chrg_test_4b",
            "op_1b",
        ],
    ]


def test_without_a_cache_the_tab_is_empty(
    qtbot: QtBot, runner: TaskRunner, kept: list[object]
) -> None:
    tab = AuditTab(runner, BANGKOK)
    kept.append(tab)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.model.loaded, timeout=2000):
        tab.set_engine(None)

    headers, rows = tab.rows_for_export()
    assert tab.model.rowCount() == 0
    assert len(headers) == 6 and list(rows) == []
