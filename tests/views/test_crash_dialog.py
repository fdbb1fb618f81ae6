"""The crash report and the handler that shows it, with no secret inside."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from opn_desk import __version__
from opn_desk.services import paths
from opn_desk.services.logs import LOG_FILE_NAME
from opn_desk.views.crash_dialog import (
    crash_handler_of,
    crash_report_text,
    install_crash_handler,
    mask_card_numbers,
)

KEY_SECRET = "5kq2secretpart88"
KEY = f"skey_test_{KEY_SECRET}"
CARD = "4242424242424242"


def settle_refund(card_number: str) -> None:
    raise ValueError(f"refund refused for card {card_number} with {KEY}")


def caught() -> tuple[type[BaseException], BaseException, TracebackType | None]:
    try:
        settle_refund(CARD)
    except ValueError as error:
        return type(error), error, error.__traceback__
    raise AssertionError("settle_refund did not raise")


@pytest.fixture
def log_with_secrets(opn_home: Path) -> Path:
    """A log file whose last lines hold a key, a card number and a body."""
    folder = paths.log_dir()
    folder.mkdir(parents=True)
    body = '{"amount": 100000, "card": "tokn_test_1", ' + '"x": 1, ' * 300 + "}"
    lines = [
        "2026-12-03 10:00:00,000 INFO MainThread opn_desk.sync: Sync started",
        f"2026-12-03 10:00:01,000 ERROR MainThread opn_desk.api: key {KEY}",
        "2026-12-03 10:00:02,000 ERROR MainThread opn_desk.api: card "
        "4111 1111 1111 1111 was declined",
        f"2026-12-03 10:00:03,000 DEBUG MainThread opn_desk.api: body {body}",
    ]
    path = folder / LOG_FILE_NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_report_has_the_traceback_and_no_secret(log_with_secrets: Path) -> None:
    report = crash_report_text(*caught())

    assert f"opn-desk {__version__}" in report
    assert "Qt: 6." in report
    assert "Platform: " in report
    assert "Traceback (most recent call last)" in report
    assert "in settle_refund" in report
    assert "ValueError: refund refused for card ************4242" in report
    assert "Sync started" in report  # the log's last lines
    assert "was declined" in report

    assert KEY_SECRET not in report
    assert CARD not in report
    assert "4111 1111 1111 1111" not in report
    assert "1111" in report  # the last four digits stay, to tell cards apart
    assert "characters cut" in report
    assert max(len(line) for line in report.splitlines()) < 400


def test_card_numbers_of_12_to_19_digits_are_masked() -> None:
    assert mask_card_numbers("card 4242424242424242.") == "card ************4242."
    assert mask_card_numbers("pan 5555-5555-5555-4444") == "pan ************4444"
    assert mask_card_numbers("12 digits 123456789012") == "12 digits ********9012"
    assert mask_card_numbers("amount 100000, order 20261203") == (
        "amount 100000, order 20261203"
    )
    assert mask_card_numbers("on 2026-12-03 10:00:02") == "on 2026-12-03 10:00:02"
    assert "1234567890123456789012" in mask_card_numbers("id 1234567890123456789012")


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process-wide hooks come back as they were after the test."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


def test_worker_thread_crash_opens_the_dialog_and_copies(
    qtbot: QtBot, qapp: Any, hooks: None, log_with_secrets: Path
) -> None:
    install_crash_handler(qapp)
    handler = crash_handler_of(qapp)
    assert handler is not None

    worker = threading.Thread(target=settle_refund, args=(CARD,), name="opn-net_0")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    dialog = handler.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)

    report = dialog.report()
    assert "Thread: opn-net_0" in report
    assert "ValueError: refund refused" in report
    assert KEY_SECRET not in report and CARD not in report
    assert dialog.report_view.isReadOnly()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == report
    dialog.reject()
    assert not dialog.isVisible()


def test_gui_thread_crash_in_a_slot_keeps_the_app_running(
    qtbot: QtBot, qapp: QApplication, hooks: None, log_with_secrets: Path
) -> None:
    install_crash_handler(qapp)
    handler = crash_handler_of(qapp)
    assert handler is not None
    after: list[str] = []

    QTimer.singleShot(0, lambda: settle_refund(CARD))
    QTimer.singleShot(50, lambda: after.append("still running"))
    qtbot.waitUntil(lambda: handler.dialog is not None and bool(after))

    assert handler.dialog is not None
    qtbot.addWidget(handler.dialog)
    assert "in settle_refund" in handler.dialog.report()
    # A second error while the report is open is logged, not stacked.
    QTimer.singleShot(0, lambda: settle_refund(CARD))
    qtbot.waitUntil(lambda: handler.missed == 1)
