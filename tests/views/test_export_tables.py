"""Export… from every table: the file read back, then cancel and errors.

The cache is the session's sandbox synced over loopback HTTP into a real
SQLite file; each export is a real .xlsx read back with openpyxl or a real
CSV read back with the csv module.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from display_language import LANGUAGES, compile_catalogs, speaking
from openpyxl.cell import Cell
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk import i18n
from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.charge_store import ChargeListItem, ChargeOrder, charge_page
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.refund_queries import RefundFilter, RefundListItem, refund_page
from opn_desk.models.schedule_queries import ScheduleFilter, list_schedules
from opn_desk.models.tables import AuditEntry
from opn_desk.services.api import OpnClient
from opn_desk.services.disputes import DeadlinePolicy, load_dispute_rows
from opn_desk.services.export import ExportFormat
from opn_desk.services.money import decimals
from opn_desk.services.sync import AccountSync
from opn_desk.views.audit_tab import AuditTab
from opn_desk.views.disputes_tab import DisputesTab
from opn_desk.views.disputes_table_model import AMOUNT as DISPUTES_AMOUNT
from opn_desk.views.export_action import ExportAction, chosen_format, visible_columns
from opn_desk.views.labels import status_label
from opn_desk.views.refunds_tab import RefundsTab
from opn_desk.views.refunds_table_model import AMOUNT as REFUNDS_AMOUNT
from opn_desk.views.schedules_tab import SchedulesTab
from opn_desk.views.schedules_table_model import SCHEDULE_AMOUNT
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.transactions_tab import TransactionsTab
from opn_desk.views.transactions_table_model import (
    AMOUNT,
    CARD,
    CURRENCY,
    DESCRIPTION,
    PAGE_SIZE,
    TransactionsTableModel,
)

ZONE_NAME = "Asia/Bangkok"
BANGKOK = ZoneInfo(ZONE_NAME)
WAIT_MS = 20_000
NUMBER_FORMATS = {0: "#,##0", 2: "#,##0.00"}
MORNING = datetime(2026, 3, 2, 2, 15, tzinfo=UTC)  # 09:15 in Bangkok
FORMATS = [ExportFormat.XLSX, ExportFormat.CSV]


@pytest.fixture(scope="module")
def synced(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The session's sandbox synced into one cache, plus a few audit entries."""
    folder = tmp_path_factory.mktemp("export_tables")
    engine = open_engine(f"sqlite:///{folder / 'cache.db'}")
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        AccountSync(client, engine).run()
    entries = [
        ("มาลี", "refund", "chrg_test_1", "op_1", "คืนเงิน ชุดน้ำชา"),
        ("Somchai", "capture_refused", "chrg_test_2", None, "=1+2"),
        ("Malee", "reverse", "chrg_test_3", "op_3", "@reverse"),
    ]
    with session_scope(engine) as session:
        for minutes, (clerk, action, target, operation, summary) in enumerate(entries):
            session.add(
                AuditEntry(
                    at=MORNING + timedelta(minutes=minutes),
                    clerk=clerk,
                    action=action,
                    target_id=target,
                    operation_id=operation,
                    summary=summary,
                )
            )
    yield engine
    engine.dispose()


TabT = TypeVar("TabT", RefundsTab, AuditTab, DisputesTab, SchedulesTab)


def opened(qtbot: QtBot, kept: list[object], tab: TabT, engine: Engine) -> TabT:
    """``tab`` over ``engine``, its rows read."""
    kept.append(tab)
    qtbot.addWidget(tab)
    if isinstance(tab, RefundsTab | AuditTab):
        with qtbot.waitSignal(tab.model.loaded, timeout=WAIT_MS):
            tab.set_engine(engine)
        return tab
    tab.set_engine(engine)
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=WAIT_MS)
    return tab


def exported(
    qtbot: QtBot, exporter: ExportAction, path: Path, export_format: ExportFormat
) -> str:
    """Export through ``exporter`` and wait for its closing sentence."""
    with qtbot.waitSignal(exporter.finished, timeout=WAIT_MS) as finished:
        assert exporter.export_to(path, export_format)
        assert exporter.progress is not None and exporter.progress.isVisible()
    assert exporter.progress is None and not exporter.running
    return str(finished.args[0])


def xlsx_rows(path: Path) -> list[tuple[Cell, ...]]:
    workbook = openpyxl.load_workbook(path)
    assert len(workbook.worksheets) == 1
    return list(workbook.worksheets[0].iter_rows())  # type: ignore[arg-type]


