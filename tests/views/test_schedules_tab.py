"""The Schedules tab and the schedule form, driven as a clerk would."""

from __future__ import annotations

import calendar
import csv
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from display_language import compile_catalogs, speaking
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QObject,
    Qt,
    QTranslator,
    QUrl,
    Slot,
)
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from opn_desk.models.db import open_engine
from opn_desk.models.operations import DONE
from opn_desk.services.operations import OPERATION_METADATA_KEY
from opn_desk.services.profiles import Profile
from opn_desk.services.sync import AccountSync
from opn_desk.services.workspace import Workspace
from opn_desk.views import schedule_bulk_dialog
from opn_desk.views.schedule_bulk_dialog import ScheduleBulkDialog
from opn_desk.views.schedule_form import ScheduleForm
from opn_desk.views.schedules_tab import SchedulesTab
from opn_desk.views.tasks import TaskRunner


@pytest.fixture
def workspace(fresh_sandbox: Any, tmp_path: Path) -> Iterator[Workspace]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    profile = Profile(name="Shop", mode="test", clerk="Malee")
    workspace = Workspace(
        profile, engine, fresh_sandbox.base_url, fresh_sandbox.secret_key
    )
    with workspace.client() as client:
        AccountSync(client, engine).run()
    yield workspace
    engine.dispose()


def opened_form(qtbot: QtBot, runner: TaskRunner, workspace: Workspace) -> ScheduleForm:
    form = ScheduleForm(runner, workspace, "Malee")
    qtbot.addWidget(form)
    form.open()
    form.start()
    qtbot.waitUntil(lambda: form.customers is not None, timeout=10_000)
    return form


def set_date(edit: Any, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))


def test_the_preview_follows_what_the_clerk_types(
    qtbot: QtBot, runner: TaskRunner, workspace: Workspace
) -> None:
    form = opened_form(qtbot, runner, workspace)
    start = form.today() + timedelta(days=1)
    set_date(form.start_edit, date(start.year + 1, 1, 1))
    set_date(form.end_edit, date(start.year + 2, 12, 31))
    year = start.year + 1

    form.days_edit.clear()
    qtbot.keyClicks(form.days_edit, "31")
    assert form.preview_dates[:3] == [
        date(year, 1, 31),
        date(year, 2, 29 if year % 4 == 0 else 28),
        date(year, 3, 31),
    ]
    assert form.preview_label.text().startswith(f"{year}-01-31, ")
    assert "last day" in form.words_label.text()

    form.period_combo.setCurrentIndex(1)  # weeks, no weekday ticked yet
    assert form.preview_dates == []
    assert "Tick at least one weekday" in form.problem_label.text()
    assert not form.create_button.isEnabled()
    qtbot.mouseClick(form.weekday_boxes[4], Qt.MouseButton.LeftButton)
    assert len(form.preview_dates) == 12
    assert all(day.weekday() == 4 for day in form.preview_dates)
    assert form.problem_label.text() == ""

    form.period_combo.setCurrentIndex(2)
    form.weekday_choice.setChecked(True)
    form.ordinal_combo.setCurrentIndex(4)  # the last
    form.month_weekday_combo.setCurrentIndex(0)  # Monday
    january_31 = date(year, 1, 31)
    last_monday = january_31 - timedelta(days=january_31.weekday())
    assert form.preview_dates[0] == last_monday
    assert "Every 1 month(s) on the last Monday." == form.words_label.text()

    set_date(form.end_edit, date(year, 1, 20))
    assert "No run date falls between" in form.problem_label.text()


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_catalogs(tmp_path_factory.mktemp("catalogs"))


def weekly_on_friday(qtbot: QtBot, form: ScheduleForm) -> None:
    start = form.today() + timedelta(days=2)
    set_date(form.start_edit, start)
    set_date(form.end_edit, start + timedelta(days=90))
    form.period_combo.setCurrentIndex(1)
    form.weekday_boxes[4].setChecked(True)
    qtbot.keyClicks(form.amount_edit, "100")


