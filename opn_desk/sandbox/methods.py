"""Payment methods the sandbox knows: card brands by number, source types by flow.

Card numbers are checked (digits, length, Luhn) and their brand read from
the leading digits. Source types map to the payer's flow (``redirect``,
``app_redirect`` or ``offline``) and the currencies they take.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from opn_desk.sandbox.times import iso

CARD_CURRENCIES = (
    "THB", "JPY", "USD", "EUR", "GBP", "SGD", "AUD", "CHF", "CNY", "DKK",
    "HKD", "MYR",
)  # fmt: skip
CARD_BRANDS = ("JCB", "Visa", "MasterCard", "American Express", "UnionPay")

# (leading digits, brand), longest prefixes first.
_BRAND_PREFIXES = (
    ("6447", "Discover"),
    ("62", "UnionPay"),
    ("34", "American Express"),
    ("37", "American Express"),
    ("35", "JCB"),
    ("36", "Diners Club"),
    ("30", "Diners Club"),
    ("38", "Diners Club"),
    ("51", "MasterCard"),
    ("52", "MasterCard"),
    ("53", "MasterCard"),
    ("54", "MasterCard"),
    ("55", "MasterCard"),
    ("2", "MasterCard"),
    ("4", "Visa"),
)

# source type -> flow; THB only unless SOURCE_TYPE_CURRENCIES says otherwise.
SOURCE_FLOWS: dict[str, str] = {
    "promptpay": "offline",
    "paynow": "offline",
    "wechat_pay": "app_redirect",  # as recorded
    "bill_payment_tesco_lotus": "offline",
    "bill_payment_papaya": "offline",
    "barcode_alipay": "offline",
    "barcode_wechat": "offline",
    "barcode_omise": "offline",
    "mobile_banking_scb": "app_redirect",
    "mobile_banking_kbank": "app_redirect",
    "mobile_banking_bbl": "app_redirect",
    "mobile_banking_bay": "app_redirect",
    "mobile_banking_ktb": "app_redirect",
    "internet_banking_bay": "redirect",
    "internet_banking_bbl": "redirect",
    "internet_banking_scb": "redirect",
    "internet_banking_oms": "redirect",
    "fpx": "redirect",
    "points_citi": "redirect",
    "omise": "redirect",
    "truemoney": "redirect",
    "truemoney_jumpapp": "app_redirect",
    "rabbit_linepay": "redirect",
    "shopeepay": "redirect",
    "alipay": "redirect",
    "alipay_cn": "app_redirect",
    "alipay_hk": "app_redirect",
    "installment_kbank": "redirect",
    "installment_bay": "redirect",
    "installment_bbl": "redirect",
    "installment_ktc": "redirect",
    "installment_scb": "redirect",
    "installment_ttb": "redirect",
    "installment_uob": "redirect",
    "installment_wlb_first_choice": "redirect",
}
SOURCE_CURRENCIES = ("THB",)
SOURCE_TYPE_CURRENCIES: dict[str, tuple[str, ...]] = {
    "paynow": ("SGD",),
    "fpx": ("THB", "MYR"),
}
# Fields a source of the type cannot do without (the payer's bank for FPX,
# the code scanned from the payer's app at the till for barcode payments).
SOURCE_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "fpx": ("bank",),
    "barcode_alipay": ("barcode",),
    "barcode_wechat": ("barcode",),
    "barcode_omise": ("barcode",),
}
# QR payments answered with a scannable code; bill payments with references.
QR_SOURCE_TYPES = ("promptpay", "paynow")
BILL_PAYMENT_PREFIX = "bill_payment_"
INSTALLMENT_TERMS = (3, 4, 6, 9, 10)
# Per type where the recorded capability differs from INSTALLMENT_TERMS.
INSTALLMENT_TYPE_TERMS: dict[str, tuple[int, ...]] = {
    "installment_bbl": (4, 6, 8, 10),
    "installment_kbank": (3, 6, 10),
    "installment_ktc": (3, 4, 5, 6, 7, 8, 9, 10),
    "installment_ttb": (3, 4, 6, 10),
    "installment_uob": (3, 4, 6, 10),
    "installment_wlb_first_choice": (3, 4, 6, 9, 10, 12, 18, 24, 36),
}
# First Choice also lends: its loan terms (recorded capability).
LOAN_INSTALLMENT_TERMS: dict[str, tuple[int, ...]] = {
    "installment_wlb_first_choice": (3, 4, 6, 9, 10, 12, 18, 24),
}


def source_currencies(source_type: str) -> tuple[str, ...]:
    """The currencies a source of ``source_type`` takes."""
    return SOURCE_TYPE_CURRENCIES.get(source_type, SOURCE_CURRENCIES)


def installment_terms(source_type: str) -> tuple[int, ...]:
    """The terms (months) an installment source type offers."""
    return INSTALLMENT_TYPE_TERMS.get(source_type, INSTALLMENT_TERMS)


def luhn_valid(number: str) -> bool:
    """True when ``number`` passes the Luhn check digit test."""
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_number_problem(number: str) -> str | None:
    """Why ``number`` is not a card number, or None when it is one."""
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return "number is invalid"
    if not luhn_valid(number):
        return "number is invalid (check digit)"
    return None


def brand_of(number: str) -> str:
    for prefix, brand in _BRAND_PREFIXES:
        if number.startswith(prefix):
            return brand
    return "Unknown"


def new_card(
    card_id: str, number: str, fields: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """A card object for ``number`` (never stored) and the holder's fields."""
    digest = hashlib.sha256(f"opn-desk-sandbox:{number}".encode()).digest()

    def optional(name: str) -> str | None:
        value = fields.get(name)
        return str(value) if value not in (None, "") else None

    return {
        "object": "card",
        "id": card_id,
        "livemode": False,
        "location": None,
        "deleted": False,
        "street1": optional("street1"),
        "street2": optional("street2"),
        "city": optional("city"),
        "state": optional("state"),
        "phone_number": optional("phone_number"),
        "postal_code": optional("postal_code"),
        "country": str(fields.get("country") or "th").lower(),
        "financing": "credit",
        "bank": "",
        "brand": brand_of(number),
        "fingerprint": base64.b64encode(digest).decode("ascii"),
        "first_digits": number[:6],
        "last_digits": number[-4:],
        "name": str(fields.get("name") or ""),
        "expiration_month": int(fields["expiration_month"]),
        "expiration_year": int(fields["expiration_year"]),
        "security_code_check": True,
        "tokenization_method": None,
        "created_at": iso(at),
    }