def csv_rows(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def table_headers(model: Any, columns: list[int]) -> list[str]:
    return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in columns]


def local(moment: datetime) -> datetime:
    return moment.astimezone(BANGKOK).replace(tzinfo=None)


def assert_amount_cell(cell: Cell, amount: int, currency: str) -> None:
    """A number in the currency's main unit, its format showing the code."""
    assert cell.data_type == "n"
    number = NUMBER_FORMATS[decimals(currency)]
    assert cell.number_format == f'{number} "{currency}";-{number} "{currency}"'
    assert Decimal(str(cell.value)) == scaled(amount, currency)


def assert_currency_cell(cell: Cell, currency: str) -> None:
    assert (cell.value, cell.data_type) == (currency, "s")


def scaled(amount: int, currency: str) -> Decimal:
    """An amount in the currency's main unit: 123456 THB -> 1234.56."""
    return Decimal(amount).scaleb(-decimals(currency))


def assert_moment_cell(cell: Cell, moment: datetime) -> None:
    assert cell.is_date and cell.value == local(moment)
    assert cell.number_format == "yyyy-mm-dd hh:mm:ss"


# Transactions -------------------------------------------------------------


def transactions_tab(
    qtbot: QtBot, runner: TaskRunner, engine: Engine, kept: list[object]
) -> TransactionsTab:
    model = TransactionsTableModel(runner, ZONE_NAME)
    tab = TransactionsTab(model, profile_name="Export test")
    kept.append(tab)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(model.loaded, timeout=WAIT_MS):
        model.set_engine(engine)
    return tab


def expected_charges(
    engine: Engine, charge_filter: ChargeFilter
) -> list[ChargeListItem]:
    with session_scope(engine) as session:
        order = ChargeOrder.NEWEST_FIRST
        return charge_page(session, order, 0, 100_000, charge_filter, BANGKOK)


@pytest.mark.parametrize("export_format", FORMATS)
def test_transactions_export_every_filtered_row_with_the_shown_columns(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    opn_home: Path,
    tmp_path: Path,
    export_format: ExportFormat,
) -> None:
    tab = transactions_tab(qtbot, runner, synced, kept)
    charge_filter = ChargeFilter(statuses=("successful",))
    with qtbot.waitSignal(tab.model.loaded, timeout=WAIT_MS):
        tab.model.set_filter(charge_filter)
    tab.columns.set_column_shown(DESCRIPTION, False)
    tab.columns.set_column_shown(CARD, True)
    header = tab.table.horizontalHeader()
    header.moveSection(header.visualIndex(AMOUNT), 0)
    charges = expected_charges(synced, charge_filter)
    loaded_rows = sum(tab.model.item_at(row) is not None for row in range(len(charges)))
    path = tmp_path / f"charges.{export_format.value}"

    sentence = exported(qtbot, tab.exporter, path, export_format)

    assert sentence == f"The table was exported to {path}."
    assert len(charges) > PAGE_SIZE >= loaded_rows  # not only loaded pages
    # The currency follows the amount though the table does not show it.
    titles = ["Amount", "Currency", "Date", "Charge", "Status", "Payment method"]
    titles += ["Branch", "Campaign", "Card"]
    if export_format is ExportFormat.CSV:
        rows = csv_rows(path)
        assert rows[0] == titles
        assert len(rows) == len(charges) + 1
        for charge, row in zip(charges, rows[1:], strict=True):
            assert Decimal(row[0]) == scaled(charge.amount, charge.currency)
            assert row[1] == charge.currency
            moment = local(charge.created_at)
            assert row[2] == moment.isoformat(sep=" ", timespec="seconds")
            assert row[3] == charge.id and row[4] == status_label(charge.status)
        return
    cells = xlsx_rows(path)
    assert [cell.value for cell in cells[0]] == titles
    assert len(cells) == len(charges) + 1
    currencies = set()
    for charge, row in zip(charges, cells[1:], strict=True):
        assert_amount_cell(row[0], charge.amount, charge.currency)
        assert_currency_cell(row[1], charge.currency)
        assert_moment_cell(row[2], charge.created_at)
        assert row[3].value == charge.id and row[3].data_type == "s"
        assert row[4].value == "Successful"
        currencies.add(charge.currency)
    assert len(currencies) > 1  # each currency keeps its own number format


