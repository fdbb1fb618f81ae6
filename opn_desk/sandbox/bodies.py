"""Request bodies as the Opn API takes them: form, JSON or multipart.

Form bodies use bracket notation: ``metadata[order_id]=42`` is a nested
object, ``on[days_of_month][]=15`` a list. Their values stay strings; the
endpoint reads each field with the type it expects (``fields.py``). JSON
bodies keep their types. Multipart bodies (document uploads) are parsed
with the standard library's ``email`` parser.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from opn_desk.sandbox.errors import ApiError

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MULTIPART = "multipart/form-data"

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)\Z")
_PART = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True, slots=True)
class Part:
    """One field of a multipart body; ``filename`` is set for a file."""

    name: str
    data: bytes
    filename: str | None
    content_type: str

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def media_type(content_type: str | None) -> str:
    """``application/json`` from ``application/json; charset=utf-8``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_fields(content_type: str | None, body: bytes) -> dict[str, Any]:
    """The body's fields as a nested dict. Raises ``ApiError`` 400."""
    kind = media_type(content_type)
    if not body.strip():
        return {}
    if kind == JSON:
        return _json_fields(body)
    if kind in (FORM, ""):
        return _form_fields(body)
    if kind == MULTIPART:
        parts = parse_multipart(content_type or "", body)
        return nest((p.name, p.text()) for p in parts if p.filename is None)
    raise ApiError.bad_request(f"request bodies of type {kind} are not supported")


def _json_fields(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise ApiError.bad_request("the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ApiError.bad_request("the request body must be a JSON object")
    return value


def _form_fields(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise ApiError.bad_request("the request body is not a valid form") from None
    return nest(pairs)


def nest(pairs: Any) -> dict[str, Any]:
    """Bracket-notation pairs as nested dicts and lists.

    ``[("a[b]", "1"), ("c[]", "2"), ("c[]", "3")]`` gives
    ``{"a": {"b": "1"}, "c": ["2", "3"]}``. Raises ``ApiError`` for keys that
    mix shapes, such as ``a=1&a[b]=2``.
    """
    result: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise ApiError.bad_request(f"{key} is not a valid parameter name")
        path = [match.group(1), *_PART.findall(match.group(2))]
        _place(result, path, value, key)
    return result


def _place(target: dict[str, Any], path: list[str], value: str, key: str) -> None:
    node: Any = target
    for position, name in enumerate(path):
        last = position == len(path) - 1
        following = None if last else path[position + 1]
        if isinstance(node, list):
            if name != "":
                raise ApiError.bad_request(f"{key} mixes a list and an object")
            if last:
                node.append(value)
                return
            child: Any = [] if following == "" else {}
            node.append(child)
            node = child
            continue
        if name == "":
            raise ApiError.bad_request(f"{key} mixes a list and an object")
        if last:
            if name in node and isinstance(node[name], dict | list):
                raise ApiError.bad_request(f"{key} is given twice in two shapes")
            node[name] = value
            return
        empty: Any = [] if following == "" else {}
        child = node.setdefault(name, empty)
        if not isinstance(child, type(empty)):
            raise ApiError.bad_request(f"{key} is given twice in two shapes")
        node = child


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """The parts of a ``multipart/form-data`` body. Raises ``ApiError`` 400."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head.encode("latin-1") + body)
    if not message.is_multipart():
        raise ApiError.bad_request("the multipart body has no parts")
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ApiError.bad_request("a multipart part has no field name")
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        parts.append(
            Part(
                name=name,
                data=payload if isinstance(payload, bytes) else b"",
                filename=filename,
                content_type=part.get_content_type(),
            )
        )
    return parts
