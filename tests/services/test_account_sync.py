"""Syncing every resource from the sandbox over loopback HTTP into the cache.

Each test runs on a SQLite file and on PostgreSQL (``cache_url``), and
compares the cache with the sandbox's own state object by object.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cache_comparison import TABLES, assert_cache_equals_sandbox, cached
from sqlalchemy import Engine, inspect, select

from opn_desk.models.db import session_scope
from opn_desk.models.ledger import AccountObjectRecord
from opn_desk.models.sync_state import SyncState
from opn_desk.models.tables import (
    CardRecord,
    ChargeRecord,
    DisputeDocumentRecord,
    DisputeRecord,
    OccurrenceRecord,
    RefundRecord,
    ScheduleRecord,
)
from opn_desk.sandbox.schedule_runs import local_today
from opn_desk.services.api import OpnClient, ServerError
from opn_desk.services.sync import (
    EVENT_FEED,
    RESCAN,
    AccountSync,
    SyncCancelled,
    SyncProgress,
)

SERVED = ("charge", "refund", "customer", "card", "transaction")
BACKFILLED = (
    "charges",
    "refunds",
    "disputes",
    "schedules",
    "customers",
    "transactions",
    "events",
)


@pytest.fixture
def fresh_client(fresh_sandbox: Any) -> Iterator[OpnClient]:
    server = fresh_sandbox
    with OpnClient(server.secret_key, base_url=server.base_url) as client:
        yield client


@pytest.fixture
def api(fresh_sandbox: Any) -> Iterator[httpx.Client]:
    """Plain HTTP to the sandbox, for the changes a clerk would make."""
    auth = httpx.BasicAuth(fresh_sandbox.secret_key, "")
    with httpx.Client(base_url=fresh_sandbox.base_url, auth=auth) as http:
        yield http


def test_first_sync_copies_every_resource_exactly(
    sandbox: Any, client: OpnClient, engine: Engine
) -> None:
    reported: set[str] = set()

    result = AccountSync(client, engine).run(lambda p: reported.add(p.resource))

    assert_cache_equals_sandbox(engine, sandbox.state, SERVED)
    assert set(BACKFILLED) <= reported
    assert result.of("charges") is not None
    with session_scope(engine) as session:
        singletons = {
            r.kind: r.raw for r in session.scalars(select(AccountObjectRecord))
        }
        refund = session.scalars(select(RefundRecord).limit(1)).one()
        card = session.scalars(select(CardRecord).limit(1)).one()
    assert singletons["account"] == sandbox.state.account()
    assert singletons["capability"] == client.get_json("/capability")
    assert singletons["balance"]["total"] == client.get_balance().total
    assert isinstance(refund.amount, int)
    assert refund.currency == refund.raw["currency"]
    assert refund.charge_id == refund.raw["charge"]
    assert card.last_digits == card.raw["last_digits"] and card.customer_id


def test_second_sync_writes_nothing(client: OpnClient, engine: Engine) -> None:
    AccountSync(client, engine).run()
    before = {kind: cached(engine, TABLES[kind]) for kind in SERVED}

    again = AccountSync(client, engine, rescan_every=timedelta(0)).run()

    written = {r.resource: r.written for r in again.results if r.written}
    # The balance is stamped with the moment it was read; nothing else moves.
    assert set(written) <= {"account_objects"}
    assert written.get("account_objects", 0) <= 1
    assert again.of(RESCAN) is not None
    assert {kind: cached(engine, TABLES[kind]) for kind in SERVED} == before


def test_incremental_sync_brings_exactly_the_changes(
    fresh_sandbox: Any, fresh_client: OpnClient, api: httpx.Client, engine: Engine
) -> None:
    state = fresh_sandbox.state
    AccountSync(fresh_client, engine).run()
    before = {kind: cached(engine, TABLES[kind]) for kind in SERVED}
    charge = refundable_charge(state)
    other = state.charges_sorted()[3]

    # The update comes first: its event's copy of the charge shows no refund,
    # so a cache that trusted it would show the wrong refunded amount.
    updated = api.patch(f"/charges/{charge['id']}", data={"description": "คืนเงิน"})
    updated.raise_for_status()
    refund = api.post(f"/charges/{charge['id']}/refunds", data={"amount": 2500})
    refund.raise_for_status()
    renamed = api.patch(f"/charges/{other['id']}", data={"description": "ส่งซ้ำ"})
    renamed.raise_for_status()

    result = AccountSync(fresh_client, engine).run()

    assert_cache_equals_sandbox(engine, state, SERVED)
    after = {kind: cached(engine, TABLES[kind]) for kind in SERVED}
    changed = {
        kind: {i for i in after[kind] if after[kind][i] != before[kind].get(i)}
        for kind in SERVED
    }
    new_refund = refund.json()
    assert changed["charge"] == {charge["id"], other["id"]}
    assert changed["refund"] == {new_refund["id"]}
    assert changed["transaction"] == {new_refund["transaction"]}
    assert changed["customer"] == changed["card"] == set()
    assert after["charge"][charge["id"]]["refunded_amount"] == (
        charge["refunded_amount"] + 2500
    )
    feed = result.of(EVENT_FEED)
    assert feed is not None and feed.fetched == 3
    # The feed's cursor is past them: the next run reads no event again.
    quiet = AccountSync(fresh_client, engine).run().of(EVENT_FEED)
    assert quiet is not None and (quiet.fetched, quiet.written) == (0, 0)


def test_object_gone_upstream_becomes_a_tombstone(
    fresh_sandbox: Any, fresh_client: OpnClient, engine: Engine
) -> None:
    AccountSync(fresh_client, engine).run()
    pending = next(
        c for c in fresh_sandbox.state.charges_sorted() if c["status"] == "pending"
    )
    ghost_id = "chrg_test_5gonegonegonegone00"
    with session_scope(engine) as session:
        # A pending charge the cache holds but the API no longer has.
        copy = session.get(ChargeRecord, pending["id"])
        assert copy is not None
        columns = {
            a.key: getattr(copy, a.key) for a in inspect(ChargeRecord).column_attrs
        }
        columns.update(id=ghost_id, raw={**copy.raw, "id": ghost_id})
        session.add(ChargeRecord(**columns))

    rescanning = AccountSync(fresh_client, engine, rescan_every=timedelta(0))

    rescanning.run()

    with session_scope(engine) as session:
        gone = session.get(ChargeRecord, ghost_id)
        alive = session.get(ChargeRecord, pending["id"])
        assert gone is not None and alive is not None
        assert gone.deleted and gone.deleted_at is not None
        assert gone.raw["id"] == ghost_id  # what it was, kept
        assert not alive.deleted
        first_seen_gone = gone.deleted_at
    rescanning.run()  # a tombstone stays as it was
    with session_scope(engine) as session:
        again = session.get(ChargeRecord, ghost_id)
        assert again is not None and again.deleted_at == first_seen_gone


def test_cancelled_sync_resumes_and_ends_exact(
    sandbox: Any, client: OpnClient, engine: Engine
) -> None:
    polls = 0

    def stop_soon() -> bool:
        nonlocal polls
        polls += 1
        return polls > 6

    with pytest.raises(SyncCancelled):
        AccountSync(client, engine, window=timedelta(days=5)).run(cancelled=stop_soon)
    with session_scope(engine) as session:
        charges = session.get(SyncState, "charges")
        assert charges is not None and not charges.backfill_done

    AccountSync(client, engine, window=timedelta(days=5)).run()

    assert_cache_equals_sandbox(engine, sandbox.state, SERVED)


def test_a_failing_resource_notes_its_error_and_the_retry_clears_it(
    fresh_sandbox: Any, engine: Engine
) -> None:
    fresh_sandbox.add_fault("server_error", path="^/transactions", status=503)
    base_url, key = fresh_sandbox.base_url, fresh_sandbox.secret_key
    with OpnClient(key, base_url=base_url, read_retries=1, backoff_s=0.01) as c:
        with pytest.raises(ServerError):
            AccountSync(c, engine).run()
        with session_scope(engine) as session:
            failed = session.get(SyncState, "transactions")
            charges = session.get(SyncState, "charges")
            assert failed is not None and failed.last_error
            assert charges is not None and charges.backfill_done

        fresh_sandbox.clear_faults()
        AccountSync(c, engine).run()

    assert_cache_equals_sandbox(engine, fresh_sandbox.state, SERVED)
    with session_scope(engine) as session:
        retried = session.get(SyncState, "transactions")
        assert retried is not None and retried.last_error is None


def test_more_than_ten_requests_in_flight_is_refused(
    client: OpnClient, engine: Engine
) -> None:
    with pytest.raises(ValueError, match="in_flight"):
        AccountSync(client, engine, in_flight=11)


def test_progress_reports_each_resource_in_sync_order(
    client: OpnClient, engine: Engine
) -> None:
    order: list[str] = []

    def note(progress: SyncProgress) -> None:
        if not order or order[-1] != progress.resource:
            order.append(progress.resource)

    AccountSync(client, engine).run(note)

    assert order[: len(BACKFILLED)] == list(BACKFILLED)


def test_disputes_and_schedules_are_copied(
    sandbox: Any, client: OpnClient, engine: Engine
) -> None:
    AccountSync(client, engine).run()

    assert_cache_equals_sandbox(engine, sandbox.state, ("dispute", "schedule"))


def test_deleted_document_becomes_a_tombstone(
    fresh_sandbox: Any, fresh_client: OpnClient, api: httpx.Client, engine: Engine
) -> None:
    charge = refundable_charge(fresh_sandbox.state)
    opened = api.post(f"/charges/{charge['id']}/disputes")
    opened.raise_for_status()
    dispute_id = opened.json()["id"]
    upload = api.post(
        f"/disputes/{dispute_id}/documents",
        files={"file": ("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")},
    )
    upload.raise_for_status()
    document_id = upload.json()["id"]
    AccountSync(fresh_client, engine).run()

    api.delete(f"/disputes/{dispute_id}/documents/{document_id}").raise_for_status()
    AccountSync(fresh_client, engine).run()

    with session_scope(engine) as session:
        document = session.get(DisputeDocumentRecord, document_id)
        assert document is not None and document.filename == "receipt.pdf"
        assert document.deleted and document.deleted_at is not None
        dispute = session.get(DisputeRecord, dispute_id)
        assert dispute is not None and dispute.status == "open"


def test_deleted_schedule_becomes_a_tombstone(
    fresh_sandbox: Any, fresh_client: OpnClient, api: httpx.Client, engine: Engine
) -> None:
    customer = fresh_sandbox.state.objects("customer")[0]
    today = local_today(fresh_sandbox.state)  # a Bangkok date, as the API's
    created = api.post(
        "/schedules",
        data={
            "every": 1,
            "period": "day",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=30)).isoformat(),
            "charge[customer]": customer["id"],
            "charge[amount]": 50000,
        },
    )
    created.raise_for_status()
    schedule_id = created.json()["id"]
    AccountSync(fresh_client, engine).run()
    with session_scope(engine) as session:
        occurrences = session.scalars(
            select(OccurrenceRecord).where(OccurrenceRecord.schedule_id == schedule_id)
        ).all()
        assert [o.scheduled_on for o in occurrences] == [today]

    api.delete(f"/schedules/{schedule_id}").raise_for_status()
    AccountSync(fresh_client, engine).run()

    with session_scope(engine) as session:
        schedule = session.get(ScheduleRecord, schedule_id)
        assert schedule is not None
        assert schedule.deleted and not schedule.active
        assert schedule.status == "deleted"


def refundable_charge(state: Any) -> dict[str, Any]:
    """A paid card charge that takes a partial refund of 25.00."""
    for charge in state.charges_sorted():
        remaining = charge["captured_amount"] - charge["refunded_amount"]
        if charge["partially_refundable"] and remaining > 5000 and charge["card"]:
            return dict(charge)
    raise AssertionError("the sandbox has no partially refundable charge")


def test_sync_through_faults_ends_exact(fresh_sandbox: Any, engine: Engine) -> None:
    faults = (
        {"kind": "latency", "delay_ms": 20, "probability": 0.3},
        {"kind": "server_error", "status": 503, "probability": 0.05},
        {"kind": "rate_limit", "retry_after_s": 0, "probability": 0.05},
        {"kind": "drop_before", "probability": 0.04},
        {"kind": "drop_after", "probability": 0.04},
    )
    for fault in faults:
        fresh_sandbox.add_fault(method="GET", **fault)
    base, key = fresh_sandbox.base_url, fresh_sandbox.secret_key
    with OpnClient(key, base_url=base, read_retries=8, backoff_s=0.01) as client:
        AccountSync(client, engine).run()

    applied = {rule.kind: rule.applied for rule in fresh_sandbox.faults.rules()}
    assert all(applied[fault["kind"]] > 0 for fault in faults), applied
    assert_cache_equals_sandbox(engine, fresh_sandbox.state, SERVED)
