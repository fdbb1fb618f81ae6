"""An audit entry said in the clerk's language, from its operation.

Each entry keeps an English summary written when the write settled (for
the log and for entries whose operation is gone). The audit tab words it
again from the operation's parameters, so that a Thai clerk reads Thai
whatever the language was when the write was made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from opn_desk.models.journal_queries import AuditListItem
from opn_desk.services.captures import CAPTURE, REVERSE
from opn_desk.services.evidence import ACCEPT_DISPUTE, ANSWER_DISPUTE, UPLOAD_DOCUMENT
from opn_desk.services.money import format_amount
from opn_desk.services.refunds import REFUND
from opn_desk.services.schedules import SCHEDULE_CREATE, SCHEDULE_DELETE

_CONTEXT = "AuditWording"
REFUSED_SUFFIX = "_refused"

Params = dict[str, Any]


def audit_summary(item: AuditListItem) -> str:
    """The entry's summary in the display language.

    An entry whose operation or kind is unknown here keeps the summary
    recorded with it.
    """
    kind, refused = _kind(item.action)
    wording = _WORDINGS.get(kind)
    if wording is None or item.params is None:
        return item.summary
    try:
        text = wording(item.params, item.target_id)
    except (KeyError, TypeError, ValueError):
        return item.summary
    if refused:
        return (
            _tr("%1: refused by Opn (%2)")
            .replace("%1", text)
            .replace("%2", item.error_code or "?")
        )
    return text


def _kind(action: str) -> tuple[str, bool]:
    if action.endswith(REFUSED_SUFFIX):
        return action.removesuffix(REFUSED_SUFFIX), True
    return action, False


def _tr(text: str, count: int = -1) -> str:
    return QCoreApplication.translate(_CONTEXT, text, None, count)


def _amount(params: Params, key: str = "amount") -> str:
    return format_amount(int(params[key]), str(params["currency"]))


def _filled(template: str, *values: str) -> str:
    """``template`` with %1, %2… replaced, last first so %1 spares %10."""
    text = template
    for number in range(len(values), 0, -1):
        text = text.replace(f"%{number}", values[number - 1])
    return text


def _refund(params: Params, target: str) -> str:
    return _filled(_tr("Refund %1 on %2"), _amount(params), target)


def _capture(params: Params, target: str) -> str:
    released = int(params["authorized_amount"]) - int(params["amount"])
    if released <= 0:
        return _filled(_tr("Capture %1 of %2"), _amount(params), target)
    rest = format_amount(released, str(params["currency"]))
    template = _tr("Capture %1 of %2, releasing %3")
    return _filled(template, _amount(params), target, rest)


def _reverse(params: Params, target: str) -> str:
    template = _tr("Release the authorization of %1 on %2")
    return _filled(template, _amount(params), target)


def _upload(params: Params, target: str) -> str:
    size = QLocale().formattedDataSize(int(params["size"]))
    template = _tr("Upload %1 (%2) to dispute %3")
    return _filled(template, str(params["filename"]), size, target)


def _answer(params: Params, target: str) -> str:
    length = len(str(params["message"]))
    return _tr("Answer dispute %1 (%n characters)", length).replace("%1", target)


def _accept(params: Params, target: str) -> str:
    reason = str(params.get("reason") or "")
    return _filled(_tr("Accept dispute %1: %2"), target, reason)


def _schedule_create(params: Params, _target: str) -> str:
    template = _tr(
        str(_SCHEDULE_TEMPLATES[str(params["period"])]), int(params["every"])
    )
    values = (str(params["customer"]), str(params["start_date"]))
    return _filled(template, _amount(params), *values, str(params["end_date"]))


def _schedule_delete(_params: Params, target: str) -> str:
    return _tr("Delete schedule %1").replace("%1", target)


_SCHEDULE_TEMPLATES = {
    "day": QT_TRANSLATE_NOOP(
        "AuditWording", "Schedule %1 for %2 every %n day(s) from %3 to %4"
    ),
    "week": QT_TRANSLATE_NOOP(
        "AuditWording", "Schedule %1 for %2 every %n week(s) from %3 to %4"
    ),
    "month": QT_TRANSLATE_NOOP(
        "AuditWording", "Schedule %1 for %2 every %n month(s) from %3 to %4"
    ),
}

_WORDINGS: dict[str, Callable[[Params, str], str]] = {
    REFUND: _refund,
    CAPTURE: _capture,
    REVERSE: _reverse,
    UPLOAD_DOCUMENT: _upload,
    ANSWER_DISPUTE: _answer,
    ACCEPT_DISPUTE: _accept,
    SCHEDULE_CREATE: _schedule_create,
    SCHEDULE_DELETE: _schedule_delete,
}
