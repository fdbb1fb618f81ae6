"""API versions: which one a request gets, and answers rendered in older ones.

The sandbox builds every object in the 2019-05-29 shape. ``render`` turns
an encoded answer (an object, a list or search envelope, an event, an
error) into the shape of an older version, following REFERENCE.md section
1.4 and the 2017-11-02 recordings (``shared/fixtures/opn-sdk/elixir``):

- ``created_at`` is ``created``; plain dates are ``start_date``,
  ``end_date``, ``schedule_date``, ``retry_date`` and receipt ``date``;
  ``next_occurrences_on`` is ``next_occurrence_dates``. Other ``*_at``
  times keep their names (recorded 2017-era charges carry ``paid_at``).
- Currency codes are lower case (``thb``).
- A charge's ``refunded_amount`` is ``refunded``; 2014-07-27 also names
  ``paid`` ``captured``. A charge has a ``reference``: the id of its
  payment at the provider, which the ``authorize_uri`` carries (null for
  a card charge without one), as recorded in 2017. Before 2017-11-02 (no
  Source API yet) a charge says how it is paid in ``source_of_fund``
  (``card``, ``offsite`` or ``offline``) and names an offsite method in
  ``offsite``; ``offline`` is null (its older content is not recorded).
- A live schedule's status ``running`` is ``active``.
- A transaction's ``direction``, ``origin`` and ``transferable_at`` are
  ``type``, ``source`` and ``transferable``; the balance's
  ``transferable`` and ``reserve`` are ``available`` and
  ``reserve_amount``; a dispute names its first transaction
  (``transaction``) instead of listing them.
- A deleted object (``deleted: true``) is the stub ``{object, id,
  livemode, deleted}``. A deleted schedule is not: its DELETE answered the
  whole schedule with status ``deleted`` in 2017 (recorded).
- An error's ``location`` points at ``www.omise.co/api-errors``.

Everything else is left as it is, so an older answer carries the newer
fields too: a client of that version ignores what it does not know.
``metadata`` is the merchant's own and never touched. An event's ``data``
was serialized once, when the event was made, at the account's version
then (``SandboxState.record``), and is never rendered again.

Not rendered yet: embedded lists keep their ``order`` (2017 recordings
show null there); the capability keeps its 2019-05-29 shape (older ones
listed ``payment_backends``); a pre-2017 offline charge's ``offline`` is
null, since no recording shows what it held.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from opn_desk.sandbox.wire import encode

LATEST = "2019-05-29"
VERSIONS = ("2014-07-27", "2015-11-17", "2017-11-02", LATEST)
OLDEST_WITH_PAID = "2015-11-17"
OLDEST_WITH_SOURCES = "2017-11-02"
# Source flows the pre-2017 API called offline; the others were offsite.
_OFFLINE_FLOWS = ("offline",)
LEGACY_ERRORS_PAGE = "https://www.omise.co/api-errors"

# 2019-05-29 key -> the older name, in every object.
_RENAMED = {
    "created_at": "created",
    "start_on": "start_date",
    "end_on": "end_date",
    "scheduled_on": "schedule_date",
    "retry_on": "retry_date",
    "next_occurrences_on": "next_occurrence_dates",
    "issued_on": "date",
}
# object -> {2019-05-29 key: older name}
_RENAMED_IN = {
    "charge": {"refunded_amount": "refunded"},
    "transaction": {
        "direction": "type",
        "origin": "source",
        "transferable_at": "transferable",
    },
    "balance": {"transferable": "available", "reserve": "reserve_amount"},
}
_CURRENCY_KEYS = ("currency", "funding_currency")
# Deleted objects answered in full in every version (recorded).
_DELETED_IN_FULL = ("schedule",)


def is_known(version: str) -> bool:
    return version in VERSIONS


def render(body: bytes, version: str) -> bytes:
    """``body`` (2019-05-29 JSON) as ``version`` shows it.

    The latest version is returned as it is, without decoding it.
    """
    if version == LATEST:
        return body
    value = json.loads(body)
    return encode(render_value(value, version))


def render_value(value: Any, version: str) -> Any:
    """A decoded answer rendered in ``version`` (a new value)."""
    if isinstance(value, list):
        return [render_value(item, version) for item in value]
    if not isinstance(value, dict):
        return value
    kind = str(value.get("object"))
    if value.get("deleted") is True and kind not in _DELETED_IN_FULL:
        return _stub(value)
    renamed: dict[str, str] = {**_RENAMED, **_RENAMED_IN.get(kind, {})}
    if kind == "charge" and version < OLDEST_WITH_PAID:
        renamed["paid"] = "captured"
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key == "metadata" or (kind == "event" and key == "data"):
            result[key] = item  # the merchant's own; serialized once
        else:
            result[renamed.get(key) or key] = render_value(item, version)
    _older_values(result, kind)
    if kind == "charge" and version < OLDEST_WITH_SOURCES:
        _fund_fields(result)
    return result


def _stub(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": value.get("object"),
        "id": value.get("id"),
        "livemode": value.get("livemode", False),
        "deleted": True,
    }


def _older_values(obj: dict[str, Any], kind: str) -> None:
    """Values that changed between versions, changed back in place."""
    for key in _CURRENCY_KEYS:
        if isinstance(obj.get(key), str):
            obj[key] = obj[key].lower()
    if kind == "account" and isinstance(obj.get("supported_currencies"), list):
        obj["supported_currencies"] = [
            code.lower() if isinstance(code, str) else code
            for code in obj["supported_currencies"]
        ]
    if kind == "charge" and "reference" not in obj:
        obj["reference"] = _payment_reference(obj.get("authorize_uri"))
    if kind == "schedule" and obj.get("status") == "running":
        obj["status"] = "active"
    if kind == "dispute" and "transactions" in obj:
        obj["transaction"] = _first_id(obj.pop("transactions"))
    if kind == "error" and isinstance(obj.get("location"), str):
        anchor = obj["location"].partition("#")[2]
        obj["location"] = f"{LEGACY_ERRORS_PAGE}#{anchor}"


def _fund_fields(charge: dict[str, Any]) -> None:
    """``source_of_fund``, ``offsite`` and ``offline`` of a pre-2017 charge."""
    source = charge.get("source")
    if not isinstance(source, dict):
        charge.update(source_of_fund="card", offsite=None, offline=None)
        return
    if source.get("flow") in _OFFLINE_FLOWS:
        charge.update(source_of_fund="offline", offsite=None, offline=None)
        return
    charge.update(source_of_fund="offsite", offsite=source.get("type"), offline=None)


def _payment_reference(authorize_uri: Any) -> str | None:
    """``paym_test_x`` of ``https://api.omise.co/payments/paym_test_x/authorize``."""
    if not isinstance(authorize_uri, str):
        return None
    segments = urlsplit(authorize_uri).path.strip("/").split("/")
    return segments[-2] if len(segments) >= 2 else None


def _first_id(transactions: Any) -> str | None:
    if isinstance(transactions, list) and transactions:
        first = transactions[0]
        if isinstance(first, dict) and isinstance(first.get("id"), str):
            return str(first["id"])
        if isinstance(first, str):
            return first
    return None
