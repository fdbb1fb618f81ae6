"""The app in Thai: menus, tabs and Qt's own buttons, and Buddhist-era dates.

The catalogs are compiled from resources/translations into a temp folder
by the same script the build uses, then installed in the test's app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk import i18n
from opn_desk.eras import export_date_text
from opn_desk.services.profiles import Profile
from opn_desk.services.workspace import Workspace
from opn_desk.views.labels import day_text, moment_text
from opn_desk.views.main_window import MainWindow
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.transactions_table_model import DATE

REPO = Path(__file__).resolve().parents[2]
SHOP = Profile(name="Shop", mode="test", clerk="Somchai")
THAI_LETTER = re.compile(r"[\u0e01-\u0e5b]")


def pipeline() -> ModuleType:
    loader = SourceFileLoader("translations_script", str(REPO / "scripts/translations"))
    module = ModuleType(loader.name)
    module.__file__ = loader.path
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("qm")
    built = pipeline().release(target=folder)
    assert {path.name for path in built} >= {"opn_desk_th.qm", "qtbase_th.qm"}
    return folder


@pytest.fixture
def thai(qapp: Any, catalogs: Path) -> Iterator[None]:
    i18n.apply_language(qapp, "th", directory=catalogs)
    yield
    i18n.set_buddhist_era(False)
    i18n.clear_language(qapp)


def is_thai(text: str) -> bool:
    return bool(THAI_LETTER.search(text))


def test_window_speaks_thai(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path, thai: None
) -> None:
    window = MainWindow(runner, SHOP)
    qtbot.addWidget(window)

    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs[0] == "รายการชำระเงิน"
    assert all(is_thai(tab) for tab in tabs), tabs
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus and all(is_thai(title) for title in menus), menus
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    assert [b.text() for b in buttons.buttons()] == ["ตกลง", "ยกเลิก"]
    assert QLocale().language() == QLocale.Language.Thai


def test_charge_dates_show_the_buddhist_era_when_chosen(
    qtbot: QtBot,
    runner: TaskRunner,
    opn_home: Path,
    sandbox: Any,
    charges_engine: Engine,
    thai: None,
) -> None:
    i18n.set_buddhist_era(True)
    window = MainWindow(runner, SHOP)
    qtbot.addWidget(window)
    workspace = Workspace(SHOP, charges_engine, sandbox.base_url, sandbox.secret_key)
    window.tabs.set_workspace(workspace)
    model = window.transactions_model
    qtbot.waitUntil(lambda: model.rowCount() == sandbox.state.charge_count)

    header = model.headerData(DATE, Qt.Orientation.Horizontal)
    assert header == "วันที่"
    shown = model.data(model.index(0, DATE), Qt.ItemDataRole.DisplayRole)
    match = re.fullmatch(r"\d\d/\d\d/(\d{4}) \d\d:\d\d", shown)
    assert match is not None, shown
    assert int(match.group(1)) - 543 in range(2015, 2100), shown


def test_one_place_forms_dates_for_language_and_era(qapp: Any, catalogs: Path) -> None:
    moment = datetime(2026, 12, 3, 7, 5, 9, tzinfo=UTC)
    bangkok = ZoneInfo("Asia/Bangkok")
    try:
        assert moment_text(moment, bangkok) == "2026-12-03 14:05"
        i18n.set_buddhist_era(True)
        assert moment_text(moment, bangkok, seconds=True) == "2569-12-03 14:05:09"
        i18n.apply_language(qapp, "th", directory=catalogs)
        assert day_text(moment.date()) == "03/12/2569"
        assert export_date_text(moment, True) == "2569-12-03 07:05:09"
        assert export_date_text(moment.date(), False) == "2026-12-03"
        i18n.apply_language(qapp, "en", directory=catalogs)
        assert day_text(moment.date()) == "2569-12-03"
    finally:
        i18n.set_buddhist_era(False)
        i18n.clear_language(qapp)
    assert day_text(moment.date()) == "2026-12-03"


def test_switching_language_replaces_the_catalogs(qapp: Any, catalogs: Path) -> None:
    translate = QCoreApplication.translate
    plural = "%n row(s) to fix."
    try:
        i18n.apply_language(qapp, "th", directory=catalogs)
        assert translate("WorkspaceTabs", "Transactions") == "รายการชำระเงิน"
        assert translate("ScheduleBulkDialog", plural, None, 3) == "ต้องแก้ไข 3 แถว"
        i18n.apply_language(qapp, "en", directory=catalogs)
        assert translate("WorkspaceTabs", "Transactions") == "Transactions"
        assert translate("ScheduleBulkDialog", plural, None, 1) == "1 row to fix."
        assert translate("ScheduleBulkDialog", plural, None, 3) == "3 rows to fix."
        assert i18n.current_language() == "en"
    finally:
        i18n.clear_language(qapp)
    assert translate("ScheduleBulkDialog", plural, None, 3) == "3 row(s) to fix."
