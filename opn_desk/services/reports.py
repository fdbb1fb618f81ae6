"""Charge reports: what a report asks for, its periods, groups and export.

A ``ReportDefinition`` is plain data (saved as JSON and rerun later). Its
period is made of days in the profile's time zone: a Bangkok day starts at
17:00 UTC the day before. ``run_report`` asks the database for the sums;
this module only lays them out.

Figures, all in the smallest unit of the group's currency:

* gross: captured amount of paid charges;
* net = gross - refunded - fee - VAT (a dispute is shown, not deducted:
  it may still be won);
* average = gross // paid charges, rounded down to the smallest unit
  (Python's integer division), 0 when nothing was paid.

Currency is always the first part of a group, and totals are per currency.

Titles of columns and sheets, "Total" and "(none)" are worded in the
display language when a sheet is built (``QCoreApplication.translate``,
context "Reports"), so the Reports tab and ``opn-desk report`` write the
language the clerk chose; without a translator they stay English. Values
(statuses, payment methods) are worded by a ``GroupWords`` function the
caller passes, the one the Reports tab's table uses.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from opn_desk.models.charge_filter import local_day_bounds
from opn_desk.models.db import session_scope
from opn_desk.models.report_queries import (
    ByColumn,
    ByMetadata,
    ByTime,
    ChargeDetail,
    Column,
    GroupFigures,
    Grouping,
    SavedReportRecord,
    count_report_charges,
    report_details,
    report_groups,
)
from opn_desk.services.export import (
    Cancelled,
    ColumnKind,
    ExportFormat,
    Progress,
    SheetSpec,
    export_rows,
)
from opn_desk.services.money import Money

_CONTEXT = "Reports"
NONE_LABEL = str(QT_TRANSLATE_NOOP("Reports", "(none)"))
METADATA_PREFIX = "metadata:"
MAX_GROUP_LEVELS = 2
MAX_TIME_SPANS = 4_000  # about eleven years of days


class Period(enum.Enum):
    """The span of time a report covers."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    CUSTOM = "custom"


