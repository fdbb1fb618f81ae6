"""The HTTP transport under the Opn API client: requests, retries, paging.

Every failure leaves this module as an ApiError subclass (see errors.py).
The secret key goes into the Authorization header and nowhere else: not
into a log line, a repr or an exception message.
"""

from __future__ import annotations

import ipaddress
import logging
import platform
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
import orjson

from opn_desk import __version__
from opn_desk.services.api.errors import (
    ApiError,
    ApiOffline,
    ApiTimeout,
    ConnectionLost,
    InsecureBaseUrl,
    InvalidResponse,
    RateLimited,
    ServerError,
    error_from_response,
)
from opn_desk.services.api.objects import Page, parse_page

logger = logging.getLogger(__name__)

T = TypeVar("T")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_Identified)
TransportT = TypeVar("TransportT", bound="Transport")

DEFAULT_BASE_URL = "https://api.omise.co"
DEFAULT_API_VERSION = "2019-05-29"
MAX_PAGE_SIZE = 100
ORDERS = ("chronological", "reverse_chronological")

MAX_BACKOFF_S = 30.0
TRANSIENT_ERRORS = (RateLimited, ServerError, ApiTimeout, ConnectionLost)

Params = Mapping[str, str | int]


class Transport:
    """A connection to the Opn API (or the local sandbox) with one secret key.

    Use it as a context manager, or call ``close()``. Each call is one
    blocking HTTP request, so none may run on the GUI thread. Safe to share
    between threads: httpx keeps a pool of connections.
    """

    def __init__(
        self,
        secret_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_version: str = DEFAULT_API_VERSION,
        timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        read_retries: int = 3,
        backoff_s: float = 0.5,
    ) -> None:
        if not secret_key.strip():
            raise ValueError("the secret key is empty")
        url = checked_base_url(base_url)
        self.base_url = str(url).rstrip("/")
        self.api_version = api_version
        self.livemode = "_test_" not in secret_key
        self._read_retries = read_retries
        self._backoff_s = backoff_s
        self._host = _host_label(url)
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=httpx.BasicAuth(secret_key, ""),
            headers={
                "Omise-Version": api_version,
                "User-Agent": user_agent(),
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            follow_redirects=False,
            # Proxy settings from the environment apply to the real API but
            # must not divert requests meant for the sandbox on this machine.
            trust_env=not _is_loopback(url.host),
        )

    def __repr__(self) -> str:
        mode = "live" if self.livemode else "test"
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, mode={mode!r}, "
            f"api_version={self.api_version!r})"
        )

    def __enter__(self: TransportT) -> TransportT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections; the client cannot be used afterwards."""
        self._http.close()

    def get_json(self, path: str, params: Params | None = None) -> dict[str, Any]:
        """``GET path`` and its JSON object; any failure as an ApiError.

        A read that meets a transient failure (429, 5xx, a timeout, a dropped
        connection) is sent again after a growing pause, a few times, before
        the failure is raised. Writes never go through here.
        """
        response = self._read(path, params)
        body = _json_body(response)
        if not isinstance(body, dict):
            raise InvalidResponse(
                f"GET {path}: the answer is not a JSON object "
                f"(HTTP {response.status_code}, "
                f"{response.headers.get('Content-Type', 'no content type')})"
            )
        return body

    def _read(self, path: str, params: Params | None) -> httpx.Response:
        for attempt in range(self._read_retries + 1):
            try:
                return self._send("GET", path, params)
            except TRANSIENT_ERRORS as error:
                if attempt == self._read_retries:
                    raise
                pause_s = self._pause_s(error, attempt)
                logger.info("GET %s: retrying in %.1f s (%s)", path, pause_s, error)
                time.sleep(pause_s)
        raise AssertionError("unreachable")

    def _pause_s(self, error: ApiError, attempt: int) -> float:
        if isinstance(error, RateLimited) and error.retry_after_s is not None:
            return min(error.retry_after_s, MAX_BACKOFF_S)
        growing = self._backoff_s * 2**attempt
        return float(min(growing * random.uniform(0.75, 1.25), MAX_BACKOFF_S))

    def get_object(self, path: str, parse: Callable[[Any], T]) -> T:
        """``GET path`` read by ``parse``: any endpoint answering one object."""
        return _parsed(parse, self.get_json(path))

    def list_path(
        self,
        path: str,
        parse_item: Callable[[Any], T],
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
        offset: int = 0,
        limit: int = MAX_PAGE_SIZE,
        order: str = "chronological",
    ) -> Page[T]:
        """One page of any list endpoint, items read by ``parse_item``."""
        params = list_params(from_, to, offset, limit, order)
        return self._page(path, params, parse_item)

    def iter_path(
        self,
        path: str,
        parse_item: Callable[[Any], ItemT],
        *,
        from_: datetime | None = None,
        to: datetime | None = None,
        order: str = "chronological",
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[ItemT]:
        """Every item of any list endpoint, page after page."""
        return self._walk(path, parse_item, from_, to, order, page_size)

    def _page(
        self, path: str, params: Params, parse_item: Callable[[Any], T]
    ) -> Page[T]:
        raw = self.get_json(path, params)
        return _parsed(parse_page, raw, parse_item)

    def _walk(
        self,
        path: str,
        parse_item: Callable[[Any], ItemT],
        from_: datetime | None,
        to: datetime | None,
        order: str,
        page_size: int,
    ) -> Iterator[ItemT]:
        """Yield every item of a list endpoint, following ``offset``.

        The upper bound is pinned to the ``to`` the first page reports, so
        objects created during the walk do not shift later pages. An id seen
        twice (an object created in that very second) is yielded once.
        """
        offset = 0
        seen: set[str] = set()
        while True:
            params = list_params(from_, to, offset, page_size, order)
            page = self._page(path, params, parse_item)
            to = to or page.to
            for item in page.data:
                if item.id not in seen:
                    seen.add(item.id)
                    yield item
            offset += len(page.data)
            if not page.data or offset >= page.total:
                return

    def write_json(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """Send a write (POST, PATCH, DELETE) once and return its JSON object.

        Writes are never resent here: after an ambiguous failure only the
        operations journal may decide, by reading the target back.
        """
        response = self._send(method, path, None, json=body, files=files)
        answer = _json_body(response)
        if not isinstance(answer, dict):
            raise InvalidResponse(f"{method} {path}: the answer is not a JSON object")
        return answer

    def _send(
        self,
        method: str,
        path: str,
        params: Params | None,
        *,
        json: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        started = time.monotonic()
        try:
            response = self._http.request(
                method, path, params=params, json=json, files=files
            )
        except httpx.RequestError as exc:
            error = _transport_error(exc, self._host)
            logger.warning("%s %s failed: %s", method, path, error)
            raise error from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug(
            "%s %s -> %s in %.0f ms", method, path, response.status_code, elapsed_ms
        )
        if not response.is_success:
            raise _status_error(method, path, response)
        return response


def checked_base_url(base_url: str) -> httpx.URL:
    """The base URL, refused unless it is https or http to this machine.

    Raises:
        InsecureBaseUrl: plain http to another host, or another scheme.
        ValueError: not a URL, or one carrying a user name or password.
    """
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a valid URL: {base_url!r}") from exc
    if url.userinfo:
        # Not echoed: the user part might be a key pasted in by mistake.
        raise ValueError("the base URL must not contain a user name or password")
    if not url.host:
        raise ValueError(f"the base URL has no host: {base_url!r}")
    if url.scheme == "https":
        return url
    if url.scheme == "http" and _is_loopback(url.host):
        return url
    raise InsecureBaseUrl(base_url)


def list_params(
    from_: datetime | None,
    to: datetime | None,
    offset: int,
    limit: int,
    order: str,
) -> dict[str, str | int]:
    """The query parameters of a list endpoint, checked before sending."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be 1 to {MAX_PAGE_SIZE}, not {limit}")
    if offset < 0:
        raise ValueError(f"offset must not be negative, not {offset}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    params: dict[str, str | int] = {
        "offset": offset,
        "limit": limit,
        "order": order,
    }
    if from_ is not None:
        params["from"] = api_datetime(from_)
    if to is not None:
        params["to"] = api_datetime(to)
    return params


