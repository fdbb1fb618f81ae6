"""Charge reports over a real cache, exported and read back with openpyxl."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from display_language import LANGUAGES, compile_catalogs, speaking
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.db import session_scope
from opn_desk.models.ledger import BalanceTransactionRecord
from opn_desk.models.payments import DisputeRecord
from opn_desk.services.export import ExportFormat
from opn_desk.services.reports import (
    NONE_LABEL,
    Period,
    ReportDefinition,
    ReportError,
    ReportResult,
    export_report,
    load_report,
    run_report,
    save_report,
    saved_report_names,
)

BANGKOK = ZoneInfo("Asia/Bangkok")
# The words of an export, in English and as the Thai catalog has them.
WORDS = {
    "en": {
        "sheets": ["Summary", "Charges"],
        "summary": [
            "Currency", "branch", "Status", "Charges", "Paid charges",
            "Gross captured", "Refunded", "Fees", "VAT on fees", "Net",
            "Disputed", "Average charge",
        ],
        "detail": [
            "Charge", "Created", "Status", "Currency", "Amount",
            "Gross captured", "Refunded", "Fees", "VAT on fees", "Disputed",
            "Payment method", "Card brand", "Description", "branch",
        ],
        "none": "(none)",
        "total": "Total",
    },
    "th": {
        "sheets": ["สรุป", "รายการชำระเงิน"],
        "summary": [
            "สกุลเงิน", "branch", "สถานะ", "รายการชำระเงิน",
            "รายการที่ชำระแล้ว", "ยอดเรียกเก็บรวม", "คืนเงินแล้ว",
            "ค่าธรรมเนียม", "ภาษีมูลค่าเพิ่มของค่าธรรมเนียม", "ยอดสุทธิ",
            "มีข้อโต้แย้ง", "ยอดเฉลี่ยต่อรายการ",
        ],
        "detail": [
            "รายการชำระเงิน", "สร้างเมื่อ", "สถานะ", "สกุลเงิน", "จำนวนเงิน",
            "ยอดเรียกเก็บรวม", "คืนเงินแล้ว", "ค่าธรรมเนียม",
            "ภาษีมูลค่าเพิ่มของค่าธรรมเนียม", "มีข้อโต้แย้ง",
            "วิธีการชำระเงิน", "แบรนด์บัตร", "คำอธิบาย", "branch",
        ],
        "none": "(ไม่มี)",
        "total": "รวม",
    },
}  # fmt: skip
JANUARY = ReportDefinition(period=Period.MONTH, anchor=date(2026, 1, 15))
FETCHED_AT = datetime(2026, 3, 1, tzinfo=UTC)
_numbers = itertools.count(1)


def add_charge(
    session: Session,
    created_at: datetime,
    amount: int,
    currency: str = "THB",
    metadata: dict[str, Any] | None = None,
    **columns: Any,
) -> str:
    """A paid card charge unless ``columns`` say otherwise; returns its id."""
    charge_id = columns.pop("id", None) or f"chrg_test_{next(_numbers):06d}"
    fee = columns.pop("fee", None)
    values: dict[str, Any] = {
        "id": charge_id,
        "livemode": False,
        "created_at": created_at,
        "amount": amount,
        "currency": currency,
        "status": "successful",
        "payment_method": "card",
        "card_brand": "Visa",
        "authorized": True,
        "paid": True,
        "capturable": False,
        "refundable": True,
        "captured_amount": amount,
        "refunded_amount": 0,
        "description": None,
        "charge_metadata": metadata or {},
        "fetched_at": FETCHED_AT,
    }
    values.update(columns)
    raw: dict[str, Any] = {"object": "charge", "id": charge_id, "amount": amount}
    if fee is not None:
        raw.update(fee=fee[0], fee_vat=fee[1])
    session.add(ChargeRecord(raw=raw, **values))
    session.flush()
    return charge_id


def add_capture_transaction(
    session: Session, charge_id: str, amount: int, fee: int, fee_vat: int
) -> None:
    session.add(
        BalanceTransactionRecord(
            id=f"trxn_{charge_id}",
            livemode=False,
            raw={},
            fetched_at=FETCHED_AT,
            created_at=FETCHED_AT,
            direction="credit",
            key="charge.capture",
            amount=amount - fee - fee_vat,
            currency="THB",
            fee=fee,
            fee_vat=fee_vat,
            origin_id=charge_id,
        )
    )
    session.flush()


def add_dispute(session: Session, charge_id: str, amount: int, currency: str) -> None:
    session.add(
        DisputeRecord(
            id=f"dspt_{charge_id}",
            livemode=False,
            raw={},
            fetched_at=FETCHED_AT,
            created_at=FETCHED_AT,
            status="open",
            amount=amount,
            currency=currency,
            charge_id=charge_id,
            dispute_metadata={},
        )
    )
    session.flush()


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment of January 2026 in UTC."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def run(engine: Engine, definition: ReportDefinition) -> ReportResult:
    with session_scope(engine) as session:
        return run_report(session, definition, BANGKOK, date(2026, 2, 10))


def export(engine: Engine, result: ReportResult, path: Path) -> openpyxl.Workbook:
    fmt = ExportFormat.XLSX if path.suffix == ".xlsx" else ExportFormat.CSV
    export_report(engine, result, path, fmt, BANGKOK, date(2026, 2, 10))
    return openpyxl.load_workbook(path) if fmt is ExportFormat.XLSX else None


def sheet_rows(sheet: Any) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_grouping_by_metadata_puts_charges_without_the_key_in_none(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        add_charge(session, at(3), 10_000, metadata={"branch": "สีลม"})
        add_charge(session, at(4), 25_050, metadata={"branch": "สีลม"})
        add_charge(session, at(5), 7_000, metadata={"branch": "Chiang Mai"})
        add_charge(session, at(6), 1_000, metadata={"campaign": "new-year"})
        add_charge(session, at(7), 2_000)

    result = run(engine, JANUARY.with_changes(group_by=("metadata:branch",)))
    workbook = export(engine, result, tmp_path / "branches.xlsx")

    groups = {row.labels: (row.charges, row.gross) for row in result.rows}
    assert groups == {
        ("Chiang Mai",): (1, 7_000),
        ("สีลม",): (2, 35_050),
        (NONE_LABEL,): (2, 3_000),
    }
    summary = workbook["Summary"]
    rows = sheet_rows(summary)
    assert rows[0][:5] == [
        "Currency",
        "branch",
        "Charges",
        "Paid charges",
        "Gross captured",
    ]
    by_branch = {row[1]: row for row in rows[1:]}
    assert by_branch["สีลม"][2] == 2
    assert Decimal(str(by_branch["สีลม"][4])) == Decimal("350.50")
    assert by_branch[NONE_LABEL][2] == 2
    assert by_branch["Total"][:3] == ["THB", "Total", 5]
    assert Decimal(str(by_branch["Total"][4])) == Decimal("450.50")
    gross_cell = summary.cell(row=2, column=5)
    assert gross_cell.data_type == "n"
    assert gross_cell.number_format == '#,##0.00 "THB";-#,##0.00 "THB"'
    assert summary.cell(row=2, column=3).data_type == "n"
    assert summary.freeze_panes == "A2"
    assert summary.auto_filter.ref == "A1:K5"


def test_two_levels_branch_then_campaign(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_charge(session, at(3), 100, metadata={"branch": "A", "campaign": "x"})
        add_charge(session, at(3), 200, metadata={"branch": "A", "campaign": "x"})
        add_charge(session, at(3), 400, metadata={"branch": "A"})
        add_charge(session, at(3), 800, metadata={"branch": "B", "campaign": "x"})

    definition = JANUARY.with_changes(group_by=("metadata:branch", "metadata:campaign"))
    result = run(engine, definition)

    assert [(row.labels, row.gross) for row in result.rows] == [
        (("A", "x"), 300),
        (("A", NONE_LABEL), 400),
        (("B", "x"), 800),
    ]


def test_a_bangkok_day_starts_at_five_in_the_afternoon_utc(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        add_charge(session, at(1, 16, 59), 1_000, id="chrg_test_before")
        add_charge(session, at(1, 17, 0), 2_000, id="chrg_test_after")

    first_day = run(
        engine, ReportDefinition(period=Period.DAY, anchor=date(2026, 1, 1))
    )
    second_day = ReportDefinition(period=Period.DAY, anchor=date(2026, 1, 2))
    result = run(engine, second_day)
    workbook = export(engine, result, tmp_path / "day.xlsx")

    assert [total.gross for total in first_day.totals] == [1_000]
    assert [total.gross for total in result.totals] == [2_000]
    detail = workbook["Charges"]
    assert detail.max_row == 2
    assert detail["A2"].value == "chrg_test_after"
    created = detail["B2"]
    assert created.is_date
    assert created.value == datetime(2026, 1, 2, 0, 0)
    assert created.number_format == "yyyy-mm-dd hh:mm:ss"

    by_day = ReportDefinition(
        period=Period.CUSTOM,
        first_day=date(2026, 1, 1),
        last_day=date(2026, 1, 3),
        group_by=("day",),
    )
    by_day_result = run(engine, by_day)
    assert [(row.labels, row.gross) for row in by_day_result.rows] == [
        (("2026-01-01",), 1_000),
        (("2026-01-02",), 2_000),
    ]
    assert [(p.first_day.day, p.gross) for p in by_day_result.timeline] == [
        (1, 1_000),
        (2, 2_000),
        (3, 0),
    ]


def test_the_timeline_stops_at_today(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_charge(session, datetime(2026, 2, 9, 5, tzinfo=UTC), 700, "THB", {})
    february = ReportDefinition(
        period=Period.CUSTOM,
        first_day=date(2026, 2, 1),
        last_day=date(2026, 2, 28),
    )

    result = run(engine, february)  # on 10 February

    days = [p.first_day for p in result.timeline]
    assert days == [date(2026, 2, day) for day in range(1, 11)]
    assert [p.gross for p in result.timeline if p.gross] == [700]


def test_thb_and_jpy_are_never_added_together(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        add_charge(session, at(3), 123_456, "THB", {"branch": "Silom"})
        add_charge(session, at(3), 1_500, "JPY", {"branch": "Silom"})
        add_charge(session, at(4), 300, "JPY", {"branch": "Silom"})

    result = run(engine, JANUARY.with_changes(group_by=("metadata:branch",)))
    workbook = export(engine, result, tmp_path / "currencies.xlsx")

    assert [(row.currency, row.gross) for row in result.rows] == [
        ("JPY", 1_800),
        ("THB", 123_456),
    ]
    assert [(t.currency, t.gross, t.average) for t in result.totals] == [
        ("JPY", 1_800, 900),
        ("THB", 123_456, 123_456),
    ]
    summary = workbook["Summary"]
    gross = {
        row[0].value + row[1].value: row[4] for row in summary.iter_rows(min_row=2)
    }
    assert gross["JPYSilom"].value == 1800
    assert gross["JPYSilom"].number_format == '#,##0 "JPY";-#,##0 "JPY"'
    assert Decimal(str(gross["THBSilom"].value)) == Decimal("1234.56")
    assert gross["THBSilom"].number_format == '#,##0.00 "THB";-#,##0.00 "THB"'
    assert gross["JPYTotal"].value == 1800
    detail = workbook["Charges"]
    amounts = {row[3].value: row[4] for row in detail.iter_rows(min_row=2)}
    assert amounts["THB"].number_format == '#,##0.00 "THB";-#,##0.00 "THB"'
    assert amounts["JPY"].number_format == '#,##0 "JPY";-#,##0 "JPY"'


def test_refunds_fees_disputes_net_and_average(engine: Engine) -> None:
    with session_scope(engine) as session:
        taxed = add_charge(session, at(3), 10_000, refunded_amount=2_500)
        add_capture_transaction(session, taxed, 10_000, fee=365, fee_vat=26)
        own_fee = add_charge(session, at(3), 5_001, fee=(183, 13))
        add_dispute(session, own_fee, 5_001, "THB")
        add_charge(session, at(4), 9_999, status="failed", paid=False, fee=(1, 1))

    (total,) = run(engine, JANUARY).totals

    assert (total.charges, total.paid_charges) == (3, 2)
    assert total.gross == 15_001
    assert total.refunded == 2_500
    assert (total.fee, total.fee_vat) == (365 + 183, 26 + 13)
    assert total.disputed == 5_001
    assert total.net == 15_001 - 2_500 - 548 - 39
    assert total.average == 7_500  # 15,001 // 2, rounded down


def test_csv_export_keeps_thai_with_a_byte_order_mark(
    engine: Engine, tmp_path: Path
) -> None:
    with session_scope(engine) as session:
        add_charge(session, at(3), 123_456, metadata={"branch": "สีลม"})
    definition = JANUARY.with_changes(
        group_by=("metadata:branch",), detail_keys=("branch",)
    )
    result = run(engine, definition)
    path = tmp_path / "report.csv"

    export(engine, result, path)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[1][:5] == ["THB", "สีลม", "1", "1", "1234.56"]
    detail_path = tmp_path / "report - Charges.csv"
    with detail_path.open(encoding="utf-8-sig", newline="") as stream:
        detail = list(csv.reader(stream))
    assert detail[0][-1] == "branch"
    assert detail[1][-1] == "สีลม"
    assert detail[1][4] == "1234.56"


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_catalogs(tmp_path_factory.mktemp("catalogs"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_export_speaks_the_clerks_language(
    engine: Engine, tmp_path: Path, qapp: Any, catalogs: Path, language: str
) -> None:
    with session_scope(engine) as session:
        add_charge(session, at(3), 10_000, metadata={"branch": "สีลม"})
        add_charge(session, at(4), 2_000)
    definition = JANUARY.with_changes(
        group_by=("metadata:branch", "status"), detail_keys=("branch",)
    )

    with speaking(qapp, language, catalogs):
        result = run(engine, definition)
        workbook = export(engine, result, tmp_path / "report.xlsx")

    words = WORDS[language]
    assert workbook.sheetnames == words["sheets"]
    summary, detail = (sheet_rows(sheet) for sheet in workbook.worksheets)
    assert summary[0] == words["summary"]
    assert [row[:3] for row in summary[1:]] == [
        ["THB", "สีลม", "successful"],
        ["THB", words["none"], "successful"],
        ["THB", words["total"], None],
    ]
    assert detail[0] == words["detail"]
    assert [row[-1] for row in detail[1:]] == ["สีลม", None]
    # The labels stay the report's own: only their words change.
    assert result.rows[-1].labels == (NONE_LABEL, "successful")


def test_a_saved_report_runs_again_the_same(engine: Engine) -> None:
    definition = ReportDefinition(
        name="Branches this quarter",
        period=Period.QUARTER,
        group_by=("metadata:branch", "month"),
        detail_keys=("branch", "order_id"),
    )
    with session_scope(engine) as session:
        save_report(session, definition, FETCHED_AT)
        save_report(session, definition, FETCHED_AT)  # replaces, no duplicate
        add_charge(
            session, datetime(2026, 2, 3, tzinfo=UTC), 700, metadata={"branch": "A"}
        )

    with session_scope(engine) as session:
        assert saved_report_names(session) == ["Branches this quarter"]
        loaded = load_report(session, "Branches this quarter")
    assert loaded == definition
    rows = run(engine, loaded).rows
    assert [(row.labels, row.gross) for row in rows] == [(("A", "2026-02-01"), 700)]


def test_a_definition_that_cannot_run_says_why() -> None:
    with pytest.raises(ReportError) as too_many:
        ReportDefinition(group_by=("status", "currency", "day"))
    with pytest.raises(ReportError) as reversed_range:
        ReportDefinition(
            period=Period.CUSTOM, first_day=date(2026, 2, 1), last_day=date(2026, 1, 1)
        )

    assert too_many.value.reason == "too_many_levels"
    assert reversed_range.value.reason == "range_reversed"
