"""Writing tables to .xlsx and CSV files: the one exporter of the app.

Every tab exports through ``export_rows``: it takes sheets of rows as
iterators and streams them to the file, so a million charges never sit in
memory at once. It makes every cell safe on the way:

* Text is always text. A value that starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is written as a string cell (openpyxl's data
  type ``s``), so a spreadsheet never runs it as a formula and the clerk
  sees the value exactly as it was (and "#N/A" is text, not an error).
  A CSV file has no cell types, so there such text gets a leading
  apostrophe, which Excel reads as "text". An .xlsx cell keeps at most
  32,767 characters of a text.
* Characters that an .xlsx file cannot hold (control characters) are
  removed instead of failing the export.
* Ids stay text, so a long numeric order id keeps every digit.
* Amounts are numbers: the smallest unit divided exactly by the currency's
  scale with ``Decimal``, with the currency's number format, which shows
  the currency's code beside the number.
* Points in time are Excel dates in the profile's time zone.
* Sheet names are made valid and unique; a sheet that reaches the row
  limit continues on a next sheet with the same header.

Files are written next to their target and renamed into place at the end,
so a cancelled or failed export leaves nothing half written.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import itertools
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING

from opn_desk.eras import export_date_text
from opn_desk.services.money import Money, decimals, format_amount

# openpyxl is loaded by the first .xlsx export (the functions that need it
# import it), not with the app: it would add a tenth of a second to every
# start.
if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

logger = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_576
SHEET_NAME_MAX_CHARS = 31
EXCEL_MAX_CELL_CHARS = 32_767
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY_ROWS = 1_000
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH_CHARS = 8
MAX_WIDTH_CHARS = 60

_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# The control characters XML 1.0 does not allow, which an .xlsx cannot hold.
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_DATE_FORMAT = "yyyy-mm-dd"
_KIND_WIDTHS = {"datetime": 20, "date": 12}

Progress = Callable[[int, int | None], None]
Cancelled = Callable[[], bool]


class ExportFormat(enum.Enum):
    """The file formats an export can be written in."""

    XLSX = "xlsx"
    CSV = "csv"


class ColumnKind(enum.Enum):
    """What a column holds, which decides its cell type and format.

    ``MONEY`` cells take ``Money`` values (an amount in the smallest unit
    and its currency); ``DATETIME`` cells take aware datetimes.
    """

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DATETIME = "datetime"
    DATE = "date"


_DATED_KINDS = frozenset({ColumnKind.DATETIME, ColumnKind.DATE})


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """One table to export: a name, its headers and its rows.

    ``rows`` is consumed once, lazily. ``row_count``, when known, lets the
    progress bar show a total.
    """

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    kinds: Sequence[ColumnKind]
    row_count: int | None = None

    def __post_init__(self) -> None:
        if len(self.headers) != len(self.kinds):
            raise ValueError("a sheet needs one column kind per header")


class ExportCancelled(Exception):
    """The clerk cancelled the export; no file was left behind."""


def export_rows(
    path: Path,
    export_format: ExportFormat,
    sheets: Sequence[SheetSpec],
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    *,
    zone: tzinfo = UTC,
    row_limit: int = EXCEL_MAX_ROWS,
    buddhist_era: bool = False,
) -> list[Path]:
    """Write ``sheets`` to ``path``; returns the files written.

    An .xlsx file holds every sheet. CSV holds one table per file: the
    first sheet goes to ``path`` and each further sheet to a file next to
    it named after the sheet. ``row_limit`` counts the header row and
    applies to .xlsx only. ``progress(rows_done, rows_total)`` is called
    every thousand rows; ``cancelled()`` is asked as often and, when true,
    stops the export with ``ExportCancelled``. With ``buddhist_era``,
    dates and times are written as text with Buddhist-era years (see
    ``in_buddhist_era``).

    Raises:
        ExportCancelled: when ``cancelled()`` answered true.
        OSError: when the file cannot be written.
    """
    if row_limit < 2:
        raise ValueError("a sheet needs room for a header and a row")
    if buddhist_era:
        sheets = [in_buddhist_era(sheet, zone) for sheet in sheets]
    tracker = _Tracker(progress, cancelled, _total_rows(sheets))
    if export_format is ExportFormat.XLSX:
        targets = [path]
        writers = [
            partial(
                _write_xlsx,
                sheets=sheets,
                zone=zone,
                tracker=tracker,
                row_limit=row_limit,
            )
        ]
    else:
        targets = _csv_paths(path, sheets)
        writers = [
            partial(_write_csv, sheet=sheet, zone=zone, tracker=tracker)
            for sheet in sheets
        ]
    _write_atomically(targets, writers)
    tracker.finish()
    logger.info("Exported %s rows to %s", tracker.done, path)
    return targets


def in_buddhist_era(sheet: SheetSpec, zone: tzinfo) -> SheetSpec:
    """``sheet`` with its dates and times as text in the Buddhist era.

    A spreadsheet's dates are Gregorian, and no number format shows a
    Buddhist-era year in every spreadsheet program; text such as
    ``2569-12-03 14:05:09`` shows the same everywhere and still sorts by
    date. Times are written in ``zone``.
    """
    dated = [i for i, kind in enumerate(sheet.kinds) if kind in _DATED_KINDS]
    if not dated:
        return sheet

    def rows() -> Iterator[Sequence[object]]:
        for row in sheet.rows:
            values = list(row)
            for index in dated:
                values[index] = _buddhist_era_text(values[index], zone)
            yield values

    kinds = [ColumnKind.TEXT if k in _DATED_KINDS else k for k in sheet.kinds]
    return dataclasses.replace(sheet, rows=rows(), kinds=kinds)


def _buddhist_era_text(value: object, zone: tzinfo) -> object:
    if isinstance(value, datetime):
        return export_date_text(_local_naive(value, zone), buddhist_era=True)
    if isinstance(value, date):
        return export_date_text(value, buddhist_era=True)
    return value


def safe_sheet_names(names: Iterable[str]) -> list[str]:
    """Valid, unique sheet names for ``names``, in order.

    Forbidden characters become spaces, names are cut to 31 characters,
    an empty name becomes "Sheet", and a name already taken (Excel ignores
    case) gets " (2)", " (3)"... within the 31 characters.
    """
    taken: set[str] = set()
    result: list[str] = []
    for name in names:
        unique = _unique_name(_valid_name(name), taken)
        taken.add(unique.casefold())
        result.append(unique)
    return result


def safe_text(value: str) -> str:
    """``value`` without the characters an .xlsx file cannot hold."""
    if _ILLEGAL_CHARACTERS.search(value) is None:
        return value
    return _ILLEGAL_CHARACTERS.sub("", value)


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula."""
    return text.startswith(FORMULA_STARTS)


