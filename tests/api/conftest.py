"""Fixtures for the API client tests: recorded objects and misbehaving servers."""

from __future__ import annotations

import json
import socket
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class Recorded:
    """One API object found in a recorded response file."""

    file: str  # path relative to the fixtures folder
    where: str  # JSON path inside the file, "" for the top level
    obj: dict[str, Any]


def _walk(node: Any, file: str, where: str, found: dict[str, list[Recorded]]) -> None:
    if isinstance(node, dict):
        kind = node.get("object")
        if isinstance(kind, str):
            found[kind].append(Recorded(file, where, node))
        for key, value in node.items():
            _walk(value, file, f"{where}.{key}", found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk(value, file, f"{where}[{index}]", found)


@pytest.fixture(scope="session")
def recorded(fixtures_dir: Path) -> dict[str, list[Recorded]]:
    """Every object in every recorded JSON file, grouped by ``object`` kind.

    Objects are found at any depth: a list's or search's ``data``, an
    event's ``data``, a dispute's expanded ``charge``. The elixir cassettes
    hold their bodies as strings; their decoded copies are in elixir/bodies.
    """
    found: dict[str, list[Recorded]] = defaultdict(list)
    for path in sorted(fixtures_dir.rglob("*.json")):
        # Two dotnet object samples start with a byte-order mark.
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        _walk(data, str(path.relative_to(fixtures_dir)), "", found)
    return found


@pytest.fixture
def load(fixtures_dir: Path):  # type: ignore[no-untyped-def]
    """Load one recorded file by its path under the fixtures folder."""

    def _load(relative: str) -> Any:
        return json.loads((fixtures_dir / relative).read_text(encoding="utf-8"))

    return _load


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers.

    The kernel completes the TCP handshake from the listen backlog, so a
    client connects, sends its request and then waits for nothing.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


class _OneShotServer:
    """A loopback TCP server that answers each connection with fixed bytes.

    With ``reply=b""`` it reads the request and hangs up without a word.
    Given several replies, the n-th connection gets the n-th (the last one
    repeats).
    """

    def __init__(self, reply: bytes, *later: bytes) -> None:
        self.replies = [reply, *later]
        self.requests: list[bytes] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> _OneShotServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                self.requests.append(_read_request_head(conn))
                reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
                if reply:
                    conn.sendall(reply)


def _read_request_head(conn: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


@pytest.fixture
def hangup_server() -> Iterator[_OneShotServer]:
    """Reads each request, then closes the connection without answering."""
    with _OneShotServer(b"") as server:
        yield server


@pytest.fixture
def raw_http_server():  # type: ignore[no-untyped-def]
    """A factory: a loopback server answering every request with one reply."""
    servers: list[_OneShotServer] = []

    def _start(
        status: str, content_type: str, body: bytes, *later: bytes
    ) -> _OneShotServer:
        server = _OneShotServer(http_reply(status, content_type, body), *later)
        server.__enter__()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.__exit__(None, None, None)


def http_reply(status: str, content_type: str, body: bytes, headers: str = "") -> bytes:
    """The bytes of a whole HTTP/1.1 answer that closes the connection."""
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{headers}"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


@pytest.fixture(name="http_reply")
def http_reply_fixture():  # type: ignore[no-untyped-def]
    """``http_reply``, for tests that script a server's later answers."""
    return http_reply