@pytest.mark.parametrize(
    ("language", "said", "words"),
    [
        ("en", "every week on Friday, from ", "Every week on Friday."),
        ("th", "ทุก 1 สัปดาห์ ในวันศุกร์ ตั้งแต่", "ทุก 1 สัปดาห์ ในวันศุกร์"),
    ],
)
def test_the_confirmation_words_the_cadence_in_the_clerks_language(
    qtbot: QtBot,
    qapp: Any,
    runner: TaskRunner,
    workspace: Workspace,
    catalogs: Path,
    language: str,
    said: str,
    words: str,
) -> None:
    with speaking(qapp, language, catalogs):
        form = opened_form(qtbot, runner, workspace)
        weekly_on_friday(qtbot, form)
        form.create_button.click()
        box = form.confirmation
        assert box is not None
        question = box.text()
        shown = form.words_label.text()
        box.done(QMessageBox.StandardButton.No)

    assert said in question
    assert ".," not in question and "friday" not in question
    assert shown == words


def test_an_impossible_end_date_is_refused_not_changed(
    qtbot: QtBot, runner: TaskRunner, workspace: Workspace
) -> None:
    form = opened_form(qtbot, runner, workspace)
    year = form.today().year + 1
    field = form.end_edit
    typing = field.focusProxy() or field

    def retype(text: str) -> None:
        qtbot.keyClick(typing, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(typing, text)

    february = calendar.monthrange(year, 2)[1]
    retype(f"{year}-02-30")
    assert form.problem_label.text() == (
        f"{year}-02-30 is not a date: that month has {february} days. "
        "Correct the end date."
    )
    assert form.preview_dates == []
    assert not form.create_button.isEnabled()
    assert form.request() is None
    assert field.date().isValid() is False  # no other day taken in its place

    retype("28/02/2030")
    assert form.problem_label.text() == (
        f"Type the end date as year-month-day, such as {form.today().isoformat()}."
    )

    retype(f"{year}-02-28")
    assert form.problem_label.text() == ""
    assert form.dates() == (form.today(), date(year, 2, 28))
    assert form.preview_dates and form.preview_dates[-1] <= date(year, 2, 28)

    # The calendar opens on the day typed, and a day picked there is typed.
    menu = field.calendar_button.menu()
    menu.aboutToShow.emit()
    assert field.calendar.selectedDate() == QDate(year, 2, 28)
    field.calendar.clicked.emit(QDate(year, 3, 31))
    assert field.text() == f"{year}-03-31"
    assert form.dates() == (form.today(), date(year, 3, 31))


def test_a_schedule_created_from_the_form_and_shown_in_the_tab(
    qtbot: QtBot, runner: TaskRunner, workspace: Workspace, fresh_sandbox: Any
) -> None:
    form = opened_form(qtbot, runner, workspace)
    start = form.today() + timedelta(days=2)
    set_date(form.start_edit, start)
    set_date(form.end_edit, start + timedelta(days=90))
    form.period_combo.setCurrentIndex(0)
    form.every_spin.setValue(7)
    qtbot.keyClicks(form.amount_edit, "1,500.25")
    qtbot.keyClicks(form.metadata_edit, "branch=Desk test")
    form.create_button.click()
    box = form.confirmation
    assert box is not None
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    assert "฿1,500.25" in box.text()
    with qtbot.waitSignal(form.settled, timeout=15_000) as settled:
        box.button(QMessageBox.StandardButton.Yes).click()
    operation = settled.args[0]
    assert operation.state == DONE
    made = fresh_sandbox.state.get("schedule", operation.result_id)
    assert made["charge"]["amount"] == 150_025
    assert made["charge"]["metadata"]["branch"] == "Desk test"
    assert made["charge"]["metadata"][OPERATION_METADATA_KEY] == operation.id
    assert made["next_occurrences_on"][:3] == [
        d.isoformat() for d in form.preview_dates[:3]
    ]

    with workspace.client() as client:
        AccountSync(client, workspace.engine).run()
    tab = SchedulesTab(runner, "Asia/Bangkok")
    qtbot.addWidget(tab)
    tab.set_workspace(workspace)
    tab.set_engine(workspace.engine)
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=10_000)
    ids = [tab.model.cell(r, 0) for r in range(tab.model.rowCount())]
    row = ids.index(operation.result_id)
    assert tab.model.cell(row, 2) == "Every 7 day(s)."
    assert tab.model.cell(row, 3) == "฿1,500.25"
    assert tab.model.cell(row, 9) == "branch=Desk test"
    failed = [
        o for o in fresh_sandbox.state.objects("occurrence") if o["status"] == "failed"
    ]
    assert tab.failed_model.rowCount() == len(failed)

    tab.search_edit.setText("branch=desk test")
    tab.refresh()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10_000)
    tab.table.selectRow(0)
    tab.delete_button.click()
    assert tab.confirmation is not None
    tab.confirmation.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(
        lambda: fresh_sandbox.state.get("schedule", operation.result_id)["deleted"],
        timeout=15_000,
    )
    qtbot.waitUntil(lambda: tab.model.cell(0, 1) == "Deleted", timeout=10_000)


