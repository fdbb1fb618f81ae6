"""``opn-desk report``: a described and a saved report written headless."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from display_language import REPO, compile_catalogs
from sqlalchemy import Engine

from opn_desk import i18n
from opn_desk.__main__ import main
from opn_desk.models.charges import ChargeRecord
from opn_desk.models.db import open_engine, session_scope
from opn_desk.services.profiles import Profile, ProfileBook, save_profiles
from opn_desk.services.reports import Period, ReportDefinition, save_report
from opn_desk.services.settings import save_display

FETCHED_AT = datetime(2026, 3, 1, tzinfo=UTC)


def charge(
    charge_id: str, created_at: datetime, amount: int, branch: str
) -> ChargeRecord:
    return ChargeRecord(
        id=charge_id, livemode=False, created_at=created_at, amount=amount,
        currency="THB", status="successful", payment_method="card",
        card_brand="Visa", authorized=True, paid=True, capturable=False,
        refundable=True, captured_amount=amount, refunded_amount=0,
        charge_metadata={"branch": branch}, raw={}, fetched_at=FETCHED_AT,
    )  # fmt: skip


@pytest.fixture
def shop_cache(opn_home: Path, tmp_path: Path, qapp: Any) -> Engine:
    """A profile "Shop" over a cache of three charges.

    The command runs in the test's process, where the test's Qt
    application (``qapp``) is the one it finds and speaks through.
    """
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = open_engine(url)
    with session_scope(engine) as session:
        session.add(
            charge("chrg_a", datetime(2026, 1, 5, 3, tzinfo=UTC), 10_050, "สีลม")
        )
        session.add(
            charge("chrg_b", datetime(2026, 1, 6, 3, tzinfo=UTC), 900, "Phuket")
        )
        session.add(
            charge("chrg_c", datetime(2026, 2, 6, 3, tzinfo=UTC), 700, "Phuket")
        )
    book = ProfileBook()
    book.put(Profile(name="Shop", mode="test", database_url=url))
    save_profiles(book)
    return engine


def test_a_described_report_is_written_as_xlsx(
    shop_cache: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "january.xlsx"

    code = main([
        "report", "--period", "month", "--day", "2026-01-20",
        "--group-by", "metadata:branch", "--output", str(path),
    ])  # fmt: skip

    assert code == 0
    workbook = openpyxl.load_workbook(path)
    rows = [[c.value for c in row] for row in workbook["Summary"].iter_rows(min_row=2)]
    assert [row[:3] for row in rows] == [
        ["THB", "Phuket", 1],
        ["THB", "สีลม", 1],
        ["THB", "Total", 2],
    ]
    assert Decimal(str(rows[2][4])) == Decimal("109.50")
    assert workbook["Charges"].max_row == 3


def test_a_saved_report_is_written_as_csv(shop_cache: Engine, tmp_path: Path) -> None:
    definition = ReportDefinition(
        name="Feb", period=Period.MONTH, anchor=date(2026, 2, 1), group_by=("status",)
    )
    with session_scope(shop_cache) as session:
        save_report(session, definition, FETCHED_AT)
    path = tmp_path / "feb.csv"

    code = main(["report", "--saved", "Feb", "-o", str(path)])

    assert code == 0
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[1][:5] == ["THB", "Successful", "1", "1", "7.00"]


def test_an_unknown_saved_report_says_so(
    shop_cache: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "--saved", "Nope", "-o", str(tmp_path / "x.xlsx")])

    assert code == 2
    assert "no saved report named 'Nope'" in capsys.readouterr().out
    assert not (tmp_path / "x.xlsx").exists()


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_catalogs(tmp_path_factory.mktemp("catalogs"))


@pytest.mark.parametrize(
    ("language", "sheets", "titles"),
    [
        ("en", ["Summary", "Charges"], ["Currency", "branch", "Charges"]),
        ("th", ["สรุป", "รายการชำระเงิน"], ["สกุลเงิน", "branch", "รายการชำระเงิน"]),
    ],
)
def test_the_report_speaks_the_language_of_the_settings(
    shop_cache: Engine,
    tmp_path: Path,
    catalogs: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    sheets: list[str],
    titles: list[str],
) -> None:
    save_display(language, buddhist_era=False)
    # The compiled catalogs of this run, where a build has them beside
    # the app.
    monkeypatch.setattr(i18n, "translations_dir", lambda: catalogs)
    path = tmp_path / "january.xlsx"

    code = main([
        "report", "--day", "2026-01-20", "--group-by", "metadata:branch",
        "-o", str(path),
    ])  # fmt: skip

    assert code == 0
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == sheets
    summary = workbook.worksheets[0]
    assert [cell.value for cell in summary[1][:3]] == titles
    assert summary["B4"].value == ("รวม" if language == "th" else "Total")
    detail = workbook.worksheets[1]
    assert [detail["C2"].value, detail["K2"].value] == (
        ["สำเร็จ", "บัตร"] if language == "th" else ["Successful", "Card"]
    )


def test_the_command_runs_without_a_display(
    shop_cache: Engine, opn_home: Path, tmp_path: Path
) -> None:
    """A process of its own, with no display and no windowing at all."""
    path = tmp_path / "february.xlsx"
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    environment["OPN_DESK_HOME"] = str(opn_home)
    command = [sys.executable, "-m", "opn_desk", "report", "--day", "2026-02-01"]

    finished = subprocess.run(
        [*command, "-o", str(path)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "1 charges" in finished.stdout
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Summary", "Charges"]
    assert workbook["Charges"]["A2"].value == "chrg_c"
