"""The data file: everything survives a save and load, and a real restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SANDBOX_SECRET_KEY, SandboxServer, SandboxState

REPO_ROOT = Path(__file__).resolve().parents[2]
START = "from opn_desk.sandbox.cli import main; raise SystemExit(main())"
WEEK_S = 7 * 24 * 3600


def _token(api: httpx.Client) -> str:
    token: str = api.post(
        "/tokens",
        data={
            "card[number]": "4242424242424242",
            "card[name]": "CHANYA PHROMMA",
            "card[expiration_month]": "6",
            "card[expiration_year]": "2033",
        },
    ).json()["id"]
    return token


def _everything(state: SandboxState) -> dict[str, Any]:
    kinds = ("charge", "refund", "customer", "card", "transaction", "token", "dispute")
    return {
        "objects": {kind: state.objects(kind) for kind in kinds},
        "events": state.events_sorted(),
        "config": state.config.to_dict(),
        "offset_s": state.clock.offset_s,
        "timers": state.timers.to_list(),
        "account": state.account(),
    }


def test_save_and_load_keep_every_kind_the_clock_and_the_config(
    tmp_path: Path,
) -> None:
    state = SandboxState.seeded(charges=40, seed=6)
    with (
        SandboxServer(state) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as api,
    ):
        paid = api.post(
            "/charges", json={"amount": 9000, "currency": "THB", "card": _token(api)}
        ).json()
        api.post(f"/charges/{paid['id']}/refunds", json={"amount": 1000})
        held = api.post(
            "/charges",
            json={
                "amount": 9000,
                "currency": "THB",
                "card": _token(api),
                "capture": False,
            },
        ).json()
        api.post("/customers", json={"email": "x@example.co.th", "card": _token(api)})
        gone = api.post("/customers", json={"card": _token(api)}).json()
        api.delete(f"/customers/{gone['id']}")
        server.update_config(max_refunds_per_charge=5)
        server.advance_clock(3600)
    path = tmp_path / "state.json"

    state.save(path)
    loaded = SandboxState.load(path)

    assert _everything(loaded) == _everything(state)
    assert json.loads(path.read_text())["version"] == 2
    assert loaded.get("customer", gone["id"]) is None
    assert loaded.get("card", gone["default_card"]) is None
    loaded.advance_clock(WEEK_S)
    lapsed = loaded.get("charge", held["id"])
    assert lapsed is not None and lapsed["status"] == "reversed"


def test_loaded_state_serves_the_same_lists(tmp_path: Path) -> None:
    state = SandboxState.seeded(charges=60, seed=8)
    path = tmp_path / "state.json"
    state.save(path)
    loaded = SandboxState.load(path)

    assert loaded.charge_json(state.charges_sorted()[7]["id"]) == state.charge_json(
        state.charges_sorted()[7]["id"]
    )
    assert loaded.store.table("charge").index == state.store.table("charge").index
    assert [e.event_id for e in loaded.events.in_order()] == [
        e.event_id for e in state.events.in_order()
    ]


def test_a_version_1_file_still_loads(tmp_path: Path) -> None:
    charge = SandboxState.seeded(charges=20, seed=2).charges_sorted()[-1]
    refunded = next(
        c
        for c in SandboxState.seeded(charges=20, seed=2).charges_sorted()
        if c["refunds"]["total"]
    )
    refund = refunded["refunds"]["data"][0]
    document = {
        "format": "opn-desk-sandbox",
        "version": 1,
        "account": {"object": "account", "id": "account_test_1"},
        "charges": [refunded, charge],
        "events": [
            {
                "id": "evnt_test_1",
                "key": "charge.create",
                "created_at": charge["created_at"],
                "object_id": charge["id"],
                "data_is_current": True,
            },
            {
                "id": "evnt_test_2",
                "key": "refund.create",
                "created_at": refund["created_at"],
                "object_id": refunded["id"],
                "data": refund,
            },
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))

    loaded = SandboxState.load(path)

    assert loaded.get("charge", charge["id"]) == charge
    assert loaded.get("refund", refund["id"]) == refund
    events = {e["id"]: e for e in loaded.events_sorted()}
    assert events["evnt_test_1"]["data"] == charge
    assert events["evnt_test_2"]["data"] == refund
    # Not yet in the version 2 format: the autosaver will write it again.
    assert loaded.saved_revision != loaded.revision
    if charge["status"] == "pending":
        assert charge["id"] in [t[2] for t in loaded.timers.to_list()]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format":"opn-desk-sandbox","version":9}\n', "newer opn-desk"),
        ('{"hello": "world"}', "not an opn-desk sandbox data file"),
        ('{"format":"opn-desk-sandbox","version":2,\n"meta":{}}', "is damaged"),
    ],
)
def test_other_files_fail_with_a_clear_message(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "data.json"
    path.write_text(content)

    with pytest.raises(ValueError, match=message):
        SandboxState.load(path)


def test_a_cut_off_file_names_the_damaged_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    SandboxState.seeded(charges=10, seed=1).save(path)
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5][:40]
    path.write_bytes(b"\n".join(lines))

    with pytest.raises(ValueError, match="is damaged at line 6"):
        SandboxState.load(path)


def test_writes_are_saved_soon_and_coalesced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "auto.json"
    state = SandboxState.seeded(charges=10, seed=3)
    saves: list[float] = []
    real_save = state.save

    def counting_save(target: Path) -> None:
        saves.append(time.monotonic())
        real_save(target)

    monkeypatch.setattr(state, "save", counting_save)
    with (
        SandboxServer(state, data_file=path) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as api,
    ):
        for _ in range(15):
            api.post("/customers", json={"email": "burst@example.co.th"})
        deadline = time.monotonic() + 5
        while not saves and time.monotonic() < deadline:
            time.sleep(0.05)
        first_save_count = len(saves)
        time.sleep(1.3)
        customers = SandboxState.load(path).count("customer")

    assert first_save_count >= 1
    assert len(saves) <= 4  # 15 writes, at most about one save a second
    assert customers == state.count("customer")


@contextmanager
def _cli(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", START, *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield process, line.removeprefix("listening on ").strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_a_refund_survives_a_restart_even_a_hard_kill(tmp_path: Path) -> None:
    data_file = tmp_path / "demo.json"
    args = ("--charges", "25", "--seed", "5", "--data-file", str(data_file))
    with _cli(*args) as (process, url):
        with httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as api:
            charge = api.post(
                "/charges",
                json={"amount": 50000, "currency": "THB", "card": _token(api)},
            ).json()
            refund = api.post(
                f"/charges/{charge['id']}/refunds", json={"amount": 12000}
            ).json()
            deadline = time.monotonic() + 5
            while refund["id"] not in data_file.read_text():
                assert time.monotonic() < deadline, "the refund was never saved"
                time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    with _cli(*args) as (process, url):
        with httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as api:
            after = api.get(f"/charges/{charge['id']}").json()
            listed = api.get(f"/charges/{charge['id']}/refunds").json()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0

    assert after["refunded_amount"] == 12000
    assert [r["id"] for r in listed["data"]] == [refund["id"]]