class TimeStep(enum.Enum):
    """Spans of time a report can group by, or draw its line with."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


# What a report can group by, besides "metadata:<key>".
COLUMN_DIMENSIONS = tuple(column.value for column in Column)
TIME_DIMENSIONS = tuple(step.value for step in TimeStep)


class ReportError(ValueError):
    """A report definition that cannot run; ``reason`` names what is wrong.

    Reasons: ``unknown_dimension``, ``too_many_levels``, ``range_missing``,
    ``range_reversed``, ``range_too_long``, ``name_missing``. A range too
    long names the ``step`` it was to be grouped by.
    """

    def __init__(self, reason: str, step: TimeStep | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.step = step


@dataclass(frozen=True, slots=True)
class ReportDefinition:
    """What a report covers and how it groups the charges.

    ``anchor`` is a day inside the period (today when None, so a saved
    "this month" report stays current); a custom period runs from
    ``first_day`` to ``last_day``, both included. ``group_by`` holds up to
    two dimensions: a column (``payment_method``, ``card_brand``,
    ``currency``, ``status``), a time step (``day``, ``week``, ``month``)
    or ``metadata:<key>``. ``detail_keys`` are the metadata keys shown as
    columns of the detail sheet.
    """

    name: str = ""
    period: Period = Period.MONTH
    anchor: date | None = None
    first_day: date | None = None
    last_day: date | None = None
    group_by: tuple[str, ...] = ()
    detail_keys: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.group_by) > MAX_GROUP_LEVELS:
            raise ReportError("too_many_levels")
        for dimension in self.group_by:
            if not _known_dimension(dimension):
                raise ReportError("unknown_dimension")
        if self.period is Period.CUSTOM:
            if self.first_day is None or self.last_day is None:
                raise ReportError("range_missing")
            if self.first_day > self.last_day:
                raise ReportError("range_reversed")

    def with_changes(self, **changes: Any) -> ReportDefinition:
        return replace(self, **changes)

    def days(self, today: date) -> tuple[date, date]:
        """The first and last local day the report covers."""
        if self.period is Period.CUSTOM:
            assert self.first_day is not None and self.last_day is not None
            return self.first_day, self.last_day
        return period_days(self.period, self.anchor or today)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            document[item.name] = value
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> ReportDefinition:
        """Read a definition written by ``to_json``; unknown keys are ignored.

        Raises:
            ReportError: when the stored definition is no longer valid.
            ValueError, TypeError: when the document is malformed.
        """
        days = {
            name: date.fromisoformat(str(document[name]))
            if document.get(name)
            else None
            for name in ("anchor", "first_day", "last_day")
        }
        return cls(
            name=str(document.get("name", "")),
            period=Period(document.get("period", Period.MONTH.value)),
            group_by=tuple(str(item) for item in document.get("group_by", ())),
            detail_keys=tuple(str(item) for item in document.get("detail_keys", ())),
            **days,
        )


@dataclass(frozen=True, slots=True)
class ReportRow:
    """The figures of one group; ``labels`` are its values in order."""

    currency: str
    labels: tuple[str, ...]
    charges: int
    paid_charges: int
    gross: int
    refunded: int
    fee: int
    fee_vat: int
    disputed: int

    @property
    def net(self) -> int:
        return self.gross - self.refunded - self.fee - self.fee_vat

    @property
    def average(self) -> int:
        """Gross per paid charge, rounded down to the smallest unit."""
        return self.gross // self.paid_charges if self.paid_charges else 0


@dataclass(frozen=True, slots=True)
class TimePoint:
    """Gross captured in one span of time, for the chart's line."""

    currency: str
    first_day: date
    gross: int


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A report as run: its days, grouped rows, totals and timeline."""

    definition: ReportDefinition
    first_day: date
    last_day: date
    rows: list[ReportRow]
    totals: list[ReportRow]
    timeline: list[TimePoint]
    timeline_step: TimeStep

    @property
    def currencies(self) -> list[str]:
        return [total.currency for total in self.totals]


# Periods ----------------------------------------------------------------


def period_days(period: Period, anchor: date) -> tuple[date, date]:
    """The first and last day of the ``period`` that holds ``anchor``.

    Weeks start on Monday; quarters on 1 January, April, July, October.
    """
    if period is Period.DAY:
        return anchor, anchor
    if period is Period.WEEK:
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6)
    if period is Period.MONTH:
        first = anchor.replace(day=1)
        return first, _next_month(first) - timedelta(days=1)
    if period is Period.QUARTER:
        first = anchor.replace(month=(anchor.month - 1) // 3 * 3 + 1, day=1)
        end = _next_month(_next_month(_next_month(first)))
        return first, end - timedelta(days=1)
    raise ReportError("range_missing")


def span_starts(first: date, last: date, step: TimeStep) -> list[date]:
    """The first day of every span of ``step`` from ``first`` to ``last``.

    The first span starts at ``first`` even when that is mid-week or
    mid-month, so no span reaches outside the report.
    """
    starts = [first]
    while True:
        following = _step_start(starts[-1], step)
        if following > last:
            return starts
        starts.append(following)
        if len(starts) > MAX_TIME_SPANS:
            raise ReportError("range_too_long", step)


def timeline_step(first: date, last: date) -> TimeStep:
    """The step of the chart's line: days up to two months, then weeks or
    months."""
    days = (last - first).days + 1
    if days <= 62:
        return TimeStep.DAY
    return TimeStep.WEEK if days <= 190 else TimeStep.MONTH


def _step_start(day: date, step: TimeStep) -> date:
    if step is TimeStep.DAY:
        return day + timedelta(days=1)
    if step is TimeStep.WEEK:
        return day + timedelta(days=7 - day.weekday())
    return _next_month(day.replace(day=1))


def _next_month(first: date) -> date:
    if first.month == 12:
        return date(first.year + 1, 1, 1)
    return date(first.year, first.month + 1, 1)


# Running a report ---------------------------------------------------------


def run_report(
    session: Session, definition: ReportDefinition, zone: tzinfo, today: date
) -> ReportResult:
    """Group the charges of ``definition``'s period and sum their figures."""
    first, last = definition.days(today)
    start, end = local_day_bounds(first, last, zone)
    groupings, labels = _groupings(definition.group_by, first, last, zone)
    groups = report_groups(session, start, end, groupings)
    rows = sorted((_report_row(figures, labels) for figures in groups), key=_row_order)
    totals = [_report_row(f, []) for f in report_groups(session, start, end, [])]

    step = timeline_step(first, last)
    spans, span_labels = _time_grouping(first, last, step, zone)
    points = report_groups(session, start, end, [spans])
    # Spans still to come have no charges yet: the line stops at today.
    span_labels = [x for x in span_labels if date.fromisoformat(x) <= today]
    timeline = _timeline(points, span_labels)
    return ReportResult(definition, first, last, rows, totals, timeline, step)