def money_number(money: Money) -> Decimal:
    """An amount in the currency's main unit, exactly: 123456 THB -> 1234.56."""
    return Decimal(money.amount).scaleb(-decimals(money.currency))


def money_number_format(currency: str) -> str:
    """The Excel number format of ``currency``, which shows its code.

    '#,##0.00 "THB";-#,##0.00 "THB"' for baht, '#,##0 "JPY";-#,##0 "JPY"'
    for yen: the cell stays a number that sums, and a column that mixes
    currencies still says which each amount is in. The code rather than
    a symbol, since "$" alone could be any of several dollars.
    """
    places = decimals(currency)
    number = "#,##0." + "0" * places if places else "#,##0"
    code = "".join(c for c in currency.upper() if c.isascii() and c.isalnum())
    if not code:
        return number
    return f'{number} "{code}";-{number} "{code}"'


# Progress and cancel ------------------------------------------------------


class _Tracker:
    """Counts rows written, reports progress and checks for a cancel."""

    def __init__(
        self, progress: Progress | None, cancelled: Cancelled | None, total: int | None
    ) -> None:
        self._progress = progress
        self._cancelled = cancelled
        self.total = total
        self.done = 0

    def row_written(self) -> None:
        self.done += 1
        if self.done % PROGRESS_EVERY_ROWS == 0:
            self.check()

    def check(self) -> None:
        if self._cancelled is not None and self._cancelled():
            raise ExportCancelled
        if self._progress is not None:
            self._progress(self.done, self.total)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress(self.done, self.total)


