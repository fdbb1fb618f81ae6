"""The Operations panel over a real journal: what needs a clerk, and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.operations import OperationRecord
from opn_desk.views.operations_panel import (
    ADVICE,
    AMOUNT,
    ATTEMPTS,
    CLERK,
    ERROR,
    KIND,
    STATE,
    TARGET,
    OperationsPanel,
    OperationsTableModel,
)
from opn_desk.views.tasks import TaskRunner

BANGKOK = "Asia/Bangkok"


def operation(
    op_id: str,
    kind: str,
    target_id: str,
    state: str,
    age: timedelta,
    params: dict[str, Any],
    **fields: Any,
) -> OperationRecord:
    now = datetime.now(UTC)
    return OperationRecord(
        id=op_id,
        kind=kind,
        target_id=target_id,
        params=params,
        clerk=fields.get("clerk", "Somchai"),
        workstation="till-1",
        state=state,
        attempts=fields.get("attempts", 1),
        error_code=fields.get("error_code"),
        error_message=fields.get("error_message"),
        created_at=now - age - timedelta(seconds=3),
        updated_at=now - age,
    )


THB_500 = {"amount": 50000, "currency": "THB", "reason": "", "note": ""}


@pytest.fixture
def journal(cache_url: str) -> Iterator[Engine]:
    engine = open_engine(cache_url)
    minute, hour, day = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
    with session_scope(engine) as session:
        session.add_all(
            [
                operation(
                    "op_unconfirmed",
                    "refund",
                    "chrg_test_1",
                    "unconfirmed",
                    minute,
                    THB_500,
                    attempts=3,
                    error_code="ApiTimeout",
                    error_message="The Opn API did not answer within 30 s",
                ),
                operation(
                    "op_sending",
                    "capture",
                    "chrg_test_2",
                    "sending",
                    2 * minute,
                    {"amount": 1200, "currency": "JPY", "authorized_amount": 1500},
                    clerk="Malee",
                ),
                operation(
                    "op_refused",
                    "refund",
                    "chrg_test_3",
                    "failed",
                    3 * hour,
                    THB_500,
                    error_code="failed_refund",
                    error_message="charge has already been fully refunded",
                ),
                operation(
                    "op_refused_last_week",
                    "reverse",
                    "chrg_test_4",
                    "failed",
                    6 * day,
                    {"amount": 99000, "currency": "THB"},
                    error_code="failed_reverse",
                ),
                operation("op_done", "refund", "chrg_test_5", "done", minute, THB_500),
                operation(
                    "op_refused_long_ago",
                    "refund",
                    "chrg_test_6",
                    "failed",
                    40 * day,
                    THB_500,
                    error_code="failed_refund",
                ),
            ]
        )
    yield engine
    engine.dispose()


def shown_panel(
    qtbot: QtBot, runner: TaskRunner, engine: Engine | None, kept: list[object]
) -> tuple[OperationsPanel, int]:
    panel = OperationsPanel(runner, BANGKOK)
    kept.append(panel)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.attention_count_changed, timeout=5000) as counted:
        panel.set_engine(engine)
    return panel, int(counted.args[0])


def row_of(model: OperationsTableModel, target_id: str) -> dict[int, Any]:
    for row in range(model.rowCount()):
        if model.index(row, TARGET).data() == target_id:
            columns = (KIND, AMOUNT, CLERK, STATE, ATTEMPTS, ERROR, ADVICE)
            return {c: model.index(row, c).data() for c in columns}
    raise AssertionError(f"{target_id} is not listed")


def test_lists_unsettled_and_recently_refused_operations(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    qtmodeltester: Any,
    journal: Engine,
) -> None:
    panel, attention = shown_panel(qtbot, runner, journal, kept)
    model = panel.model

    listed = [model.index(r, TARGET).data() for r in range(model.rowCount())]
    assert listed == ["chrg_test_1", "chrg_test_2", "chrg_test_3", "chrg_test_4"]
    assert attention == 3  # two unsettled, one refused within the last day
    assert panel.message.text() == "Operations listed: 4"

    # The checker outlives the panel, so it gets a model of its own.
    checked = OperationsTableModel(BANGKOK)
    checked.set_operations([model.operation_at(r) for r in range(4)])
    qtmodeltester.check(checked, force_py=True)


def test_each_operation_says_what_the_clerk_can_do(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], journal: Engine
) -> None:
    panel, _attention = shown_panel(qtbot, runner, journal, kept)
    model = panel.model

    assert row_of(model, "chrg_test_1") == {
        KIND: "Refund",
        AMOUNT: "฿500.00",
        CLERK: "Somchai",
        STATE: "Not confirmed",
        ATTEMPTS: "3",
        ERROR: "The Opn API did not answer within 30 s",
        ADVICE: "opn-desk could not confirm this refund with Opn. It will check "
        "again on the next sync; do not refund this charge again by hand.",
    }
    sending = row_of(model, "chrg_test_2")
    assert (sending[KIND], sending[AMOUNT], sending[STATE]) == (
        "Capture",
        "¥1,200",
        "Being sent",
    )
    assert sending[ADVICE] == (  # two minutes without an answer: cut off
        "Sending was cut off. opn-desk asks Opn whether it went through once "
        "2 minute(s) have passed since (in case another workstation is still "
        "sending it), and never sends it twice; Check again does it now if the "
        "time has passed."
    )
    assert row_of(model, "chrg_test_3")[ADVICE] == (
        "Opn refused this refund: charge has already been fully refunded. "
        "Nothing was refunded."
    )
    assert row_of(model, "chrg_test_4")[ADVICE] == (
        "Opn refused to release this authorization: failed_reverse. "
        "Nothing was released."
    )
    state = model.index(0, STATE)
    assert state.data(Qt.ItemDataRole.ForegroundRole) is not None


def test_check_again_asks_for_a_check(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], journal: Engine
) -> None:
    panel, _attention = shown_panel(qtbot, runner, journal, kept)

    with qtbot.waitSignal(panel.check_requested, timeout=2000):
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)


def test_a_settled_operation_leaves_the_panel_on_refresh(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], journal: Engine
) -> None:
    panel, _attention = shown_panel(qtbot, runner, journal, kept)
    with session_scope(journal) as session:
        settled = session.get(OperationRecord, "op_unconfirmed")
        assert settled is not None
        settled.state = "done"

    with qtbot.waitSignal(panel.attention_count_changed, timeout=5000) as counted:
        panel.refresh()

    assert counted.args == [2]
    assert panel.model.rowCount() == 3


def test_without_a_cache_nothing_needs_attention(
    qtbot: QtBot, runner: TaskRunner, kept: list[object]
) -> None:
    panel, attention = shown_panel(qtbot, runner, None, kept)

    assert attention == 0
    assert panel.model.rowCount() == 0
    assert panel.message.text() == "No operation needs your attention."


def test_an_operation_another_had_done_is_not_called_refused(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], journal: Engine
) -> None:
    with session_scope(journal) as session:
        session.add(
            operation(
                "op_already",
                "dispute_document_upload",
                "dspt_test_7",
                "failed",
                timedelta(minutes=5),
                {"file_id": "file_1", "filename": "receipt.pdf"},
                error_code="already_done",
                error_message="file_1 is already on dspt_test_7",
            )
        )
    panel, _attention = shown_panel(qtbot, runner, journal, kept)

    row = row_of(panel.model, "dspt_test_7")
    assert row[KIND] == "Evidence document"
    assert row[ERROR] == "Already done by another operation"
    assert row[ADVICE] == (
        "Another operation, perhaps on another workstation, had already done "
        "this, so nothing was sent again."
    )


def test_a_write_being_sent_now_says_so(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], journal: Engine
) -> None:
    with session_scope(journal) as session:
        session.add(
            operation(
                "op_now",
                "refund",
                "chrg_test_8",
                "sending",
                timedelta(seconds=5),
                THB_500,
            )  # fmt: skip
        )
    panel, _attention = shown_panel(qtbot, runner, journal, kept)

    assert row_of(panel.model, "chrg_test_8")[ADVICE] == "Being sent…"
