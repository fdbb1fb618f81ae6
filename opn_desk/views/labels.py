"""Words shown for API values: statuses and payment methods."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

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


def status_label(status: str) -> str:
    """The charge status in the clerk's language; unknown ones as they came."""
    text = _STATUSES.get(status)
    return QCoreApplication.translate(_CONTEXT, str(text)) if text else status


def payment_method_label(method: str) -> str:
    """A readable name for a payment method code."""
    text = _METHODS.get(method)
    if text is not None:
        return QCoreApplication.translate(_CONTEXT, str(text))
    return method.replace("_", " ").capitalize()
