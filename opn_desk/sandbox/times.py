"""Datetimes as the Opn API writes and reads them (UTC, second precision)."""

from __future__ import annotations

from datetime import UTC, datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    """The current UTC time, cut to whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """Write ``moment`` the API's way: ``2025-03-20T10:07:40Z``."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # "2025-03-20T10:07:40+00:00" without its offset (the seeder's hot path).
    return moment.isoformat(timespec="seconds")[:-6] + "Z"


def parse_iso(text: str) -> datetime:
    """Read an ISO 8601 datetime; a time without an offset is taken as UTC.

    Raises ``ValueError`` for text that is not a datetime.
    """
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def epoch_s(moment: datetime) -> int:
    """Whole seconds since 1970 for ``moment``."""
    return int(moment.timestamp())


def epoch_of_iso(text: str) -> int:
    """Whole seconds since 1970 for an API datetime string."""
    return epoch_s(parse_iso(text))
