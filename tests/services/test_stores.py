"""Writing recorded API objects into a real cache: children, tombstones, upserts."""

from __future__ import annotations

import copy
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from opn_desk.models.db import session_scope
from opn_desk.models.tables import (
    CardRecord,
    ChargeRecord,
    CustomerRecord,
    DisputeDocumentRecord,
    DisputeRecord,
    RefundRecord,
)
from opn_desk.services.api import (
    parse_charge,
    parse_customer,
    parse_dispute,
    parse_event,
)
from opn_desk.services.event_feed import targets_of
from opn_desk.services.refetch import Target
from opn_desk.services.stores import (
    prepare_charges,
    store_charges,
    store_customers,
    store_disputes,
)

T0 = datetime(2025, 3, 20, 10, 0, tzinfo=UTC)
DISPUTE = (
    "swift-history/195b08f/api.omise.co/disputes/dspt_test_5dzhbyswtur9eu7cgzz-get.json"
)
CUSTOMER = "php/api.omise.co/customers/cust_test_63440m5rxrwz1lcwno0-get.json"
REFUNDED = "swift/api.omise.co/charges/chrg_test_5frvn3hgya3qemayzrt-get.json"


@pytest.fixture
def load(fixtures_dir: Path):  # type: ignore[no-untyped-def]
    """Load one recorded file by its path under the fixtures folder."""

    def _load(relative: str) -> Any:
        return json.loads((fixtures_dir / relative).read_text(encoding="utf-8"))

    return _load


def without_first(raw: dict[str, Any], key: str) -> dict[str, Any]:
    """``raw`` with the first item of its embedded list ``key`` gone."""
    changed = copy.deepcopy(raw)
    changed[key]["data"] = changed[key]["data"][1:]
    changed[key]["total"] -= 1
    return changed


def test_document_missing_from_a_complete_list_becomes_a_tombstone(
    load: Any, engine: Engine
) -> None:
    raw = load(DISPUTE)
    gone_id = raw["documents"]["data"][0]["id"]
    with session_scope(engine) as session:
        assert store_disputes(session, [parse_dispute(raw)], T0) == 3

    later = T0 + timedelta(hours=1)
    with session_scope(engine) as session:
        written = store_disputes(
            session, [parse_dispute(without_first(raw, "documents"))], later
        )

    assert written == 2  # the dispute's JSON changed, one document is gone
    with session_scope(engine) as session:
        gone = session.get(DisputeDocumentRecord, gone_id)
        kept = session.scalars(
            select(DisputeDocumentRecord).where(
                DisputeDocumentRecord.deleted.is_(False)
            )
        ).all()
        assert gone is not None and gone.deleted and gone.deleted_at == later
        assert gone.filename == "Screen Shot.png"  # what it was, kept
        assert [d.filename for d in kept] == ["ScreenShot.png"]


def test_an_incomplete_list_tombstones_nothing(load: Any, engine: Engine) -> None:
    raw = load(DISPUTE)
    with session_scope(engine) as session:
        store_disputes(session, [parse_dispute(raw)], T0)
    truncated = copy.deepcopy(raw)
    truncated["documents"]["data"] = truncated["documents"]["data"][1:]  # total 2

    with session_scope(engine) as session:
        store_disputes(session, [parse_dispute(truncated)], T0 + timedelta(hours=1))

    with session_scope(engine) as session:
        deleted = session.scalars(
            select(DisputeDocumentRecord.id).where(DisputeDocumentRecord.deleted)
        ).all()
    assert deleted == []


def test_deleted_customer_takes_its_cards_with_it(load: Any, engine: Engine) -> None:
    raw = load(CUSTOMER)
    with session_scope(engine) as session:
        store_customers(session, [parse_customer(raw)], T0)
    # As swift recorded it: a deleted customer still listing its card.
    deleted = {**copy.deepcopy(raw), "deleted": True}

    with session_scope(engine) as session:
        store_customers(session, [parse_customer(deleted)], T0 + timedelta(days=1))

    with session_scope(engine) as session:
        customer = session.get(CustomerRecord, raw["id"])
        card = session.get(CardRecord, raw["cards"]["data"][0]["id"])
        assert customer is not None and customer.deleted
        assert card is not None and card.deleted
        assert (card.brand, card.last_digits) == ("Visa", "4242")


def test_a_card_removed_from_a_customer_becomes_a_tombstone(
    load: Any, engine: Engine
) -> None:
    raw = load(CUSTOMER)
    with session_scope(engine) as session:
        store_customers(session, [parse_customer(raw)], T0)

    with session_scope(engine) as session:
        store_customers(session, [parse_customer(without_first(raw, "cards"))], T0)

    with session_scope(engine) as session:
        card = session.get(CardRecord, raw["cards"]["data"][0]["id"])
        assert card is not None and card.deleted


def test_a_charge_brings_its_refunds_and_an_older_copy_loses(
    load: Any, engine: Engine
) -> None:
    charge = parse_charge(load(REFUNDED))
    with session_scope(engine) as session:
        assert store_charges(session, [charge], T0) == 2
        assert store_charges(session, [charge], T0) == 0  # unchanged

    stale = copy.deepcopy(charge.raw)
    stale["refunded_amount"] = 0
    with session_scope(engine) as session:
        # Fetched before the copy the cache holds: it must not win.
        assert store_charges(session, [parse_charge(stale)], T0 - timedelta(1)) == 0

    with session_scope(engine) as session:
        (refund,) = session.scalars(select(RefundRecord)).all()
        assert (refund.amount, refund.voided) == (100000, True)
        assert refund.charge_id == charge.id