def test_the_currency_column_the_clerk_shows_is_exported_where_it_stands(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    opn_home: Path,
    tmp_path: Path,
) -> None:
    tab = transactions_tab(qtbot, runner, synced, kept)
    header = tab.table.horizontalHeader()
    assert header.isSectionHidden(CURRENCY)  # each amount shows its currency
    menu = tab.columns.menu()
    (choice,) = [a for a in menu.actions() if a.text() == "Currency"]
    choice.trigger()  # shown from the header's column menu
    header.moveSection(header.visualIndex(CURRENCY), 0)
    first = tab.model.index(0, CURRENCY)
    charges = expected_charges(synced, ChargeFilter())
    path = tmp_path / "charges.xlsx"

    exported(qtbot, tab.exporter, path, ExportFormat.XLSX)

    assert not header.isSectionHidden(CURRENCY)
    assert tab.model.data(first) == charges[0].currency
    cells = xlsx_rows(path)
    titles = [cell.value for cell in cells[0]]
    assert titles[:4] == ["Currency", "Date", "Charge", "Amount"]
    assert titles.count("Currency") == 1
    for charge, row in zip(charges, cells[1:], strict=True):
        assert_currency_cell(row[0], charge.currency)
        assert_amount_cell(row[3], charge.amount, charge.currency)
    assert {"THB", "JPY"} <= {charge.currency for charge in charges}


def test_with_buddhist_era_shown_the_export_writes_its_years(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    opn_home: Path,
    tmp_path: Path,
) -> None:
    tab = transactions_tab(qtbot, runner, synced, kept)
    charges = expected_charges(synced, ChargeFilter())
    path = tmp_path / "charges.xlsx"
    i18n.set_buddhist_era(True)
    try:
        exported(qtbot, tab.exporter, path, ExportFormat.XLSX)
    finally:
        i18n.set_buddhist_era(False)

    cells = xlsx_rows(path)
    dates = [cell.value for cell in cells[0]].index("Date")
    for charge, row in zip(charges, cells[1:], strict=True):
        moment = local(charge.created_at)
        year = moment.year + 543
        expected = f"{year}{moment.isoformat(sep=' ', timespec='seconds')[4:]}"
        assert (row[dates].value, row[dates].data_type) == (expected, "s")


def test_the_save_dialog_picks_the_file_and_the_format(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    opn_home: Path,
    tmp_path: Path,
) -> None:
    tab = transactions_tab(qtbot, runner, synced, kept)
    chosen = tmp_path / "from-the-dialog"

    def answer_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        dialog.selectNameFilter("CSV, UTF-8 (*.csv)")
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        assert isinstance(name, QLineEdit)
        assert name.text().startswith("transactions-")  # the suggested name
        name.setText(str(chosen))  # typed without an ending
        dialog.accept()

    QTimer.singleShot(200, answer_the_dialog)
    with qtbot.waitSignal(tab.exporter.finished, timeout=WAIT_MS) as finished:
        tab.export_current_table()

    assert finished.args[0].endswith("from-the-dialog.csv.")
    written = chosen.with_name("from-the-dialog.csv")
    assert csv_rows(written)[0][:4] == ["Date", "Charge", "Amount", "Currency"]


def test_the_file_ending_decides_the_format() -> None:
    assert chosen_format("/tmp/a.CSV", "Excel workbook (*.xlsx)") == (
        Path("/tmp/a.CSV"),
        ExportFormat.CSV,
    )
    assert chosen_format("/tmp/a", "CSV, UTF-8 (*.csv)") == (
        Path("/tmp/a.csv"),
        ExportFormat.CSV,
    )
    assert chosen_format("/tmp/a.report", "Excel workbook (*.xlsx)") == (
        Path("/tmp/a.report.xlsx"),
        ExportFormat.XLSX,
    )


# Refunds ------------------------------------------------------------------


def expected_refunds(engine: Engine) -> list[RefundListItem]:
    with session_scope(engine) as session:
        refund_filter = RefundFilter(timezone=ZONE_NAME)
        return refund_page(session, refund_filter, 0, 100_000)


