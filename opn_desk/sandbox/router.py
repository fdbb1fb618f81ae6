"""Routes: which function answers a method and path, and what it is given.

A resource module adds its routes with ``router.add(method, pattern,
endpoint)``. An endpoint is ``endpoint(state, request)`` and returns the
encoded JSON of a 200 answer, or a ``Reply`` for anything else; it raises
``ApiError`` for an error answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import bodies
from opn_desk.sandbox.errors import ApiError

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

SECRET = "secret"
PUBLIC = "public"


@dataclass(slots=True)
class Request:
    """What an endpoint needs to know about one request."""

    method: str
    path: str
    params: dict[str, str]
    body: bytes
    path_args: tuple[str, ...] = ()
    content_type: str | None = None
    key_kind: str = SECRET
    _fields: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def fields(self) -> dict[str, Any]:
        """The body's fields, nested (see ``bodies.parse_fields``)."""
        if self._fields is None:
            self._fields = bodies.parse_fields(self.content_type, self.body)
        return self._fields

    def parts(self) -> list[bodies.Part]:
        """The parts of a multipart body (file uploads)."""
        if bodies.media_type(self.content_type) != bodies.MULTIPART:
            raise ApiError.bad_request("this request needs a multipart/form-data body")
        return bodies.parse_multipart(self.content_type or "", self.body)

    def list_params(self) -> dict[str, str]:
        """List parameters from the query string, else from the body.

        Some clients (the official Python library) send a GET's list
        parameters as a JSON body; null values there mean "not given".
        """
        merged: dict[str, str] = {}
        if self.method == "GET" and self.body.strip():
            for name, value in self.fields.items():
                if isinstance(value, bool):
                    merged[name] = str(value).lower()
                elif value is not None and not isinstance(value, dict | list):
                    merged[name] = str(value)
        merged.update(self.params)
        return merged


@dataclass(frozen=True, slots=True)
class Reply:
    """A non-default answer: another status, content type or headers."""

    body: bytes
    status: int = 200
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


Endpoint = Callable[["SandboxState", Request], "bytes | Reply"]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: Endpoint
    public: bool


class Router:
    """Maps (method, path pattern) to an endpoint."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self, method: str, pattern: str, endpoint: Endpoint, *, public: bool = False
    ) -> None:
        """``pattern`` is a regular expression matched against the whole path;
        its groups become ``request.path_args``. ``public`` routes also take
        the public key (tokens, sources, capability)."""
        self._routes.append(Route(method, re.compile(pattern), endpoint, public))

    def resolve(self, method: str, path: str) -> tuple[Route, tuple[str, ...]]:
        """The route for the request and the path's captured groups.

        Raises ``ApiError`` 404 for an unknown path, 405-style 404 naming
        the method when only the method is wrong.
        """
        path_known = False
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method == method:
                return route, match.groups()
            path_known = True
        if path_known:
            raise ApiError(404, "not_found", f"{method} {path} is not supported")
        raise ApiError(404, "not_found", f"path {path} was not found")


def json_reply(value: Any, status: int = 200) -> Reply:
    """A ``Reply`` with ``value`` as compact JSON."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Reply(body, status)
