"""Streaming a table's rows page by page, and writing them to a file."""

from __future__ import annotations

import csv
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.worksheet._writer import ALL_TEMP_FILES
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.charge_store import ChargeListItem, ChargeOrder, charge_page
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.refund_queries import RefundFilter, refund_page
from opn_desk.services.api import OpnClient
from opn_desk.services.export import ColumnKind, ExportCancelled, ExportFormat
from opn_desk.services.money import Money
from opn_desk.services.sync import AccountSync, ChargeSync
from opn_desk.services.table_rows import (
    TableExport,
    shown_charges,
    shown_refunds,
    stream_pages,
    table_rows,
    write_table,
)

BANGKOK = ZoneInfo("Asia/Bangkok")


@pytest.fixture(scope="module")
def synced(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The session's sandbox synced into one cache every test here reads."""
    folder = tmp_path_factory.mktemp("table_rows")
    engine = open_engine(f"sqlite:///{folder / 'cache.db'}")
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        AccountSync(client, engine).run()
    yield engine
    engine.dispose()


def every_charge(
    engine: Engine, charge_filter: ChargeFilter, order: ChargeOrder
) -> list[ChargeListItem]:
    with session_scope(engine) as session:
        return charge_page(session, order, 0, 100_000, charge_filter, BANGKOK)


@pytest.mark.parametrize(
    ("charge_filter", "order"),
    [
        (ChargeFilter(), ChargeOrder.NEWEST_FIRST),
        (ChargeFilter(statuses=("successful",)), ChargeOrder.AMOUNT_HIGH_FIRST),
        (ChargeFilter(currency="THB"), ChargeOrder.OLDEST_FIRST),
    ],
)
def test_charges_stream_in_pages_exactly_as_the_table_orders_them(
    synced: Engine, charge_filter: ChargeFilter, order: ChargeOrder
) -> None:
    expected = every_charge(synced, charge_filter, order)

    streamed = list(shown_charges(synced, charge_filter, BANGKOK, order, 7))

    assert len(expected) > 7 * 3  # several pages, and a short last one
    assert [c.id for c in streamed] == [c.id for c in expected]


def test_refunds_stream_in_pages_newest_first(synced: Engine) -> None:
    refund_filter = RefundFilter(timezone="Asia/Bangkok")
    with session_scope(synced) as session:
        expected = refund_page(session, refund_filter, 0, 100_000)

    streamed = list(shown_refunds(synced, refund_filter, page_rows=4))

    assert len(expected) > 4
    assert [r.id for r in streamed] == [r.id for r in expected]


def test_pages_are_read_only_as_the_rows_are_taken(synced: Engine) -> None:
    reads: list[int] = []

    def read(session: Session, last: int | None, done: int) -> list[int]:
        reads.append(done)
        start = 0 if last is None else last + 1
        return list(range(start, min(start + 10, 35)))

    rows = stream_pages(synced, read, page_rows=10)
    first = [next(rows) for _ in range(10)]
    assert first == list(range(10)) and reads == [0]

    rest = list(rows)
    assert rest == list(range(10, 35)) and reads == [0, 10, 20, 30]


def test_a_page_exactly_full_ends_with_an_empty_read(synced: Engine) -> None:
    reads: list[int] = []

    def read(session: Session, last: int | None, done: int) -> list[int]:
        reads.append(done)
        return list(range(done, min(done + 5, 10)))

    assert list(stream_pages(synced, read, page_rows=5)) == list(range(10))
    assert reads == [0, 5, 10]


def charges_table(engine: Engine) -> TableExport:
    charge_filter = ChargeFilter(currency="THB")
    order = ChargeOrder.NEWEST_FIRST
    values = [
        lambda c: c.created_at,
        lambda c: c.id,
        lambda c: Money(c.amount, c.currency),
        lambda c: c.description,
    ]
    return TableExport(
        name="Transactions",
        headers=["Date", "Charge", "Amount", "Description"],
        kinds=[
            ColumnKind.DATETIME,
            ColumnKind.TEXT,
            ColumnKind.MONEY,
            ColumnKind.TEXT,
        ],
        rows=lambda: table_rows(
            shown_charges(engine, charge_filter, BANGKOK, order, 50), values
        ),
        count=lambda: None,
        zone=BANGKOK,
    )


def test_a_table_is_written_to_xlsx_with_numbers_and_local_times(
    synced: Engine, tmp_path: Path
) -> None:
    expected = every_charge(
        synced, ChargeFilter(currency="THB"), ChargeOrder.NEWEST_FIRST
    )
    path = tmp_path / "charges.xlsx"

    assert write_table(charges_table(synced), path, ExportFormat.XLSX) == [path]

    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == [
        "Date",
        "Charge",
        "Amount",
        "Description",
    ]
    assert len(rows) == len(expected) + 1
    for charge, (when, charge_id, amount, _text) in zip(
        expected, rows[1:], strict=True
    ):
        local = charge.created_at.astimezone(BANGKOK).replace(tzinfo=None)
        assert when.value == local and when.is_date
        assert charge_id.value == charge.id and charge_id.data_type == "s"
        assert amount.data_type == "n"
        assert amount.number_format == '#,##0.00 "THB";-#,##0.00 "THB"'
        assert Decimal(str(amount.value)) == Decimal(charge.amount) / 100


def test_a_table_is_written_to_csv_with_a_byte_order_mark(
    synced: Engine, tmp_path: Path
) -> None:
    expected = every_charge(
        synced, ChargeFilter(currency="THB"), ChargeOrder.NEWEST_FIRST
    )
    path = tmp_path / "charges.csv"

    write_table(charges_table(synced), path, ExportFormat.CSV)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["Date", "Charge", "Amount", "Description"]
    first = expected[0]
    local = first.created_at.astimezone(BANGKOK).replace(tzinfo=None)
    assert rows[1][0] == local.isoformat(sep=" ", timespec="seconds")
    assert rows[1][1] == first.id
    assert Decimal(rows[1][2]) == Decimal(first.amount) / 100
    assert len(rows) == len(expected) + 1


@pytest.mark.parametrize("export_format", list(ExportFormat))
def test_a_cancelled_table_leaves_no_file(
    synced: Engine, tmp_path: Path, export_format: ExportFormat
) -> None:
    path = tmp_path / f"charges.{export_format.value}"
    table = TableExport(
        name="Numbers",
        headers=["Number", "When"],
        kinds=[ColumnKind.INTEGER, ColumnKind.DATETIME],
        rows=lambda: ([n, datetime(2026, 1, 1, tzinfo=BANGKOK)] for n in range(5000)),
        count=lambda: 5000,
        zone=BANGKOK,
    )
    seen: list[int] = []

    with pytest.raises(ExportCancelled):
        write_table(
            table,
            path,
            export_format,
            lambda done, _total: seen.append(done),
            lambda: len(seen) >= 2,
        )

    assert seen == [1000, 2000]
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_gone_fails_cleanly(synced: Engine, tmp_path: Path) -> None:
    path = tmp_path / "gone" / "charges.xlsx"
    temporary_before = set(ALL_TEMP_FILES)

    with pytest.raises(FileNotFoundError):
        write_table(charges_table(synced), path, ExportFormat.XLSX)

    assert set(ALL_TEMP_FILES) == temporary_before  # no worksheet left open
    assert list(tmp_path.iterdir()) == []


def test_memory_stays_flat_however_many_rows_stream(synced: Engine) -> None:
    """Only a page is held at a time: 200,000 rows peak like one page."""
    rows = 200_000

    def read(session: Session, last: str | None, done: int) -> list[str]:
        return [f"chrg_test_{n:019d}" for n in range(done, min(done + 1000, rows))]

    tracemalloc.start()
    try:
        taken = sum(1 for _charge_id in stream_pages(synced, read, 1000))
        _current, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert taken == rows
    # A page of 1,000 ids is about 80 kB; all 200,000 would be about 16 MB.
    assert peak_bytes < 2_000_000


def test_charges_stream_alike_on_sqlite_and_postgresql(
    engine: Engine, client: OpnClient
) -> None:
    ChargeSync(client, engine).run()
    charge_filter = ChargeFilter(statuses=("successful",))
    order = ChargeOrder.AMOUNT_LOW_FIRST
    expected = every_charge(engine, charge_filter, order)

    streamed = list(shown_charges(engine, charge_filter, BANGKOK, order, 9))

    assert len(expected) > 9 * 3
    assert [c.id for c in streamed] == [c.id for c in expected]