@pytest.mark.parametrize("export_format", FORMATS)
def test_refunds_export(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    tmp_path: Path,
    export_format: ExportFormat,
) -> None:
    tab = opened(qtbot, kept, RefundsTab(runner, ZONE_NAME), synced)
    refunds = expected_refunds(synced)
    path = tmp_path / f"refunds.{export_format.value}"

    exported(qtbot, tab.exporter, path, export_format)

    titles = ["Date", "Refund", "Charge", "Amount", "Currency", "Void or refund"]
    titles += ["Status", "Reason", "Note", "Operation"]
    assert refunds
    if export_format is ExportFormat.CSV:
        rows = csv_rows(path)
        assert rows[0] == titles and len(rows) == len(refunds) + 1
        for refund, row in zip(refunds, rows[1:], strict=True):
            assert row[1:3] == [refund.id, refund.charge_id]
            assert row[3] == str(scaled(refund.amount, refund.currency))
            assert row[4] == refund.currency
        return
    cells = xlsx_rows(path)
    assert [cell.value for cell in cells[0]] == titles
    assert len(cells) == len(refunds) + 1
    for refund, row in zip(refunds, cells[1:], strict=True):
        assert_moment_cell(row[0], refund.created_at)
        assert row[1].value == refund.id and row[2].value == refund.charge_id
        assert_amount_cell(row[3], refund.amount, refund.currency)
        assert_currency_cell(row[4], refund.currency)
        assert row[5].value in {"Void", "Refund"}


# Disputes -----------------------------------------------------------------


@pytest.mark.parametrize("export_format", FORMATS)
def test_disputes_export(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    tmp_path: Path,
    export_format: ExportFormat,
) -> None:
    with session_scope(synced) as session:
        disputes = load_dispute_rows(session)
    tab = opened(qtbot, kept, DisputesTab(runner, ZONE_NAME), synced)
    path = tmp_path / f"disputes.{export_format.value}"

    exported(qtbot, tab.exporter, path, export_format)

    dispute = disputes[0]
    deadline = DeadlinePolicy().deadline(dispute.opened_at)
    titles = ["Answer by", "Status", "Reason", "Amount", "Currency", "Charge"]
    titles += ["Customer", "Opened", "Dispute"]
    if export_format is ExportFormat.CSV:
        rows = csv_rows(path)
        assert rows[0] == titles and len(rows) == 2
        assert rows[1][0] == local(deadline).isoformat(sep=" ", timespec="seconds")
        assert rows[1][3] == str(scaled(dispute.amount, dispute.currency))
        assert rows[1][4] == dispute.currency
        assert rows[1][8] == dispute.id
        return
    cells = xlsx_rows(path)
    assert [cell.value for cell in cells[0]] == titles and len(cells) == 2
    row = cells[1]
    assert_moment_cell(row[0], deadline)
    assert_amount_cell(row[3], dispute.amount, dispute.currency)
    assert_currency_cell(row[4], dispute.currency)
    assert row[5].value == dispute.charge_id
    assert_moment_cell(row[7], dispute.opened_at)
    assert row[8].value == dispute.id


# Schedules ----------------------------------------------------------------


@pytest.mark.parametrize("export_format", FORMATS)
def test_schedules_export(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    tmp_path: Path,
    export_format: ExportFormat,
) -> None:
    with session_scope(synced) as session:
        schedules = list_schedules(session, ScheduleFilter())
    tab = opened(qtbot, kept, SchedulesTab(runner, ZONE_NAME), synced)
    path = tmp_path / f"schedules.{export_format.value}"

    exported(qtbot, tab.exporter, path, export_format)

    titles = ["Schedule", "Status", "Cadence", "Amount", "Currency", "Customer"]
    titles += ["Next runs", "Start", "End", "Description", "Metadata"]
    shown = [tab.model.schedule_at(row) for row in range(len(schedules))]
    assert len(shown) > 1
    if export_format is ExportFormat.CSV:
        rows = csv_rows(path)
        assert rows[0] == titles and len(rows) == len(shown) + 1
        for item, row in zip(shown, rows[1:], strict=True):
            assert item is not None and row[0] == item.id
            assert row[3] == str(scaled(item.amount, item.currency))
            assert row[4] == item.currency
            assert row[7] == (item.start_on.isoformat() if item.start_on else "")
        return
    cells = xlsx_rows(path)
    assert [cell.value for cell in cells[0]] == titles
    for item, row in zip(shown, cells[1:], strict=True):
        assert item is not None and row[0].value == item.id
        assert row[2].value == tab.model.cell(shown.index(item), 2)
        assert_amount_cell(row[3], item.amount, item.currency)
        assert_currency_cell(row[4], item.currency)
        if item.start_on is not None:
            assert row[7].is_date and row[7].number_format == "yyyy-mm-dd"
            start = row[7].value
            assert isinstance(start, datetime) and start.date() == item.start_on


