"""The Transactions tab with filters, search, saved filters and the detail pane."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.tables import AuditEntry
from opn_desk.services.api import OpnClient
from opn_desk.services.sync import ChargeSync
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.transactions_tab import TransactionsTab
from opn_desk.views.transactions_table_model import (
    CHARGE,
    DESCRIPTION,
    TransactionsTableModel,
)

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def synced_engine(
    sandbox: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The session's sandbox synced into a cache that every test here reads."""
    folder = tmp_path_factory.mktemp("transactions")
    engine = open_engine(f"sqlite:///{folder / 'cache.db'}")
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        ChargeSync(client, engine).run()
    yield engine
    engine.dispose()


@pytest.fixture
def tab(
    qtbot: QtBot, runner: TaskRunner, synced_engine: Engine, opn_home: Path
) -> TransactionsTab:
    """A tab over the synced cache, its first page loaded."""
    return open_tab(qtbot, runner, synced_engine)


def open_tab(qtbot: QtBot, runner: TaskRunner, engine: Engine) -> TransactionsTab:
    model = TransactionsTableModel(runner, "Asia/Bangkok")
    tab = TransactionsTab(model, profile_name="Sandbox")
    qtbot.addWidget(tab)
    tab.resize(1300, 700)
    tab.show()
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_engine(engine)
    return tab


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` key by key, Thai included (QTest knows only ASCII keys)."""
    for character in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(
                kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, character
            )
            QApplication.sendEvent(widget, event)


def live_charges(sandbox: Any) -> list[dict[str, Any]]:
    return list(sandbox.state.charges_sorted())


def shown_ids(qtbot: QtBot, model: TransactionsTableModel) -> set[str]:
    """The charge ids of every row, once their pages have loaded."""
    for row in range(model.rowCount()):
        model.index(row, 0).data()
    qtbot.waitUntil(
        lambda: all(model.item_at(r) for r in range(model.rowCount())),
        timeout=WAIT_MS,
    )
    items = [model.item_at(row) for row in range(model.rowCount())]
    return {item.id for item in items if item is not None}


def test_typing_in_the_search_box_filters_the_table(
    qtbot: QtBot, tab: TransactionsTab, sandbox: Any
) -> None:
    charges = live_charges(sandbox)
    with_order = next(c for c in charges if c["metadata"].get("order_id"))
    order_id = with_order["metadata"]["order_id"]

    applied: list[ChargeFilter] = []
    tab.filter_bar.filter_changed.connect(applied.append)
    type_text(tab.filter_bar.search_box, order_id)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=WAIT_MS)
    assert shown_ids(qtbot, tab.model) == {with_order["id"]}
    # One query for the whole text, not one per key.
    assert [f.text for f in applied] == [order_id]

    thai = {c["id"] for c in charges if "ไทย" in (c["description"] or "")}
    tab.filter_bar.search_box.clear()
    type_text(tab.filter_bar.search_box, "ไทย")
    qtbot.waitUntil(lambda: tab.model.rowCount() == len(thai), timeout=WAIT_MS)
    assert shown_ids(qtbot, tab.model) == thai
    assert tab.count_label.text() == f"{len(thai)} charges"


def test_a_newer_filter_wins_over_an_older_one(
    qtbot: QtBot, tab: TransactionsTab, sandbox: Any
) -> None:
    charges = live_charges(sandbox)
    yen = [c for c in charges if c["currency"] == "JPY"]
    model = tab.model
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS) as loaded:
        model.set_filter(ChargeFilter(currency="THB"))
        model.set_filter(ChargeFilter(currency="JPY"))
    assert loaded.args == [len(yen)]
    qtbot.wait(200)  # any answer for THB would have arrived by now
    assert model.rowCount() == len(yen)
    assert shown_ids(qtbot, model) == {c["id"] for c in yen}


def test_the_filter_bar_combines(
    qtbot: QtBot, tab: TransactionsTab, sandbox: Any
) -> None:
    charges = live_charges(sandbox)
    expected = {
        c["id"]
        for c in charges
        if c["currency"] == "JPY" and c["status"] == "successful"
    }
    bar = tab.filter_bar
    qtbot.waitUntil(lambda: bar.currency_box.findData("JPY") > 0, timeout=WAIT_MS)
    bar.currency_box.setCurrentIndex(bar.currency_box.findData("JPY"))
    bar.status_box.setCurrentIndex(bar.status_box.findData("successful"))

    qtbot.waitUntil(lambda: tab.model.rowCount() == len(expected), timeout=WAIT_MS)
    assert shown_ids(qtbot, tab.model) == expected
    assert tab.model.charge_filter == ChargeFilter(
        statuses=("successful",), currency="JPY"
    )


def test_an_amount_without_a_currency_is_explained_not_applied(
    qtbot: QtBot, tab: TransactionsTab
) -> None:
    bar = tab.filter_bar
    bar.min_amount.setText("1,000")
    bar.min_amount.editingFinished.emit()

    assert bar.problem_label.isVisible()
    assert bar.problem_label.text() == "Pick a currency to filter by amount."
    assert tab.model.charge_filter == ChargeFilter()

    bar.currency_box.setCurrentIndex(bar.currency_box.findData("THB"))
    assert not bar.problem_label.isVisible()
    assert tab.model.charge_filter.amount_min == 100_000  # satang

    bar.min_amount.setText("12.345")
    bar.min_amount.editingFinished.emit()
    assert "THB has 2 decimals" in bar.problem_label.text()


def test_a_hidden_column_stays_hidden_in_a_new_tab(
    qtbot: QtBot, tab: TransactionsTab, runner: TaskRunner, synced_engine: Engine
) -> None:
    header = tab.table.horizontalHeader()
    assert not header.isSectionHidden(DESCRIPTION)
    menu = tab.columns.menu()
    description = next(a for a in menu.actions() if a.text() == "Description")
    description.trigger()
    assert header.isSectionHidden(DESCRIPTION)
    header.resizeSection(CHARGE, 301)
    tab.columns.save()

    again = open_tab(qtbot, runner, synced_engine)
    header = again.table.horizontalHeader()
    assert header.isSectionHidden(DESCRIPTION)
    assert header.sectionSize(CHARGE) == 301


def test_detail_pane_shows_refunds_and_local_actions(
    qtbot: QtBot, tab: TransactionsTab, sandbox: Any, synced_engine: Engine
) -> None:
    charges = live_charges(sandbox)
    refunded = next(c for c in charges if c["refunds"]["data"] and c["refundable"])
    refund_id = refunded["refunds"]["data"][0]["id"]
    with session_scope(synced_engine) as session:
        session.add(
            AuditEntry(
                at=datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
                clerk="Nattaya",
                action="refund",
                target_id=refunded["id"],
                summary="Refund of ฿100.00 recorded",
            )
        )

    tab.apply_filter(ChargeFilter(text=refunded["id"]))
    qtbot.waitUntil(lambda: tab.model.item_at(0) is not None, timeout=WAIT_MS)
    assert tab.model.rowCount() == 1
    tab.table.selectRow(0)
    pane = tab.detail_pane
    qtbot.waitUntil(lambda: pane.detail is not None, timeout=WAIT_MS)

    refunds = [pane.refunds.topLevelItem(i).text(1) for i in range(1)]
    assert refunds == [refund_id]
    timeline = pane.timeline
    rows = [
        [timeline.topLevelItem(i).text(c) for c in range(4)]
        for i in range(timeline.topLevelItemCount())
    ]
    assert ["2026-01-05 10:00:00", "refund (here)"] in [row[:2] for row in rows]
    assert any(row[3] == "Nattaya" for row in rows)
    assert pane.refund_button.isEnabled()
    assert not pane.capture_button.isEnabled()

    with qtbot.waitSignal(tab.refund_requested) as asked:
        qtbot.mouseClick(pane.refund_button, Qt.MouseButton.LeftButton)
    assert asked.args == [refunded["id"]]


def test_row_menu_asks_for_capture_of_an_authorized_charge(
    qtbot: QtBot, tab: TransactionsTab, sandbox: Any
) -> None:
    authorized = next(c for c in live_charges(sandbox) if c["capturable"])
    tab.apply_filter(ChargeFilter(text=authorized["id"]))
    qtbot.waitUntil(lambda: tab.model.item_at(0) is not None, timeout=WAIT_MS)
    item = tab.model.item_at(0)
    assert item is not None and item.id == authorized["id"]

    menu = tab.row_menu(item)
    refund, capture, _copy = menu.actions()
    assert not refund.isEnabled()
    assert capture.isEnabled()
    with qtbot.waitSignal(tab.capture_requested) as asked:
        capture.trigger()
    assert asked.args == [authorized["id"]]


def test_saved_filters_apply_from_the_box(
    qtbot: QtBot, tab: TransactionsTab, sandbox: Any
) -> None:
    box = tab.saved_filters
    yen = ChargeFilter(currency="JPY")
    tab.apply_filter(yen)
    box.ask_name()
    assert box.name_dialog is not None
    box.name_dialog.setTextValue("Yen sales")
    box.name_dialog.accept()
    qtbot.waitUntil(lambda: box.names == ["Yen sales"], timeout=WAIT_MS)

    tab.filter_bar.clear()
    qtbot.waitUntil(
        lambda: tab.model.rowCount() == len(live_charges(sandbox)), timeout=WAIT_MS
    )
    box.choose("Yen sales")
    assert tab.filter_bar.current_filter == yen
    assert tab.filter_bar.currency_box.currentData() == "JPY"
    yen_count = sum(1 for c in live_charges(sandbox) if c["currency"] == "JPY")
    qtbot.waitUntil(lambda: tab.model.rowCount() == yen_count, timeout=WAIT_MS)


def test_filtered_model_passes_qt_model_checks(
    qtbot: QtBot, qtmodeltester: Any, runner: TaskRunner, synced_engine: Engine
) -> None:
    model = TransactionsTableModel(runner, "Asia/Bangkok")
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_engine(synced_engine)
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_filter(ChargeFilter(currency="THB", statuses=("successful",)))
    model.index(0, 0).data()
    qtbot.waitUntil(lambda: model.item_at(0) is not None, timeout=WAIT_MS)
    qtmodeltester.check(model, force_py=True)
