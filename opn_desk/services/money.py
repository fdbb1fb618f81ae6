"""Money: integers in the currency's smallest unit, and their text forms.

This is the only module that turns an amount into text or text into an amount.
An amount is always an ``int`` counted in the smallest unit of its currency
(satang for THB, yen for JPY, cents for SGD and USD). No float ever holds money.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Digits after the decimal point per ISO 4217 code. Opn documents a subunit
# factor of 100 for every currency it supports except JPY, which has none.
_ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "IDR"})
_SYMBOLS = {
    "THB": "฿",
    "JPY": "¥",
    "USD": "$",
    "SGD": "S$",
    "MYR": "RM",
    "EUR": "€",
    "GBP": "£",
    "AUD": "A$",
    "HKD": "HK$",
    "CNY": "CN¥",
}

_AMOUNT_TEXT = re.compile(r"^(?P<int>\d+)(?:\.(?P<frac>\d*))?$")
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?$")


class AmountError(ValueError):
    """Text that is not a valid amount of the given currency.

    ``reason`` is one of ``empty``, ``not_a_number``, ``negative`` and
    ``too_many_decimals``, so that a view can say what is wrong in the
    user's language.
    """

    def __init__(self, reason: str, text: str, currency: str) -> None:
        super().__init__(f"{reason}: {text!r} ({currency})")
        self.reason = reason
        self.text = text
        self.currency = currency


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the smallest unit of ``currency``."""

    amount: int
    currency: str

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


def decimals(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (2, or 0 for JPY)."""
    return 0 if currency.upper() in _ZERO_DECIMAL else 2


def symbol(currency: str) -> str:
    """A short symbol for ``currency``, or its code when it has none."""
    code = currency.upper()
    return _SYMBOLS.get(code, code)


def format_amount(
    amount: int, currency: str, *, with_symbol: bool = True, grouping: bool = True
) -> str:
    """Write ``amount`` (smallest unit) as text: 123456 THB -> '฿1,234.56'."""
    places = decimals(currency)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), _scale(places))
    whole_text = f"{whole:,}" if grouping else str(whole)
    text = f"{whole_text}.{frac:0{places}d}" if places else whole_text
    prefix = symbol(currency) if with_symbol else ""
    return f"{sign}{prefix}{text}"


def parse_amount(text: str, currency: str) -> int:
    """Read text in the currency's main unit into the smallest unit, exactly.

    '1,234.5' THB -> 123450; '500' JPY -> 500; '1.5' JPY is refused.
    Spaces and the currency's symbol or code are ignored, and so are commas
    where they group thousands ('1,00.5' is refused).

    Raises:
        AmountError: when the text is not an amount of that currency.
    """
    code = currency.upper()
    cleaned = text.strip()
    for mark in (symbol(code), code, code.lower()):
        cleaned = cleaned.replace(mark, "")
    cleaned = cleaned.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:
        # Commas group the whole units by thousands, nowhere else:
        # "1,00.5" or "1,0,0" is a typing slip, not ฿100.50 or ฿100.
        if _GROUPED.match(cleaned) is None:
            raise AmountError("not_a_number", text, code)
        cleaned = cleaned.replace(",", "")
    if not cleaned:
        raise AmountError("empty", text, code)
    if cleaned.startswith("-"):
        raise AmountError("negative", text, code)

    match = _AMOUNT_TEXT.match(cleaned)
    if match is None:
        raise AmountError("not_a_number", text, code)
    places = decimals(code)
    frac = (match["frac"] or "").rstrip("0")
    if len(frac) > places:
        raise AmountError("too_many_decimals", text, code)
    whole = int(match["int"])
    subunits = int(frac.ljust(places, "0") or "0")
    return whole * _scale(places) + subunits


def _scale(places: int) -> int:
    """How many smallest units make one main unit."""
    return int(10**places)