def copies_of(raw: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` copies of a charge, each with an id of its own."""
    copies = []
    for number in range(count):
        copy_ = copy.deepcopy(raw)
        copy_["id"] = f"{raw['id']}_{number:04d}"
        copy_["refunds"]["data"] = []
        copies.append(copy_)
    return copies


def test_many_charges_in_statements_under_the_bind_limit(
    load: Any, engine: Engine
) -> None:
    """Upserts of several statements each, however few values SQLite binds."""
    raws = copies_of(load(REFUNDED), 250)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def few_binds(dbapi_connection: Any, _record: Any) -> None:
            # 70 values: two charges per statement.
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 70)

        engine.dispose()

    with session_scope(engine) as session:
        assert store_charges(session, [parse_charge(r) for r in raws], T0) == 250
    raws[137]["description"] = "changed upstream"
    later = T0 + timedelta(minutes=5)
    with session_scope(engine) as session:
        assert store_charges(session, [parse_charge(r) for r in raws], later) == 1

    with session_scope(engine) as session:
        stored = session.scalars(select(ChargeRecord).order_by(ChargeRecord.id)).all()
        assert [c.id for c in stored] == sorted(r["id"] for r in raws)
        assert stored[137].description == "changed upstream"
        assert {c.fetched_at for c in stored} == {T0, later}


def test_pages_prepared_apart_and_written_joined(load: Any, engine: Engine) -> None:
    """Two pages fetched at different times, one with a refund and one with
    none, written as one: each row keeps its own fetch time."""
    raw = load(REFUNDED)
    first = [parse_charge(raw)]
    second = [parse_charge(r) for r in copies_of(raw, 3)]
    later = T0 + timedelta(seconds=30)
    dialect = engine.dialect
    joined = prepare_charges(first, T0, dialect).joined(
        prepare_charges(second, later, dialect)
    )

    assert joined is not None
    with session_scope(engine) as session:
        assert joined(session) == 5  # four charges and the first one's refund
    with session_scope(engine) as session:
        rows = session.execute(select(ChargeRecord.id, ChargeRecord.fetched_at))
        stored = {row.id: row.fetched_at for row in rows}
        (refund,) = session.scalars(select(RefundRecord)).all()
    assert stored == {raw["id"]: T0} | {c.id: later for c in second}
    assert refund.charge_id == raw["id"]


def test_disputes_table_promotes_what_views_filter_on(
    load: Any, engine: Engine
) -> None:
    raw = load(
        "php/api.omise.co/disputes/dspt_test_6344e4i5yv427gaj1s2/accept-patch.json"
    )
    with session_scope(engine) as session:
        store_disputes(session, [parse_dispute(raw)], T0)
        record = session.get(DisputeRecord, raw["id"])
        assert record is not None
        assert (record.status, record.amount, record.currency) == (
            "lost",
            100000,
            "THB",
        )
        assert record.reason_code == "goods_or_services_not_provided"
        assert record.closed_at == datetime(2025, 3, 20, 9, 53, 53, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"object": "refund", "id": "rfnd_test_1", "charge": "chrg_test_1"},
            [
                Target("refund", "rfnd_test_1", "chrg_test_1"),
                Target("charge", "chrg_test_1"),
            ],
        ),
        (
            {"object": "dispute", "id": "dspt_test_1", "charge": {"id": "chrg_test_1"}},
            [Target("dispute", "dspt_test_1"), Target("charge", "chrg_test_1")],
        ),
        (
            {
                "object": "card",
                "id": "card_test_1",
                "location": "/customers/cust_test_1/cards/card_test_1",
            },
            [Target("customer", "cust_test_1")],
        ),
        (
            {
                "object": "document",
                "id": "docu_test_1",
                "location": "/disputes/dspt_test_1/documents/docu_test_1",
            },
            [Target("dispute", "dspt_test_1")],
        ),
        (
            {"object": "occurrence", "id": "occu_test_1", "schedule": "schd_test_1"},
            [Target("occurrence", "occu_test_1"), Target("schedule", "schd_test_1")],
        ),
        (
            {"object": "transfer", "id": "trsf_test_1"},
            [Target("transfer", "trsf_test_1")],
        ),
        ({"object": "refund", "id": "rfnd_test_1"}, []),
    ],
)
def test_what_an_event_asks_to_fetch_again(
    data: dict[str, Any], expected: list[Target]
) -> None:
    event = parse_event(
        {
            "object": "event",
            "id": "evnt_test_1",
            "key": f"{data['object']}.update",
            "created_at": "2025-03-20T10:00:00Z",
            "data": data,
        }
    )

    assert targets_of(event) == expected


def test_every_recorded_event_names_what_to_fetch(fixtures_dir: Path) -> None:
    seen = 0
    for path in sorted(fixtures_dir.rglob("events-get.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        for raw in page["data"]:
            for target in targets_of(parse_event(raw)):
                assert target.object_id and target.kind, path
                seen += 1
    assert seen > 40
