"""Headless reports: ``opn-desk report`` runs a saved or described report
over a profile's cache and writes the .xlsx or CSV file.

The file's titles, statuses and payment methods are in the language
chosen in the app's settings (the system's when none is chosen), as an
export from the Reports tab would be.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication
    from sqlalchemy.orm import Session

    from opn_desk.services.export import ExportFormat
    from opn_desk.services.reports import ReportDefinition

logger = logging.getLogger(__name__)

# The periods of ``opn_desk.services.reports.Period``, named here so that
# building the parser imports nothing heavy.
PERIODS = ("day", "week", "month", "quarter", "custom")


def add_report_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``report`` subcommand and its options."""
    report = commands.add_parser(
        "report",
        help="run a saved or described report without a window and write the file",
    )
    report.add_argument("--profile", dest="report_profile", help="profile to read")
    report.add_argument("--saved", help="name of a saved report to run")
    report.add_argument(
        "--period",
        choices=PERIODS,
        default="month",
        help="span of the report (default: month)",
    )
    report.add_argument(
        "--day", type=date.fromisoformat, help="a day in the period, YYYY-MM-DD"
    )
    report.add_argument("--from", dest="first_day", type=date.fromisoformat)
    report.add_argument("--to", dest="last_day", type=date.fromisoformat)
    report.add_argument(
        "--group-by",
        action="append",
        default=[],
        metavar="DIMENSION",
        help=(
            "payment_method, card_brand, currency, status, day, week, month "
            "or metadata:KEY; give it twice for two levels"
        ),
    )
    report.add_argument(
        "--column", action="append", default=[], metavar="KEY",
        help="a metadata key to add as a column of the detail sheet",
    )  # fmt: skip
    report.add_argument("--output", "-o", type=Path, required=True)


def run_report_command(args: argparse.Namespace, profile_name: str | None) -> int:
    """Run the report ``args`` describe; returns the process exit code."""
    from zoneinfo import ZoneInfo

    from opn_desk.models.db import open_engine, session_scope
    from opn_desk.services.profiles import load_profiles
    from opn_desk.services.reports import (
        ReportError,
        export_report,
        report_today,
        run_report,
    )
    from opn_desk.services.settings import buddhist_era_shown
    from opn_desk.views.labels import report_group_label

    book = load_profiles()
    name = args.report_profile or profile_name or (book.active if book else None)
    profile = book.get(name) if book and name else None
    if profile is None:
        _say(f"There is no profile named {name!r}. Run `opn-desk sync` first.")
        return 2
    _app = _speaking_app()  # held until the command ends
    zone = ZoneInfo(profile.timezone)
    today = report_today(zone)
    export_format = _format_of(args.output)
    engine = open_engine(profile.resolved_database_url())
    try:
        with session_scope(engine) as session:
            definition = _definition(args, session)
            if definition is None:
                _say(f"There is no saved report named {args.saved!r}.")
                return 2
            result = run_report(session, definition, zone, today)
        written = export_report(
            engine, result, args.output, export_format, zone, today,
            words=report_group_label, buddhist_era=buddhist_era_shown(),
        )  # fmt: skip
    except ReportError as error:
        _say(f"This report cannot run ({error.reason}); check its options.")
        return 2
    except OSError as error:
        _say(f"The file could not be written: {error}.")
        return 1
    finally:
        engine.dispose()
    _say(
        f"Report {result.first_day} to {result.last_day}: "
        f"{sum(t.charges for t in result.totals):,} charges, "
        f"written to {', '.join(str(path) for path in written)}"
    )
    return 0


def _definition(args: argparse.Namespace, session: Session) -> ReportDefinition | None:
    from opn_desk.services.reports import Period, ReportDefinition, load_report

    if args.saved:
        return load_report(session, args.saved)
    period = Period(args.period)
    if args.first_day or args.last_day:
        period = Period.CUSTOM
    metadata_keys = [
        d.removeprefix("metadata:") for d in args.group_by if d.startswith("metadata:")
    ]
    return ReportDefinition(
        period=period,
        anchor=args.day,
        first_day=args.first_day,
        last_day=args.last_day,
        group_by=tuple(args.group_by),
        detail_keys=tuple(dict.fromkeys(metadata_keys + list(args.column))),
    )


def _speaking_app() -> QCoreApplication:
    """A windowless Qt application with the chosen language installed, so
    that the report's titles are translated; one already running (the
    desktop app, a test's) is used as it is."""
    from PySide6.QtCore import QCoreApplication

    from opn_desk import i18n
    from opn_desk.services.settings import chosen_language

    app = QCoreApplication.instance() or QCoreApplication(["opn-desk"])
    i18n.apply_language(app, chosen_language())
    return app


def _format_of(path: Path) -> ExportFormat:
    from opn_desk.services.export import ExportFormat

    return ExportFormat.CSV if path.suffix.lower() == ".csv" else ExportFormat.XLSX


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