def report_today(zone: tzinfo, now: datetime | None = None) -> date:
    """Today's date in the profile's time zone."""
    return (now or datetime.now(UTC)).astimezone(zone).date()


def group_headers(definition: ReportDefinition) -> list[str]:
    """Titles of the group columns in the display language: the currency,
    then each dimension (a metadata key as it is written)."""
    return [_tr("Currency")] + [_dimension_title(d) for d in definition.group_by]


def group_label(label: str) -> str:
    """A group's label as shown: "(none)" in the display language."""
    return _tr(NONE_LABEL) if label == NONE_LABEL else label


def _tr(text: object) -> str:
    """``text`` (a title marked for lupdate) in the display language."""
    return QCoreApplication.translate(_CONTEXT, str(text))


def _groupings(
    dimensions: Sequence[str], first: date, last: date, zone: tzinfo
) -> tuple[list[Grouping], list[list[str] | None]]:
    """SQL groupings for ``dimensions``, with labels for time spans."""
    groupings: list[Grouping] = []
    labels: list[list[str] | None] = []
    for dimension in dimensions:
        if dimension in TIME_DIMENSIONS:
            spans, names = _time_grouping(first, last, TimeStep(dimension), zone)
            groupings.append(spans)
            labels.append(names)
        elif dimension.startswith(METADATA_PREFIX):
            groupings.append(ByMetadata(dimension.removeprefix(METADATA_PREFIX)))
            labels.append(None)
        else:
            groupings.append(ByColumn(Column(dimension)))
            labels.append(None)
    return groupings, labels


def _time_grouping(
    first: date, last: date, step: TimeStep, zone: tzinfo
) -> tuple[ByTime, list[str]]:
    starts = span_starts(first, last, step)
    ends = [local_day_bounds(start, start, zone)[0] for start in starts[1:]]
    ends.append(local_day_bounds(last, last, zone)[1])
    return ByTime(tuple(ends)), [start.isoformat() for start in starts]


def _report_row(figures: GroupFigures, labels: Sequence[list[str] | None]) -> ReportRow:
    names = []
    for value, span_names in zip(figures.values, labels, strict=True):
        if value is None:
            names.append(NONE_LABEL)
        else:
            names.append(span_names[int(value)] if span_names else value)
    return ReportRow(
        figures.currency,
        tuple(names),
        figures.charges,
        figures.paid_charges,
        figures.gross,
        figures.refunded,
        figures.fee,
        figures.fee_vat,
        figures.disputed,
    )


def _row_order(row: ReportRow) -> tuple[object, ...]:
    """Currency, then each label in order, with "(none)" last."""
    return (row.currency, *((label == NONE_LABEL, label) for label in row.labels))


def _timeline(points: list[GroupFigures], labels: list[str]) -> list[TimePoint]:
    """Gross per currency and span, a span without charges at zero."""
    gross = {(p.currency, int(p.values[0] or 0)): p.gross for p in points}
    currencies = sorted({currency for currency, _index in gross})
    return [
        TimePoint(currency, date.fromisoformat(label), gross.get((currency, i), 0))
        for currency in currencies
        for i, label in enumerate(labels)
    ]


def _known_dimension(dimension: str) -> bool:
    if dimension.startswith(METADATA_PREFIX):
        return len(dimension) > len(METADATA_PREFIX)
    return dimension in COLUMN_DIMENSIONS or dimension in TIME_DIMENSIONS