def _total_rows(sheets: Sequence[SheetSpec]) -> int | None:
    counts = [sheet.row_count for sheet in sheets]
    if any(count is None for count in counts):
        return None
    return sum(count for count in counts if count is not None)


def _write_atomically(
    targets: Sequence[Path], writers: Sequence[Callable[[Path], None]]
) -> None:
    """Write each file through a hidden file next to it; rename them all
    into place only once every one is complete."""
    parts = [target.with_name(f".{target.name}.part") for target in targets]
    try:
        for part, write in zip(parts, writers, strict=True):
            write(part)
        for part, target in zip(parts, targets, strict=True):
            os.replace(part, target)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)


# Sheet names --------------------------------------------------------------


def _valid_name(name: str) -> str:
    cleaned = _FORBIDDEN_IN_SHEET_NAME.sub(" ", safe_text(name))
    cleaned = cleaned.strip().strip("'").strip()
    if cleaned.casefold() == "history":  # Excel keeps this name for itself
        cleaned = f"{cleaned} 1"
    return cleaned[:SHEET_NAME_MAX_CHARS].rstrip().rstrip("'") or "Sheet"


def _unique_name(name: str, taken: set[str]) -> str:
    candidate = name
    for number in itertools.count(2):
        if candidate.casefold() not in taken:
            return candidate
        suffix = f" ({number})"
        stem = name[: SHEET_NAME_MAX_CHARS - len(suffix)].rstrip()
        candidate = f"{stem}{suffix}"
    raise AssertionError("unreachable")


# .xlsx --------------------------------------------------------------------


def _write_xlsx(
    path: Path,
    *,
    sheets: Sequence[SheetSpec],
    zone: tzinfo,
    tracker: _Tracker,
    row_limit: int,
) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    try:
        for sheet in sheets:
            _write_sheet(workbook, sheet, taken, zone, tracker, row_limit)
        tracker.check()
        workbook.save(path)
    except BaseException:
        _discard(workbook)
        raise


def _discard(workbook: Workbook) -> None:
    """Close the worksheets of an abandoned workbook and drop their
    temporary files, which openpyxl would otherwise write to at exit.

    A save that failed (a folder that is gone, a full disk) may have
    closed some of them already; those are left alone.
    """
    for worksheet in workbook.worksheets:
        writer = worksheet._writer  # noqa: SLF001 - no public way to drop it
        if writer is None or worksheet.closed:
            continue
        try:
            worksheet.close()
        finally:
            writer.cleanup()


def _write_sheet(
    workbook: Workbook,
    sheet: SheetSpec,
    taken: set[str],
    zone: tzinfo,
    tracker: _Tracker,
    row_limit: int,
) -> None:
    """Write one table, on as many worksheets as the row limit asks."""
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    widths = _column_widths(sheet, sample, zone)
    remaining: Iterator[Sequence[object]] = itertools.chain(sample, rows)
    name = _valid_name(sheet.name)
    while True:
        title = _unique_name(name, taken)
        taken.add(title.casefold())
        worksheet = _start_worksheet(workbook, title, sheet, widths)
        cells = _XlsxCells(worksheet, sheet.kinds, zone)
        written = 0
        for row in itertools.islice(remaining, row_limit - 1):
            worksheet.append(cells.row(row))
            written += 1
            tracker.row_written()
        _finish_worksheet(worksheet, len(sheet.headers), written)
        if written < row_limit - 1:
            return
        following = next(remaining, None)
        if following is None:
            return
        remaining = itertools.chain([following], remaining)


def _start_worksheet(
    workbook: Workbook, title: str, sheet: SheetSpec, widths: list[int]
) -> WriteOnlyWorksheet:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    worksheet = workbook.create_sheet(title)
    # Rows reach openpyxl as finished cells, each typed and placed by
    # _XlsxCells; openpyxl's own conversion would guess the type of every
    # value again (and take text that starts with "=" for a formula).
    worksheet._values_to_row = _placed_cells  # noqa: SLF001
    for number, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(number)].width = width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header: list[Cell | None] = []
    for column, text in enumerate(sheet.headers, start=1):
        cell = _new_cell(worksheet, column)
        _set_text(cell, _text_value(text))
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    return worksheet


