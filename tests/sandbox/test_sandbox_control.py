"""The control interface under /__sandbox/: clock, config, save, access."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from opn_desk.sandbox import SandboxServer
from opn_desk.sandbox.times import iso, parse_iso


def test_clock_reads_and_advances(live: SandboxServer, api: httpx.Client) -> None:
    before = api.get("/__sandbox/clock").json()
    advanced = api.post("/__sandbox/clock", data={"advance_s": "3600"}).json()
    target = iso(parse_iso(advanced["now"]) + timedelta(days=2))
    moved = api.post("/__sandbox/clock", json={"now": target}).json()
    listed = api.get("/charges", params={"limit": "1"}).json()

    assert before["object"] == "sandbox_clock"
    gained = parse_iso(advanced["now"]) - parse_iso(before["now"])
    assert timedelta(seconds=3600) <= gained <= timedelta(seconds=3605)
    assert moved["now"] == target
    assert moved["offset_s"] >= 2 * 24 * 3600 + 3600
    # The API's own "now" (a list's default window end) follows the clock.
    assert listed["to"] >= target


@pytest.mark.parametrize(
    "body",
    [
        {"advance_s": -5},
        {"now": "2001-01-01T00:00:00Z"},
        {},
        {"advance_s": 5, "now": "2100-01-01T00:00:00Z"},
        {"advance_s": "soon"},
        {"speed": 2},
    ],
)
def test_clock_refuses_going_back_and_bad_bodies(
    api: httpx.Client, body: dict[str, object]
) -> None:
    before = api.get("/__sandbox/clock").json()

    response = api.post("/__sandbox/clock", json=body)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert api.get("/__sandbox/clock").json()["offset_s"] == before["offset_s"]


def test_config_reads_and_patches(live: SandboxServer, api: httpx.Client) -> None:
    defaults = api.get("/__sandbox/config").json()
    patched = api.patch(
        "/__sandbox/config", json={"max_refunds_per_charge": 3, "fault_seed": 9}
    )
    unknown = api.patch("/__sandbox/config", json={"colour": "blue"})
    wrong_type = api.patch(
        "/__sandbox/config", json={"authorization_window_days": "seven"}
    )
    bad_value = api.patch(
        "/__sandbox/config", json={"refund_support": {"card": "sometimes"}}
    )

    assert defaults["max_refunds_per_charge"] == 15
    assert defaults["refund_support"]["installment_*"] == "full"
    assert defaults["test_cards"]["4111111111140011"] == "insufficient_fund"
    assert patched.status_code == 200
    assert patched.json()["max_refunds_per_charge"] == 3
    assert live.state.config.max_refunds_per_charge == 3
    assert unknown.status_code == wrong_type.status_code == bad_value.status_code == 400
    assert unknown.json()["message"] == "colour is not a sandbox setting"


def test_save_needs_a_data_file(api: httpx.Client) -> None:
    response = api.post("/__sandbox/save")

    assert response.status_code == 400
    assert "without a data file" in response.json()["message"]


def test_control_needs_the_secret_key(live: SandboxServer) -> None:
    anonymous = httpx.get(f"{live.base_url}/__sandbox/clock")
    unknown = httpx.get(
        f"{live.base_url}/__sandbox/nothing", auth=(live.secret_key, "")
    )

    assert anonymous.status_code == 401
    assert unknown.status_code == 404


def test_wrong_method_on_a_known_path_is_404_naming_it(api: httpx.Client) -> None:
    response = api.delete("/charges")

    assert response.status_code == 404
    assert response.json()["message"] == "DELETE /charges is not supported"
