"""Typed readers for the fields of API JSON objects.

Each reader takes the object as decoded JSON and a key, and returns the value
in the type the rest of the app uses, or raises InvalidResponse naming the
object and the field. Amounts are strict: an amount that is not a JSON
integer is refused, never rounded or guessed.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any, TypeGuard

from opn_desk.services.api.errors import InvalidResponse

logger = logging.getLogger(__name__)

JsonObject = dict[str, Any]

# The range of a signed 64-bit column: a number beyond it cannot be cached
# (SQLite and PostgreSQL BIGINT) and is no amount Opn could hold.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# 2019-05-29 writes created_at; 2015 and 2017 wrote created; a few objects
# in the omise-go recordings carry the misspelt key created_at_at.
CREATED_KEYS = ("created_at", "created", "created_at_at")


def describe(raw: JsonObject) -> str:
    """A short name for an object in messages: its kind and id."""
    kind = raw.get("object")
    ident = raw.get("id")
    return f"{kind if isinstance(kind, str) else 'object'} {ident!r}"


def require_object(raw: Any, kind: str) -> JsonObject:
    """``raw`` itself, checked to be a JSON object of the given ``object``."""
    if not isinstance(raw, dict):
        raise InvalidResponse(f"expected a {kind} object, got {_json_type(raw)}")
    if raw.get("object") != kind:
        raise InvalidResponse(
            f"expected a {kind} object, got object={raw.get('object')!r}"
        )
    return raw


def text(raw: JsonObject, key: str) -> str:
    """A required, non-empty string field."""
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise _bad(raw, key, "a non-empty string")
    return value


def optional_text(raw: JsonObject, key: str) -> str | None:
    """A string field that may be missing or null."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _bad(raw, key, "a string or null")


def integer(raw: JsonObject, key: str) -> int:
    """A required JSON integer (a count, an offset)."""
    value = optional_integer(raw, key)
    if value is None:
        raise _bad(raw, key, "an integer")
    return value


def optional_integer(raw: JsonObject, key: str) -> int | None:
    """A JSON integer that may be missing or null; a boolean is refused.

    An integer outside the signed 64-bit range is refused too.
    """
    value = raw.get(key)
    if value is None:
        return None
    if not _is_int64(value):
        raise _bad(raw, key, "a 64-bit integer")
    return value


def amount(raw: JsonObject, key: str) -> int:
    """A required amount in the smallest currency unit."""
    value = optional_amount(raw, key)
    if value is None:
        raise _bad(raw, key, "an integer amount")
    return value


def optional_amount(raw: JsonObject, key: str) -> int | None:
    """An amount in the smallest unit that may be missing or null.

    A float, a string or a boolean is refused: JSON ``1000.0`` or ``"1000"``
    is not what Opn sends, and reading it anyway could misstate money.
    """
    value = raw.get(key)
    if value is None:
        return None
    if not _is_int64(value):
        raise _bad(raw, key, "an integer amount")
    return value


def flag(raw: JsonObject, key: str, default: bool = False) -> bool:
    """A boolean field; ``default`` when missing or null."""
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _bad(raw, key, "true or false")
    return value


def timestamp(raw: JsonObject, *keys: str) -> datetime:
    """The first of ``keys`` that holds a datetime, as an aware UTC datetime."""
    for key in keys:
        value = optional_timestamp(raw, key)
        if value is not None:
            return value
    raise _bad(raw, " or ".join(keys), "an ISO 8601 datetime")


def optional_timestamp(raw: JsonObject, key: str) -> datetime | None:
    """An ISO 8601 datetime field in UTC, or None when missing or null.

    Opn writes ``2025-03-20T10:07:40Z``; old recordings have ``+00:00`` and
    even ``+07:00`` offsets. A datetime without an offset is taken as UTC.
    """
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(raw, key, "an ISO 8601 datetime")
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        # An offset can carry a time past year 1 or 9999 once in UTC.
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _bad(raw, key, "an ISO 8601 datetime") from None


def first_timestamp(raw: JsonObject, *keys: str) -> datetime | None:
    """The first of ``keys`` that holds a datetime, or None when none does."""
    for key in keys:
        value = optional_timestamp(raw, key)
        if value is not None:
            return value
    return None