def api_datetime(moment: datetime) -> str:
    """A datetime as the API writes it: UTC, seconds, a literal ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("list windows need timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_agent() -> str:
    """``opn-desk/<version> (<platform>; Python x.y)``."""
    system = f"{platform.system()} {platform.release()}".strip()
    python = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    return f"opn-desk/{__version__} ({system or 'unknown'}; {python})"


def object_path(collection: str, object_id: str, *rest: str) -> str:
    """``/collection/{id}`` with the id escaped, then ``rest`` as given.

    ``rest`` alternates names and ids: ``object_path("customers", cust,
    "cards", card)`` is ``/customers/{cust}/cards/{card}``; every odd item
    of it is an id and is escaped too.
    """
    segments = [collection, object_id, *rest]
    for index in range(1, len(segments), 2):
        if not segments[index]:
            raise ValueError(f"an id is needed to fetch from /{segments[index - 1]}")
        segments[index] = quote(segments[index], safe="")
    return "/" + "/".join(segments)


def _parsed(parse: Callable[..., T], raw: Any, *args: Any, **kwargs: Any) -> T:
    """``parse(raw, ...)``, logging what could not be read before re-raising."""
    try:
        return parse(raw, *args, **kwargs)
    except InvalidResponse as exc:
        logger.warning("Could not read an answer from Opn: %s", exc)
        raise


def _json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when the body is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _status_error(method: str, path: str, response: httpx.Response) -> ApiError:
    status = response.status_code
    if status < 400:
        return InvalidResponse(f"{method} {path}: unexpected HTTP {status}")
    request_id = response.headers.get("X-Request-Id")
    error = error_from_response(status, _json_body(response), request_id)
    if isinstance(error, RateLimited):
        error.retry_after_s = _retry_after_s(response)
    logger.info(
        "Opn answered %s %s with HTTP %s %s (request %s)",
        method,
        path,
        status,
        error.code,
        request_id,
    )
    return error


def _retry_after_s(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _transport_error(exc: httpx.RequestError, host: str) -> ApiError:
    """The ApiError for an httpx failure, by how far the request got."""
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return ApiTimeout(host, "connecting", ambiguous=False)
    if isinstance(exc, httpx.TimeoutException):
        return ApiTimeout(host, "waiting for the answer", ambiguous=True)
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        return ApiOffline(host, reason)
    if isinstance(exc, httpx.DecodingError):
        return InvalidResponse(f"the answer from {host} could not be decoded")
    return ConnectionLost(host, reason)


def _host_label(url: httpx.URL) -> str:
    return f"{url.host}:{url.port}" if url.port else url.host


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
