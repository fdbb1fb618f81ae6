"""Sandbox test fixtures: a seeded server on loopback and a client for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import (
    SANDBOX_PUBLIC_KEY,
    SANDBOX_SECRET_KEY,
    SandboxServer,
    SandboxState,
)

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


# -- a sandbox of its own per test, for tests that change things -----------

VISA_OK = "4242424242424242"
JCB_OK = "3530111333300000"


@pytest.fixture
def live() -> Iterator[SandboxServer]:
    """A small seeded sandbox for one test (it may change anything).

    Its clock starts at the next noon in Bangkok, so a test never straddles
    the midnight at which the day's charges settle.
    """
    state = SandboxState.seeded(charges=30, seed=9)
    state.set_clock(_next_bangkok_noon(state.now()))
    with SandboxServer(state) as running:
        yield running


def _next_bangkok_noon(now: datetime) -> datetime:
    noon = now.replace(hour=5, minute=0, second=0)  # 12:00 at UTC+7
    return noon if noon > now else noon + timedelta(days=1)


@pytest.fixture
def api(live: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=live.base_url, auth=(live.secret_key, ""), timeout=10
    ) as http:
        yield http


@pytest.fixture
def vault(live: SandboxServer) -> Iterator[httpx.Client]:
    """A client with the public key, as a checkout page would use."""
    with httpx.Client(
        base_url=live.base_url, auth=(SANDBOX_PUBLIC_KEY, ""), timeout=10
    ) as http:
        yield http


@pytest.fixture
def make_token(vault: httpx.Client) -> Callable[..., str]:
    """Tokenizes a test card number; returns the token id."""

    def make(number: str = VISA_OK, name: str = "SOMCHAI JAIDEE") -> str:
        response = vault.post(
            "/tokens",
            data={
                "card[number]": number,
                "card[name]": name,
                "card[expiration_month]": "12",
                "card[expiration_year]": "2031",
                "card[security_code]": "123",
            },
        )
        assert response.status_code == 200, response.text
        token_id: str = response.json()["id"]
        return token_id

    return make


@pytest.fixture
def make_charge(
    api: httpx.Client, make_token: Callable[..., str]
) -> Callable[..., dict[str, Any]]:
    """Creates a card charge (100,000 satang unless told) and returns it."""

    def make(number: str = VISA_OK, **fields: Any) -> dict[str, Any]:
        body = {"amount": 100000, "currency": "THB", **fields}
        if "card" not in body and "customer" not in body and "source" not in body:
            body["card"] = make_token(number)
        response = api.post("/charges", json=body)
        assert response.status_code == 200, response.text
        charge: dict[str, Any] = response.json()
        return charge

    return make


@pytest.fixture
def balance(api: httpx.Client) -> Callable[[], int]:
    """The sandbox's balance total now."""

    def read() -> int:
        total: int = api.get("/balance").json()["total"]
        return total

    return read
