"""The "Show log" window over the real rotating log file of the app."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from opn_desk.services.logs import configure_logging
from opn_desk.views.log_window import LogWindow, log_file, show_log_window
from opn_desk.views.tasks import TaskRunner

KEY = "skey_test_5rk9secretpart77"


@pytest.fixture
def app_log(opn_home: Path) -> Iterator[logging.Logger]:
    """The app's logging set-up, writing into the test's own home folder."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(logging.DEBUG)
    yield logging.getLogger("opn_desk.sync")
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def open_window(qtbot: QtBot, runner: TaskRunner) -> LogWindow:
    window = LogWindow(runner)
    qtbot.addWidget(window)
    window.show()
    return window


def test_window_follows_new_lines_and_masks_keys(
    qtbot: QtBot, runner: TaskRunner, app_log: logging.Logger
) -> None:
    app_log.info("Sync started for Shop")
    window = open_window(qtbot, runner)
    assert window.path == log_file()
    qtbot.waitUntil(lambda: "Sync started for Shop" in window.shown_text())

    app_log.warning("Key %s refused", KEY)
    app_log.info("Charges synced: 600")
    qtbot.waitUntil(lambda: "Charges synced: 600" in window.shown_text())

    text = window.shown_text()
    assert "Key skey_" in text
    assert "5rk9secretpart77" not in text
    assert text.index("Sync started") < text.index("Charges synced")

    window.copy_shown()
    assert QGuiApplication.clipboard().text() == window.shown_text()


def test_level_filter_keeps_errors_with_their_traceback(
    qtbot: QtBot, runner: TaskRunner, app_log: logging.Logger
) -> None:
    app_log.debug("Page 3 of charges fetched")
    app_log.info("Sync finished")
    window = open_window(qtbot, runner)
    qtbot.waitUntil(lambda: "Sync finished" in window.shown_text())

    try:
        raise ConnectionError("the network dropped")
    except ConnectionError:
        app_log.exception("Refund of chrg_test_1 left unconfirmed")
    qtbot.waitUntil(lambda: "left unconfirmed" in window.shown_text())

    window.set_minimum_level(logging.ERROR)
    errors_only = window.shown_text()
    assert "Refund of chrg_test_1 left unconfirmed" in errors_only
    assert "ConnectionError: the network dropped" in errors_only
    assert "Sync finished" not in errors_only
    assert "Page 3" not in errors_only

    app_log.info("Sync started again")
    app_log.error("Sync failed: offline")
    qtbot.waitUntil(lambda: "Sync failed: offline" in window.shown_text())
    assert "Sync started again" not in window.shown_text()

    window.set_minimum_level(logging.INFO)
    everything = window.shown_text()
    assert "Sync finished" in everything
    assert "Sync started again" in everything
    assert "Page 3" not in everything


def test_rotated_log_is_read_again(
    qtbot: QtBot, runner: TaskRunner, app_log: logging.Logger
) -> None:
    app_log.info("Before the rotation")
    window = open_window(qtbot, runner)
    qtbot.waitUntil(lambda: "Before the rotation" in window.shown_text())

    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            handler.doRollover()
    app_log.info("After the rotation")

    qtbot.waitUntil(lambda: "After the rotation" in window.shown_text())
    assert "Before the rotation" not in window.shown_text()


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_show_log_window_opens_one_window_per_parent(
    qtbot: QtBot, runner: TaskRunner, app_log: logging.Logger
) -> None:
    app_log.info("Opened from the Help menu")
    parent = QWidget()
    qtbot.addWidget(parent)

    first = show_log_window(parent, runner)
    second = show_log_window(parent, runner)

    assert first is second
    assert first.isVisible() and first.isWindow()
    qtbot.waitUntil(lambda: "Opened from the Help menu" in first.shown_text())