def shown_tab(qtbot: QtBot, runner: TaskRunner, workspace: Workspace) -> SchedulesTab:
    tab = SchedulesTab(runner, "Asia/Bangkok")
    qtbot.addWidget(tab)
    tab.set_workspace(workspace)
    tab.set_engine(workspace.engine)
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=10_000)
    return tab


def test_new_schedule_button_opens_an_empty_form(
    qtbot: QtBot, runner: TaskRunner, workspace: Workspace
) -> None:
    tab = shown_tab(qtbot, runner, workspace)

    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)

    form = tab.form
    assert form is not None and form.isVisible()
    assert form.replacing is None
    assert form.windowTitle() == "New charge schedule"
    assert form.create_button.text() == "Create…"
    qtbot.waitUntil(lambda: form.customer_combo.count() > 0, timeout=10_000)
    assert form.customer_combo.isEnabled()


def test_a_change_from_the_tab_replaces_the_schedule(
    qtbot: QtBot, runner: TaskRunner, workspace: Workspace, fresh_sandbox: Any
) -> None:
    tab = shown_tab(qtbot, runner, workspace)
    rows = range(tab.model.rowCount())
    row = next(r for r in rows if "last Friday" in tab.model.cell(r, 2))
    old = tab.model.schedule_at(row)
    assert old is not None
    tab.table.selectRow(row)

    form = tab.open_change_form()
    assert form is not None
    qtbot.waitUntil(lambda: form.customers is not None, timeout=10_000)
    assert form.weekday_choice.isChecked()
    assert form.preview_dates[:3] == list(old.next_runs_on[:3])
    form.amount_edit.clear()
    qtbot.keyClicks(form.amount_edit, "4,750")
    form.create_button.click()
    assert form.confirmation is not None
    assert old.id in form.confirmation.text()
    with qtbot.waitSignal(form.settled, timeout=20_000) as settled:
        form.confirmation.button(QMessageBox.StandardButton.Yes).click()

    created = settled.args[0]
    assert created.state == DONE
    assert fresh_sandbox.state.get("schedule", old.id)["deleted"]
    new = fresh_sandbox.state.get("schedule", created.result_id)
    assert new["charge"]["amount"] == 475_000
    assert new["on"] == {"weekday_of_month": "last_friday"}
    assert new["charge"]["customer"] == old.customer_id
    assert new["charge"]["metadata"]["replaces"] == old.id
    assert new["next_occurrences_on"][:3] == [
        d.isoformat() for d in old.next_runs_on[:3]
    ]

    # The list shows the change at once, without waiting for a sync.
    def status_of(schedule_id: str) -> str:
        rows = range(tab.model.rowCount())
        found = [
            tab.model.cell(r, 1) for r in rows if tab.model.cell(r, 0) == schedule_id
        ]
        return found[0] if found else ""

    qtbot.waitUntil(lambda: status_of(old.id) == "Deleted", timeout=10_000)
    assert status_of(created.result_id) == "Running"


