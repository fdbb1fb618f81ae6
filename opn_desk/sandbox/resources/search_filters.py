"""Search filters: reading ``filters[name]=value`` into tests on a row's value.

Four kinds of filter, as the Search API documents them:

* boolean: ``true/yes/on`` or ``false/no/off`` (also 1 and 0);
* amount: in the currency's MAIN unit (``1000`` is 1,000.00 THB, or
  1,000 yen, JPY having no subunit), one value or a range ``a..b``;
* created: a date or an ISO datetime, or a range of them; a date is a
  whole day in the account's time zone (Bangkok by default), so
  ``2025-01-01..2025-01-31`` covers all of January there;
* text: an exact match that ignores case (``currency=thb``).

A range may leave one end open (``1000..``, ``..2025-01-31``). A value that
cannot be read is a 400 ``invalid_filter`` naming the filter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.fields import FALSE_WORDS, TRUE_WORDS
from opn_desk.sandbox.times import epoch_s, parse_iso
from opn_desk.services.money import AmountError, decimals, parse_amount

BOOLEAN = "boolean"
AMOUNT = "amount"
CREATED = "created"
TEXT = "text"

# A test of a value read from a row.
ValueTest = Callable[[Any], bool]

# Amount filters are read in hundredths of the main unit, the finest any
# supported currency goes, then scaled to each currency's smallest unit.
_HUNDREDTHS = "USD"


def invalid_filter(name: str, why: str) -> ApiError:
    return ApiError(400, "invalid_filter", f"filters[{name}] {why}")


def value_test(kind: str, name: str, text: str, utc_offset_hours: int) -> ValueTest:
    """The test ``filters[name]=text`` puts on a value of filter ``kind``."""
    if kind == BOOLEAN:
        return _boolean_test(name, text)
    if kind == AMOUNT:
        return _amount_test(name, text)
    if kind == CREATED:
        return _created_test(name, text, timezone(timedelta(hours=utc_offset_hours)))
    folded = text.strip().casefold()
    return lambda value: value is not None and str(value).casefold() == folded


def _boolean_test(name: str, text: str) -> ValueTest:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return lambda value: value is True
    if word in FALSE_WORDS:
        return lambda value: value is False
    raise invalid_filter(name, "must be true or false (also yes/no, on/off)")


def _split_range(name: str, text: str) -> tuple[str, str, bool]:
    """(low, high, is a range) of ``a..b``, ``a..``, ``..b`` or ``a``."""
    low, separator, high = text.strip().partition("..")
    if not separator:
        return low, low, False
    if not low.strip() and not high.strip():
        raise invalid_filter(name, "needs at least one end of its range")
    return low.strip(), high.strip(), True


def _amount_test(name: str, text: str) -> ValueTest:
    """Matches (amount in smallest unit, currency) against main-unit bounds."""
    low_text, high_text, is_range = _split_range(name, text)
    low = _hundredths(name, low_text)
    high = _hundredths(name, high_text)
    by_currency: dict[str, tuple[int | None, int | None] | None] = {}

    def bounds(currency: str) -> tuple[int | None, int | None] | None:
        if currency not in by_currency:
            by_currency[currency] = _scaled(low, high, is_range, currency)
        return by_currency[currency]

    def test(value: Any) -> bool:
        amount, currency = value
        found = bounds(str(currency))
        if found is None:
            return False
        smallest, largest = found
        return (smallest is None or amount >= smallest) and (
            largest is None or amount <= largest
        )

    return test


def _hundredths(name: str, text: str) -> int | None:
    if not text:
        return None
    try:
        return parse_amount(text, _HUNDREDTHS)
    except AmountError:
        raise invalid_filter(
            name, "must be an amount in the main unit, such as 1000 or 1000.50"
        ) from None


def _scaled(
    low: int | None, high: int | None, is_range: bool, currency: str
) -> tuple[int | None, int | None] | None:
    """Hundredths bounds in ``currency``'s smallest unit; None: nothing fits.

    For JPY, 10.50 is no whole number of yen: as a single value nothing
    matches it, as a lower bound it rounds up and as an upper bound down.
    """
    scale = 10 ** decimals(currency)
    if not is_range:
        assert low is not None
        if low * scale % 100:
            return None
        return low * scale // 100, low * scale // 100
    smallest = None if low is None else -(-low * scale // 100)
    largest = None if high is None else high * scale // 100
    return smallest, largest


def _created_test(name: str, text: str, zone: timezone) -> ValueTest:
    """Matches a created time (epoch seconds) against date or datetime bounds."""
    low_text, high_text, _ = _split_range(name, text)
    low = _moment_s(name, low_text, zone, end_of_day=False)
    high = _moment_s(name, high_text, zone, end_of_day=True)
    return lambda created_s: (
        (low is None or created_s >= low) and (high is None or created_s <= high)
    )


def _moment_s(name: str, text: str, zone: timezone, *, end_of_day: bool) -> int | None:
    """Epoch seconds of a bound: a day's first (or last) second, or a time."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        start = datetime.combine(day, time(0), zone)
        return epoch_s(start) + (24 * 3600 - 1 if end_of_day else 0)
    try:
        return epoch_s(parse_iso(text))
    except ValueError:
        raise invalid_filter(
            name, "must be a date or a date range such as 2025-01-01..2025-01-31"
        ) from None
