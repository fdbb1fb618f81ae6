"""The official Opn Python library (``omise``) as a second, independent client.

It is pointed at the sandbox through its base URL settings (``api_main`` and
``api_vault``, without a trailing slash) and sends JSON bodies, including on
GET for list parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from opn_desk.sandbox import SANDBOX_PUBLIC_KEY, SandboxServer


@pytest.fixture
def omise(live: SandboxServer) -> Iterator[ModuleType]:
    import omise as library

    saved = {
        name: getattr(library, name)
        for name in ("api_secret", "api_public", "api_main", "api_vault")
    }
    library.api_secret = live.secret_key
    library.api_public = SANDBOX_PUBLIC_KEY
    library.api_main = live.base_url
    library.api_vault = live.base_url
    try:
        yield library
    finally:
        for name, value in saved.items():
            setattr(library, name, value)


def _card_charge(omise: Any, **fields: Any) -> Any:
    token = omise.Token.create(
        name="SUDARAT WONGSAWAT",
        number="4242424242424242",
        expiration_month=10,
        expiration_year=2032,
        security_code=123,
    )
    return omise.Charge.create(amount=120000, currency="thb", card=token.id, **fields)


def test_retrieve_and_list(omise: Any, live: SandboxServer) -> None:
    seeded = live.state.charges_sorted()

    charge = omise.Charge.retrieve(seeded[3]["id"])
    listed = omise.Charge.list()
    first_page = listed.offset(limit=10, offset=0)
    everything = [c.id for c in omise.Charge.list()]
    customer = omise.Customer.retrieve(
        next(c["customer"] for c in seeded if c["customer"])
    )

    assert charge.id == seeded[3]["id"] and charge.amount == seeded[3]["amount"]
    assert len(listed) == len(seeded)
    assert [c.id for c in first_page] == [c["id"] for c in seeded[:10]]
    assert everything == [c["id"] for c in seeded]
    assert customer.cards.total >= 1


def test_capture_in_part_then_refund(omise: Any, live: SandboxServer) -> None:
    charge = _card_charge(omise, capture=False, authorization_type="pre_auth")

    charge.capture(capture_amount=70000)
    refund = charge.refund(amount=20000)
    refunds = list(charge.list_refunds())

    assert charge.status == "successful" and charge.captured_amount == 70000
    assert charge.amount == 120000
    assert refund.amount == 20000 and refund.charge == charge.id
    assert charge.refunded_amount == 20000
    assert [r.id for r in refunds] == [refund.id]


def test_rule_errors_arrive_as_the_library_s_exceptions(omise: Any) -> None:
    charge = _card_charge(omise)
    errors = omise.errors

    with pytest.raises(errors.FailedRefundError, match="refundable amount"):
        charge.refund(amount=120001)
    with pytest.raises(errors.FailedCaptureError):
        charge.capture()
    with pytest.raises(errors.NotFoundError):
        omise.Charge.retrieve("chrg_test_nope")
    with pytest.raises(errors.AuthenticationFailureError):
        omise.api_secret = "skey_test_wrong"
        omise.Account.retrieve()


def test_update_and_events(omise: Any, live: SandboxServer) -> None:
    charge = _card_charge(omise, description="before")

    charge.update(description="after", metadata={"order_id": "TH-77"})
    events = list(charge.list_events())
    stored = live.state.get("charge", charge.id)

    assert charge.description == "after"
    assert stored is not None and stored["metadata"] == {"order_id": "TH-77"}
    assert [e.key for e in events] == ["charge.create", "charge.update"]