# Audit log ----------------------------------------------------------------


@pytest.mark.parametrize("export_format", FORMATS)
def test_audit_log_export_keeps_thai_and_never_writes_a_formula(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    tmp_path: Path,
    export_format: ExportFormat,
) -> None:
    tab = opened(qtbot, kept, AuditTab(runner, ZONE_NAME), synced)
    path = tmp_path / f"audit.{export_format.value}"

    exported(qtbot, tab.exporter, path, export_format)

    titles = ["When", "Clerk", "Action", "Target", "Summary", "Operation"]
    if export_format is ExportFormat.CSV:
        rows = csv_rows(path)
        assert rows == [
            titles,
            ["2026-03-02 09:17:00", "Malee", "Reverse", "chrg_test_3", "'@reverse"]
            + ["op_3"],
            ["2026-03-02 09:16:00", "Somchai", "Capture refused", "chrg_test_2"]
            + ["'=1+2", ""],
            ["2026-03-02 09:15:00", "มาลี", "Refund", "chrg_test_1"]
            + ["คืนเงิน ชุดน้ำชา", "op_1"],
        ]
        return
    cells = xlsx_rows(path)
    assert [cell.value for cell in cells[0]] == titles
    values = [[cell.value for cell in row[1:]] for row in cells[1:]]
    assert values == [
        ["Malee", "Reverse", "chrg_test_3", "@reverse", "op_3"],
        ["Somchai", "Capture refused", "chrg_test_2", "=1+2", None],
        ["มาลี", "Refund", "chrg_test_1", "คืนเงิน ชุดน้ำชา", "op_1"],
    ]
    assert cells[2][4].data_type == "s"  # text, never a formula
    assert cells[3][0].value == datetime(2026, 3, 2, 9, 15)
    assert cells[3][0].is_date


# The clerk's language -----------------------------------------------------

