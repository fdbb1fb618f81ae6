"""The Reports tab over a cache synced from the sandbox, exported for real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from display_language import LANGUAGES, compile_catalogs, speaking
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, func, select

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.db import open_engine, session_scope
from opn_desk.services.api import OpnClient
from opn_desk.services.export import ExportFormat
from opn_desk.services.reports import (
    NONE_LABEL,
    Period,
    ReportDefinition,
    ReportError,
    TimeStep,
    run_report,
)
from opn_desk.services.sync import ChargeSync
from opn_desk.views.reports_tab import ReportsTab, _report_error_sentence
from opn_desk.views.reports_table_model import ReportsTableModel
from opn_desk.views.tasks import TaskRunner

TIMEZONE = "Asia/Bangkok"


@pytest.fixture(scope="module")
def synced_cache(
    sandbox: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("reports") / "cache.db"
    engine = open_engine(f"sqlite:///{path}")
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        ChargeSync(client, engine).run()
    yield engine
    engine.dispose()


def cache_span(engine: Engine) -> tuple[Any, Any, int]:
    zone = ZoneInfo(TIMEZONE)
    with session_scope(engine) as session:
        first, last, count = session.execute(
            select(
                func.min(ChargeRecord.created_at),
                func.max(ChargeRecord.created_at),
                func.count(),
            ).where(ChargeRecord.deleted.is_(False))
        ).one()
    first = ChargeRecord.created_at.type.process_result_value(first, None)
    last = ChargeRecord.created_at.type.process_result_value(last, None)
    return first.astimezone(zone).date(), last.astimezone(zone).date(), count


def open_tab(
    qtbot: QtBot, runner: TaskRunner, engine: Engine, kept: list[object]
) -> ReportsTab:
    tab = ReportsTab(runner, TIMEZONE)
    qtbot.addWidget(tab)
    kept.append(tab)
    tab.set_engine(engine)
    qtbot.waitUntil(lambda: tab.group_combo.findData("metadata:branch") >= 0)
    return tab


def run_whole_cache(qtbot: QtBot, tab: ReportsTab, engine: Engine) -> int:
    first, last, count = cache_span(engine)
    tab.period_combo.setCurrentIndex(tab.period_combo.findData(Period.CUSTOM))
    tab.first_day_edit.setDate(QDate(first.year, first.month, first.day))
    tab.last_day_edit.setDate(QDate(last.year, last.month, last.day))
    tab.group_combo.setCurrentIndex(tab.group_combo.findData("metadata:branch"))
    with qtbot.waitSignal(tab.report_ready, timeout=10_000):
        tab.run_button.click()
    return count


def test_report_by_branch_shows_every_charge_and_a_chart(
    qtbot: QtBot, runner: TaskRunner, synced_cache: Engine, kept: list[object]
) -> None:
    tab = open_tab(qtbot, runner, synced_cache, kept)

    count = run_whole_cache(qtbot, tab, synced_cache)

    model = tab.model
    rows = [model.row_at(row) for row in range(model.rowCount())]
    groups = [row for index, row in enumerate(rows) if not model.is_total(index)]
    assert sum(row.charges for row in groups) == count
    assert any(row.labels == (NONE_LABEL,) for row in groups)
    assert model.index(0, 0).data() == groups[0].currency
    assert tab.chart.bar_values()
    assert tab.chart.line_points() > 0
    assert tab.export_button.isEnabled()


def test_export_from_the_tab_writes_summary_and_detail(
    qtbot: QtBot,
    runner: TaskRunner,
    synced_cache: Engine,
    tmp_path: Path,
    kept: list[object],
) -> None:
    tab = open_tab(qtbot, runner, synced_cache, kept)
    count = run_whole_cache(qtbot, tab, synced_cache)
    path = tmp_path / "branches.xlsx"

    with qtbot.waitSignal(tab.export_finished, timeout=20_000) as finished:
        tab.export_to(path, ExportFormat.XLSX)

    assert finished.args == [[str(path)]]
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Summary", "Charges"]
    summary = list(workbook["Summary"].values)
    assert len(summary) == tab.model.rowCount() + 1
    detail = workbook["Charges"]
    header = next(detail.values)
    assert header[-1] == "branch"
    assert sum(1 for _ in detail.values) == count + 1
    assert not tab.progress_bar.isVisible()


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_catalogs(tmp_path_factory.mktemp("catalogs"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_export_has_the_titles_the_table_shows(
    qtbot: QtBot,
    runner: TaskRunner,
    synced_cache: Engine,
    tmp_path: Path,
    kept: list[object],
    qapp: Any,
    catalogs: Path,
    language: str,
) -> None:
    path = tmp_path / "branches.xlsx"
    with speaking(qapp, language, catalogs):
        tab = open_tab(qtbot, runner, synced_cache, kept)
        run_whole_cache(qtbot, tab, synced_cache)
        model = tab.model
        shown = [model.headerData(c, Qt.Orientation.Horizontal) for c in (0, 1)]
        labels = [model.index(row, 1).data() for row in range(model.rowCount())]
        bars = [group for group, _gross in tab.chart.bar_values()]
        with qtbot.waitSignal(tab.export_finished, timeout=20_000):
            tab.export_to(path, ExportFormat.XLSX)

    workbook = openpyxl.load_workbook(path, read_only=True)
    thai = language == "th"
    assert workbook.sheetnames == (
        ["สรุป", "รายการชำระเงิน"] if thai else ["Summary", "Charges"]
    )
    summary = list(workbook.worksheets[0].values)
    assert (
        list(summary[0][:2])
        == shown
        == [
            "สกุลเงิน" if thai else "Currency",
            "branch",
        ]
    )
    assert summary[0][-1] == ("ยอดเฉลี่ยต่อรายการ" if thai else "Average charge")
    # The groups as the table words them: "(none)" and the totals too.
    assert [row[1] for row in summary[1:]] == labels
    assert ("(ไม่มี)" if thai else "(none)") in labels
    assert ("รวม" if thai else "Total") in labels
    assert ("(ไม่มี)" if thai else "(none)") in bars
    detail = list(workbook.worksheets[1].values)
    assert detail[0][:3] == (
        ("รายการชำระเงิน", "สร้างเมื่อ", "สถานะ")
        if thai
        else ("Charge", "Created", "Status")
    )
    statuses = {row[2] for row in detail[1:]}
    assert ("สำเร็จ" if thai else "Successful") in statuses
    assert "successful" not in statuses  # in words, as the tables show it
    workbook.close()


def test_a_saved_report_comes_back_in_the_picker(
    qtbot: QtBot, runner: TaskRunner, synced_cache: Engine, kept: list[object]
) -> None:
    tab = open_tab(qtbot, runner, synced_cache, kept)
    tab.group_combo.setCurrentIndex(tab.group_combo.findData("metadata:branch"))
    tab.subgroup_combo.setCurrentIndex(tab.subgroup_combo.findData("month"))

    tab.save_definition("Branch by month")
    qtbot.waitUntil(lambda: tab.saved_combo.findData("Branch by month") >= 0)
    tab.group_combo.setCurrentIndex(0)
    with qtbot.waitSignal(tab.report_ready, timeout=10_000):
        tab.open_saved("Branch by month")

    assert tab.group_combo.currentData() == "metadata:branch"
    assert tab.subgroup_combo.currentData() == "month"


def test_reports_model_passes_qt_model_checks(
    synced_cache: Engine, qtmodeltester: Any
) -> None:
    first, last, _count = cache_span(synced_cache)
    definition = ReportDefinition(
        period=Period.CUSTOM,
        first_day=first,
        last_day=last,
        group_by=("metadata:branch", "payment_method"),
    )
    with session_scope(synced_cache) as session:
        result = run_report(session, definition, ZoneInfo(TIMEZONE), last)
    model = ReportsTableModel()

    model.set_result(result)

    assert model.rowCount() == len(result.rows) + len(result.totals)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "branch"
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize(
    ("step", "advice"),
    [
        (TimeStep.DAY, "pick weeks or months"),
        (TimeStep.WEEK, "pick months or a shorter range"),
        (TimeStep.MONTH, "pick a shorter range"),
    ],
)
def test_a_range_too_long_is_told_for_its_grouping(step: TimeStep, advice: str) -> None:
    error = ReportError("range_too_long", step)
    sentence = _report_error_sentence(error)
    assert f"group by {step.value}" in sentence and sentence.endswith(advice + ".")
