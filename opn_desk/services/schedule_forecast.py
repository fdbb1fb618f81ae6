"""The charges running schedules are expected to make, per day or month.

Each running schedule's run dates in the window come from the app's own
date rules, so the forecast reaches past the 30 dates the API lists.
Amounts add up per currency, never across currencies. Retries and runs
that may fail are not foreseen: the forecast is what is planned.

Only a schedule that will run counts: a suspended, expired or deleted
one forecasts nothing, and neither does one paused in the dashboard
(its ``state`` is ``Paused``: it keeps its status but does not execute).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opn_desk.models.recurring import ScheduleRecord
from opn_desk.models.schedule_queries import (
    ScheduleFilter,
    ScheduleItem,
    list_schedules,
)
from opn_desk.services.export import (
    ColumnKind,
    ExportFormat,
    SheetSpec,
    export_rows,
)
from opn_desk.services.money import Money
from opn_desk.services.schedule_dates import (
    CadenceRefused,
    cadence_from_api,
    dates_between,
)

DAY, MONTH = "day", "month"
NO_VALUE = ""
PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class ForecastLine:
    """Charges expected in one period for one group and currency.

    ``period`` is a date (``YYYY-MM-DD``) or a month (``YYYY-MM``);
    ``group`` is the value of the grouping metadata key ("" when a
    schedule lacks it, or when not grouped); ``amount`` in smallest units.
    """

    period: str
    group: str
    currency: str
    charges: int
    amount: int


def forecast_schedules(session: Session) -> list[ScheduleItem]:
    """The schedules that will run: live, not deleted and not paused."""
    live = list_schedules(session, ScheduleFilter(live_only=True))
    rows = session.execute(
        select(ScheduleRecord.id, ScheduleRecord.deleted, ScheduleRecord.raw).where(
            ScheduleRecord.id.in_([item.id for item in live])
        )
    )
    stopped = {row.id for row in rows if row.deleted or _stopped(row.raw)}
    return [item for item in live if item.id not in stopped]


def _stopped(raw: dict[str, Any]) -> bool:
    """Deleted or paused, whatever the status still says."""
    state = str(raw.get("state") or "").lower()
    return bool(raw.get("deleted")) or state == PAUSED


def forecast(
    schedules: list[ScheduleItem],
    first: date,
    last: date,
    *,
    by: str = DAY,
    group_key: str | None = None,
) -> list[ForecastLine]:
    """Expected charges from ``first`` to ``last`` inclusive, in order."""
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for item in schedules:
        if not item.live or item.start_on is None or item.end_on is None:
            continue
        try:
            cadence = cadence_from_api(item.every, item.period, item.on)
        except CadenceRefused:
            continue
        group = item.metadata.get(group_key, NO_VALUE) if group_key else NO_VALUE
        for day in dates_between(cadence, item.start_on, item.end_on, first, last):
            period = day.isoformat() if by == DAY else day.isoformat()[:7]
            total = totals[(period, group, item.currency)]
            total[0] += 1
            total[1] += item.amount
    return [
        ForecastLine(period, group, currency, charges, amount)
        for (period, group, currency), (charges, amount) in sorted(totals.items())
    ]


def metadata_keys(schedules: list[ScheduleItem]) -> list[str]:
    """Every metadata key the schedules use, to group the forecast by."""
    return sorted({key for item in schedules for key in item.metadata})


def export_forecast(
    path: Path,
    lines: list[ForecastLine],
    group_key: str | None,
    headers: list[str] | None = None,
    *,
    sheet_name: str = "Forecast",
    unset_group: str = NO_VALUE,
) -> list[Path]:
    """Write the forecast to .xlsx (or .csv) with the shared exporter.

    The pane passes its words in the clerk's language: ``headers``, the
    five column titles (by default English, the second the grouping key),
    ``sheet_name``, and ``unset_group``, written for schedules that lack
    the grouping key as the table shows them.
    """
    headers = headers or [
        "Period",
        group_key or "Group",
        "Currency",
        "Charges",
        "Amount",
    ]
    kinds = [
        ColumnKind.TEXT,
        ColumnKind.TEXT,
        ColumnKind.TEXT,
        ColumnKind.INTEGER,
        ColumnKind.MONEY,
    ]
    rows = (
        [
            line.period,
            line.group or (unset_group if group_key else NO_VALUE),
            line.currency,
            line.charges,
            Money(line.amount, line.currency),
        ]
        for line in lines
    )
    sheet = SheetSpec(sheet_name, headers, rows, kinds, row_count=len(lines))
    xlsx = path.suffix.lower() != ".csv"
    return export_rows(path, ExportFormat.XLSX if xlsx else ExportFormat.CSV, [sheet])
