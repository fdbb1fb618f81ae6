"""Sandbox test fixtures: a seeded server on loopback and a client for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SANDBOX_SECRET_KEY, SandboxServer, SandboxState

# A fixed "now" makes every seeded value in these tests reproducible.
SEED_NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded_state() -> SandboxState:
    return SandboxState.seeded(charges=1500, seed=7, now=SEED_NOW)


@pytest.fixture(scope="module")
def server(seeded_state: SandboxState) -> Iterator[SandboxServer]:
    with SandboxServer(seeded_state, host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url, auth=(SANDBOX_SECRET_KEY, ""), timeout=10
    ) as http:
        yield http


def _fetch_all(client: httpx.Client, path: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        offset = str(len(items))
        page = client.get(path, params={**params, "limit": "100", "offset": offset})
        assert page.status_code == 200, page.text
        data = page.json()["data"]
        if not data:
            return items
        items.extend(data)


@pytest.fixture(scope="session")
def fetch_all_from() -> Callable[..., list[dict[str, Any]]]:
    """Reads every item of a list endpoint through a client, 100 per page."""
    return _fetch_all


@pytest.fixture(scope="module")
def fetch_all(client: httpx.Client) -> Callable[..., list[dict[str, Any]]]:
    """Reads every item of a list endpoint of the module's server."""

    def fetch(path: str, **params: str) -> list[dict[str, Any]]:
        return _fetch_all(client, path, **params)

    return fetch