# Sheet names of each table's export, in English and in Thai.
SHEET_NAMES = {
    "Transactions": "รายการชำระเงิน",
    "Refunds": "การคืนเงิน",
    "Disputes": "ข้อโต้แย้งการชำระเงิน",
    "Schedules": "กำหนดการ",
    "Audit log": "บันทึกการตรวจสอบ",
}
THAI_LETTER = re.compile(r"[\u0e01-\u0e5b]")
# The amount column of each table with money, which the currency follows.
AMOUNT_OF = {
    "Transactions": AMOUNT,
    "Refunds": REFUNDS_AMOUNT,
    "Disputes": DISPUTES_AMOUNT,
    "Schedules": SCHEDULE_AMOUNT,
}


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_catalogs(tmp_path_factory.mktemp("catalogs"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_table_exports_the_titles_it_shows(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    opn_home: Path,
    tmp_path: Path,
    qapp: Any,
    catalogs: Path,
    language: str,
) -> None:
    written: dict[str, tuple[Path, list[str]]] = {}
    with speaking(qapp, language, catalogs):
        tabs: list[Any] = [transactions_tab(qtbot, runner, synced, kept)]
        for tab_type in (RefundsTab, DisputesTab, SchedulesTab, AuditTab):
            tabs.append(opened(qtbot, kept, tab_type(runner, ZONE_NAME), synced))
        for english, tab in zip(SHEET_NAMES, tabs, strict=True):
            columns = visible_columns(tab.table)
            path = tmp_path / f"{len(written)}.xlsx"
            exported(qtbot, tab.exporter, path, ExportFormat.XLSX)
            shown = table_headers(tab.model, columns)
            if english != "Audit log":  # every table with money
                amount = next(
                    i for i, c in enumerate(columns) if c == AMOUNT_OF[english]
                )
                shown.insert(amount + 1, "สกุลเงิน" if language == "th" else "Currency")
            written[english] = (path, shown)

    for english, (path, shown) in written.items():
        workbook = openpyxl.load_workbook(path, read_only=True)
        (sheet,) = workbook.worksheets
        header = [str(value) for value in next(sheet.values)]
        workbook.close()
        assert sheet.title == (SHEET_NAMES[english] if language == "th" else english)
        assert header == shown
        thai_titles = [title for title in header if THAI_LETTER.search(title)]
        if language == "th":
            assert len(thai_titles) == len(header), (english, header)
        else:
            assert not thai_titles, (english, header)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_forecast_exports_its_titles_and_groups_as_shown(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    tmp_path: Path,
    qapp: Any,
    catalogs: Path,
    language: str,
) -> None:
    path = tmp_path / "forecast.xlsx"
    with speaking(qapp, language, catalogs):
        tab = opened(qtbot, kept, SchedulesTab(runner, ZONE_NAME), synced)
        pane = tab.forecast
        qtbot.waitUntil(lambda: pane.group_combo.count() > 1, timeout=WAIT_MS)
        pane.by_combo.setCurrentIndex(1)  # per month
        pane.group_combo.setCurrentIndex(1)  # the first metadata key
        key = pane.group_combo.currentData()
        qtbot.waitUntil(
            lambda: pane.shown is not None and pane.shown.group_key == key,
            timeout=WAIT_MS,
        )
        table = pane.table
        titles = [table.horizontalHeaderItem(c).text() for c in range(5)]
        shown = [
            [table.item(row, column).text() for column in range(4)]
            for row in range(table.rowCount())
        ]
        pane.export_to(path)
        qtbot.waitUntil(lambda: path.name in pane.message.text(), timeout=WAIT_MS)

    thai = language == "th"
    workbook = openpyxl.load_workbook(path, read_only=True)
    (sheet,) = workbook.worksheets
    rows = list(sheet.values)
    workbook.close()
    assert sheet.title == ("ประมาณการ" if thai else "Forecast")
    assert list(rows[0]) == titles
    assert titles[0] == ("ช่วงเวลา" if thai else "Period") and titles[1] == key
    assert [[str(value) for value in row[:4]] for row in rows[1:]] == shown
    unset = "(ไม่ได้ตั้งค่า)" if thai else "(not set)"
    assert unset in [row[1] for row in shown]  # a schedule without the key


# Cancel and failures ------------------------------------------------------


@pytest.fixture
def long_audit_log(tmp_path: Path) -> Iterator[Engine]:
    """An audit log of 5,000 entries: long enough to cancel midway."""
    engine = open_engine(f"sqlite:///{tmp_path / 'long.db'}")
    with session_scope(engine) as session:
        session.add_all(
            AuditEntry(
                at=MORNING + timedelta(seconds=number),
                clerk="Malee",
                action="refund",
                target_id=f"chrg_test_{number:05d}",
                summary=f"refund {number}",
            )
            for number in range(5000)
        )
    yield engine
    engine.dispose()


@pytest.mark.parametrize("export_format", FORMATS)
def test_a_cancelled_export_leaves_no_file(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    long_audit_log: Engine,
    tmp_path: Path,
    export_format: ExportFormat,
) -> None:
    tab = opened(qtbot, kept, AuditTab(runner, ZONE_NAME), long_audit_log)
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / f"audit.{export_format.value}"

    with qtbot.waitSignal(tab.exporter.finished, timeout=WAIT_MS) as finished:
        assert tab.exporter.export_to(path, export_format)
        progress = tab.exporter.progress
        assert progress is not None
        cancel = progress.findChild(QPushButton)
        assert isinstance(cancel, QPushButton) and cancel.text() == "Cancel"
        cancel.click()

    assert finished.args == ["The export was cancelled; no file was written."]
    assert list(folder.iterdir()) == []
    assert tab.exporter.action.isEnabled()


def test_an_unwritable_folder_is_said_in_a_sentence(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    synced: Engine,
    tmp_path: Path,
) -> None:
    tab = opened(qtbot, kept, AuditTab(runner, ZONE_NAME), synced)
    path = tmp_path / "missing folder" / "audit.xlsx"

    sentence = exported(qtbot, tab.exporter, path, ExportFormat.XLSX)

    assert sentence.startswith("The file could not be written (")
    assert "Choose another folder" in sentence
    assert not path.parent.exists()


def test_without_a_profile_there_is_nothing_to_export(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], tmp_path: Path
) -> None:
    tab = RefundsTab(runner, ZONE_NAME)
    kept.append(tab)
    qtbot.addWidget(tab)

    with qtbot.waitSignal(tab.exporter.finished, timeout=WAIT_MS) as finished:
        assert not tab.exporter.export_to(tmp_path / "r.xlsx", ExportFormat.XLSX)

    assert finished.args == ["There is nothing to export: no profile is open."]
    assert list(tmp_path.iterdir()) == []
