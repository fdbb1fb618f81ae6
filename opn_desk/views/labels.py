"""Words and forms shown for values: statuses, payment methods, dates.

Every date and time on screen goes through ``day_text`` or ``moment_text``,
so the display language and the Buddhist-era setting apply everywhere.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from opn_desk import i18n
from opn_desk.eras import era_year
from opn_desk.services.reports import NONE_LABEL, group_label

_CONTEXT = "labels"

_STATUSES = {
    "pending": QT_TRANSLATE_NOOP("labels", "Pending"),
    "successful": QT_TRANSLATE_NOOP("labels", "Successful"),
    "failed": QT_TRANSLATE_NOOP("labels", "Failed"),
    "reversed": QT_TRANSLATE_NOOP("labels", "Reversed"),
    "expired": QT_TRANSLATE_NOOP("labels", "Expired"),
}

_METHODS = {
    "card": QT_TRANSLATE_NOOP("labels", "Card"),
    "promptpay": "PromptPay",
    "truemoney": "TrueMoney",
    "rabbit_linepay": "Rabbit LINE Pay",
    "alipay": "Alipay",
    "wechat_pay": "WeChat Pay",
    "mobile_banking_scb": QT_TRANSLATE_NOOP("labels", "SCB mobile banking"),
    "mobile_banking_kbank": QT_TRANSLATE_NOOP("labels", "K PLUS mobile banking"),
    "mobile_banking_bbl": QT_TRANSLATE_NOOP("labels", "Bangkok Bank mobile banking"),
    "mobile_banking_bay": QT_TRANSLATE_NOOP("labels", "Krungsri mobile banking"),
    "mobile_banking_ktb": QT_TRANSLATE_NOOP("labels", "Krungthai mobile banking"),
}

# Banks of the installment sources (installment_<bank>, installment_wlb_<bank>).
_INSTALLMENT_BANKS = {
    "bay": "Krungsri",
    "bbl": "Bangkok Bank",
    "first_choice": "Krungsri First Choice",
    "kbank": "KBank",
    "ktc": "KTC",
    "scb": "SCB",
    "ttb": "ttb",
    "uob": "UOB",
}
_INSTALLMENT_PREFIX = "installment_"

# Reasons offered for a refund: code kept in its metadata -> words.
# (Context RefundDialog: the words were first written for that dialog.)
REFUND_REASONS = {
    "requested_by_customer": QT_TRANSLATE_NOOP(
        "RefundDialog", "The customer asked for it"
    ),
    "duplicate": QT_TRANSLATE_NOOP("RefundDialog", "Duplicate charge"),
    "not_delivered": QT_TRANSLATE_NOOP(
        "RefundDialog", "Goods or service not delivered"
    ),
    "fraudulent": QT_TRANSLATE_NOOP("RefundDialog", "Fraudulent charge"),
    "other": QT_TRANSLATE_NOOP("RefundDialog", "Other (say why in the note)"),
}


def status_label(status: str) -> str:
    """The charge status in the clerk's language; unknown ones as they came."""
    text = _STATUSES.get(status)
    return QCoreApplication.translate(_CONTEXT, str(text)) if text else status


def payment_method_label(method: str) -> str:
    """A readable name for a payment method code."""
    text = _METHODS.get(method)
    if text is not None:
        return QCoreApplication.translate(_CONTEXT, str(text))
    if method.startswith(_INSTALLMENT_PREFIX):
        bank = method.removeprefix(_INSTALLMENT_PREFIX).removeprefix("wlb_")
        name = _INSTALLMENT_BANKS.get(bank, bank.replace("_", " ").upper())
        return _tr("%1 installments").replace("%1", name)
    return method.replace("_", " ").capitalize()


def _tr(text: str) -> str:
    """``text`` in the display language, in this module's context."""
    return QCoreApplication.translate(_CONTEXT, text)


def report_group_label(dimension: str, label: str) -> str:
    """A report group's value as shown under ``dimension`` (a group_by key):
    payment methods and statuses in words, "(none)" translated."""
    if label == NONE_LABEL:
        return group_label(label)
    if dimension == "payment_method":
        return payment_method_label(label)
    if dimension == "status":
        return status_label(label)
    return label


def refund_reason_label(code: str | None) -> str:
    """A refund's reason in words; a code not offered here as it came."""
    text = REFUND_REASONS.get(code or "")
    if text is None:
        return code or ""
    return QCoreApplication.translate("RefundDialog", str(text))


def day_text(day: date) -> str:
    """A date as shown: ``2026-12-03``, in Thai ``03/12/2569`` (BE on)."""
    year = era_year(day.year, i18n.buddhist_era_shown())
    if i18n.current_language() == "th":
        return f"{day.day:02d}/{day.month:02d}/{year}"
    return f"{year:04d}-{day.month:02d}-{day.day:02d}"


def moment_text(moment: datetime, zone: tzinfo, *, seconds: bool = False) -> str:
    """A moment in ``zone`` as shown, to the minute or the second."""
    local = moment.astimezone(zone)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{day_text(local.date())} {clock}"
