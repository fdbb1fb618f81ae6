"""Profiles in the main window: switched without a restart, live unmistakable.

Two accounts are two sandboxes over loopback HTTP with different charges;
each profile has its own SQLite cache in an isolated home and its key in
an in-process keyring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from display_language import compile_catalogs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from opn_desk import i18n
from opn_desk.services.credentials import store_secret_key
from opn_desk.services.profiles import (
    Profile,
    ProfileBook,
    load_profiles,
    save_profiles,
)
from opn_desk.views.main_window import MainWindow
from opn_desk.views.tasks import TaskRunner

SYNC_TIMEOUT_MS = 60_000
THAI_LETTER = re.compile(r"[\u0e01-\u0e5b]")
CTRL = Qt.KeyboardModifier.ControlModifier


def new_window(qtbot: QtBot, runner: TaskRunner, profile: Profile) -> MainWindow:
    window = MainWindow(runner, profile)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def stored(name: str) -> Profile:
    book = load_profiles()
    assert book is not None
    profile = book.get(name)
    assert profile is not None
    return profile


def test_switch_to_a_live_profile_shows_its_charges_without_restart(
    qtbot: QtBot,
    runner: TaskRunner,
    opn_home: Path,
    sandbox: Any,
    fresh_sandbox: Any,
    memory_keyring: Any,
) -> None:
    shop = Profile(name="Shop test", mode="test", base_url=sandbox.base_url)
    live = Profile(name="Shop live", mode="live", base_url=fresh_sandbox.base_url)
    save_profiles(ProfileBook(profiles=[shop, live], active=shop.name))
    store_secret_key(shop.name, sandbox.secret_key)
    store_secret_key(live.name, fresh_sandbox.secret_key)
    window = new_window(qtbot, runner, shop)
    model = window.transactions_model

    with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS):
        window.open_profile()
    qtbot.waitUntil(lambda: model.rowCount() == sandbox.state.charge_count)
    assert window.windowTitle() == "Shop test (test mode) — opn-desk"
    assert window.live_banner.isHidden()

    labels = [action.text() for action in window.profile_menu.profile_actions()]
    assert labels == ["Shop test — test", "Shop live — LIVE"]
    to_live = window.profile_menu.profile_actions()[1]
    # Switch while a sync runs: it is stopped, then the other cache opens.
    with qtbot.waitSignal(window.sync.started, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    with qtbot.waitSignal(window.profile_switched, timeout=SYNC_TIMEOUT_MS):
        to_live.trigger()
    with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS):
        pass
    model = window.transactions_model
    qtbot.waitUntil(lambda: model.rowCount() == fresh_sandbox.state.charge_count)

    assert window.workspace is not None
    assert window.workspace.profile.name == "Shop live"
    assert window.windowTitle() == "LIVE · Shop live — opn-desk"
    assert window.live_banner.isVisible()
    assert window.live_banner.text().startswith("LIVE account Shop live")
    assert window.status.mode_badge.text() == "LIVE"
    assert [a.isChecked() for a in window.profile_menu.profile_actions()] == [
        False,
        True,
    ]
    book = load_profiles()
    assert book is not None and book.active == "Shop live"
    assert stored("Shop live") == live
    caches = opn_home / "data" / "profiles"
    assert (caches / "Shop_test" / "cache.db").is_file()
    assert (caches / "Shop_live" / "cache.db").is_file()


def test_deadline_policy_is_kept_with_the_profile(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    shop = Profile(name="Shop", mode="test")
    other = Profile(name="Other", mode="test")
    save_profiles(ProfileBook(profiles=[shop, other], active=shop.name))
    window = new_window(qtbot, runner, shop)
    assert window.tabs.disputes.deadline_spin.value() == 7

    window.tabs.disputes.deadline_spin.setValue(12)

    assert stored("Shop").dispute_deadline_days == 12
    assert stored("Other").dispute_deadline_days == 7
    window.close()
    again = new_window(qtbot, runner, stored("Shop"))
    assert again.tabs.disputes.deadline_spin.value() == 12
    assert again.tabs.disputes.policy.days == 12


def test_new_window_reads_the_profile_settings(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    shop = Profile(name="Shop", mode="test")
    save_profiles(ProfileBook(profiles=[shop], active=shop.name))
    window = new_window(qtbot, runner, shop)

    qtbot.keyClick(window, Qt.Key.Key_Comma, CTRL)
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.timezone_combo.setCurrentText("Asia/Tokyo")
    dialog.sync_spin.setValue(20)
    dialog.deadline_spin.setValue(9)
    with qtbot.waitSignal(window.profile_switched, timeout=10_000):
        dialog.save()  # a new zone rebuilds the tabs around it
    assert window.sync_timer.interval() == 20 * 60_000
    assert window.transactions_model.timezone == "Asia/Tokyo"
    window.close()

    again = new_window(qtbot, runner, stored("Shop"))
    assert again.sync_timer.interval() == 20 * 60_000
    assert again.transactions_model.timezone == "Asia/Tokyo"
    assert again.tabs.disputes.deadline_spin.value() == 9


def test_new_profile_is_checked_kept_and_opened_in_the_same_window(
    qtbot: QtBot,
    runner: TaskRunner,
    opn_home: Path,
    sandbox: Any,
    memory_keyring: Any,
) -> None:
    first = Profile(name="First", mode="test", base_url="http://127.0.0.1:9")
    save_profiles(ProfileBook(profiles=[first], active=first.name))
    window = new_window(qtbot, runner, first)

    window.profile_menu.new_action.trigger()
    welcome = window.welcome
    assert welcome is not None and welcome.isVisible()
    welcome.account_choice.setChecked(True)
    welcome.name_edit.setText("Second shop")
    welcome.key_edit.setText(sandbox.secret_key)
    welcome.url_edit.setText(sandbox.base_url)
    with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS):
        welcome.buttons.accepted.emit()

    assert window.profile.name == "Second shop"
    assert window.windowTitle() == "Second shop (test mode) — opn-desk"
    book = load_profiles()
    assert book is not None and book.active == "Second shop"
    assert [p.name for p in book.profiles] == ["First", "Second shop"]
    labels = [a.text() for a in window.profile_menu.profile_actions()]
    assert labels == ["First — test", "Second shop — test"]
    qtbot.waitUntil(
        lambda: window.transactions_model.rowCount() == sandbox.state.charge_count
    )


def test_a_new_language_rebuilds_the_tabs_in_it(
    qtbot: QtBot,
    runner: TaskRunner,
    opn_home: Path,
    qapp: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "catalogs").mkdir()
    catalogs = compile_catalogs(tmp_path / "catalogs")
    monkeypatch.setattr(i18n, "translations_dir", lambda: catalogs)
    shop = Profile(name="Shop", mode="test")
    save_profiles(ProfileBook(profiles=[shop], active=shop.name))
    window = new_window(qtbot, runner, shop)
    assert window.tabs.tabText(0) == "Transactions"

    try:
        window.open_settings()
        dialog = window.settings_dialog
        assert dialog is not None
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("th"))
        with qtbot.waitSignal(window.profile_switched, timeout=10_000):
            dialog.save()

        assert window.tabs.tabText(0) == "รายการชำระเงิน"
        search = window.transactions_tab.filter_bar.search_box.placeholderText()
        assert THAI_LETTER.search(search), search
    finally:
        window.close()
        i18n.clear_language(qapp)


def test_new_profile_opens_after_the_menu_was_shown(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path
) -> None:
    first = Profile(name="First", mode="test", base_url="http://127.0.0.1:9")
    second = Profile(name="Second", mode="test", base_url="http://127.0.0.1:9")
    save_profiles(ProfileBook(profiles=[first, second], active=first.name))
    window = new_window(qtbot, runner, first)
    menu = window.profile_menu

    for _shown in range(3):
        menu.aboutToShow.emit()  # the menu is filled again each time it opens
    window.profile_menu.new_action.trigger()

    welcome = window.welcome
    assert welcome is not None and welcome.isVisible()
    words = [a.text() for a in menu.actions()]
    assert words == ["First — test", "Second — test", "", "&New profile…"]
    welcome.reject()


def test_filter_lists_fill_after_the_first_sync_and_keep_the_picks(
    qtbot: QtBot,
    runner: TaskRunner,
    opn_home: Path,
    fresh_sandbox: Any,
    memory_keyring: Any,
    make_charge: Callable[..., dict[str, Any]],
) -> None:
    shop = Profile(name="New shop", mode="test", base_url=fresh_sandbox.base_url)
    save_profiles(ProfileBook(profiles=[shop], active=shop.name))
    store_secret_key(shop.name, fresh_sandbox.secret_key)
    # The first page of charges comes late: the lists are read from the
    # empty cache when the profile opens, as on a first run.
    fresh_sandbox.add_fault("latency", path="^/charges", delay_ms=1500, count=1)
    window = new_window(qtbot, runner, shop)
    bar = window.transactions_tab.filter_bar

    with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS):
        window.open_profile()

    charges = list(fresh_sandbox.state.charges_sorted())
    currencies = sorted({c["currency"].upper() for c in charges})
    assert len(currencies) > 1

    def listed(box: Any) -> list[Any]:
        return [box.itemData(i) for i in range(1, box.count())]

    qtbot.waitUntil(lambda: listed(bar.currency_box) == currencies)
    assert "card" in listed(bar.method_box)
    assert listed(bar.brand_box) and listed(bar.key_box)

    # The clerk filters by amount, then a sync brings a new metadata key.
    bar.currency_box.setCurrentIndex(bar.currency_box.findData("THB"))
    bar.min_amount.setText("500")
    bar.min_amount.editingFinished.emit()
    picked = bar.current_filter
    assert picked.currency == "THB" and picked.amount_min == 50_000
    make_charge(metadata={"desk_till": "3"})
    changed: list[object] = []
    bar.filter_changed.connect(changed.append)
    with qtbot.waitSignal(window.sync.finished, timeout=SYNC_TIMEOUT_MS):
        window.start_sync()

    qtbot.waitUntil(lambda: "desk_till" in listed(bar.key_box))
    assert bar.currency_box.currentData() == "THB"
    assert bar.min_amount.text() == "500"
    assert bar.current_filter == picked
    assert changed == []
