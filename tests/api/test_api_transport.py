"""The client over real loopback sockets that refuse, stall, hang up or lie."""

from __future__ import annotations

import logging
import re
import sys
import time

import pytest

from opn_desk import __version__
from opn_desk.services.api import (
    ApiOffline,
    ApiTimeout,
    ConnectionLost,
    InsecureBaseUrl,
    InvalidResponse,
    OpnClient,
    ServerError,
)

KEY = "skey_test_5transportkey0000000"


@pytest.mark.parametrize(
    "base_url",
    ["http://example.com", "http://10.0.0.5:8080", "ftp://127.0.0.1"],
)
def test_insecure_base_url_is_refused(base_url: str) -> None:
    with pytest.raises(InsecureBaseUrl) as caught:
        OpnClient(KEY, base_url)

    assert KEY not in str(caught.value)
    assert "https://" in caught.value.user_message()


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.omise.co",
        "http://127.0.0.1:8000",
        "http://127.9.9.9",
        "http://localhost:9000",
        "http://[::1]:9000",
    ],
)
def test_https_and_loopback_http_are_accepted(base_url: str) -> None:
    with OpnClient(KEY, base_url) as client:
        assert client.base_url == base_url


def test_key_in_the_base_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as caught:
        OpnClient(KEY, f"https://{KEY}:@api.omise.co")

    assert KEY not in str(caught.value)


def test_repr_shows_where_and_mode_but_not_the_key() -> None:
    with OpnClient(KEY, "https://api.omise.co") as client:
        text = repr(client)

    assert KEY not in text
    assert "api.omise.co" in text and "'test'" in text


def test_user_agent_and_version_headers(raw_http_server) -> None:
    server = raw_http_server("200 OK", "application/json", b'{"ok": true}')

    with OpnClient(KEY, server.base_url, api_version="2019-05-29") as client:
        assert client.get_json("/ping") == {"ok": True}

    head = server.requests[0].decode()
    python = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    agent = re.search(r"(?im)^user-agent: (.*)\r$", head)
    assert agent is not None
    assert agent.group(1).startswith(f"opn-desk/{__version__} (")
    assert agent.group(1).endswith(f"; {python})")
    assert re.search(r"(?im)^omise-version: 2019-05-29\r$", head)
    assert re.search(r"(?im)^authorization: basic ", head)


def test_closed_port_is_offline(closed_port: int) -> None:
    with OpnClient(KEY, f"http://127.0.0.1:{closed_port}") as client:
        with pytest.raises(ApiOffline) as caught:
            client.get_account()

    error = caught.value
    assert not error.ambiguous
    assert f"127.0.0.1:{closed_port}" in error.user_message()
    assert KEY not in str(error) and KEY not in error.user_message()


def test_silent_server_times_out(silent_server: str) -> None:
    started = time.monotonic()
    with OpnClient(KEY, silent_server, timeout_s=0.3, read_retries=0) as client:
        with pytest.raises(ApiTimeout) as caught:
            client.get_charge("chrg_test_anything")

    assert time.monotonic() - started < 5
    assert caught.value.ambiguous  # the request was sent
    assert KEY not in str(caught.value)


def test_hang_up_after_the_request_is_a_lost_connection(hangup_server) -> None:
    with OpnClient(KEY, hangup_server.base_url, read_retries=0) as client:
        with pytest.raises(ConnectionLost) as caught:
            client.get_json("/charges")

    assert caught.value.ambiguous
    assert hangup_server.requests[0].startswith(b"GET /charges ")
    assert KEY not in str(caught.value)


def test_success_status_with_html_body_is_invalid(raw_http_server) -> None:
    server = raw_http_server("200 OK", "text/html", b"<html>portal</html>")

    with OpnClient(KEY, server.base_url) as client:
        with pytest.raises(InvalidResponse, match="not a JSON object"):
            client.get_account()


def test_success_status_with_a_json_list_is_invalid(raw_http_server) -> None:
    server = raw_http_server("200 OK", "application/json", b"[1, 2]")

    with OpnClient(KEY, server.base_url) as client:
        with pytest.raises(InvalidResponse):
            client.get_json("/charges")


def test_charge_with_float_amount_from_server_is_invalid(raw_http_server) -> None:
    body = (
        b'{"object": "charge", "id": "chrg_test_x", "livemode": false,'
        b' "created_at": "2025-01-01T00:00:00Z", "amount": 100.5,'
        b' "currency": "THB", "status": "successful"}'
    )
    server = raw_http_server("200 OK", "application/json", body)

    with OpnClient(KEY, server.base_url) as client:
        with pytest.raises(InvalidResponse, match="'amount'"):
            client.get_charge("chrg_test_x")


def test_gateway_error_page_is_a_server_error(raw_http_server) -> None:
    server = raw_http_server("502 Bad Gateway", "text/html", b"<h1>502</h1>")

    with OpnClient(KEY, server.base_url) as client:
        with pytest.raises(ServerError) as caught:
            client.get_account()

    assert caught.value.http_status == 502
    assert caught.value.ambiguous


def test_key_never_reaches_the_log(closed_port, raw_http_server, caplog) -> None:
    server = raw_http_server("503 Service Unavailable", "text/plain", b"busy")
    caplog.set_level(logging.DEBUG)

    with OpnClient(KEY, server.base_url) as client, pytest.raises(ServerError):
        client.get_account()
    with OpnClient(KEY, f"http://127.0.0.1:{closed_port}") as client:
        with pytest.raises(ApiOffline):
            client.get_account()

    assert caplog.records  # the calls were logged at all
    assert KEY not in caplog.text
    assert "Basic " not in caplog.text  # nor its Authorization header


def test_window_bounds_must_be_timezone_aware() -> None:
    from datetime import datetime

    with OpnClient(KEY, "https://api.omise.co") as client:
        with pytest.raises(ValueError, match="timezone-aware"):
            client.list_charges(from_=datetime(2025, 1, 1))
        with pytest.raises(ValueError, match="limit"):
            client.list_charges(limit=101)
        with pytest.raises(ValueError, match="order"):
            client.list_charges(order="sideways")


def test_reads_are_retried_after_transient_failures(
    raw_http_server, http_reply
) -> None:
    busy = b'{"object":"error","code":"too_many_requests","message":"slow down"}'
    account = (
        b'{"object":"account","id":"acct_1","email":"a@b.co",'
        b'"created_at":"2025-01-01T00:00:00Z"}'
    )
    server = raw_http_server(
        "503 Service Unavailable",
        "application/json",
        b'{"object":"error","code":"service_unavailable","message":"busy"}',
        http_reply(
            "429 Too Many Requests", "application/json", busy, "Retry-After: 0\r\n"
        ),
        http_reply("200 OK", "application/json", account),
    )

    with OpnClient(KEY, server.base_url, backoff_s=0.01) as client:
        assert client.get_account().id == "acct_1"

    assert len(server.requests) == 3


def test_reads_give_up_after_the_last_retry(raw_http_server) -> None:
    server = raw_http_server(
        "500 Internal Server Error",
        "application/json",
        b'{"object":"error","code":"internal_error","message":"oops"}',
    )

    with OpnClient(KEY, server.base_url, read_retries=2, backoff_s=0.01) as client:
        with pytest.raises(ServerError):
            client.get_json("/charges")

    assert len(server.requests) == 3
