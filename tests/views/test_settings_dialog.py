"""The Settings dialog: bad values refused with a sentence, good ones kept.

The settings land in the real profile book and settings file of an
isolated home; a database is reached for real (a SQLite file, and the
team's PostgreSQL when OPN_DESK_TEST_PG_URL is set) before it is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from opn_desk import i18n
from opn_desk.services.profiles import (
    Profile,
    ProfileBook,
    load_profiles,
    profiles_file,
    save_profiles,
)
from opn_desk.services.settings import (
    BUDDHIST_ERA_KEY,
    LANGUAGE_KEY,
    app_settings,
    buddhist_era_shown,
    chosen_language,
)
from opn_desk.views.settings_dialog import SettingsDialog
from opn_desk.views.tasks import TaskRunner

SHOP = Profile(name="Siam shop", mode="test", base_url="http://127.0.0.1:9")


@pytest.fixture
def book(opn_home: Path) -> ProfileBook:
    book = ProfileBook(profiles=[SHOP], active=SHOP.name)
    save_profiles(book)
    return book


@pytest.fixture(autouse=True)
def english_afterwards(qapp: Any) -> Iterator[None]:
    """Put the app back in its source English after a test that saves
    another language (as every other test expects)."""
    yield
    i18n.set_buddhist_era(False)
    i18n.clear_language(qapp)


def open_dialog(qtbot: QtBot, runner: TaskRunner) -> SettingsDialog:
    book = load_profiles()
    assert book is not None
    profile = book.get(SHOP.name)
    assert profile is not None
    dialog = SettingsDialog(runner, profile)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def stored_shop() -> Profile:
    book = load_profiles()
    assert book is not None
    profile = book.get(SHOP.name)
    assert profile is not None
    return profile


def test_unknown_time_zone_is_refused_and_nothing_is_kept(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook
) -> None:
    before = profiles_file().read_bytes()
    dialog = open_dialog(qtbot, runner)
    dialog.timezone_combo.setCurrentText("Asia/Bangkk")
    dialog.sync_spin.setValue(30)
    dialog.buddhist_era_check.setChecked(True)

    dialog.save()

    assert dialog.message.text() == (
        "Asia/Bangkk is not a time zone this computer knows. Pick one from "
        "the list, like Asia/Bangkok."
    )
    assert dialog.isVisible() and dialog.profile is None
    assert profiles_file().read_bytes() == before
    assert not buddhist_era_shown()


def test_clerk_name_on_two_lines_is_refused(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook
) -> None:
    dialog = open_dialog(qtbot, runner)
    dialog.clerk_edit.setText("Somchai\tJaidee")

    dialog.save()

    assert "one line of at most 80 characters" in dialog.message.text()
    assert stored_shop().clerk is None


def test_relative_sqlite_path_is_refused(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook
) -> None:
    dialog = open_dialog(qtbot, runner)
    dialog.sqlite_path_edit.setText("cache.db")

    dialog.save()

    assert dialog.message.text().startswith("Enter the full path of the SQLite")
    assert stored_shop().database_url is None


def test_settings_are_kept_and_read_by_a_new_dialog(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook, english_afterwards: None
) -> None:
    dialog = open_dialog(qtbot, runner)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("th"))
    dialog.buddhist_era_check.setChecked(True)
    dialog.timezone_combo.setCurrentText("Asia/Tokyo")
    dialog.sync_spin.setValue(15)
    dialog.deadline_spin.setValue(10)
    dialog.clerk_edit.setText("  Somchai  ")

    with qtbot.waitSignal(dialog.saved, timeout=2000) as saved:
        dialog.save()

    profile = stored_shop()
    assert saved.args == [profile]
    assert (profile.timezone, profile.sync_interval_min) == ("Asia/Tokyo", 15)
    assert (profile.dispute_deadline_days, profile.clerk) == (10, "Somchai")
    assert profile.database_url is None  # still the profile's own file
    assert chosen_language() == "th" and buddhist_era_shown()
    settings = app_settings()
    assert settings.value(LANGUAGE_KEY) == "th"
    assert str(settings.value(BUDDHIST_ERA_KEY)).lower() == "true"
    assert "skey_" not in profiles_file().read_text(encoding="utf-8")

    again = open_dialog(qtbot, runner)
    assert again.language_combo.currentData() == "th"
    assert again.buddhist_era_check.isChecked()
    assert again.timezone_combo.currentText() == "Asia/Tokyo"
    assert (again.sync_spin.value(), again.deadline_spin.value()) == (15, 10)
    assert again.clerk_edit.text() == "Somchai"


def test_new_sqlite_file_is_created_and_migrated_before_it_is_kept(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook, tmp_path: Path
) -> None:
    target = tmp_path / "shared" / "shop.db"
    dialog = open_dialog(qtbot, runner)
    dialog.sqlite_path_edit.setText(str(target))

    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save()

    assert stored_shop().database_url == f"sqlite:///{target}"
    engine = create_engine(f"sqlite:///{target}")
    assert "charges" in inspect(engine).get_table_names()
    engine.dispose()


def test_unreachable_postgresql_is_refused_and_not_kept(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook
) -> None:
    dialog = open_dialog(qtbot, runner)
    dialog.postgres_choice.setChecked(True)
    # Port 9 (discard) has no PostgreSQL server listening.
    dialog.postgres_url_edit.setText("postgresql://clerk:secret@127.0.0.1:9/shop")

    dialog.save()
    qtbot.waitUntil(
        lambda: "could not open this database" in dialog.message.text(),
        timeout=20_000,
    )

    assert "secret" not in dialog.message.text()
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    assert stored_shop().database_url is None


def test_not_a_database_address_is_refused(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook
) -> None:
    dialog = open_dialog(qtbot, runner)
    dialog.postgres_choice.setChecked(True)
    dialog.postgres_url_edit.setText("shop database on the server")

    dialog.save()
    qtbot.waitUntil(
        lambda: "not a database address" in dialog.message.text(), timeout=5000
    )
    assert stored_shop().database_url is None


@pytest.mark.postgres
def test_postgresql_url_is_tested_then_kept(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook, pg_url: str
) -> None:
    dialog = open_dialog(qtbot, runner)
    dialog.postgres_choice.setChecked(True)
    dialog.postgres_url_edit.setText(pg_url)

    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        dialog.save()

    assert stored_shop().database_url == pg_url
    engine = create_engine(pg_url)
    assert "charges" in inspect(engine).get_table_names()
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_with_a_wrong_password_is_refused(
    qtbot: QtBot, runner: TaskRunner, book: ProfileBook, pg_url: str
) -> None:
    wrong = make_url(pg_url).set(password="not-the-password")
    dialog = open_dialog(qtbot, runner)
    dialog.postgres_choice.setChecked(True)
    dialog.postgres_url_edit.setText(wrong.render_as_string(False))

    dialog.save()
    qtbot.waitUntil(
        lambda: "could not open this database" in dialog.message.text(),
        timeout=20_000,
    )
    assert "password authentication failed" in dialog.message.text()
    assert stored_shop().database_url is None
