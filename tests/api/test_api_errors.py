"""Mapping Opn error answers to the client's exceptions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opn_desk.services.api import (
    ApiError,
    ApiOffline,
    ApiTimeout,
    AuthenticationFailure,
    BadRequest,
    ConnectionLost,
    InsecureBaseUrl,
    InvalidResponse,
    NotFound,
    OpnError,
    RateLimited,
    ServerError,
    error_from_response,
)


def _error_cassettes(fixtures_dir: Path) -> list[tuple[str, int, object]]:
    """(name, status, decoded body) of every recorded error exchange."""
    found = []
    for path in sorted((fixtures_dir / "elixir" / "cassettes").rglob("*.json")):
        for exchange in json.loads(path.read_text(encoding="utf-8")):
            status = exchange["response"]["status_code"]
            if status >= 400:
                body = json.loads(exchange["response"]["body"])
                found.append((path.stem, status, body))
    return found


def test_recorded_error_answers_map_by_status_and_code(fixtures_dir) -> None:
    recorded = _error_cassettes(fixtures_dir)
    assert len(recorded) >= 9

    for name, status, body in recorded:
        error = error_from_response(status, body, request_id="req-1")
        assert isinstance(error, OpnError), name
        assert (error.code, error.http_status) == (body["code"], status), name
        assert error.message == body["message"]
        assert error.location == body["location"]
        assert error.request_id == "req-1"
        if status == 404:
            assert isinstance(error, NotFound), name
        else:
            assert status == 400 and isinstance(error, BadRequest), name


def test_recorded_failed_reverse_keeps_its_code(fixtures_dir) -> None:
    recorded = {name: (s, b) for name, s, b in _error_cassettes(fixtures_dir)}
    status, body = recorded["reverse_captured_charge"]

    error = error_from_response(status, body)

    assert isinstance(error, BadRequest)
    assert error.code == "failed_reverse"
    assert "only uncaptured authorized charges" in error.user_message()
    assert not error.ambiguous


def test_recorded_not_found_files(recorded) -> None:
    errors = [item for item in recorded["error"] if item.file.endswith("404-get.json")]
    assert len(errors) >= 20

    for item in errors:
        error = error_from_response(404, item.obj)
        assert isinstance(error, NotFound)
        assert error.code == "not_found"


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "authentication_failure", AuthenticationFailure),
        (404, "not_found", NotFound),
        (400, "failed_refund", BadRequest),
        (400, "failed_capture", BadRequest),
        (422, "invalid_charge", BadRequest),
        (429, "too_many_requests", RateLimited),
        (500, "internal_error", ServerError),
        (503, "service_unavailable", ServerError),
    ],
)
def test_error_class_by_status(status, code, cls) -> None:
    body = {"object": "error", "code": code, "message": "it failed"}

    error = error_from_response(status, body)

    assert type(error) is cls
    assert error.code == code
    assert error.ambiguous is (cls is ServerError)


def test_server_error_without_error_object() -> None:
    error = error_from_response(502, "<html>Bad gateway</html>")

    assert isinstance(error, ServerError)
    assert error.http_status == 502
    assert error.ambiguous


def test_not_found_without_error_object_is_still_not_found() -> None:
    error = error_from_response(404, None)

    assert isinstance(error, NotFound)
    assert error.code == "not_found"


@pytest.mark.parametrize(
    "error",
    [
        InsecureBaseUrl("http://example.com"),
        AuthenticationFailure("authentication_failure", "failed", 401),
        NotFound("not_found", "charge x was not found", 404),
        BadRequest("failed_refund", "refund exceeds amount", 400),
        RateLimited("too_many_requests", "slow down", 429),
        ServerError("server_error", "oops", 500),
        ApiOffline("api.omise.co", "Name or service not known"),
        ApiTimeout("api.omise.co", "connecting", ambiguous=False),
        ApiTimeout("api.omise.co", "waiting for the answer", ambiguous=True),
        ConnectionLost("api.omise.co", "Server disconnected"),
        InvalidResponse("not JSON"),
    ],
    ids=lambda error: f"{type(error).__name__}-{error.ambiguous}",
)
def test_user_messages_are_whole_sentences(error: ApiError) -> None:
    message = error.user_message()

    assert isinstance(error, ApiError)
    assert message[0].isupper() and message.endswith(".")
    assert message.count(". ") >= 1  # what failed, then what to do


def test_transport_errors_say_whether_a_write_may_have_happened() -> None:
    assert not ApiOffline("h", "refused").ambiguous
    assert not ApiTimeout("h", "connecting", ambiguous=False).ambiguous
    assert ApiTimeout("h", "waiting for the answer", ambiguous=True).ambiguous
    assert ConnectionLost("h", "reset").ambiguous
