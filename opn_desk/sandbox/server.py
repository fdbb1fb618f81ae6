"""The sandbox's HTTP server: Opn API endpoints over a loopback socket.

Built on ``http.server`` with our own router, so each connection stays in
reach: fault injection delays, refuses, slows or drops it. Requests are
served on daemon threads; each endpoint runs under the state's lock, after
the timers the clock has passed have fired.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import ipaddress
import logging
import socket
import socketserver
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from opn_desk.sandbox import resources, versions
from opn_desk.sandbox.autosave import AutoSaver
from opn_desk.sandbox.config import ACCOUNT_VERSION
from opn_desk.sandbox.control import PREFIX, Control
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.expand import expand_answer, wants_expansion
from opn_desk.sandbox.faults import DROP_BEFORE, FaultBook, FaultPlan, error_for
from opn_desk.sandbox.router import PUBLIC, SECRET, Reply, Request, Router
from opn_desk.sandbox.state import SandboxState
from opn_desk.sandbox.store import decode

logger = logging.getLogger(__name__)

SANDBOX_SECRET_KEY = "skey_test_5sandbox7opndesk9ky"
SANDBOX_PUBLIC_KEY = "pkey_test_5sandbox7opndesk9ky"
API_VERSION = versions.LATEST
IDLE_CONNECTION_TIMEOUT_S = 30.0
# How often the serving loop checks for a stop request (bounds stop time).
SHUTDOWN_POLL_S = 0.05
JSON_TYPE = "application/json; charset=utf-8"


class SandboxApi:
    """The API and control routes, answered from a ``SandboxState``."""

    def __init__(self, state: SandboxState, faults: FaultBook, control: Control):
        self.state = state
        self.faults = faults
        self.router = Router()
        resources.add_routes(self.router)
        self.control_router = Router()
        control.add_routes(self.control_router)
        resources.add_control_routes(self.control_router)

    def answer(self, request: Request, version: str = API_VERSION) -> Reply:
        """Run the request's endpoint, answered in API ``version``; errors
        become error replies."""
        return self.render(self._run(request), version, request.path)

    def version_for(self, header: str | None, *, strict: bool = True) -> str:
        """The API version a request with this ``Omise-Version`` header is
        answered in: the header's, else the account's default.

        An unknown version is ``ApiError`` 400 when the config says
        ``refuse`` (and ``strict``), otherwise the account's default.
        """
        asked = (header or "").strip()
        if versions.is_known(asked):
            return asked
        refused = self.state.config.unknown_api_version != ACCOUNT_VERSION
        if asked and strict and refused:
            known = ", ".join(versions.VERSIONS)
            raise ApiError.bad_request(
                f"Omise-Version {asked} is not an API version; use one of {known}"
            )
        return self.state.api_version

    def render(self, reply: Reply, version: str, path: str) -> Reply:
        """``reply`` in API ``version``; control answers and files as they are."""
        if (
            version == API_VERSION
            or _is_control(path)
            or not reply.content_type.startswith("application/json")
        ):
            return reply
        return dataclasses.replace(reply, body=versions.render(reply.body, version))

    def _run(self, request: Request) -> Reply:
        router = self.control_router if _is_control(request.path) else self.router
        try:
            route, request.path_args = router.resolve(request.method, request.path)
            if request.key_kind == PUBLIC and not route.public:
                raise ApiError.authentication_failure()
            with self.state.lock:
                self.state.catch_up()
                result = route.endpoint(self.state, request)
                if isinstance(result, bytes) and _expands(request):
                    result = expand_answer(self.state, result)
        except ApiError as exc:
            return Reply(exc.body(), exc.status)
        except Exception:
            logger.exception("sandbox failed on %s %s", request.method, request.path)
            error = ApiError(500, "internal_server_error", "internal server error")
            return Reply(error.body(), 500)
        return result if isinstance(result, Reply) else Reply(result)


def _expands(request: Request) -> bool:
    return request.method == "GET" and wants_expansion(request.list_params())


def _is_control(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], api: SandboxApi, keys: dict[str, str]
    ) -> None:
        self.api = api
        self.keys = keys
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

    def do_PUT(self) -> None:  # noqa: N802
        # The API takes no PUT; answered with its error object, not HTML.
        self._handle()

    def _handle(self) -> None:
        started = time.perf_counter()
        url = urlsplit(self.path)
        body = self._read_body()
        plan = FaultPlan()
        if not _is_control(url.path):
            plan = self.server.api.faults.plan(self.command, url.path)
        if plan.latency_ms:
            time.sleep(plan.latency_ms / 1000)
        if plan.answer is not None and plan.answer.kind == DROP_BEFORE:
            self._drop("drop_before", url.path)
            return
        if plan.answer is not None:
            error = error_for(plan.answer)
            headers = (("Retry-After", str(plan.answer.retry_after_s)),)
            reply = Reply(error.body(), error.status, headers=headers)
            version = self.server.api.version_for(
                self.headers.get("Omise-Version"), strict=False
            )
            reply = self.server.api.render(reply, version, url.path)
        else:
            reply = self._process(url.path, url.query, body)
        if plan.drop_after:
            self._drop("drop_after", url.path)
            return
        self._respond(reply, plan)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info(
            "%s %s -> %s (%.1f ms)", self.command, url.path, reply.status, elapsed_ms
        )

    def _process(self, path: str, query: str, body: bytes) -> Reply:
        api = self.server.api
        header = self.headers.get("Omise-Version")
        try:
            key_kind = self._authenticate()
            version = API_VERSION if _is_control(path) else api.version_for(header)
        except ApiError as exc:
            reply = Reply(exc.body(), exc.status)
            return api.render(reply, api.version_for(header, strict=False), path)
        request = Request(
            method=self.command,
            path=path,
            params=dict(parse_qsl(query, keep_blank_values=True)),
            body=body,
            content_type=self.headers.get("Content-Type"),
            key_kind=key_kind,
        )
        return api.answer(request, version)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _authenticate(self) -> str:
        """``secret`` or ``public``: which of the sandbox's keys was sent."""
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise ApiError.authentication_failure()
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError.authentication_failure() from None
        key = decoded.partition(":")[0]
        for kind, known in self.server.keys.items():
            if key == known:
                return kind
        raise ApiError.authentication_failure()

    def _respond(self, reply: Reply, plan: FaultPlan) -> None:
        header = self.headers.get("Omise-Version")
        version = self.server.api.version_for(header, strict=False)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Omise-Version", version)
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, no-store")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        slow = plan.slow_body
        if slow is None:
            self.wfile.write(reply.body)
            return
        for start in range(0, len(reply.body), slow.chunk_bytes):
            if start:
                time.sleep(slow.delay_ms / 1000)
            self.wfile.write(reply.body[start : start + slow.chunk_bytes])

    def _drop(self, kind: str, path: str) -> None:
        """Close the connection without a word (an injected fault)."""
        logger.info("%s %s -> connection dropped (%s)", self.command, path, kind)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # http.server's own lines go to stderr; ours go through logging.
        logger.debug(format, *args)


