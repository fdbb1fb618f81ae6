"""Injected faults over real sockets: what a client sees, and what took effect."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SANDBOX_SECRET_KEY, SandboxServer, SandboxState


def _refunds_of(api: httpx.Client, charge_id: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = api.get(f"/charges/{charge_id}/refunds").json()["data"]
    return data


def test_latency_delays_matching_requests_count_times(
    live: SandboxServer, api: httpx.Client
) -> None:
    live.add_fault("latency", delay_ms=300, path="^/balance$", count=1)

    started = time.perf_counter()
    slow = api.get("/balance")
    slow_s = time.perf_counter() - started
    started = time.perf_counter()
    api.get("/balance")
    fast_s = time.perf_counter() - started

    assert slow.status_code == 200
    assert slow_s >= 0.3 > fast_s
    assert live.faults.rules() == []


@pytest.mark.parametrize(
    ("status", "code"), [(500, "internal_server_error"), (503, "service_unavailable")]
)
def test_server_error_answers_an_error_object(
    live: SandboxServer, api: httpx.Client, status: int, code: str
) -> None:
    live.add_fault("server_error", status=status, count=1)

    failed = api.get("/account")
    recovered = api.get("/account")

    assert failed.status_code == status
    assert failed.json()["object"] == "error" and failed.json()["code"] == code
    assert recovered.status_code == 200


def test_rate_limit_is_429_with_retry_after(
    live: SandboxServer, api: httpx.Client
) -> None:
    live.add_fault("rate_limit", retry_after_s=7, method="GET", path="^/charges")

    limited = api.get("/charges")
    other = api.get("/balance")

    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert limited.json()["code"] == "too_many_requests"
    assert other.status_code == 200


def test_drop_before_leaves_no_refund(
    live: SandboxServer, api: httpx.Client, make_charge: Callable[..., dict[str, Any]]
) -> None:
    charge = make_charge()
    live.add_fault("drop_before", method="POST", path=r"/refunds$", count=1)

    with pytest.raises(httpx.RemoteProtocolError):
        api.post(f"/charges/{charge['id']}/refunds", json={"amount": 1000})

    assert _refunds_of(api, charge["id"]) == []
    assert api.get(f"/charges/{charge['id']}").json()["refunded_amount"] == 0


def test_drop_after_refund_takes_effect_once_and_is_saved(
    make_token: Callable[..., str], tmp_path: Path
) -> None:
    data_file = tmp_path / "sandbox.json"
    state = SandboxState.seeded(charges=20, seed=4)
    with (
        SandboxServer(state, data_file=data_file) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as api,
    ):
        token = api.post(
            "/tokens",
            data={
                "card[number]": "4242424242424242",
                "card[name]": "WIRAT THONGDEE",
                "card[expiration_month]": "1",
                "card[expiration_year]": "2035",
            },
        ).json()["id"]
        charge = api.post(
            "/charges", json={"amount": 80000, "currency": "THB", "card": token}
        ).json()
        server.add_fault("drop_after", method="POST", path=r"/refunds$", count=1)

        with pytest.raises(httpx.RemoteProtocolError):
            api.post(f"/charges/{charge['id']}/refunds", json={"amount": 30000})
        refunds = _refunds_of(api, charge["id"])
        after = api.get(f"/charges/{charge['id']}").json()
        server.save()

    saved = SandboxState.load(data_file).get("charge", charge["id"])
    assert len(refunds) == 1 and refunds[0]["amount"] == 30000
    assert after["refunded_amount"] == 30000
    assert saved is not None and saved["refunds"]["data"] == refunds


def test_slow_body_arrives_whole_but_late(
    live: SandboxServer, api: httpx.Client
) -> None:
    expected = api.get("/account").content
    live.add_fault("slow_body", chunk_bytes=400, delay_ms=100, path="^/account$")

    started = time.perf_counter()
    slow = api.get("/account")
    elapsed_s = time.perf_counter() - started

    chunks = -(-len(expected) // 400)
    assert slow.status_code == 200 and slow.content == expected
    assert chunks >= 3 and elapsed_s >= (chunks - 1) * 0.1 * 0.9


def test_probability_is_repeatable_from_the_seed() -> None:
    def pattern() -> list[int]:
        state = SandboxState.seeded(charges=5, seed=1)
        with (
            SandboxServer(state) as server,
            httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as api,
        ):
            server.add_fault("server_error", probability=0.5, path="^/balance$")
            return [api.get("/balance").status_code for _ in range(20)]

    first, second = pattern(), pattern()

    assert first == second
    assert 3 <= first.count(500) <= 17 and 200 in first


def test_faults_over_the_control_interface(
    live: SandboxServer, api: httpx.Client
) -> None:
    added = api.post(
        "/__sandbox/faults",
        data={"kind": "server_error", "status": "503", "count": "2"},
    )
    listed = api.get("/__sandbox/faults").json()
    hit = api.get("/balance")
    # The control paths themselves are never faulted.
    still = api.get("/__sandbox/faults").json()
    cleared = api.delete("/__sandbox/faults").json()
    healthy = api.get("/balance")

    assert added.status_code == 200 and added.json()["kind"] == "server_error"
    assert listed["total"] == 1 and listed["data"][0]["count"] == 2
    assert hit.status_code == 503
    assert still["data"][0]["applied"] == 1
    assert cleared["total"] == 0 and healthy.status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "earthquake"}, "kind must be one of"),
        ({"kind": "latency"}, "needs delay_ms"),
        ({"kind": "server_error", "status": 502}, "status must be 500 or 503"),
        ({"kind": "rate_limit", "probability": 2}, "probability must be"),
        ({"kind": "rate_limit", "path": "(("}, "path is not a regular expression"),
    ],
)
def test_bad_fault_rules_are_bad_request(
    api: httpx.Client, body: dict[str, Any], message: str
) -> None:
    response = api.post("/__sandbox/faults", json=body)

    assert response.status_code == 400
    assert message in response.json()["message"]


def test_faults_apply_before_authentication(live: SandboxServer) -> None:
    live.add_fault("rate_limit", count=1)

    response = httpx.get(f"{live.base_url}/charges", auth=("skey_test_wrong", ""))
    after = httpx.get(f"{live.base_url}/charges", auth=(SANDBOX_SECRET_KEY, ""))

    assert response.status_code == 429 and after.status_code == 200
