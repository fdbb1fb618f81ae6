"""Bulk creation of charge schedules from a CSV or .xlsx file.

Every row is checked offline against the cache first (customer and card,
amount, currency, dates, cadence), and the clerk sees each bad row's
problems before anything is sent. Good rows are then created one by one
through the journal, with a pause between sends, and a result file of the
same format tells each row's outcome. A row whose ``schedule_id`` column
already holds a created schedule (a result file fed back in) is skipped,
so running a file twice creates nothing twice.

Outcomes and problems are reason codes with their parameters; the view
turns them into sentences in the clerk's language, for the screen and
for the result file alike.

Columns: ``customer``, ``card`` (empty: the default card), ``amount`` (in
the currency's main unit, e.g. 1,250.50), ``currency`` (empty: the
account's), ``description``, ``every``, ``period`` (day, week, month),
``weekdays`` (e.g. "monday friday"), ``days_of_month`` (e.g. "1 15"),
``weekday_of_month`` (e.g. last_friday), ``start_date`` (empty: today),
``end_date``, and ``metadata.<key>`` for each metadata entry. Any other
column is kept as it is.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from opn_desk.models.operations import DONE, FAILED
from opn_desk.models.schedule_queries import (
    CustomerChoice,
    account_currency,
    customer_choices,
    supported_currencies,
)
from opn_desk.services.api import ApiError
from opn_desk.services.export import (
    ColumnKind,
    ExportFormat,
    SheetSpec,
    export_rows,
)
from opn_desk.services.money import AmountError, parse_amount
from opn_desk.services.operations import Journal, OperationInFlight
from opn_desk.services.schedule_dates import (
    WEEKDAY_NAMES,
    Cadence,
    CadenceRefused,
    check_cadence,
    parse_weekday_of_month,
)
from opn_desk.services.schedules import (
    ChargeLimits,
    ScheduleRefused,
    ScheduleRequest,
    charge_limits,
    create_schedule,
)

logger = logging.getLogger(__name__)

METADATA_PREFIX = "metadata."
REQUIRED_COLUMNS = ("customer", "amount", "every", "period", "end_date")
RESULT_COLUMNS = ("outcome", "schedule_id", "message")
CREATED, INVALID, REFUSED, UNCONFIRMED, SKIPPED = (
    "created",
    "invalid",
    "refused",
    "unconfirmed",
    "skipped",
)
# Why a row ended as it did, beside its outcome.
SENT = "sent"  # created now; ``operation_id`` names the operation
CREATED_BEFORE = "created_before"  # the file already names its schedule
HAS_PROBLEMS = "has_problems"  # ``problems`` says what to fix
CANCELLED = "cancelled"  # the clerk stopped the run before this row
IN_FLIGHT = "in_flight"  # another write for the customer is unsettled
NOT_READ = "not_read"  # the API failed before sending; see ``error``
REFUSED_BY_OPN = "refused_by_opn"  # ``detail`` holds Opn's own message
NOT_CONFIRMED = "not_confirmed"  # sent; the journal still looks for it
DEFAULT_PAUSE_S = 0.5  # two sends a second at most
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\Z")
_SPLIT = re.compile(r"[\s,;]+")


class BulkFileError(ValueError):
    """A file that cannot be read as a bulk file: ``reason`` and detail."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class BulkRow:
    """One row of the file: its line number and its cells as text."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong in one cell: the column and a reason code."""

    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """A row and what it asks for, or why it cannot be sent."""

    row: BulkRow
    request: ScheduleRequest | None
    problems: tuple[RowProblem, ...]
    already_created: bool = False


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What became of one row, and why, as codes the view puts in words.

    ``outcome`` is one of CREATED, INVALID, REFUSED, UNCONFIRMED and
    SKIPPED; ``reason`` one of the reason codes above. ``schedule_id`` is
    set when a schedule exists for the row.
    """

    row: BulkRow
    outcome: str
    reason: str
    schedule_id: str | None = None
    problems: tuple[RowProblem, ...] = ()
    operation_id: str | None = None
    detail: str = ""
    error: ApiError | None = field(default=None, compare=False)


class ResultWords(Protocol):
    """Puts outcomes in words for the result file (the view's sentences)."""

    def outcome_label(self, outcome: str) -> str: ...

    def message(self, outcome: RowOutcome) -> str: ...


@dataclass(frozen=True, slots=True)
class BulkFile:
    """A file read: its columns in order and its rows."""

    columns: tuple[str, ...]
    rows: tuple[BulkRow, ...]


# Reading


def read_bulk_file(path: Path) -> BulkFile:
    """Read a .csv or .xlsx bulk file; every cell as text.

    Raises:
        BulkFileError: ``unknown_format``, ``empty`` or ``missing_columns``.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix == ".xlsx":
        table = _read_xlsx(path)
    else:
        raise BulkFileError("unknown_format", path.suffix)
    if not table:
        raise BulkFileError("empty")
    columns = tuple(c.strip() for c in table[0])
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise BulkFileError("missing_columns", ", ".join(missing))
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {
            c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns)
        }
        if any(v.strip() for v in values.values()):
            rows.append(BulkRow(number, values))
    return BulkFile(columns, tuple(rows))


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [list(row) for row in csv.reader(handle)]


def _read_xlsx(path: Path) -> list[list[str]]:
    # openpyxl loads when a workbook is read, not with the window.
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [
            [_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# Checking


def check_rows(
    session: Session, rows: tuple[BulkRow, ...], today: date
) -> list[CheckedRow]:
    """Check every row against the cache; nothing is sent."""
    account = _Account(
        customers={c.id: c for c in customer_choices(session)},
        currencies=set(supported_currencies(session)),
        default_currency=account_currency(session) or "THB",
        limits=charge_limits(session),
    )
    return [_check_row(row, account, today) for row in rows]


@dataclass(frozen=True, slots=True)
class _Account:
    """What a row is checked against, read from the cache once."""

    customers: dict[str, CustomerChoice]
    currencies: set[str]
    default_currency: str
    limits: ChargeLimits | None


def _check_row(row: BulkRow, account: _Account, today: date) -> CheckedRow:
    cells = {k: v.strip() for k, v in row.cells.items()}
    if cells.get("schedule_id", "").startswith("schd_"):
        return CheckedRow(row, None, (), already_created=True)
    problems: list[RowProblem] = []
    customer_id, card_id = _customer_and_card(cells, account.customers, problems)
    currency = (cells.get("currency") or account.default_currency).upper()
    if account.currencies and currency not in account.currencies:
        problems.append(RowProblem("currency", "unsupported_currency"))
    amount = _amount(cells.get("amount", ""), currency, problems)
    if amount is not None and account.limits is not None:
        beyond = account.limits.problem(amount, currency)
        if beyond is not None:
            problems.append(RowProblem("amount", beyond))
            amount = None
    cadence = _cadence(cells, problems)
    start_on = _date(cells, "start_date", problems) or today
    end_on = _date(cells, "end_date", problems)
    if cadence is not None and end_on is not None and not problems:
        try:
            check_cadence(cadence, start_on, end_on, today)
        except CadenceRefused as refused:
            problems.append(RowProblem(_cadence_column(refused.reason), refused.reason))
    if problems or cadence is None or end_on is None or amount is None:
        return CheckedRow(row, None, tuple(problems))
    request = ScheduleRequest(
        customer_id=customer_id,
        card_id=card_id,
        amount=amount,
        currency=currency,
        description=cells.get("description", ""),
        cadence=cadence,
        start_on=start_on,
        end_on=end_on,
        metadata={
            k[len(METADATA_PREFIX) :]: v
            for k, v in cells.items()
            if k.startswith(METADATA_PREFIX) and v
        },
    )
    return CheckedRow(row, request, ())


def _customer_and_card(
    cells: dict[str, str],
    customers: dict[str, CustomerChoice],
    problems: list[RowProblem],
) -> tuple[str, str | None]:
    customer_id = cells.get("customer", "")
    card_id = cells.get("card") or None
    customer = customers.get(customer_id)
    if not customer_id:
        problems.append(RowProblem("customer", "missing"))
    elif customer is None:
        problems.append(RowProblem("customer", "unknown_customer"))
    elif card_id is not None and card_id not in {c.id for c in customer.cards}:
        problems.append(RowProblem("card", "unknown_card"))
    elif card_id is None and not customer.default_card_id:
        problems.append(RowProblem("card", "no_card"))
    return customer_id, card_id


def _amount(text: str, currency: str, problems: list[RowProblem]) -> int | None:
    try:
        amount = parse_amount(text, currency)
    except AmountError as error:
        problems.append(RowProblem("amount", error.reason))
        return None
    if amount <= 0:
        problems.append(RowProblem("amount", "zero"))
        return None
    return amount


def _cadence(cells: dict[str, str], problems: list[RowProblem]) -> Cadence | None:
    every_text = cells.get("every", "")
    if not every_text.isdigit():
        problems.append(RowProblem("every", "not_a_whole_number"))
        return None
    period = cells.get("period", "").lower()
    try:
        weekdays = _weekdays(cells.get("weekdays", ""))
        days = tuple(sorted({int(d) for d in _words(cells.get("days_of_month", ""))}))
        wom_text = cells.get("weekday_of_month", "")
        wom = parse_weekday_of_month(wom_text) if wom_text else None
    except CadenceRefused as refused:
        problems.append(RowProblem(_cadence_column(refused.reason), refused.reason))
        return None
    except ValueError:
        problems.append(RowProblem("days_of_month", "bad_day"))
        return None
    return Cadence(int(every_text), period, weekdays, days, wom)


def _weekdays(text: str) -> tuple[int, ...]:
    names = [w.lower() for w in _words(text)]
    if any(n not in WEEKDAY_NAMES for n in names):
        raise CadenceRefused("bad_weekday")
    return tuple(sorted({WEEKDAY_NAMES.index(n) for n in names}))


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.strip()) if w]


def _date(
    cells: dict[str, str], column: str, problems: list[RowProblem]
) -> date | None:
    text = cells.get(column, "")
    if not text:
        if column == "end_date":
            problems.append(RowProblem(column, "missing"))
        return None
    match = _DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        problems.append(RowProblem(column, "bad_date"))
        return None


_CADENCE_COLUMNS = {
    "every_below_one": "every",
    "unknown_period": "period",
    "rule_on_daily": "period",
    "no_weekdays": "weekdays",
    "bad_weekday": "weekdays",
    "no_month_rule": "days_of_month",
    "two_month_rules": "days_of_month",
    "bad_day": "days_of_month",
    "bad_ordinal": "weekday_of_month",
    "no_end": "end_date",
    "end_before_start": "end_date",
    "start_in_past": "start_date",
    "no_run": "end_date",
}


def _cadence_column(reason: str) -> str:
    return _CADENCE_COLUMNS.get(reason, "period")


# Sending


def send_rows(
    journal: Journal,
    checked: list[CheckedRow],
    today: date,
    *,
    pause_s: float = DEFAULT_PAUSE_S,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[RowOutcome]:
    """Create every good row once, pausing between sends; each row's outcome.

    Bad rows are not sent: their outcome is ``invalid`` with the problems.
    A cancel leaves the rows not yet sent ``skipped``.
    """
    outcomes: list[RowOutcome] = []
    sent = 0
    for done, item in enumerate(checked, start=1):
        if item.already_created:
            schedule_id = item.row.cells.get("schedule_id", "").strip()
            outcome = RowOutcome(item.row, CREATED, CREATED_BEFORE, schedule_id)
        elif item.request is None:
            outcome = RowOutcome(
                item.row, INVALID, HAS_PROBLEMS, problems=item.problems
            )
        elif cancelled is not None and cancelled():
            outcome = RowOutcome(item.row, SKIPPED, CANCELLED)
        else:
            if sent and pause_s > 0:
                time.sleep(pause_s)
            sent += 1
            outcome = _send_one(journal, item.row, item.request, today)
        outcomes.append(outcome)
        if progress is not None:
            progress(done, len(checked))
    return outcomes


def _send_one(
    journal: Journal, row: BulkRow, request: ScheduleRequest, today: date
) -> RowOutcome:
    try:
        operation = create_schedule(journal, request, today)
    except ScheduleRefused as refused:
        problem = RowProblem("", refused.reason)
        return RowOutcome(row, INVALID, HAS_PROBLEMS, problems=(problem,))
    except OperationInFlight:
        return RowOutcome(row, UNCONFIRMED, IN_FLIGHT)
    except ApiError as error:
        logger.warning("Bulk row %s not sent: %s", row.number, error)
        return RowOutcome(row, UNCONFIRMED, NOT_READ, error=error)
    if operation.state == DONE:
        return RowOutcome(
            row, CREATED, SENT, operation.result_id, operation_id=operation.id
        )
    if operation.error_code and operation.state == FAILED:
        detail = operation.error_message or operation.error_code
        return RowOutcome(
            row, REFUSED, REFUSED_BY_OPN, operation_id=operation.id, detail=detail
        )
    return RowOutcome(row, UNCONFIRMED, NOT_CONFIRMED, operation_id=operation.id)


# The result file


def write_result_file(
    path: Path,
    source: BulkFile,
    outcomes: list[RowOutcome],
    words: ResultWords,
) -> None:
    """Write every row with its outcome, as .csv or .xlsx by the file name.

    ``words`` gives the outcome labels and messages in the clerk's
    language. Written by the shared exporter, so a cell that looks like
    a formula stays text.
    """
    columns = list(source.columns)
    columns += [c for c in RESULT_COLUMNS if c not in source.columns]
    rows = []
    for item in outcomes:
        cells = {
            **item.row.cells,
            "outcome": words.outcome_label(item.outcome),
            "schedule_id": item.schedule_id or "",
            "message": words.message(item),
        }
        rows.append([cells.get(c, "") for c in columns])
    xlsx = path.suffix.lower() == ".xlsx"
    sheet = SheetSpec(
        name="Schedules",
        headers=columns,
        rows=rows,
        kinds=[ColumnKind.TEXT] * len(columns),
        row_count=len(rows),
    )
    export_rows(path, ExportFormat.XLSX if xlsx else ExportFormat.CSV, [sheet])