_DIMENSION_TITLES = {
    "payment_method": QT_TRANSLATE_NOOP("Reports", "Payment method"),
    "card_brand": QT_TRANSLATE_NOOP("Reports", "Card brand"),
    "currency": QT_TRANSLATE_NOOP("Reports", "Currency"),
    "status": QT_TRANSLATE_NOOP("Reports", "Status"),
    "day": QT_TRANSLATE_NOOP("Reports", "Day"),
    "week": QT_TRANSLATE_NOOP("Reports", "Week"),
    "month": QT_TRANSLATE_NOOP("Reports", "Month"),
}


def _dimension_title(dimension: str) -> str:
    if dimension.startswith(METADATA_PREFIX):
        return dimension.removeprefix(METADATA_PREFIX)
    return _tr(_DIMENSION_TITLES[dimension])


# Export ----------------------------------------------------------------

# Column titles in the source English; sheets show them translated.
FIGURE_HEADERS = (
    QT_TRANSLATE_NOOP("Reports", "Charges"),
    QT_TRANSLATE_NOOP("Reports", "Paid charges"),
    QT_TRANSLATE_NOOP("Reports", "Gross captured"),
    QT_TRANSLATE_NOOP("Reports", "Refunded"),
    QT_TRANSLATE_NOOP("Reports", "Fees"),
    QT_TRANSLATE_NOOP("Reports", "VAT on fees"),
    QT_TRANSLATE_NOOP("Reports", "Net"),
    QT_TRANSLATE_NOOP("Reports", "Disputed"),
    QT_TRANSLATE_NOOP("Reports", "Average charge"),
)
DETAIL_HEADERS = (
    QT_TRANSLATE_NOOP("Reports", "Charge"),
    QT_TRANSLATE_NOOP("Reports", "Created"),
    QT_TRANSLATE_NOOP("Reports", "Status"),
    QT_TRANSLATE_NOOP("Reports", "Currency"),
    QT_TRANSLATE_NOOP("Reports", "Amount"),
    QT_TRANSLATE_NOOP("Reports", "Gross captured"),
    QT_TRANSLATE_NOOP("Reports", "Refunded"),
    QT_TRANSLATE_NOOP("Reports", "Fees"),
    QT_TRANSLATE_NOOP("Reports", "VAT on fees"),
    QT_TRANSLATE_NOOP("Reports", "Disputed"),
    QT_TRANSLATE_NOOP("Reports", "Payment method"),
    QT_TRANSLATE_NOOP("Reports", "Card brand"),
    QT_TRANSLATE_NOOP("Reports", "Description"),
)
SUMMARY_SHEET = QT_TRANSLATE_NOOP("Reports", "Summary")
DETAIL_SHEET = QT_TRANSLATE_NOOP("Reports", "Charges")
_M = ColumnKind.MONEY
_T = ColumnKind.TEXT
_FIGURE_KINDS = (ColumnKind.INTEGER, ColumnKind.INTEGER, _M, _M, _M, _M, _M, _M, _M)
_DETAIL_KINDS = (_T, ColumnKind.DATETIME, _T, _T, _M, _M, _M, _M, _M, _M, _T, _T, _T)


# (dimension, value) -> the value as the clerk reads it. The views word
# payment methods and statuses; without them, only "(none)" is translated.
GroupWords = Callable[[str, str], str]


def plain_words(_dimension: str, label: str) -> str:
    """A group's value as it is stored, "(none)" in the display language."""
    return group_label(label)


def summary_sheet(
    result: ReportResult, name: str | None = None, words: GroupWords = plain_words
) -> SheetSpec:
    """The grouped figures, then one total row per currency.

    The sheet is called ``name``, by default "Summary" in the display
    language, as are its titles; ``words`` words the groups' values.
    """
    headers = group_headers(result.definition)
    dimensions = result.definition.group_by
    rows: list[list[object]] = [
        [
            row.currency,
            *(words(d, label) for d, label in zip(dimensions, row.labels, strict=True)),
            *_figure_cells(row),
        ]
        for row in result.rows
    ]
    if result.definition.group_by:  # without groups, the rows are the totals
        blank = [_tr("Total")] + [""] * (len(headers) - 2)
        rows.extend([t.currency, *blank, *_figure_cells(t)] for t in result.totals)
    titles = headers + [_tr(title) for title in FIGURE_HEADERS]
    kinds = [_T] * len(headers) + list(_FIGURE_KINDS)
    return SheetSpec(name or _tr(SUMMARY_SHEET), titles, rows, kinds, len(rows))


