"""The status bar: which account and mode are open stays in sight."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from opn_desk.services.profiles import Profile
from opn_desk.views.status_bar import ProfileStatusBar


def test_a_message_in_the_bar_leaves_the_mode_and_profile_in_sight(
    qtbot: QtBot,
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    bar = ProfileStatusBar(window)
    window.setStatusBar(bar)
    bar.set_profile(Profile(name="Shop live", mode="live"))
    window.show()
    qtbot.waitExposed(window)

    bar.showMessage("2 scheduled charges failed")

    assert bar.currentMessage() == "2 scheduled charges failed"
    assert bar.mode_badge.isVisible() and bar.mode_badge.text() == "LIVE"
    assert bar.profile_label.isVisible() and bar.profile_label.text() == "Shop live"
