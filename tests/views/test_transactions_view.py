"""The Transactions table over a synced cache, and the main window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.db import open_engine
from opn_desk.services.api import OpnClient
from opn_desk.services.money import format_amount
from opn_desk.services.profiles import Profile
from opn_desk.services.sync import ChargeSync
from opn_desk.services.workspace import Workspace
from opn_desk.views.main_window import MainWindow
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.transactions_tab import TransactionsTab
from opn_desk.views.transactions_table_model import (
    AMOUNT,
    CHARGE,
    PAGE_SIZE,
    TransactionsTableModel,
)


@pytest.fixture
def synced_engine(sandbox: Any, tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        ChargeSync(client, engine).run()
    yield engine
    engine.dispose()


def wait_for_row(qtbot: QtBot, model: TransactionsTableModel, row: int) -> None:
    model.index(row, 0).data()  # asks for the row's page
    qtbot.waitUntil(lambda: model.item_at(row) is not None, timeout=5000)


def test_model_passes_qt_model_checks(
    qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner, synced_engine: Engine
) -> None:
    model = TransactionsTableModel(runner, "Asia/Bangkok")
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_engine(synced_engine)
    wait_for_row(qtbot, model, 0)
    qtmodeltester.check(model, force_py=True)


def test_model_shows_newest_first_and_sorts_by_amount(
    qtbot: QtBot, runner: TaskRunner, synced_engine: Engine, sandbox: Any
) -> None:
    charges = sandbox.state.charges_sorted()
    model = TransactionsTableModel(runner, "Asia/Bangkok")
    with qtbot.waitSignal(model.loaded, timeout=5000) as loaded:
        model.set_engine(synced_engine)
    assert loaded.args == [len(charges)]
    assert model.rowCount() == len(charges)

    wait_for_row(qtbot, model, 0)
    newest = max(charges, key=lambda c: (c["created_at"], c["id"]))
    assert model.index(0, CHARGE).data() == newest["id"]
    assert model.index(0, AMOUNT).data() == format_amount(
        newest["amount"], newest["currency"]
    )

    last = len(charges) - 1
    wait_for_row(qtbot, model, last)
    assert last >= PAGE_SIZE  # the last row came from a later page
    oldest = min(charges, key=lambda c: (c["created_at"], c["id"]))
    assert model.index(last, CHARGE).data() == oldest["id"]

    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.sort(AMOUNT, Qt.SortOrder.DescendingOrder)
    wait_for_row(qtbot, model, 0)
    biggest = max(c["amount"] for c in charges)
    assert model.item_at(0) is not None
    assert model.item_at(0).amount == biggest  # type: ignore[union-attr]


def synced_window(
    qtbot: QtBot, runner: TaskRunner, sandbox: Any, tmp_path: Path
) -> tuple[MainWindow, Engine]:
    """A window on a sandbox profile whose first sync has finished."""
    profile = Profile(name="Sandbox", mode="sandbox")
    engine = open_engine(f"sqlite:///{tmp_path / 'window.db'}")
    workspace = Workspace(profile, engine, sandbox.base_url, sandbox.secret_key)
    window = MainWindow(runner, profile)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sync.finished, timeout=30_000):
        window.attach_workspace(workspace)
    return window, engine


def test_window_shows_synced_charges_from_the_sandbox(
    qtbot: QtBot, runner: TaskRunner, sandbox: Any, tmp_path: Path
) -> None:
    window, engine = synced_window(qtbot, runner, sandbox, tmp_path)
    model = window.transactions_model
    qtbot.waitUntil(
        lambda: model.rowCount() == sandbox.state.charge_count, timeout=5000
    )
    wait_for_row(qtbot, model, 0)

    assert window.status.mode_badge.text() == "TEST · SANDBOX"
    assert window.status.sync_label.text().startswith("Last sync: ")
    assert window.status.progress_bar.isHidden()
    assert window.transactions_tab.table.model() is model
    assert model.index(0, CHARGE).data().startswith("chrg_test_")
    engine.dispose()


def test_with_a_filter_the_status_bar_says_shown_of_the_cache_total(
    qtbot: QtBot, runner: TaskRunner, sandbox: Any, tmp_path: Path
) -> None:
    window, engine = synced_window(qtbot, runner, sandbox, tmp_path)
    label = window.status.count_label
    total = sandbox.state.charge_count
    qtbot.waitUntil(
        lambda: label.text() == f"Charges in the cache: {total:,}", timeout=5000
    )
    successful = [
        c for c in sandbox.state.objects("charge") if c["status"] == "successful"
    ]
    assert 0 < len(successful) < total

    window.transactions_tab.apply_filter(ChargeFilter(statuses=("successful",)))

    shown = f"Charges shown: {len(successful):,} of {total:,} in the cache"
    qtbot.waitUntil(lambda: label.text() == shown, timeout=5000)
    assert window.transactions_model.rowCount() == len(successful)
    window.transactions_tab.apply_filter(ChargeFilter())
    qtbot.waitUntil(
        lambda: label.text() == f"Charges in the cache: {total:,}", timeout=5000
    )
    engine.dispose()


def test_the_selected_charge_stays_selected_when_the_rows_are_read_again(
    qtbot: QtBot, runner: TaskRunner, synced_engine: Engine
) -> None:
    model = TransactionsTableModel(runner, "Asia/Bangkok")
    tab = TransactionsTab(model)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_engine(synced_engine)
    wait_for_row(qtbot, model, 7)
    tab.table.selectRow(7)
    chosen = tab.selected_charge()
    assert chosen is not None

    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.refresh()  # as after a sync or a refund

    again = tab.selected_charge()
    assert again is not None and again.id == chosen.id
