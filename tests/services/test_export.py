"""The exporter: real .xlsx and CSV files read back with openpyxl and csv."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from opn_desk.services.export import (
    ColumnKind,
    ExportCancelled,
    ExportFormat,
    SheetSpec,
    export_rows,
    safe_sheet_names,
)
from opn_desk.services.money import Money

TEXT = ColumnKind.TEXT
BANGKOK = ZoneInfo("Asia/Bangkok")


def one_sheet(
    rows: Sequence[Sequence[object]],
    kinds: Sequence[ColumnKind],
    name: str = "Charges",
) -> list[SheetSpec]:
    headers = [f"Column {number}" for number in range(1, len(kinds) + 1)]
    return [SheetSpec(name, headers, rows, kinds, len(rows))]


def write_xlsx(
    path: Path, sheets: list[SheetSpec], **options: object
) -> openpyxl.Workbook:
    export_rows(path, ExportFormat.XLSX, sheets, zone=BANGKOK, **options)  # type: ignore[arg-type]
    return openpyxl.load_workbook(path)


def test_formula_like_text_stays_text_exactly(tmp_path: Path) -> None:
    values = ['=HYPERLINK("http://x")', "+66812345678", "-5", "@SUM(A1)", "\tx", "\rx"]
    workbook = write_xlsx(tmp_path / "f.xlsx", one_sheet([[v] for v in values], [TEXT]))
    csv_path = tmp_path / "f.csv"
    export_rows(csv_path, ExportFormat.CSV, one_sheet([[v] for v in values], [TEXT]))

    cells = [row[0] for row in workbook.active.iter_rows(min_row=2)]
    # XML reads a carriage return as a line feed; the cell is still text.
    assert [cell.value for cell in cells] == values[:-1] + ["\nx"]
    assert {cell.data_type for cell in cells} == {"s"}
    with csv_path.open(encoding="utf-8-sig", newline="") as stream:
        read_back = [row[0] for row in csv.reader(stream)][1:]
    assert read_back == ["'" + value for value in values]


def test_illegal_characters_are_removed_without_failing(tmp_path: Path) -> None:
    rows = [["สาขา\x00สีลม\x07", "ok\x1b"], ["line\nbreak and\ttab", None]]
    workbook = write_xlsx(
        tmp_path / "i.xlsx", one_sheet(rows, [TEXT, TEXT], name="Bad\x01 name")
    )

    sheet = workbook.worksheets[0]
    assert sheet.title == "Bad name"
    assert sheet["A2"].value == "สาขาสีลม"
    assert sheet["B2"].value == "ok"
    assert sheet["A3"].value == "line\nbreak and\ttab"


def test_text_that_looks_like_an_error_or_is_too_long_stays_text(
    tmp_path: Path,
) -> None:
    kinds = [TEXT, ColumnKind.INTEGER, ColumnKind.MONEY, ColumnKind.DATETIME]
    long_text = "ก" * 40_000
    rows = [
        ["#N/A", "=1+1", "#DIV/0!", "@now"],
        [long_text, "", None, "not a date"],
    ]
    sheet = write_xlsx(tmp_path / "e.xlsx", one_sheet(rows, kinds)).active

    first, second = sheet.iter_rows(min_row=2)
    assert [cell.value for cell in first] == ["#N/A", "=1+1", "#DIV/0!", "@now"]
    assert {cell.data_type for cell in first} == {"s"}
    # An .xlsx cell holds at most 32,767 characters; the rest is cut.
    assert second[0].value == "ก" * 32_767
    assert [cell.value for cell in second[1:]] == [None, None, "not a date"]


def test_ids_numbers_money_and_dates_keep_their_types(tmp_path: Path) -> None:
    kinds = [TEXT, ColumnKind.INTEGER, ColumnKind.MONEY, ColumnKind.MONEY]
    kinds += [ColumnKind.DATETIME, ColumnKind.DATE]
    rows = [
        [
            "12345678901234567890",
            42,
            Money(123_456_789, "THB"),
            Money(1_500, "JPY"),
            datetime(2026, 1, 1, 17, 0, tzinfo=UTC),
            date(2026, 1, 2),
        ]
    ]
    sheet = write_xlsx(tmp_path / "t.xlsx", one_sheet(rows, kinds)).active

    order_id, count, baht, yen, created, day = next(sheet.iter_rows(min_row=2))
    assert (order_id.value, order_id.data_type) == ("12345678901234567890", "s")
    assert (count.value, count.data_type) == (42, "n")
    assert Decimal(str(baht.value)) == Decimal("1234567.89")
    assert baht.number_format == '#,##0.00 "THB";-#,##0.00 "THB"'
    assert (yen.value, yen.number_format) == (1500, '#,##0 "JPY";-#,##0 "JPY"')
    assert created.is_date and created.value == datetime(2026, 1, 2, 0, 0)
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width >= len("12345678901234567890")


def test_each_amount_shows_its_currency_and_stays_a_number(tmp_path: Path) -> None:
    money = [ColumnKind.MONEY]
    rows = [
        [Money(4_800_000, "THB")],
        [Money(680, "JPY")],
        [Money(1_280_000, "SGD")],
        [Money(-1_250, "THB")],
    ]
    sheet = write_xlsx(tmp_path / "m.xlsx", one_sheet(rows, money)).active
    csv_path = tmp_path / "m.csv"
    export_rows(csv_path, ExportFormat.CSV, one_sheet(rows, money))

    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.data_type, Decimal(str(cell.value))) for cell in cells] == [
        ("n", Decimal("48000")),
        ("n", Decimal("680")),
        ("n", Decimal("12800")),
        ("n", Decimal("-12.5")),
    ]
    assert [cell.number_format for cell in cells] == [
        '#,##0.00 "THB";-#,##0.00 "THB"',
        '#,##0 "JPY";-#,##0 "JPY"',
        '#,##0.00 "SGD";-#,##0.00 "SGD"',
        '#,##0.00 "THB";-#,##0.00 "THB"',
    ]
    with csv_path.open(encoding="utf-8-sig", newline="") as stream:
        read_back = [row[0] for row in csv.reader(stream)][1:]
    assert read_back == ["48000.00", "680", "12800.00", "-12.50"]


def test_buddhist_era_dates_are_written_as_text_that_sorts(tmp_path: Path) -> None:
    kinds = [TEXT, ColumnKind.DATETIME, ColumnKind.DATE]
    rows = [
        ["chrg_test_1", datetime(2026, 12, 31, 17, 5, 9, tzinfo=UTC), date(2027, 1, 1)],
        ["chrg_test_2", None, None],
    ]

    book = write_xlsx(tmp_path / "be.xlsx", one_sheet(rows, kinds), buddhist_era=True)
    csv_path = tmp_path / "be.csv"
    export_rows(
        csv_path, ExportFormat.CSV, one_sheet(rows, kinds), zone=BANGKOK,
        buddhist_era=True,
    )  # fmt: skip

    first, second = book.active.iter_rows(min_row=2)
    # 17:05 UTC on 31 December is past midnight in Bangkok: 1 January 2570.
    assert [(c.value, c.data_type) for c in first[1:]] == [
        ("2570-01-01 00:05:09", "s"),
        ("2570-01-01", "s"),
    ]
    assert [c.value for c in second[1:]] == [None, None]
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[1][1:] == ["2570-01-01 00:05:09", "2570-01-01"]


def test_sheet_names_are_made_valid_and_unique(tmp_path: Path) -> None:
    names = ["Refunds", "refunds", "a/b:c*d?[e]", "x" * 40, "x" * 40, "", "History"]
    sheets = [SheetSpec(name, ["A"], [["1"]], [TEXT]) for name in names]

    workbook = write_xlsx(tmp_path / "n.xlsx", sheets)

    expected = [
        "Refunds",
        "refunds (2)",
        "a b c d  e",
        "x" * 31,
        "x" * 27 + " (2)",
        "Sheet",
        "History 1",
    ]
    assert workbook.sheetnames == expected
    assert safe_sheet_names(names) == expected
    assert all(len(name) <= 31 for name in workbook.sheetnames)


def test_rows_past_the_limit_continue_on_a_next_sheet(tmp_path: Path) -> None:
    rows = [[f"chrg_{number}", number] for number in range(1, 8)]
    sheets = one_sheet(rows, [TEXT, ColumnKind.INTEGER])

    workbook = write_xlsx(tmp_path / "split.xlsx", sheets, row_limit=4)

    assert workbook.sheetnames == ["Charges", "Charges (2)", "Charges (3)"]
    pages = [
        [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in workbook.worksheets
    ]
    header = ["Column 1", "Column 2"]
    assert pages == [
        [header, ["chrg_1", 1], ["chrg_2", 2], ["chrg_3", 3]],
        [header, ["chrg_4", 4], ["chrg_5", 5], ["chrg_6", 6]],
        [header, ["chrg_7", 7]],
    ]
    assert [sheet.auto_filter.ref for sheet in workbook.worksheets] == [
        "A1:B4",
        "A1:B4",
        "A1:B2",
    ]
    assert all(sheet.freeze_panes == "A2" for sheet in workbook.worksheets)


def test_rows_exactly_at_the_limit_make_no_empty_sheet(tmp_path: Path) -> None:
    rows = [[str(number)] for number in range(3)]

    workbook = write_xlsx(tmp_path / "exact.xlsx", one_sheet(rows, [TEXT]), row_limit=4)

    assert workbook.sheetnames == ["Charges"]
    assert workbook.active.max_row == 4


def test_csv_starts_with_a_byte_order_mark_and_keeps_thai(tmp_path: Path) -> None:
    path = tmp_path / "thai.csv"
    kinds = [TEXT, ColumnKind.MONEY, ColumnKind.MONEY, ColumnKind.DATETIME]
    rows = [["สาขาสีลม", Money(123_456, "THB"), Money(1_500, "JPY"),
             datetime(2026, 1, 1, 17, 0, tzinfo=UTC)]]  # fmt: skip

    export_rows(path, ExportFormat.CSV, one_sheet(rows, kinds), zone=BANGKOK)

    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert "สาขาสีลม".encode() in content
    with path.open(encoding="utf-8-sig", newline="") as stream:
        assert list(csv.reader(stream))[1] == [
            "สาขาสีลม",
            "1234.56",
            "1500",
            "2026-01-02 00:00:00",
        ]


def test_progress_is_reported_and_cancel_leaves_no_file(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []

    def rows() -> Iterator[list[object]]:
        for number in range(5_000):
            yield [str(number)]

    path = tmp_path / "cancelled.xlsx"
    sheets = [SheetSpec("Charges", ["Charge"], rows(), [TEXT], 5_000)]
    with pytest.raises(ExportCancelled):
        export_rows(
            path,
            ExportFormat.XLSX,
            sheets,
            lambda done, total: seen.append((done, total)),
            lambda: len(seen) >= 2,
        )

    assert seen == [(1_000, 5_000), (2_000, 5_000)]
    assert list(tmp_path.iterdir()) == []
