"""The sandbox answers at ``Omise-Version: 2017-11-02`` like the recorded API.

The official Elixir library's cassettes (``shared/fixtures/opn-sdk/elixir``)
are real exchanges recorded on 4-5 November 2017 at API version 2017-11-02,
with their status codes. Each is one test: the same kind of request goes to
the sandbox with that version in its header, after making what it needs
through the API, and the answer must carry every key of the recording with
the same JSON type (``shape_gaps`` of the 2019-05-29 fidelity tests) and
the recorded status. Errors must also carry the recorded code and the
legacy ``location`` form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

# The 2019-05-29 fidelity module: the desk that makes what a request needs,
# the counterpart of each recorded request, and the shape comparison.
from test_sandbox_fidelity import FIXTURES, Desk, Json, in_scope, shape_gaps
from test_sandbox_fidelity import _handler as counterpart

from opn_desk.sandbox import SANDBOX_PUBLIC_KEY, SandboxServer, SandboxState

VERSION = "2017-11-02"
CASSETTES = FIXTURES / "elixir" / "cassettes"

OUT_OF_SCOPE = {
    "forex": "forex rates: the app does not use them",
    "link": "payment links: the app does not manage them",
    "receipt": "Opn's fee receipts: the app does not read them",
    "transfer": "transfers: the app does not pay out",
    "recipient": "recipients: the app does not pay out",
    "token": "the vault answered with version Aitne, not 2017-11-02",
}
# INDEX.md: made by hand later, headers copied from other recordings.
HAND_MADE = {
    "capability/retrieve_capability",
    "charge/capture_charge_partial",
    "source/retrieve_source",
}


@pytest.fixture(scope="module")
def old_desk() -> Iterator[Desk]:
    """A desk whose every request asks for 2017-11-02."""
    state = SandboxState.seeded(charges=40, seed=11)
    now = state.now()
    noon = now.replace(hour=5, minute=0, second=0)  # 12:00 in Bangkok
    state.set_clock(noon if noon > now else noon + timedelta(days=1))
    header = {"Omise-Version": VERSION}
    with (
        SandboxServer(state) as server,
        httpx.Client(
            base_url=server.base_url, auth=(server.secret_key, ""), headers=header
        ) as api,
        httpx.Client(
            base_url=server.base_url, auth=(SANDBOX_PUBLIC_KEY, ""), headers=header
        ) as vault,
    ):
        desk = Desk(api, vault, server)
        for status in ("open", "pending", "won", "lost"):
            desk.dispute(status)
        yield desk


# -- requests the 2019 counterparts do not cover ------------------------------

Handler = Callable[[Desk, Json], httpx.Response]
SPECIAL: dict[str, Handler] = {}


def special(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        SPECIAL[name] = handler
        return handler

    return register


def _charge_body(**fields: Any) -> Json:
    return {"amount": 100000, "currency": "THB", **fields}


@special("charge/create_charge_with_invalid_amount")
def _too_small(desk: Desk, recorded: Json) -> httpx.Response:
    return desk.api.post("/charges", json=_charge_body(amount=100, card=desk.token()))


@special("charge/create_charge_with_invalid_currency")
def _odd_currency(desk: Desk, recorded: Json) -> httpx.Response:
    body = _charge_body(currency="XYZ", card=desk.token())
    return desk.api.post("/charges", json=body)


@special("charge/create_charge_with_invalid_token")
def _no_token(desk: Desk, recorded: Json) -> httpx.Response:
    return desk.api.post("/charges", json=_charge_body(card="invalid_token"))


@special("charge/create_charge_with_used_token")
def _used_token(desk: Desk, recorded: Json) -> httpx.Response:
    token = desk.token()
    desk.ok(desk.api.post("/charges", json=_charge_body(card=token)))
    return desk.api.post("/charges", json=_charge_body(card=token))


@special("charge/create_charge_with_source")
def _source_charge(desk: Desk, recorded: Json) -> httpx.Response:
    body = _charge_body(
        source={"type": recorded["source"]["type"]},
        return_uri=recorded["return_uri"],
    )
    return desk.api.post("/charges", json=body)


@special("charge/create_charge_with_token")
def _token_charge(desk: Desk, recorded: Json) -> httpx.Response:
    return desk.api.post("/charges", json=_charge_body(card=desk.token()))


@special("charge/create_charge_with_customer")
@special("charge/create_charge_with_customer_and_card")
def _customer_charge(desk: Desk, recorded: Json) -> httpx.Response:
    customer = desk.customer()
    body = _charge_body(customer=customer["id"], card=customer["default_card"])
    return desk.api.post("/charges", json=body)


@special("charge/reverse_captured_charge")
def _reverse_paid(desk: Desk, recorded: Json) -> httpx.Response:
    return desk.api.post(f"/charges/{desk.card_charge()['id']}/reverse")


@special("source/create_source_with_invalid_amount")
def _source_amount(desk: Desk, recorded: Json) -> httpx.Response:
    body = {"type": "internet_banking_scb", "amount": "abc", "currency": "THB"}
    return desk.vault.post("/sources", json=body)


@special("source/create_source_with_invalid_currency")
def _source_currency(desk: Desk, recorded: Json) -> httpx.Response:
    body = {"type": "internet_banking_scb", "amount": 100000, "currency": "XYZ"}
    return desk.vault.post("/sources", json=body)


@special("source/create_source_with_invalid_type")
def _source_type(desk: Desk, recorded: Json) -> httpx.Response:
    body = {"type": "no_such_bank", "amount": 100000, "currency": "THB"}
    return desk.vault.post("/sources", json=body)


def _open_dispute(desk: Desk) -> str:
    return str(desk.dispute()["id"])


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(desk: Desk, dispute_id: str, name: str, data: bytes) -> httpx.Response:
    files = {"file": (name, data, "application/octet-stream")}
    return desk.api.post(f"/disputes/{dispute_id}/documents", files=files)


@special("dispute/upload_document_with_valid_file")
def _upload_png(desk: Desk, recorded: Json) -> httpx.Response:
    return _upload(desk, _open_dispute(desk), "cat_pic.png", PNG)


@special("dispute/upload_document_with_invalid_file")
def _upload_text(desk: Desk, recorded: Json) -> httpx.Response:
    return _upload(desk, _open_dispute(desk), "notes.txt", b"plain words")


def _document(desk: Desk) -> tuple[str, str]:
    dispute_id = _open_dispute(desk)
    document = desk.ok(_upload(desk, dispute_id, "receipt.png", PNG))
    return dispute_id, str(document["id"])


@special("dispute/list_documents")
def _documents(desk: Desk, recorded: Json) -> httpx.Response:
    dispute_id, _ = _document(desk)
    return desk.api.get(f"/disputes/{dispute_id}/documents")


@special("dispute/retrieve_document")
def _get_document(desk: Desk, recorded: Json) -> httpx.Response:
    dispute_id, document_id = _document(desk)
    return desk.api.get(f"/disputes/{dispute_id}/documents/{document_id}")


@special("dispute/destroy_document")
def _delete_document(desk: Desk, recorded: Json) -> httpx.Response:
    dispute_id, document_id = _document(desk)
    return desk.api.delete(f"/disputes/{dispute_id}/documents/{document_id}")


@special("event/retrieve_event")
def _dispute_event(desk: Desk, recorded: Json) -> httpx.Response:
    with desk.account_version(VERSION):
        _open_dispute(desk)
    params = {"order": "reverse_chronological", "limit": 100}
    recent = desk.ok(desk.api.get("/events", params=params))
    event = next(e for e in recent["data"] if e["key"] == recorded["key"])
    return desk.api.get(f"/events/{event['id']}")


@special("event/list_events")
def _events(desk: Desk, recorded: Json) -> httpx.Response:
    with desk.account_version(VERSION):
        desk.card_charge()
        _open_dispute(desk)
    params = {"order": "reverse_chronological", "limit": 100}
    return desk.api.get("/events", params=params)


@special("refund/list_refunds")
def _all_refunds(desk: Desk, recorded: Json) -> httpx.Response:
    charge = desk.card_charge()
    desk.refund(charge["id"], 10000)
    return desk.api.get("/refunds", params={"limit": 100})


@special("schedule/list_occurrences")
def _occurrences(desk: Desk, recorded: Json) -> httpx.Response:
    schedule = desk.schedule(starts_today=True)
    return desk.api.get(f"/schedules/{schedule['id']}/occurrences")


@special("schedule/destroy_schedule")
def _delete_schedule(desk: Desk, recorded: Json) -> httpx.Response:
    schedule = desk.schedule(recorded)
    return desk.api.delete(f"/schedules/{schedule['id']}")


@special("schedule/list_schedules")
def _schedules(desk: Desk, recorded: Json) -> httpx.Response:
    for item in recorded["data"]:
        desk.schedule(item)
    params = {"limit": 100, "order": "reverse_chronological"}
    return desk.api.get("/schedules", params=params)


# -- the cassettes -------------------------------------------------------------


def _exchange(name: str) -> Json:
    (exchange,) = json.loads((CASSETTES / f"{name}.json").read_text("utf-8"))
    return dict(exchange)


def _sdk_name(request: Json) -> str:
    """The request as the SDKs name fixture files: ``charges/chrg_x-get``."""
    url = urlsplit(request["url"])
    path = url.path.strip("/")
    if path == "search":
        scope = dict(parse_qsl(url.query)).get("scope", "")
        return f"search-scope-{scope}-get"
    return f"{path}-{request['method']}"


def _case(name: str) -> Any:
    marks: list[pytest.MarkDecorator] = []
    reason = OUT_OF_SCOPE.get(name) or OUT_OF_SCOPE.get(name.split("/")[0])
    if reason is not None:
        marks.append(pytest.mark.skip(reason=f"out of scope: {reason}"))
    elif name in HAND_MADE:
        marks.append(pytest.mark.skip(reason="INDEX.md: made by hand, not recorded"))
    return pytest.param(name, marks=marks, id=name)


def _cassettes() -> list[Any]:
    names = sorted(
        str(path.relative_to(CASSETTES).with_suffix(""))
        for path in CASSETTES.rglob("*.json")
    )
    return [_case(name) for name in names]


def _answer(desk: Desk, name: str, recorded: Json, request: Json) -> httpx.Response:
    if name in SPECIAL:
        return SPECIAL[name](desk, recorded)
    handler, match = counterpart(_sdk_name(request))
    return handler(desk, recorded, match)


@pytest.mark.parametrize("name", _cassettes())
def test_the_sandbox_answers_2017_11_02_with_the_recorded_shape(
    old_desk: Desk, name: str
) -> None:
    exchange = _exchange(name)
    recorded = json.loads(exchange["response"]["body"])

    response = _answer(old_desk, name, recorded, exchange["request"])

    assert response.status_code == exchange["response"]["status_code"], response.text
    served = response.json()
    assert shape_gaps(in_scope(recorded), served) == []
    if recorded.get("object") == "error":
        assert (served["code"], served["location"]) == (
            recorded["code"],
            recorded["location"],
        )
    else:
        assert response.headers["Omise-Version"] == VERSION


def test_every_2017_recording_in_scope_is_compared() -> None:
    compared = [
        case.values[0]
        for case in _cassettes()
        if not any(mark.name == "skip" for mark in case.marks)
    ]

    assert len(compared) > 50
    for name in compared:
        assert name in SPECIAL or counterpart(_sdk_name(_exchange(name)["request"])), (
            name
        )


def test_the_recordings_in_scope_were_made_at_2017_11_02() -> None:
    for case in _cassettes():
        (name,) = case.values
        if any(mark.name == "skip" for mark in case.marks):
            continue
        response = _exchange(name)["response"]
        is_error = json.loads(response["body"]).get("object") == "error"

        # (The API's error answers were recorded without the header.)
        expected = None if is_error else VERSION
        assert response["headers"].get("Omise-Version") == expected, name
