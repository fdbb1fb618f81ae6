"""The sync panel and the offline marker, over a real cache."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from opn_desk.models.db import open_engine
from opn_desk.models.sync_overview import ResourceSyncStatus
from opn_desk.services.api import OpnClient
from opn_desk.services.profiles import Profile
from opn_desk.services.sync import ChargeSync
from opn_desk.services.workspace import Workspace
from opn_desk.views.main_window import MainWindow
from opn_desk.views.sync_panel import (
    LAST_SYNCED,
    OBJECTS,
    PROBLEM,
    PROGRESS,
    RESOURCE,
    SyncStatusTableModel,
)
from opn_desk.views.tasks import TaskRunner


@pytest.fixture
def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_offline_window_keeps_showing_the_cache(
    qtbot: QtBot,
    runner: TaskRunner,
    sandbox: Any,
    dead_url: str,
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    engine = open_engine(url)
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        ChargeSync(client, engine).run()
    profile = Profile(name="Shop", mode="test")
    workspace = Workspace(profile, engine, dead_url, sandbox.secret_key)
    window = MainWindow(runner, profile)
    qtbot.addWidget(window)
    window.show()

    with qtbot.waitSignal(window.sync.failed, timeout=20_000):
        window.attach_workspace(workspace)

    status = window.status
    assert status.offline_label.isVisible()
    assert "cannot reach the Opn API" in window.sync_panel.message.text()
    assert window.sync_panel.sync_button.text() == "Retry"
    qtbot.waitUntil(
        lambda: window.transactions_model.rowCount() == sandbox.state.charge_count
    )
    model = window.sync_model
    qtbot.waitUntil(lambda: model.rowCount() >= 2)
    rows = {model.index(row, RESOURCE).data(): row for row in range(model.rowCount())}
    charges = rows["Charges"]
    assert model.index(charges, OBJECTS).data() == f"{sandbox.state.charge_count:,}"
    assert model.index(charges, PROGRESS).data() == "Up to date"
    # The step that met the dead network says why, in its own row.
    problems = [model.index(row, PROBLEM).data() for row in range(model.rowCount())]
    assert any(problems), problems
    engine.dispose()


def test_sync_status_model_passes_qt_model_checks(qtmodeltester: Any) -> None:
    model = SyncStatusTableModel("Asia/Bangkok")
    moment = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    model.set_overview(
        [
            ResourceSyncStatus("charges", moment, 5000, True, None),
            ResourceSyncStatus("refunds", None, 0, False, "could not connect"),
        ]
    )
    model.set_progress("events", 40, 900)
    qtmodeltester.check(model, force_py=True)

    assert model.rowCount() == 3
    assert model.index(0, LAST_SYNCED).data() == "2026-12-04 00:00"
    assert model.index(1, LAST_SYNCED).data() == "Never"
    assert model.index(2, PROGRESS).data() == "40 of 900"
