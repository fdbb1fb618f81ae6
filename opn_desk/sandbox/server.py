"""The sandbox's HTTP server: Opn API endpoints over a loopback socket.

Built on ``http.server`` with a small router of our own, so that each
connection stays in reach (the fault injection to come drops connections
after a request has taken effect). Requests are served on daemon threads.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import re
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.listing import ListQuery
from opn_desk.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

SANDBOX_SECRET_KEY = "skey_test_5sandbox7opndesk9ky"
API_VERSION = "2019-05-29"
IDLE_CONNECTION_TIMEOUT_S = 30.0


@dataclass(slots=True)
class Request:
    """What an endpoint needs to know about one request."""

    method: str
    path: str
    params: dict[str, str]
    body: bytes
    path_args: tuple[str, ...] = field(default=())


Endpoint = Callable[[Request], bytes]


class Router:
    """Maps (method, path pattern) to an endpoint."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Endpoint]] = []

    def add(self, method: str, pattern: str, endpoint: Endpoint) -> None:
        """``pattern`` is a regular expression matched against the whole path."""
        self._routes.append((method, re.compile(pattern), endpoint))

    def resolve(self, method: str, path: str) -> tuple[Endpoint, tuple[str, ...]]:
        """The endpoint for the request and the path's captured groups."""
        for route_method, pattern, endpoint in self._routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                return endpoint, match.groups()
        raise ApiError(404, "not_found", f"path {path} was not found")


class SandboxApi:
    """The Opn API endpoints, answered from a ``SandboxState``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router()
        self.router.add("GET", r"/account", self.get_account)
        self.router.add("GET", r"/charges", self.list_charges)
        self.router.add("GET", r"/charges/([^/]+)", self.get_charge)
        self.router.add("GET", r"/events", self.list_events)
        self.router.add("GET", r"/events/([^/]+)", self.get_event)

    def get_account(self, request: Request) -> bytes:
        return self.state.account_json()

    def list_charges(self, request: Request) -> bytes:
        query = ListQuery.parse(request.params, self.state.now())
        total, items = self.state.charge_page(query)
        return query.envelope("/charges", total, items)

    def get_charge(self, request: Request) -> bytes:
        (charge_id,) = request.path_args
        found = self.state.charge_json(charge_id)
        if found is None:
            raise ApiError.not_found("charge", charge_id)
        return found

    def list_events(self, request: Request) -> bytes:
        query = ListQuery.parse(request.params, self.state.now())
        total, items = self.state.event_page(query)
        return query.envelope("/events", total, items)

    def get_event(self, request: Request) -> bytes:
        (event_id,) = request.path_args
        found = self.state.event_json(event_id)
        if found is None:
            raise ApiError.not_found("event", event_id)
        return found


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: SandboxApi, key: str) -> None:
        self.api = api
        self.secret_key = key
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up in DNS; not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_TIMEOUT_S
    # Headers and body go out in two writes; without this, Nagle's algorithm
    # holds the body back until the client's delayed ACK (about 40 ms).
    disable_nagle_algorithm = True
    server: _HttpServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        started = time.perf_counter()
        url = urlsplit(self.path)
        body = self._read_body()
        try:
            self._authenticate()
            endpoint, args = self.server.api.router.resolve(self.command, url.path)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            request = Request(self.command, url.path, params, body, args)
            status, payload = 200, endpoint(request)
        except ApiError as exc:
            status, payload = exc.status, exc.body()
        except Exception:
            logger.exception("sandbox failed on %s %s", self.command, url.path)
            error = ApiError(500, "internal_server_error", "internal server error")
            status, payload = 500, error.body()
        self._respond(status, payload)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info(
            "%s %s -> %s (%.1f ms)", self.command, self.path, status, elapsed_ms
        )

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _authenticate(self) -> None:
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise ApiError.authentication_failure()
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError.authentication_failure() from None
        key = decoded.partition(":")[0]
        if key != self.server.secret_key:
            raise ApiError.authentication_failure()

    def _respond(self, status: int, payload: bytes) -> None:
        version = self.headers.get("Omise-Version") or API_VERSION
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Omise-Version", version)
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, no-store")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # http.server's own lines go to stderr; ours go through logging.
        logger.debug(format, *args)


class SandboxServer:
    """Serves a ``SandboxState`` on a loopback port; use as a context manager."""

    def __init__(
        self,
        state: SandboxState,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        secret_key: str = SANDBOX_SECRET_KEY,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the sandbox only listens on loopback, not {host!r}")
        self.state = state
        self.host = host
        self.secret_key = secret_key
        self.api = SandboxApi(state)
        server_class = _HttpServer6 if ":" in host else _HttpServer
        self._server = server_class((host, port), self.api, secret_key)
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve on a daemon thread until ``stop``."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("sandbox serving on %s", self.base_url)

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
