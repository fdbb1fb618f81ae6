"""Benchmark: the app's exporter next to bare openpyxl and xlsxwriter loops.

Writes the same N charges of 20 columns (ids, a local date, amounts in THB
and JPY, Thai text, metadata) three ways, each in a fresh child process so
that its peak memory (``resource.getrusage``) is its own:

* ``export_rows``: the app's writer, with every cell made safe, amounts
  as numbers in their currency's format, dates in local time;
* a bare openpyxl write-only loop appending the same plain values;
* an xlsxwriter loop in constant-memory mode with the same formats.

Wall time suffers when the machine is shared; CPU time (user + system of
the child, imports included) is the steadier figure. Rows are generated in
the child as they are written, so no list of rows
counts toward memory. xlsxwriter is needed for the third line only
(``pip install xlsxwriter``).

Usage: .venv/bin/python bench/export.py [--rows 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Bangkok")
WRITERS = ("opn-desk", "openpyxl", "xlsxwriter")
HEADERS = [
    "Charge", "Created", "Status", "Currency", "Amount", "Gross captured",
    "Refunded", "Fees", "VAT on fees", "Disputed", "Payment method",
    "Card brand", "Last digits", "Customer", "Description", "branch",
    "campaign", "order_id", "channel", "note",
]  # fmt: skip
BRANCHES = ["สีลม", "Chiang Mai", "Phuket", "อารีย์", "Thonglor"]
CAMPAIGNS = ["new-year", "songkran", "=promo", "11.11", None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--writers", nargs="+", default=list(WRITERS))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args.child[0], int(args.child[1]))

    for rows in args.rows:
        say(f"{rows:,} charges x {len(HEADERS)} columns")
        results = {writer: child_run(writer, rows) for writer in args.writers}
        for writer, result in results.items():
            say(
                f"  {writer:<11} {result['seconds']:7.1f} s "
                f"({result['cpu_s']:6.1f} s CPU) "
                f"{result['peak_mb']:7.1f} MB peak "
                f"{result['file_mb']:6.1f} MB file"
            )
        if "opn-desk" in results and "openpyxl" in results:
            ours, bare = results["opn-desk"], results["openpyxl"]
            wall = ours["seconds"] / bare["seconds"]
            cpu = ours["cpu_s"] / bare["cpu_s"]
            say(f"  opn-desk / bare openpyxl: {wall:.2f}x wall, {cpu:.2f}x CPU")
    return 0


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def child_run(writer: str, rows: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", writer, str(rows)]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


def run_child(writer: str, rows: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        started = time.perf_counter()
        WRITE[writer](path, rows)
        seconds = time.perf_counter() - started
        file_mb = path.stat().st_size / 1e6
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "file_mb": file_mb,
    }
    say(json.dumps(result))
    return 0


# The rows -------------------------------------------------------------------


def charges(rows: int) -> Iterator[list[object]]:
    """Rows as the app hands them to the exporter (Money, aware datetimes)."""
    from opn_desk.services.money import Money

    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(rows):
        currency = "JPY" if number % 10 == 0 else "THB"
        amount = rng.randrange(100, 5_000_000)
        fee = amount * 365 // 10_000
        refunded = amount // 2 if number % 7 == 0 else 0
        yield [
            f"chrg_test_{number:019d}",
            start + timedelta(seconds=number * 17),
            "successful",
            currency,
            *(
                Money(a, currency)
                for a in (amount, amount, refunded, fee, fee * 7 // 100)
            ),
            Money(0, currency),
            "card",
            "Visa",
            f"{number % 10_000:04d}",
            f"cust_test_{number % 5_000:06d}",
            f"ค่าอาหาร order {number}",
            BRANCHES[number % len(BRANCHES)],
            CAMPAIGNS[number % len(CAMPAIGNS)],
            f"{9_000_000_000_000_000_000 + number}",
            "online" if number % 3 else "store",
            "-" if number % 11 == 0 else "",
        ]


def plain(row: list[object]) -> list[object]:
    """The same row as plain values: Decimal amounts, naive local times."""
    from opn_desk.services.export import money_number
    from opn_desk.services.money import Money

    values: list[object] = []
    for value in row:
        if isinstance(value, Money):
            values.append(money_number(value))
        elif isinstance(value, datetime):
            values.append(value.astimezone(ZONE).replace(tzinfo=None))
        else:
            values.append(value)
    return values


# The writers ------------------------------------------------------------------


def write_opn_desk(path: Path, rows: int) -> None:
    from opn_desk.services.export import (
        ColumnKind,
        ExportFormat,
        SheetSpec,
        export_rows,
    )

    t, m = ColumnKind.TEXT, ColumnKind.MONEY
    kinds = [t, ColumnKind.DATETIME, t, t, m, m, m, m, m, m] + [t] * 10
    sheet = SheetSpec("Charges", HEADERS, charges(rows), kinds, rows)
    export_rows(path, ExportFormat.XLSX, [sheet], zone=ZONE)


def write_openpyxl(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Charges")
    sheet.append(HEADERS)
    for row in charges(rows):
        sheet.append(plain(row))
    workbook.save(path)


def write_xlsxwriter(path: Path, rows: int) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Charges")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, HEADERS)
    for number, row in enumerate(charges(rows), start=1):
        for column, value in enumerate(plain(row)):
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(number, column, value, date_format)
            elif isinstance(value, Decimal):
                sheet.write_number(number, column, value, money_format)
            else:
                sheet.write_string(number, column, str(value))
    workbook.close()


WRITE = {
    "opn-desk": write_opn_desk,
    "openpyxl": write_openpyxl,
    "xlsxwriter": write_xlsxwriter,
}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
