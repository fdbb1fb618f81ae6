"""The Schedules tab and the schedule form, driven as a clerk would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from opn_desk.models.db import open_engine
from opn_desk.models.operations import DONE
from opn_desk.services.operations import OPERATION_METADATA_KEY
from opn_desk.services.profiles import Profile
from opn_desk.services.sync import AccountSync
from opn_desk.services.workspace import Workspace
from opn_desk.views.schedule_form import ScheduleForm
from opn_desk.views.schedules_tab import SchedulesTab
from opn_desk.views.tasks import TaskRunner


@pytest.fixture
def runner(qapp: Any) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.shutdown(wait=True)


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


def shown_tab(qtbot: QtBot, runner: TaskRunner, workspace: Workspace) -> SchedulesTab:
    tab = SchedulesTab(runner, "Asia/Bangkok")
    qtbot.addWidget(tab)
    tab.set_workspace(workspace)
    tab.set_engine(workspace.engine)
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=10_000)
    return tab


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


def test_a_bulk_file_from_the_tab(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    fresh_sandbox: Any,
    tmp_path: Path,
) -> None:
    customer = next(
        c for c in fresh_sandbox.state.objects("customer") if c["default_card"]
    )
    start = date.today() + timedelta(days=3)
    source = tmp_path / "load.csv"
    source.write_text(
        "customer,amount,every,period,days_of_month,start_date,end_date\n"
        f"{customer['id']},500,1,month,5,{start},{start + timedelta(days=99)}\n"
        f"cust_test_nobody,500,1,month,5,{start},{start + timedelta(days=99)}\n",
        encoding="utf-8",
    )
    before = len(fresh_sandbox.state.objects("schedule"))
    tab = shown_tab(qtbot, runner, workspace)

    dialog = tab.open_bulk(source)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.checked is not None, timeout=10_000)
    assert dialog.problems.rowCount() == 1
    assert dialog.problems.item(0, 0).text() == "3"
    assert "no such customer" in dialog.problems.item(0, 2).text()
    assert len(fresh_sandbox.state.objects("schedule")) == before
    dialog.send_button.click()
    assert dialog.confirmation is not None
    with qtbot.waitSignal(dialog.sent, timeout=20_000):
        dialog.confirmation.button(QMessageBox.StandardButton.Yes).click()

    assert len(fresh_sandbox.state.objects("schedule")) == before + 1
    result = (tmp_path / "load_result.csv").read_text(encoding="utf-8")
    lines = result.splitlines()
    assert lines[0].endswith("outcome,schedule_id,message")
    assert ",created,schd_" in lines[1]
    assert ",invalid,," in lines[2]