def detail_sheet(
    engine: Engine,
    definition: ReportDefinition,
    zone: tzinfo,
    today: date,
    name: str | None = None,
    words: GroupWords = plain_words,
) -> SheetSpec:
    """Every charge of the report, with the chosen metadata keys as columns.

    The sheet is called ``name``, by default "Charges" in the display
    language, as are its titles; a metadata key is written as it is, and
    statuses and payment methods as ``words`` word them. The rows are read
    from the database while the file is written, in a session of the
    thread that consumes them.
    """
    first, last = definition.days(today)
    start, end = local_day_bounds(first, last, zone)
    with session_scope(engine) as session:
        count = count_report_charges(session, start, end)
    keys = definition.detail_keys
    headers = [_tr(title) for title in DETAIL_HEADERS] + list(keys)
    kinds = list(_DETAIL_KINDS) + [_T] * len(keys)
    rows = _detail_rows(engine, start, end, keys, words)
    return SheetSpec(name or _tr(DETAIL_SHEET), headers, rows, kinds, count)


def export_report(
    engine: Engine,
    result: ReportResult,
    path: Path,
    export_format: ExportFormat,
    zone: tzinfo,
    today: date,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    *,
    words: GroupWords = plain_words,
    buddhist_era: bool = False,
) -> list[Path]:
    """Write a report's summary and detail sheets to ``path``; ``words``
    words the groups' values, statuses and payment methods. With
    ``buddhist_era`` the dates are written with Buddhist-era years."""
    sheets = [
        summary_sheet(result, words=words),
        detail_sheet(engine, result.definition, zone, today, words=words),
    ]
    return export_rows(
        path,
        export_format,
        sheets,
        progress,
        cancelled,
        zone=zone,
        buddhist_era=buddhist_era,
    )


def _figure_cells(row: ReportRow) -> list[object]:
    amounts = (
        row.gross,
        row.refunded,
        row.fee,
        row.fee_vat,
        row.net,
        row.disputed,
        row.average,
    )
    return [row.charges, row.paid_charges] + [Money(a, row.currency) for a in amounts]


def _detail_rows(
    engine: Engine,
    start: datetime,
    end: datetime,
    keys: Sequence[str],
    words: GroupWords,
) -> Iterator[list[object]]:
    with session_scope(engine) as session:
        for charge in report_details(session, start, end, keys):
            yield _detail_cells(charge, words)


def _detail_cells(charge: ChargeDetail, words: GroupWords) -> list[object]:
    currency = charge.currency
    amounts = (
        charge.amount,
        charge.gross,
        charge.refunded,
        charge.fee,
        charge.fee_vat,
        charge.disputed,
    )
    return [
        charge.id,
        charge.created_at,
        words("status", charge.status),
        currency,
        *(Money(amount, currency) for amount in amounts),
        words("payment_method", charge.payment_method),
        charge.card_brand,
        charge.description,
        *charge.metadata,
    ]


# Saved definitions --------------------------------------------------------


def saved_report_names(session: Session) -> list[str]:
    """Names of the saved reports, in order."""
    statement = select(SavedReportRecord.name).order_by(SavedReportRecord.name)
    return list(session.scalars(statement))


def save_report(session: Session, definition: ReportDefinition, now: datetime) -> None:
    """Save ``definition`` under its name, replacing one of the same name."""
    if not definition.name.strip():
        raise ReportError("name_missing")
    record = session.scalar(
        select(SavedReportRecord).where(SavedReportRecord.name == definition.name)
    )
    if record is None:
        record = SavedReportRecord(name=definition.name)
        session.add(record)
    record.definition = definition.to_json()
    record.saved_at = now


def load_report(session: Session, name: str) -> ReportDefinition | None:
    """The saved report called ``name``, or None."""
    document = session.scalar(
        select(SavedReportRecord.definition).where(SavedReportRecord.name == name)
    )
    return None if document is None else ReportDefinition.from_json(document)


def delete_report(session: Session, name: str) -> None:
    record = session.scalar(
        select(SavedReportRecord).where(SavedReportRecord.name == name)
    )
    if record is not None:
        session.delete(record)