def optional_date(raw: JsonObject, *keys: str) -> date | None:
    """The first of ``keys`` that holds a ``YYYY-MM-DD`` date, or None.

    Several keys because versions renamed dates (``start_date`` became
    ``start_on``, ``schedule_date`` became ``scheduled_on``).
    """
    for key in keys:
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _bad(raw, key, "a YYYY-MM-DD date")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _bad(raw, key, "a YYYY-MM-DD date") from None
    return None


def dates(raw: JsonObject, *keys: str) -> tuple[date, ...]:
    """The first of ``keys`` that holds a list of dates; empty when none."""
    for key in keys:
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            raise _bad(raw, key, "a list of dates")
        return tuple(_date_item(raw, key, item) for item in value)
    return ()


def _date_item(raw: JsonObject, key: str, item: Any) -> date:
    try:
        return date.fromisoformat(item)
    except (TypeError, ValueError):
        raise _bad(raw, key, "a list of YYYY-MM-DD dates") from None


def loose_strings(raw: JsonObject, key: str) -> list[str]:
    """The strings of a descriptive list; what is not a string is left out.

    Only for lists nothing depends on (supported currencies, say): a list
    of the wrong shape reads as empty rather than losing the whole object.
    """
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        logger.warning("%s: field %r is not a list; read as empty", describe(raw), key)
        return []
    return [item for item in value if isinstance(item, str)]


def sub_list(raw: JsonObject, key: str) -> tuple[list[JsonObject], bool]:
    """The objects of an embedded list, and whether it holds all of them.

    An embedded list (a dispute's documents, a customer's cards) is one
    page: when its ``total`` exceeds what it carries, the rest must be
    listed from its own endpoint. A missing list reads as empty and
    incomplete, since nothing is known about it.
    """
    value = raw.get(key)
    if not isinstance(value, dict):
        return [], False
    items = value.get("data")
    if not isinstance(items, list):
        raise _bad(value, "data", "a list")
    objects = [item for item in items if isinstance(item, dict)]
    total = value.get("total")
    complete = not isinstance(total, int) or total <= len(objects)
    return objects, complete


def path_id(raw: JsonObject, collection: str) -> str | None:
    """The id after ``/collection/`` in the object's ``location``, if any.

    A card lives at ``/customers/{id}/cards/{card}`` and a document at
    ``/disputes/{id}/documents/{docu}``: their parent is only named there.
    """
    location = raw.get("location")
    if not isinstance(location, str):
        return None
    parts = location.strip("/").split("/")
    for index, part in enumerate(parts[:-1]):
        if part == collection:
            return parts[index + 1] or None
    return None


def currency(raw: JsonObject, key: str) -> str:
    """A required currency code, upper case (old versions wrote ``thb``)."""
    return text(raw, key).upper()


def optional_currency(raw: JsonObject, key: str) -> str | None:
    value = optional_text(raw, key)
    return value.upper() if value else None


def metadata(raw: JsonObject, key: str = "metadata") -> dict[str, Any]:
    """A free-form JSON object; ``{}`` when missing or null."""
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(raw, key, "a JSON object")
    return value


def ref_id(raw: JsonObject, key: str) -> str | None:
    """The id of a linked object, whether given as an id or expanded."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    raise _bad(raw, key, "an id or an object with an id")


def nested(raw: JsonObject, key: str) -> JsonObject | None:
    """An embedded object, or None when missing, null or only an id."""
    value = raw.get(key)
    return value if isinstance(value, dict) else None


def livemode(raw: JsonObject) -> bool:
    """``livemode``, or derived from the id when missing (``_test_`` ids)."""
    value = raw.get("livemode")
    if isinstance(value, bool):
        return value
    return "_test_" not in text(raw, "id")


def _is_int64(value: Any) -> TypeGuard[int]:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return INT64_MIN <= value <= INT64_MAX


def _bad(raw: JsonObject, key: str, expected: str) -> InvalidResponse:
    found = _json_type(raw.get(key)) if key in raw else "nothing"
    return InvalidResponse(
        f"{describe(raw)}: field {key!r} should be {expected}, found {found}"
    )


def _json_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number with a fraction",
        str: "a string",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), "null" if value is None else type(value).__name__)
