"""The client against the local sandbox over real loopback HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from opn_desk.services.api import (
    AuthenticationFailure,
    BadRequest,
    Charge,
    NotFound,
    OpnClient,
    parse_charge,
)


@pytest.fixture
def client(sandbox) -> Iterator[OpnClient]:
    with OpnClient(sandbox.secret_key, sandbox.base_url, timeout_s=10) as client:
        yield client


@pytest.fixture(scope="module")
def seeded(sandbox_state_small) -> list[Charge]:
    """The sandbox's charges, oldest first, read from its own state."""
    return [parse_charge(raw) for raw in sandbox_state_small.charges_sorted()]


def test_account(client: OpnClient) -> None:
    account = client.get_account()

    assert account.id
    assert account.livemode is False  # a test key
    assert account.currency
    assert account.created_at.tzinfo is UTC


def test_first_page_of_charges(client: OpnClient, seeded: list[Charge]) -> None:
    page = client.list_charges(limit=20)

    assert page.total == len(seeded)
    assert (page.offset, page.limit, page.order) == (0, 20, "chronological")
    assert [c.id for c in page.data] == [c.id for c in seeded[:20]]
    assert page.to is not None and page.to.tzinfo is UTC


def test_a_later_page(client: OpnClient, seeded: list[Charge]) -> None:
    page = client.list_charges(offset=250, limit=30)

    assert page.offset == 250
    assert [c.id for c in page.data] == [c.id for c in seeded[250:280]]


def test_iter_charges_walks_every_page_in_order(
    client: OpnClient, seeded: list[Charge]
) -> None:
    walked = list(client.iter_charges(page_size=100))

    assert len(seeded) > 100  # more than one page
    assert [c.id for c in walked] == [c.id for c in seeded]
    assert [c.amount for c in walked] == [c.amount for c in seeded]


def test_iter_charges_in_reverse(client: OpnClient, seeded: list[Charge]) -> None:
    walked = list(client.iter_charges(order="reverse_chronological", page_size=70))

    assert [c.id for c in walked] == [c.id for c in reversed(seeded)]


def test_reverse_page_starts_with_the_newest(
    client: OpnClient, seeded: list[Charge]
) -> None:
    page = client.list_charges(order="reverse_chronological", limit=5)

    assert page.order == "reverse_chronological"
    assert [c.id for c in page.data] == [c.id for c in seeded[-1:-6:-1]]


def test_window_from_to(client: OpnClient, seeded: list[Charge]) -> None:
    start = seeded[150].created_at
    end = _between(seeded, 300)
    expected = [c.id for c in seeded if start <= c.created_at <= end]
    assert 100 < len(expected) < len(seeded) - 200

    page = client.list_charges(from_=start, to=end, limit=10)
    walked = list(client.iter_charges(from_=start, to=end, page_size=40))

    assert page.total == len(expected)
    assert page.from_ == start
    assert [c.id for c in walked] == expected


def test_window_in_a_local_time_zone(client: OpnClient, seeded: list[Charge]) -> None:
    bangkok = timezone(timedelta(hours=7))
    start = seeded[10].created_at.astimezone(bangkok)
    end = _between(seeded, 40).astimezone(bangkok)

    walked = list(client.iter_charges(from_=start, to=end))

    assert [c.id for c in walked] == [
        c.id for c in seeded if start <= c.created_at <= end
    ]


def test_get_charge_matches_the_sandbox(
    client: OpnClient, seeded: list[Charge]
) -> None:
    for expected in (seeded[0], seeded[len(seeded) // 2], seeded[-1]):
        charge = client.get_charge(expected.id)

        assert charge.id == expected.id
        assert (charge.amount, charge.currency) == (expected.amount, expected.currency)
        assert charge.status == expected.status
        assert charge.created_at == expected.created_at
        assert charge.refunded_amount == expected.refunded_amount
        assert charge.payment_method == expected.payment_method


def test_wrong_key_is_refused(sandbox) -> None:
    wrong_key = "skey_test_5wrongkey000000000000"

    with OpnClient(wrong_key, sandbox.base_url) as client:
        with pytest.raises(AuthenticationFailure) as caught:
            client.get_account()

    error = caught.value
    assert (error.code, error.http_status) == ("authentication_failure", 401)
    for text in (str(error), repr(error), error.user_message()):
        assert wrong_key not in text and sandbox.secret_key not in text


def test_unknown_charge_is_not_found(client: OpnClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.get_charge("chrg_test_doesnotexist000000000")

    assert (caught.value.code, caught.value.http_status) == ("not_found", 404)
    assert "chrg_test_doesnotexist000000000" in caught.value.message


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"order": "sideways"}, {"from": "yesterday"}, {"offset": -1}],
)
def test_bad_list_parameter_is_a_bad_request(client: OpnClient, params) -> None:
    with pytest.raises(BadRequest) as caught:
        client.get_json("/charges", params)

    assert (caught.value.code, caught.value.http_status) == ("bad_request", 400)
    assert caught.value.message


def test_events_round_trip(client: OpnClient) -> None:
    page = client.list_events(limit=10)
    walked = list(client.iter_events())

    assert page.total > 0  # seeded charges leave charge.create events
    assert len(walked) == page.total
    assert len({e.id for e in walked}) == len(walked)
    event = client.get_event(walked[-1].id)
    assert (event.id, event.key) == (walked[-1].id, walked[-1].key)
    assert event.created_at.tzinfo is UTC
    assert event.data_object and event.data_id


def test_sandbox_traffic_never_logs_the_key(sandbox, caplog) -> None:
    caplog.set_level(logging.DEBUG)

    with OpnClient(sandbox.secret_key, sandbox.base_url) as client:
        client.get_account()
        client.list_charges(limit=3)
        with pytest.raises(NotFound):
            client.get_charge("chrg_test_missing")
        text = repr(client)

    assert caplog.records
    assert sandbox.secret_key not in caplog.text
    assert "Basic " not in caplog.text
    assert sandbox.secret_key not in text


def _between(seeded: list[Charge], index: int) -> datetime:
    """A second after charge ``index`` that no charge was created in.

    Used as a window's ``to`` so the test holds whether the server treats
    ``to`` as inclusive or not.
    """
    for charge, following in zip(seeded[index:], seeded[index + 1 :], strict=False):
        if following.created_at - charge.created_at >= timedelta(seconds=2):
            return charge.created_at + timedelta(seconds=1)
    raise AssertionError("the seeded charges have no gap of two seconds")
