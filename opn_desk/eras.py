"""Years in the Common Era or the Buddhist era, as Thai offices write them.

Kept apart from ``opn_desk.i18n`` (which needs Qt) so that the exporter,
which writes Buddhist-era dates too, needs no Qt.
"""

from __future__ import annotations

from datetime import date, datetime

BUDDHIST_ERA_OFFSET = 543


def era_year(year: int, buddhist_era: bool) -> int:
    """A Common Era year as shown: itself, or in the Buddhist era."""
    return year + BUDDHIST_ERA_OFFSET if buddhist_era else year


def export_date_text(moment: date | datetime, buddhist_era: bool) -> str:
    """A date (and time) for an export cell, as ``2569-12-03 14:05:09``.

    Spreadsheet dates are Gregorian, so an export that shows Buddhist-era
    years writes them as text in this form, which still sorts by date.
    ``moment`` is written as it is: convert it to the profile's zone first.
    """
    year = era_year(moment.year, buddhist_era)
    text = f"{year:04d}-{moment.month:02d}-{moment.day:02d}"
    if isinstance(moment, datetime):
        text += f" {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    return text
