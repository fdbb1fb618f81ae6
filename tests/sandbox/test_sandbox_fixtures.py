"""Serving recorded charges, and keeping the sandbox's data in a file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SandboxServer, SandboxState


@pytest.fixture(scope="module")
def fixture_state(fixtures_dir: Path) -> SandboxState:
    return SandboxState.from_fixture_files([fixtures_dir])


@pytest.fixture(scope="module")
def fixture_client(fixture_state: SandboxState) -> Iterator[httpx.Client]:
    with (
        SandboxServer(fixture_state) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as http,
    ):
        yield http


def _recorded_charges(folder: Path) -> dict[str, dict[str, Any]]:
    """Charges in the response bodies under ``folder``, by id (read directly)."""
    found: dict[str, dict[str, Any]] = {}
    for file in sorted(folder.rglob("*.json")):
        body = json.loads(file.read_text(encoding="utf-8"))
        items = body.get("data") if body.get("object") in ("list", "search") else None
        candidates = items if isinstance(items, list) else [body]
        for item in candidates:
            if item.get("object") == "event":
                item = item["data"]
            if item.get("object") == "charge":
                found[item["id"]] = item
    return found


@pytest.mark.parametrize("folder", ["php", "swift"])
def test_every_recorded_charge_is_served(
    fixture_client: httpx.Client, fixtures_dir: Path, folder: str
) -> None:
    recorded = _recorded_charges(fixtures_dir / folder)
    assert len(recorded) >= 20

    for charge_id, charge in recorded.items():
        served = fixture_client.get(f"/charges/{charge_id}")
        assert served.status_code == 200, charge_id
        assert served.json()["amount"] == charge["amount"], charge_id
        assert served.json()["currency"] == charge["currency"].upper(), charge_id


def test_fixture_charges_are_listed_once_each(
    fixture_client: httpx.Client, fixture_state: SandboxState, fetch_all_from
) -> None:
    listed = fetch_all_from(fixture_client, "/charges")
    ids = [c["id"] for c in listed]

    assert len(ids) == len(set(ids)) == fixture_state.charge_count > 200
    assert [c["created_at"] for c in listed] == sorted(c["created_at"] for c in listed)


def test_legacy_charges_are_upgraded(fixtures_dir: Path) -> None:
    api = "api.omise.co/charges"
    state = SandboxState.from_fixture_files(
        [
            # Recorded in 2015: created, captured, refunded, lower-case currency.
            fixtures_dir / f"ruby/{api}/chrg_test_4yq7duw15p9hdrjp8oq-get.json",
            # omise-go's hand edit wrote the typo key created_at_at.
            fixtures_dir / f"go/{api}/chrg_test_5kdpo8ie121323la8ew-get.json",
        ]
    )
    typo, legacy = sorted(state.charges_sorted(), key=lambda c: c["id"])[::-1]

    assert legacy["id"] == "chrg_test_4yq7duw15p9hdrjp8oq"
    assert legacy["created_at"] == "2015-01-15T05:00:29Z"
    assert "created" not in legacy
    assert legacy["currency"] == "THB"
    assert legacy["paid"] is True and "captured" not in legacy
    assert legacy["refunded_amount"] == 10000 and "refunded" not in legacy
    assert legacy["status"] == "successful"
    assert typo["created_at"].endswith("Z") and "created_at_at" not in typo


def test_the_newest_copy_of_a_charge_wins(tmp_path: Path) -> None:
    older = _charge("chrg_test_samesamesamesamesam", paid=False, to="2025-01-01")
    newer = _charge("chrg_test_samesamesamesamesam", paid=True, to="2025-02-01")
    (tmp_path / "a-newer.json").write_text(json.dumps(newer))
    (tmp_path / "b-older.json").write_text(json.dumps(older))
    (tmp_path / "balance.json").write_text('{"object": "balance", "total": 1}')
    (tmp_path / "broken.json").write_text("{not json")

    charges = SandboxState.from_fixture_files([tmp_path]).charges_sorted()

    assert [c["paid"] for c in charges] == [True]


def _charge(charge_id: str, *, paid: bool, to: str) -> dict[str, Any]:
    return {
        "object": "charge",
        "id": charge_id,
        "amount": 5000,
        "currency": "thb",
        "paid": paid,
        "created_at": "2024-12-30T10:00:00Z",
        "refunds": {"object": "list", "data": [], "to": f"{to}T00:00:00Z"},
    }


def test_data_file_round_trip(tmp_path: Path) -> None:
    state = SandboxState.seeded(charges=200, seed=9)
    state.update_charge(state.charges_sorted()[0]["id"], metadata={"branch": "X"})
    path = tmp_path / "sandbox.json"

    state.save(path)
    loaded = SandboxState.load(path)

    assert loaded.charges_sorted() == state.charges_sorted()
    assert loaded.events_sorted() == state.events_sorted()
    assert loaded.account_json() == state.account_json()
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]
    assert json.loads(path.read_text())["format"] == "opn-desk-sandbox"


def test_saving_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    SandboxState.seeded(charges=50, seed=1).save(path)
    SandboxState.seeded(charges=20, seed=2).save(path)

    assert SandboxState.load(path).charge_count == 20
    assert len(list(tmp_path.iterdir())) == 1


def test_loading_another_json_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"object": "list"}')

    with pytest.raises(ValueError, match="not an opn-desk sandbox data file"):
        SandboxState.load(path)
