"""The first-run dialog: the sandbox by default, or a checked account key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from opn_desk.services.credentials import SERVICE
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.welcome_dialog import WelcomeDialog


@pytest.fixture
def dialog(qtbot: QtBot, runner: TaskRunner, opn_home: Path) -> WelcomeDialog:
    dialog = WelcomeDialog(runner)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def press_continue(dialog: WelcomeDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def fill_account(dialog: WelcomeDialog, key: str, base_url: str) -> None:
    dialog.account_choice.setChecked(True)
    dialog.name_edit.setText("Siam shop")
    dialog.key_edit.setText(key)
    dialog.url_edit.setText(base_url)


def test_sandbox_is_the_default_choice(qtbot: QtBot, dialog: WelcomeDialog) -> None:
    assert dialog.sandbox_choice.isChecked()
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        press_continue(dialog)
    assert dialog.profile is not None and dialog.profile.is_sandbox


def test_public_key_is_refused_with_a_sentence(dialog: WelcomeDialog) -> None:
    fill_account(dialog, "pkey_test_5abcdefghijklmnop", "https://api.omise.co")
    press_continue(dialog)
    assert "public key" in dialog.message.text()
    assert dialog.isVisible() and dialog.profile is None


def test_key_checked_against_the_api_then_kept_in_the_keyring(
    qtbot: QtBot,
    dialog: WelcomeDialog,
    sandbox: Any,
    memory_keyring: dict[tuple[str, str], str],
) -> None:
    fill_account(dialog, sandbox.secret_key, sandbox.base_url)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        press_continue(dialog)
    assert dialog.profile is not None
    assert (dialog.profile.mode, dialog.profile.base_url) == ("test", sandbox.base_url)
    assert memory_keyring == {(SERVICE, "Siam shop"): sandbox.secret_key}
    assert dialog.session_key is None


def test_wrong_key_is_refused_by_the_api(
    qtbot: QtBot, dialog: WelcomeDialog, sandbox: Any, memory_keyring: Any
) -> None:
    fill_account(dialog, "skey_test_5wrongwrongwrongwrong", sandbox.base_url)
    press_continue(dialog)
    qtbot.waitUntil(lambda: "refused the secret key" in dialog.message.text())
    assert dialog.profile is None and memory_keyring == {}


def test_without_a_keyring_the_key_serves_this_session_only(
    qtbot: QtBot, dialog: WelcomeDialog, sandbox: Any, no_keyring: None
) -> None:
    fill_account(dialog, sandbox.secret_key, sandbox.base_url)
    press_continue(dialog)
    qtbot.waitUntil(lambda: "No keyring" in dialog.message.text(), timeout=10_000)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "Use for this session only"

    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        press_continue(dialog)
    assert dialog.session_key == sandbox.secret_key
