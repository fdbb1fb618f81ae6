"""The sandbox over real loopback HTTP: auth, errors, headers, lists, pages."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from opn_desk.sandbox import SANDBOX_SECRET_KEY, SandboxServer, SandboxState

AUTH_ERROR = {
    "object": "error",
    "location": "https://docs.omise.co/api/errors#authentication-failure",
    "code": "authentication_failure",
    "message": "authentication failed",
}


def test_secret_key_is_shaped_like_a_test_key() -> None:
    prefix, _, body = SANDBOX_SECRET_KEY.rpartition("_")
    assert prefix == "skey_test"
    assert len(body) == 19 and body.isalnum() and body == body.lower()


@pytest.mark.parametrize(
    "auth", [None, ("skey_test_wrongwrongwrongwron", ""), ("", "")]
)
def test_missing_or_wrong_key_is_401(server: SandboxServer, auth: object) -> None:
    response = httpx.get(f"{server.base_url}/charges", auth=auth)  # type: ignore[arg-type]

    assert response.status_code == 401
    assert response.json() == AUTH_ERROR


def test_unknown_charge_is_404(client: httpx.Client) -> None:
    response = client.get("/charges/chrg_test_xxx")

    assert response.status_code == 404
    assert response.json() == {
        "object": "error",
        "location": "https://docs.omise.co/api/errors#not-found",
        "code": "not_found",
        "message": "charge chrg_test_xxx was not found",
    }


def test_unknown_event_and_unknown_path_are_404(client: httpx.Client) -> None:
    event = client.get("/events/evnt_test_nope")
    path = client.get("/no/such/path")

    assert event.status_code == 404
    assert event.json()["message"] == "event evnt_test_nope was not found"
    assert path.status_code == 404
    assert path.json()["code"] == "not_found"


def test_a_method_the_api_lacks_gets_the_error_object(client: httpx.Client) -> None:
    put = client.put("/charges", json={"amount": 5000})

    assert put.status_code == 404
    assert put.json()["message"] == "PUT /charges is not supported"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "ten"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "1.5"}, "offset"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-45T00:00:00Z"}, "to"),
        ({"order": "newest"}, "order"),
    ],
)
@pytest.mark.parametrize("path", ["/charges", "/events"])
def test_bad_list_parameter_is_400_naming_it(
    client: httpx.Client, path: str, params: dict[str, str], named: str
) -> None:
    response = client.get(path, params=params)

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "bad_request"
    assert error["location"] == "https://docs.omise.co/api/errors#bad-request"
    assert error["message"].startswith(f"{named} ")


def test_response_headers(client: httpx.Client) -> None:
    plain = client.get("/account")
    pinned = client.get("/account", headers={"Omise-Version": "2017-11-02"})

    assert plain.headers["content-type"] == "application/json; charset=utf-8"
    assert plain.headers["omise-version"] == "2019-05-29"
    assert pinned.headers["omise-version"] == "2017-11-02"
    assert uuid.UUID(plain.headers["x-request-id"]).version == 4
    assert plain.headers["x-request-id"] != pinned.headers["x-request-id"]


def test_account_has_the_recorded_shape(
    client: httpx.Client, fixtures_dir: Path
) -> None:
    recorded = json.loads(
        (fixtures_dir / "php/api.omise.co/account-get.json").read_text()
    )
    account = client.get("/account").json()

    assert _shape(account) == _shape(recorded)
    assert account["currency"] == "THB" and account["country"] == "TH"


def test_charge_has_the_recorded_shape(
    client: httpx.Client, fixtures_dir: Path
) -> None:
    recorded = json.loads(
        (fixtures_dir / "php/api.omise.co/charges-get.json").read_text()
    )["data"][0]
    listed = client.get("/charges", params={"limit": "100"}).json()["data"]
    card_charge = next(c for c in listed if c["card"] and c["refunds"]["total"] == 0)

    assert set(card_charge) == set(recorded)
    for key in ("refunds", "transaction_fees", "platform_fee"):
        assert _shape(card_charge[key]) == _shape(recorded[key]), key
    assert set(card_charge["card"]) == set(recorded["card"])
    assert client.get(f"/charges/{card_charge['id']}").json() == card_charge


def test_list_envelope(client: httpx.Client, seeded_state: SandboxState) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    body = client.get("/charges").json()

    assert body["object"] == "list"
    assert body["location"] == "/charges"
    assert (body["limit"], body["offset"], body["order"]) == (20, 0, "chronological")
    assert body["total"] == seeded_state.charge_count
    assert len(body["data"]) == 20
    assert body["from"] == "1970-01-01T00:00:00Z"
    to = datetime.strptime(body["to"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= to <= before + timedelta(seconds=5)


def test_limit_above_100_is_clamped(client: httpx.Client) -> None:
    body = client.get("/charges", params={"limit": "500"}).json()

    assert body["limit"] == 100
    assert len(body["data"]) == 100


@pytest.mark.parametrize("order", ["chronological", "reverse_chronological"])
def test_pages_cover_every_charge_once(
    fetch_all, seeded_state: SandboxState, order: str
) -> None:
    served = fetch_all("/charges", order=order)
    expected = seeded_state.charges_sorted()
    if order == "reverse_chronological":
        expected.reverse()

    assert [c["id"] for c in served] == [c["id"] for c in expected]
    assert served == expected


def test_offset_past_the_end_is_an_empty_page(
    client: httpx.Client, seeded_state: SandboxState
) -> None:
    body = client.get("/charges", params={"offset": "99999"}).json()

    assert body["data"] == []
    assert body["total"] == seeded_state.charge_count


def test_from_is_inclusive_and_to_bounds_the_window(
    client: httpx.Client, fetch_all, seeded_state: SandboxState
) -> None:
    charges = seeded_state.charges_sorted()
    start = charges[100]["created_at"]
    end = charges[400]["created_at"]
    expected = [c["id"] for c in charges if start <= c["created_at"] <= end]

    window = fetch_all("/charges", **{"from": start, "to": end})
    body = client.get("/charges", params={"from": start, "to": end}).json()

    assert [c["id"] for c in window] == expected
    assert charges[100]["id"] in expected
    assert body["total"] == len(expected)
    assert (body["from"], body["to"]) == (start, end)


def test_window_echo_is_written_in_utc(client: httpx.Client) -> None:
    body = client.get(
        "/charges", params={"from": "2025-05-01T07:00:00+07:00", "to": "2025-05-02"}
    ).json()

    assert body["from"] == "2025-05-01T00:00:00Z"
    assert body["to"] == "2025-05-02T00:00:00Z"


def test_events_list_and_retrieve(client: httpx.Client, fetch_all) -> None:
    events = fetch_all("/events")
    newest = client.get(
        "/events", params={"order": "reverse_chronological", "limit": "1"}
    ).json()

    created = [e for e in events if e["key"] == "charge.create"]
    keys = {e["key"] for e in events}
    assert len(created) == 1500
    assert {"refund.create", "dispute.create", "charge.complete"} <= keys
    assert [e["created_at"] for e in events] == sorted(e["created_at"] for e in events)
    assert newest["data"][0] == events[-1]
    assert client.get(f"/events/{events[5]['id']}").json() == events[5]
    refund_event = next(e for e in events if e["key"] == "refund.create")
    assert refund_event["data"]["object"] == "refund"
    assert refund_event["location"] == f"/events/{refund_event['id']}"


def test_charge_create_event_holds_the_state_at_creation(fetch_all) -> None:
    events = fetch_all("/events")
    source_created = next(
        e
        for e in events
        if e["key"] == "charge.create"
        and e["data"]["source"]
        and e["data"]["source"]["type"] == "promptpay"
    )

    assert source_created["data"]["status"] == "pending"
    assert source_created["data"]["paid"] is False


def test_added_and_updated_charges_are_served_with_events(
    seeded_state: SandboxState,
) -> None:
    state = SandboxState.seeded(charges=30, seed=3)
    with (
        SandboxServer(state) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as http,
    ):
        added = state.add_charge({"amount": 250000, "currency": "THB"})
        state.update_charge(added["id"], description="ผ้าไหม 2 ผืน")

        served = http.get(f"/charges/{added['id']}").json()
        latest = http.get(
            "/events", params={"order": "reverse_chronological", "limit": "2"}
        ).json()["data"]

    assert served["amount"] == 250000
    assert served["description"] == "ผ้าไหม 2 ผืน"
    assert [e["key"] for e in latest] == ["charge.update", "charge.create"]
    assert latest[0]["data"]["description"] == "ผ้าไหม 2 ผืน"
    assert latest[1]["data"]["description"] is None
    assert state.charges_sorted()[-1]["id"] == added["id"]


def test_a_list_page_of_100_is_fast_on_100000_charges() -> None:
    """Paging bisects the time index: no work grows with the charge count."""
    state = SandboxState(account={"object": "account"})
    charge = state.add_charge({"created_at": "2024-12-31T00:00:00Z"})
    encoded = json.dumps(charge).encode()
    base = datetime(2025, 1, 1, tzinfo=UTC)
    for number in range(100_000):
        created_s = int((base + timedelta(minutes=number)).timestamp())
        # The store's own door skips encoding 100,000 charges one by one.
        state.store.put("charge", f"chrg_test_{number:019d}", created_s, encoded)
    with (
        SandboxServer(state) as server,
        httpx.Client(base_url=server.base_url, auth=(server.secret_key, "")) as http,
    ):
        http.get("/charges")
        pages = [
            http.get("/charges", params={"offset": str(offset), "limit": "100"})
            for offset in (0, 50_000, 99_950)
        ]

    assert [len(page.json()["data"]) for page in pages] == [100, 100, 51]
    assert pages[-1].json()["total"] == 100_001
    assert max(page.elapsed.total_seconds() for page in pages) < 0.05


def _shape(value: object) -> object:
    """Keys and JSON types of ``value`` (lists are not looked into)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return "list"
    return type(value).__name__