class UrlCatcher(QObject):
    """Takes the file URLs the desktop would open, as a file manager would."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[Path] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(Path(url.toLocalFile()))


@pytest.fixture
def url_catcher(qapp: Any) -> Iterator[UrlCatcher]:
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


def write_bulk_source(sandbox: Any, path: Path) -> None:
    customer = next(c for c in sandbox.state.objects("customer") if c["default_card"])
    start = date.today() + timedelta(days=3)
    path.write_text(
        "customer,amount,every,period,days_of_month,start_date,end_date\n"
        f"{customer['id']},500,1,month,5,{start},{start + timedelta(days=99)}\n"
        f"cust_test_nobody,500,1,month,5,{start},{start + timedelta(days=99)}\n",
        encoding="utf-8",
    )


def send_bulk(qtbot: QtBot, tab: SchedulesTab, source: Path) -> ScheduleBulkDialog:
    dialog = tab.open_bulk(source)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.checked is not None, timeout=10_000)
    dialog.send_button.click()
    assert dialog.confirmation is not None
    with qtbot.waitSignal(dialog.sent, timeout=20_000):
        dialog.confirmation.button(QMessageBox.StandardButton.Yes).click()
    return dialog


def table_lines(dialog: ScheduleBulkDialog) -> list[list[str]]:
    table = dialog.rows_table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_a_bulk_file_from_the_tab(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    fresh_sandbox: Any,
    tmp_path: Path,
    url_catcher: UrlCatcher,
) -> None:
    source = tmp_path / "load.csv"
    write_bulk_source(fresh_sandbox, source)
    before = len(fresh_sandbox.state.objects("schedule"))
    tab = shown_tab(qtbot, runner, workspace)

    dialog = tab.open_bulk(source)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.checked is not None, timeout=10_000)
    assert "1 row(s) ready to send." in dialog.summary.text()
    assert table_lines(dialog) == [
        [
            "3",
            "cust_test_nobody",
            "To fix",
            "There is no such customer in the cache. Sync, or check the id.",
        ]
    ]
    assert len(fresh_sandbox.state.objects("schedule")) == before
    assert not dialog.open_file_button.isVisible()
    dialog.send_button.click()
    assert dialog.confirmation is not None
    assert "Create 1 schedule(s) in Opn now?" in dialog.confirmation.text()
    with qtbot.waitSignal(dialog.sent, timeout=20_000):
        dialog.confirmation.button(QMessageBox.StandardButton.Yes).click()

    assert len(fresh_sandbox.state.objects("schedule")) == before + 1
    lines = table_lines(dialog)
    assert [line[:3] for line in lines] == [
        ["2", lines[0][1], "Created"],
        ["3", "cust_test_nobody", "To fix"],
    ]
    assert lines[0][3].startswith("Created by operation op_")
    assert dialog.summary.text() == "1 schedule(s) created."
    with (tmp_path / "load_result.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["outcome"], r["schedule_id"][:5]) for r in rows] == [
        ("Created", "schd_"),
        ("To fix", ""),
    ]
    assert rows[1]["message"] == lines[1][3]

    dialog.open_file_button.click()
    dialog.open_folder_button.click()
    assert url_catcher.opened == [tmp_path / "load_result.csv", tmp_path]

    # The result fed back in offers nothing to send twice.
    again = tab.open_bulk(tmp_path / "load_result.csv")
    assert again is not None
    qtbot.waitUntil(lambda: again.checked is not None, timeout=10_000)
    assert "1 row(s) already created." in again.summary.text()
    assert "0 row(s) ready to send." in again.summary.text()
    assert not again.send_button.isEnabled()


THAI = {
    "There is no such customer in the cache. Sync, or check the id.": (
        "ไม่พบลูกค้ารายนี้ในแคช ซิงค์ หรือตรวจรหัสอีกครั้ง"
    ),
    "Created": "สร้างแล้ว",
    "To fix": "ต้องแก้ไข",
}


@pytest.fixture
def thai(qapp: Any, tmp_path: Path) -> Iterator[QTranslator]:
    """A translation made from the dialog's source by lupdate and lrelease."""
    bin_dir = Path(sys.executable).parent
    catalogue = tmp_path / "bulk_th.ts"
    dialog_source = Path(schedule_bulk_dialog.__file__)
    subprocess.run(
        [bin_dir / "pyside6-lupdate", dialog_source, "-ts", catalogue],
        check=True,
        capture_output=True,
    )
    tree = ElementTree.parse(catalogue)
    for message in tree.iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None
        if source in THAI:
            translation.text = THAI[source]
            del translation.attrib["type"]
    tree.write(catalogue, encoding="utf-8")
    compiled = tmp_path / "bulk_th.qm"
    subprocess.run(
        [bin_dir / "pyside6-lrelease", catalogue, "-qm", compiled],
        check=True,
        capture_output=True,
    )
    translator = QTranslator()
    assert translator.load(str(compiled))
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_a_bulk_run_speaks_the_clerks_language(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    fresh_sandbox: Any,
    tmp_path: Path,
    thai: QTranslator,
) -> None:
    source = tmp_path / "load.xlsx"
    write_bulk_source(fresh_sandbox, tmp_path / "load.csv")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    with (tmp_path / "load.csv").open(encoding="utf-8") as handle:
        for line in csv.reader(handle):
            sheet.append(line)
    book.save(source)
    tab = shown_tab(qtbot, runner, workspace)

    dialog = send_bulk(qtbot, tab, source)

    assert [line[2] for line in table_lines(dialog)] == ["สร้างแล้ว", "ต้องแก้ไข"]
    result = load_workbook(tmp_path / "load_result.xlsx", read_only=True)
    rows = list(result.worksheets[0].iter_rows(values_only=True))
    result.close()
    header = list(rows[0])
    outcome, message = header.index("outcome"), header.index("message")
    assert rows[1][outcome] == "สร้างแล้ว"
    assert (rows[2][outcome], rows[2][message]) == (
        "ต้องแก้ไข",
        THAI["There is no such customer in the cache. Sync, or check the id."],
    )