def _finish_worksheet(
    worksheet: WriteOnlyWorksheet, columns: int, rows_written: int
) -> None:
    from openpyxl.utils import get_column_letter

    last = f"{get_column_letter(max(columns, 1))}{rows_written + 1}"
    worksheet.auto_filter.ref = f"A1:{last}"


def _placed_cells(cells: list[Cell | None], row: int) -> Iterator[Cell]:
    """The cells of one row, given their row number; None is an empty cell.

    Stands in for ``WriteOnlyWorksheet._values_to_row``, which openpyxl
    calls with what was appended and the row's number.
    """
    for cell in cells:
        if cell is not None:
            cell.row = row
            yield cell


def _new_cell(worksheet: WriteOnlyWorksheet, column: int) -> Cell:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet)
    cell.column = column
    return cell


def _set_text(cell: Cell, text: str) -> None:
    """Put ``text`` in ``cell`` as a string, never a formula or an error.

    ``text`` is already free of illegal characters; the cell's value is
    set directly because openpyxl's setter would read a leading "=" as a
    formula and "#N/A" as an error.
    """
    cell._value = text[:EXCEL_MAX_CELL_CHARS]  # noqa: SLF001
    cell.data_type = "s"


class _XlsxCells:
    """Turns a row of values into the cells of one worksheet.

    Each column gets its own converter and its own cells: one for text,
    one per number format. The cells are reused from row to row, since
    the write-only worksheet writes a row out before the next is built.
    Every value is given its type here, so text always stays text.
    """

    def __init__(
        self,
        worksheet: WriteOnlyWorksheet,
        kinds: Sequence[ColumnKind],
        zone: tzinfo,
    ) -> None:
        self._worksheet = worksheet
        self._zone = zone
        makers = {
            ColumnKind.TEXT: self._text_column,
            ColumnKind.INTEGER: self._integer_column,
            ColumnKind.MONEY: self._money_column,
            ColumnKind.DATETIME: self._datetime_column,
            ColumnKind.DATE: self._date_column,
        }
        self._converters = [
            makers[kind](column) for column, kind in enumerate(kinds, start=1)
        ]

    def row(self, values: Sequence[object]) -> list[Cell | None]:
        return [
            convert(value)
            for convert, value in zip(self._converters, values, strict=True)
        ]

    def _cell(self, column: int, number_format: str | None = None) -> Cell:
        cell = _new_cell(self._worksheet, column)
        if number_format is not None:
            cell.number_format = number_format
        return cell

    def _text_column(self, column: int) -> Callable[[object], Cell | None]:
        cell = self._cell(column)
        search = _ILLEGAL_CHARACTERS.search

        def convert(value: object) -> Cell | None:
            if value is None or value == "":
                return None
            text = value if type(value) is str else str(value)
            if search(text) is not None:
                text = safe_text(text)
            # Typed as a string, even text that starts with "=" shows
            # exactly as it was; an apostrophe in front would become part
            # of the value in .xlsx.
            _set_text(cell, text)
            return cell

        return convert

    def _integer_column(self, column: int) -> Callable[[object], Cell | None]:
        cell = self._cell(column)
        as_text = self._text_column(column)

        def convert(value: object) -> Cell | None:
            if type(value) is not int:
                return as_text(value)
            cell._value = value  # noqa: SLF001
            cell.data_type = "n"
            return cell

        return convert

    def _money_column(self, column: int) -> Callable[[object], Cell | None]:
        cells: dict[str, tuple[Cell, int]] = {}
        as_text = self._text_column(column)

        def convert(value: object) -> Cell | None:
            if type(value) is not Money:
                return as_text(value)
            known = cells.get(value.currency)
            if known is None:
                cell = self._cell(column, money_number_format(value.currency))
                cell.data_type = "n"
                known = cells[value.currency] = (cell, -decimals(value.currency))
            cell, exponent = known
            cell._value = Decimal(value.amount).scaleb(exponent)  # noqa: SLF001
            return cell

        return convert

    def _datetime_column(self, column: int) -> Callable[[object], Cell | None]:
        moments = self._cell(column, _DATETIME_FORMAT)
        moments.data_type = "d"
        days = self._cell(column, _DATE_FORMAT)
        days.data_type = "d"
        as_text = self._text_column(column)
        zone = self._zone

        def convert(value: object) -> Cell | None:
            if isinstance(value, datetime):
                moments._value = _local_naive(value, zone)  # noqa: SLF001
                return moments
            if isinstance(value, date):
                days._value = value  # noqa: SLF001
                return days
            return as_text(value)

        return convert

    # A date column takes datetimes too, shown with their time.
    _date_column = _datetime_column


