"""Reading typed request fields the way the API does.

A form body carries strings ("5000", "true"); a JSON body carries numbers
and booleans. Each reader accepts both and raises ``ApiError`` 400 with the
code the endpoint answers with (``bad_request`` unless told otherwise) and a
message naming the field.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.times import parse_iso

_INTEGER = re.compile(r"[+-]?\d+\Z")
TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})

Fields = dict[str, Any]


def integer(
    fields: Fields, name: str, *, code: str = "bad_request", required: bool = False
) -> int | None:
    """An integer field: 5000 or "5000"; never 50.5, "50.5" or true."""
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, code, f"{name} is required")
        return None
    if isinstance(value, bool):
        raise ApiError(400, code, f"{name} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    raise ApiError(400, code, f"{name} must be an integer")


def boolean(fields: Fields, name: str, default: bool) -> bool:
    """A boolean field: true/false, or "true"/"false" (also yes/no, on/off)."""
    value = fields.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    raise ApiError.bad_request(f"{name} must be true or false")


def text(
    fields: Fields, name: str, *, required: bool = False, code: str = "bad_request"
) -> str | None:
    """A string field; numbers are taken as their text."""
    value = fields.get(name)
    if value is None:
        if required:
            raise ApiError(400, code, f"{name} is required")
        return None
    if isinstance(value, bool) or isinstance(value, dict | list):
        raise ApiError(400, code, f"{name} must be a string")
    return str(value)


def metadata(fields: Fields, name: str = "metadata") -> dict[str, Any] | None:
    """A metadata object; anything else is 400 ``bad_request``."""
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError.bad_request(f"{name} must be an object")
    return value


def moment(fields: Fields, name: str) -> datetime | None:
    """An ISO 8601 datetime field."""
    value = text(fields, name)
    if value is None or value == "":
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise ApiError.bad_request(
            f"{name} must be an ISO 8601 datetime such as 2025-03-20T10:07:40Z"
        ) from None


def only(fields: Fields, allowed: set[str]) -> None:
    """400 ``bad_request`` naming the first field not in ``allowed``."""
    for name in fields:
        if name not in allowed:
            raise ApiError.bad_request(f"{name} is not a parameter of this request")