def test_the_forecast_exports_what_it_shows(
    qtbot: QtBot, runner: TaskRunner, workspace: Workspace, tmp_path: Path
) -> None:
    tab = shown_tab(qtbot, runner, workspace)
    pane = tab.forecast
    pane.by_combo.setCurrentIndex(1)  # per month
    qtbot.waitUntil(
        lambda: pane.shown is not None and pane.table.rowCount() > 0,
        timeout=10_000,
    )
    assert pane.group_combo.count() > 1  # metadata keys to group by
    shown = [
        [pane.table.item(r, c).text() for c in range(4)]
        for r in range(pane.table.rowCount())
    ]
    target = tmp_path / "forecast.xlsx"

    pane.export_to(target)
    qtbot.waitUntil(lambda: "Exported" in pane.message.text(), timeout=10_000)

    book = load_workbook(target, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[0] == ("Period", "Group", "Currency", "Charges", "Amount")
    assert [[str(v or "") for v in row[:4]] for row in rows[1:]] == shown
    assert all(isinstance(row[4], int | float) for row in rows[1:])


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("19.99", "Opn takes charges of at least ฿20.00; raise the amount."),
        ("150,000.01", "Opn takes charges of at most ฿150,000.00; lower the amount."),
    ],
)
def test_the_form_refuses_an_amount_outside_the_accounts_limits(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    fresh_sandbox: Any,
    typed: str,
    sentence: str,
) -> None:
    form = opened_form(qtbot, runner, workspace)
    start = form.today() + timedelta(days=2)
    set_date(form.start_edit, start)
    set_date(form.end_edit, start + timedelta(days=90))
    form.period_combo.setCurrentIndex(0)
    before = len(fresh_sandbox.state.objects("schedule"))

    qtbot.keyClicks(form.amount_edit, typed)
    form.create_button.click()

    assert form.message.text() == sentence
    assert form.confirmation is None
    assert len(fresh_sandbox.state.objects("schedule")) == before