def _text_value(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return safe_text(text)


def _local_naive(moment: datetime, zone: tzinfo) -> datetime:
    """The wall-clock time of ``moment`` in ``zone``, as Excel wants it."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def _column_widths(
    sheet: SheetSpec, sample: list[Sequence[object]], zone: tzinfo
) -> list[int]:
    """Widths in characters that fit the header and the first rows."""
    widths: list[int] = []
    for index, (header, kind) in enumerate(
        zip(sheet.headers, sheet.kinds, strict=True)
    ):
        longest = max(
            [len(header), _KIND_WIDTHS.get(kind.value, 0)]
            + [len(_display_text(row[index], zone)) for row in sample]
        )
        widths.append(min(max(longest + 2, MIN_WIDTH_CHARS), MAX_WIDTH_CHARS))
    return widths


def _display_text(value: object, zone: tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return format_amount(value.amount, value.currency, with_symbol=False)
    if isinstance(value, datetime):
        return _local_naive(value, zone).isoformat(sep=" ")
    return str(value)


# CSV ----------------------------------------------------------------------


def _csv_paths(path: Path, sheets: Sequence[SheetSpec]) -> list[Path]:
    names = safe_sheet_names(sheet.name for sheet in sheets)
    paths = [path]
    for name in names[1:]:
        paths.append(path.with_name(f"{path.stem} - {name}{path.suffix}"))
    return paths


def _write_csv(
    path: Path, *, sheet: SheetSpec, zone: tzinfo, tracker: _Tracker
) -> None:
    """One table as CSV, UTF-8 with a byte order mark so Excel reads Thai."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        _write_csv_rows(stream, sheet, zone, tracker)


def _write_csv_rows(
    stream: IO[str], sheet: SheetSpec, zone: tzinfo, tracker: _Tracker
) -> None:
    writer = csv.writer(stream)
    writer.writerow([_csv_text(header) for header in sheet.headers])
    converters = [_CSV_CONVERTERS[kind] for kind in sheet.kinds]
    for row in sheet.rows:
        writer.writerow(
            [
                convert(value, zone)
                for convert, value in zip(converters, row, strict=False)
            ]
        )
        tracker.row_written()


def _csv_text(value: object, _zone: tzinfo | None = None) -> str:
    if value is None:
        return ""
    text = _text_value(value)
    if looks_like_formula(text):
        return "'" + text
    return text


def _csv_integer(value: object, zone: tzinfo) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _csv_text(value)


def _csv_money(value: object, zone: tzinfo) -> str:
    if isinstance(value, Money):
        return format_amount(
            value.amount, value.currency, with_symbol=False, grouping=False
        )
    return _csv_text(value)


def _csv_datetime(value: object, zone: tzinfo) -> str:
    if isinstance(value, datetime):
        return _local_naive(value, zone).isoformat(sep=" ", timespec="seconds")
    return _csv_date(value, zone)


def _csv_date(value: object, zone: tzinfo) -> str:
    if isinstance(value, datetime):
        return _csv_datetime(value, zone)
    if isinstance(value, date):
        return value.isoformat()
    return _csv_text(value)


_CSV_CONVERTERS: dict[ColumnKind, Callable[[object, tzinfo], str]] = {
    ColumnKind.TEXT: _csv_text,
    ColumnKind.INTEGER: _csv_integer,
    ColumnKind.MONEY: _csv_money,
    ColumnKind.DATETIME: _csv_datetime,
    ColumnKind.DATE: _csv_date,
}
