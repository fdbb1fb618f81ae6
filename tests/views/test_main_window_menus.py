"""The main window's menus and keys, and the layout it remembers.

Keys are pressed on a shown, active window, as a clerk would; the layout
is written to the real settings file of an isolated home and read back
by a second window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.services.profiles import Profile
from opn_desk.services.workspace import Workspace
from opn_desk.views.capture_dialog import CaptureDialog
from opn_desk.views.disputes_table_model import STATUS
from opn_desk.views.main_window import MainWindow
from opn_desk.views.refund_dialog import RefundDialog
from opn_desk.views.tasks import TaskRunner

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier
SHOP = Profile(name="Shop", mode="test", clerk="Somchai")


def new_window(qtbot: QtBot, runner: TaskRunner) -> MainWindow:
    window = MainWindow(runner, SHOP)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def showing_charges(
    qtbot: QtBot, runner: TaskRunner, engine: Engine, sandbox: Any
) -> MainWindow:
    """A window showing a cache of charges, without syncing it."""
    window = new_window(qtbot, runner)
    workspace = Workspace(SHOP, engine, sandbox.base_url, sandbox.secret_key)
    window.tabs.set_workspace(workspace)
    window.writes.set_workspace(workspace)
    model = window.transactions_model
    qtbot.waitUntil(lambda: model.rowCount() == sandbox.state.charge_count)
    return window


def current_row(window: MainWindow) -> int:
    return window.transactions_tab.table.currentIndex().row()


def test_menus_hold_the_common_actions_with_their_keys(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    window = new_window(qtbot, runner)
    menus = {
        menu.title(): [a.text() for a in menu.actions() if a.text()]
        for menu in (
            action.menu() for action in window.menuBar().actions() if action.menu()
        )
    }
    assert list(menus) == [
        "&File",
        "&Profile",
        "&Edit",
        "&Go",
        "&Actions",
        "&View",
        "&Help",
    ]
    assert menus["&File"] == ["&Export…", "&Settings…", "&Quit"]
    assert "Show &log…" in menus["&View"]
    keys = {
        "export": "Ctrl+E",
        "settings": "Ctrl+,",
        "find": "Ctrl+F",
        "next_record": "Ctrl+Down",
        "previous_record": "Ctrl+Up",
        "sync": "F5",
        "refund": "Ctrl+Shift+R",
        "capture": "Ctrl+Shift+C",
        "quit": "Ctrl+Q",
    }
    for name, key in keys.items():
        assert window.menus[name].shortcut().toString() == key, name


def test_find_puts_the_cursor_in_the_search_box_of_the_tab_in_front(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    window = new_window(qtbot, runner)

    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    search = window.transactions_tab.filter_bar.search_box
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search)

    window.tabs.setCurrentWidget(window.tabs.disputes)
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    disputes_search = window.tabs.disputes.search_edit
    qtbot.waitUntil(lambda: QApplication.focusWidget() is disputes_search)


def test_next_and_previous_record_move_the_selection(
    qtbot: QtBot,
    runner: TaskRunner,
    opn_home: Path,
    charges_engine: Engine,
    sandbox: Any,
) -> None:
    window = showing_charges(qtbot, runner, charges_engine, sandbox)
    table = window.transactions_tab.table

    qtbot.keyClick(window, Qt.Key.Key_Down, CTRL)
    assert current_row(window) == 0
    qtbot.keyClick(window, Qt.Key.Key_Down, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_Down, CTRL)
    assert current_row(window) == 2
    qtbot.keyClick(window, Qt.Key.Key_Up, CTRL)
    assert current_row(window) == 1
    assert [i.row() for i in table.selectionModel().selectedRows()] == [1]


def test_refund_and_capture_keys_open_their_dialogs_on_the_selected_charge(
    qtbot: QtBot,
    runner: TaskRunner,
    opn_home: Path,
    charges_engine: Engine,
    sandbox: Any,
) -> None:
    window = showing_charges(qtbot, runner, charges_engine, sandbox)

    qtbot.keyClick(window, Qt.Key.Key_R, CTRL_SHIFT)
    assert window.status.currentMessage() == "Select a charge to refund first."
    assert window.writes.dialog is None

    qtbot.keyClick(window, Qt.Key.Key_Down, CTRL)
    charge = window.transactions_model.item_at(0)
    assert charge is not None
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL_SHIFT)
    refund = window.writes.dialog
    assert isinstance(refund, RefundDialog) and refund.isVisible()
    assert refund._charge_id == charge.id
    refund.reject()

    qtbot.keyClick(window, Qt.Key.Key_C, CTRL_SHIFT)
    capture = window.writes.dialog
    assert isinstance(capture, CaptureDialog) and capture.isVisible()
    capture.reject()


def test_settings_key_opens_the_settings_dialog(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    window = new_window(qtbot, runner)
    qtbot.keyClick(window, Qt.Key.Key_Comma, CTRL)
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.clerk_edit.text() == "Somchai"
    dialog.reject()


def test_size_docks_splitters_and_columns_are_restored(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    window = new_window(qtbot, runner)
    window.sync_dock.show()
    # The offscreen screen is 800 px square: a window wider than its
    # narrowest would be squeezed back on screen when restored.
    narrowest = window.minimumSizeHint().width()
    window.resize(narrowest, 730)
    window.transactions_tab.splitter.setSizes([610, 300])
    kept_sizes = window.transactions_tab.splitter.sizes()
    disputes_header = window.tabs.disputes.table.horizontalHeader()
    disputes_header.resizeSection(STATUS, 133)
    window.close()

    again = new_window(qtbot, runner)
    assert (again.width(), again.height()) == (narrowest, 730)
    assert (narrowest, 730) != (1280, 760)  # not merely the default size
    assert again.sync_dock.isVisible()
    assert again.transactions_tab.splitter.sizes() == kept_sizes
    header = again.tabs.disputes.table.horizontalHeader()
    assert header.sectionSize(STATUS) == 133


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_show_log_opens_the_log_window(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    window = new_window(qtbot, runner)

    window.menus["show_log"].trigger()

    shown = [
        widget
        for widget in QApplication.topLevelWidgets()
        if type(widget).__name__ == "LogWindow" and widget.isVisible()
    ]
    assert len(shown) == 1
    for widget in shown:
        widget.close()
        widget.deleteLater()


def test_ctrl_e_asks_where_to_export_the_tab_shown(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    window = new_window(qtbot, runner)
    window.tabs.setCurrentWidget(window.tabs.audit)
    suggested: list[str] = []

    def answer_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        assert isinstance(name, QLineEdit)
        suggested.append(name.text())
        dialog.reject()

    QTimer.singleShot(200, answer_the_dialog)
    qtbot.keyClick(window, Qt.Key.Key_E, CTRL)

    assert len(suggested) == 1
    assert suggested[0].startswith("audit-log-")
    assert not window.tabs.audit.exporter.running