class SandboxServer:
    """Serves a ``SandboxState`` on a loopback port; use as a context manager.

    With ``data_file`` the state is saved there soon after each change and
    when the server stops.
    """

    def __init__(
        self,
        state: SandboxState,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        secret_key: str = SANDBOX_SECRET_KEY,
        public_key: str = SANDBOX_PUBLIC_KEY,
        data_file: Path | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the sandbox only listens on loopback, not {host!r}")
        self.state = state
        self.host = host
        self.secret_key = secret_key
        self.public_key = public_key
        self.faults = FaultBook(seed=state.config.fault_seed)
        self.saver = AutoSaver(state, data_file) if data_file is not None else None
        self.api = SandboxApi(state, self.faults, Control(self.faults, self.saver))
        keys = {SECRET: secret_key, PUBLIC: public_key}
        server_class = _HttpServer6 if ":" in host else _HttpServer
        self._server = server_class((host, port), self.api, keys)
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serve on a daemon thread until ``stop``."""
        if self.saver is not None:
            self.saver.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_S},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("sandbox serving on %s", self.base_url)

    def stop(self) -> None:
        """Stop serving, close the listening socket, save the data file."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        if self.saver is not None:
            self.saver.stop()

    # -- the control interface, for tests ----------------------------------

    def add_fault(self, kind: str, **options: Any) -> dict[str, Any]:
        """Like ``POST /__sandbox/faults``; the rule as the API shows it."""
        return self.faults.add({"kind": kind, **options}).to_dict()

    def clear_faults(self) -> None:
        """Like ``DELETE /__sandbox/faults``."""
        self.faults.clear()

    def advance_clock(self, seconds: int) -> datetime:
        """Like ``POST /__sandbox/clock`` with ``advance_s``."""
        return self.state.advance_clock(seconds)

    def set_clock(self, moment: datetime) -> datetime:
        """Like ``POST /__sandbox/clock`` with ``now``."""
        return self.state.set_clock(moment)

    def save(self) -> None:
        """Like ``POST /__sandbox/save``. Raises ``ValueError`` without a file."""
        if self.saver is None:
            raise ValueError("the sandbox was started without a data file")
        self.saver.save_now()

    def set_api_version(self, version: str) -> None:
        """Like ``PATCH /__sandbox/account`` with ``api_version``: the
        account's default version. Raises ``ValueError``."""
        self.state.set_api_version(version)

    def update_config(self, **changes: Any) -> None:
        """Like ``PATCH /__sandbox/config``. Raises ``ValueError``."""
        with self.state.lock:
            self.state.config = self.state.config.updated(changes)
            self.state.revision += 1

    def open_dispute(
        self, charge_id: str, reason_code: str = "goods_or_services_not_provided"
    ) -> dict[str, Any]:
        """Like ``POST /__sandbox/disputes``; the dispute. Raises ``ApiError``."""
        with self.state.lock:
            self.state.catch_up()
            opened = resources.disputes.open_dispute(self.state, charge_id, reason_code)
        return decode(opened)

    def resolve_dispute(self, dispute_id: str, status: str) -> dict[str, Any]:
        """Like ``POST /__sandbox/disputes/{id}/resolve`` with ``status`` won
        or lost; the dispute. Raises ``ApiError``."""
        with self.state.lock:
            self.state.catch_up()
            resolved = resources.disputes.resolve(self.state, dispute_id, status)
        return decode(resolved)

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
