"""The Capture tab: what a clerk sees of authorizations waiting for capture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.models.db import open_engine
from opn_desk.services.api import OpnClient
from opn_desk.services.sync import ChargeSync
from opn_desk.views.capture_tab import AMOUNT, CHARGE, DESCRIPTION, KIND, CaptureTab
from opn_desk.views.tasks import TaskRunner


@pytest.fixture
def synced(
    fresh_sandbox: Any, tmp_path: Path, make_charge: Callable[..., dict[str, Any]]
) -> Iterator[tuple[Engine, list[str]]]:
    ids = [
        make_charge(amount=amount, capture=False, authorization_type=kind)["id"]
        for amount, kind in ((150000, "pre_auth"), (2500, "final_auth"))
    ]
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    with OpnClient(fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url) as api:
        ChargeSync(api, engine).run()
    yield engine, ids
    engine.dispose()


def test_the_tab_lists_each_open_authorization_with_its_kind(
    qtbot: QtBot,
    runner: TaskRunner,
    synced: tuple[Engine, list[str]],
    fresh_sandbox: Any,
    qtmodeltester: ModelTester,
) -> None:
    engine, (pre_auth, final_auth) = synced
    tab = CaptureTab(runner, "Asia/Bangkok")
    qtbot.addWidget(tab)
    capturable = [
        charge
        for charge in fresh_sandbox.state.objects("charge")
        if charge["capturable"]
    ]

    tab.set_engine(engine)
    qtbot.waitUntil(lambda: tab.model.rowCount() == len(capturable))

    qtmodeltester.check(tab.model)
    rows = {
        tab.model.index(row, CHARGE).data(): row for row in range(tab.model.rowCount())
    }
    pre_row, final_row = rows[pre_auth], rows[final_auth]
    assert tab.model.index(pre_row, AMOUNT).data() == "฿1,500.00"
    assert tab.model.index(pre_row, KIND).data() == "Pre-authorization"
    assert tab.model.index(final_row, KIND).data() == "Final authorization"
    right = tab.model.index(pre_row, AMOUNT).data(Qt.ItemDataRole.TextAlignmentRole)
    assert right & Qt.AlignmentFlag.AlignRight
    assert tab.summary.text().endswith(f": {len(capturable)}")
    expiries = [
        tab.model.authorization_at(row).expires_at  # type: ignore[union-attr]
        for row in range(tab.model.rowCount())
    ]
    known = [moment for moment in expiries if moment is not None]
    assert known == sorted(known)  # the soonest to lapse first
    assert all(moment > datetime.now(UTC) for moment in known)


def test_capture_asks_for_the_selected_charge(
    qtbot: QtBot, runner: TaskRunner, synced: tuple[Engine, list[str]]
) -> None:
    engine, (pre_auth, _final) = synced
    tab = CaptureTab(runner, "Asia/Bangkok")
    qtbot.addWidget(tab)
    tab.set_engine(engine)
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 2)
    row = next(
        row
        for row in range(tab.model.rowCount())
        if tab.model.index(row, CHARGE).data() == pre_auth
    )

    tab.table.selectRow(row)
    with qtbot.waitSignal(tab.capture_requested) as asked:
        tab.capture_button.click()

    assert asked.args == [pre_auth]


def test_every_column_but_the_description_shows_its_whole_text(
    qtbot: QtBot, runner: TaskRunner, synced: tuple[Engine, list[str]]
) -> None:
    engine, _ids = synced
    tab = CaptureTab(runner, "Asia/Bangkok")
    qtbot.addWidget(tab)
    tab.resize(1366, 700)
    tab.show()
    tab.set_engine(engine)
    qtbot.waitUntil(lambda: tab.model.rowCount() >= 2)

    table = tab.table
    for column in range(DESCRIPTION):
        title = tab.model.headerData(column, Qt.Orientation.Horizontal)
        needed = max(
            table.sizeHintForColumn(column),
            table.horizontalHeader().sectionSizeHint(column),
        )
        assert table.columnWidth(column) >= needed, title
