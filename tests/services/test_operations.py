"""Refunds and captures through the journal: exactly once, whatever fails.

Every test drives the sandbox over loopback HTTP, injects the fault on the
sandbox's side, and then counts what the sandbox holds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from opn_desk.models import journal_store as store
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.journal_store import OperationInFlight
from opn_desk.models.operations import DONE, FAILED, SENDING, AuditEntry
from opn_desk.services import captures, refunds
from opn_desk.services.api import OpnClient
from opn_desk.services.operations import OPERATION_METADATA_KEY, Journal
from opn_desk.services.refund_rules import NOTHING_LEFT, RefundRefused
from opn_desk.services.refunds import REFUND_KIND, RefundRequest

REFUNDS_PATH = r"^/charges/[^/]+/refunds$"
CAPTURE_PATH = r"^/charges/[^/]+/capture$"
KINDS = {k.name: k for k in (REFUND_KIND, captures.CAPTURE_KIND)}


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def api(fresh_sandbox: Any) -> Iterator[OpnClient]:
    # No read retries: the tests count requests and want faults to show.
    with OpnClient(
        fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url, read_retries=0
    ) as client:
        yield client


@pytest.fixture
def journal(engine: Engine, api: OpnClient) -> Journal:
    return Journal(engine, api, "Somchai", settle_delay_s=0)


def refunds_on(sandbox: Any, charge_id: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.state.objects("refund") if r["charge"] == charge_id]


def ask(charge_id: str, amount: int) -> RefundRequest:
    return RefundRequest(charge_id, amount, "requested_by_customer", "ใบเสร็จ 42")


def test_refund_is_sent_once_and_audited(
    journal: Journal,
    api: OpnClient,
    make_charge: Any,
    fresh_sandbox: Any,
    engine: Engine,
) -> None:
    charge = make_charge()

    operation = refunds.refund(journal, api, ask(charge["id"], 30000), now())

    assert operation.state == DONE
    made = refunds_on(fresh_sandbox, charge["id"])
    assert [r["amount"] for r in made] == [30000]
    assert made[0]["metadata"][OPERATION_METADATA_KEY] == operation.id
    assert made[0]["id"] == operation.result_id
    assert api.get_charge(charge["id"]).refunded_amount == 30000
    with session_scope(engine) as session:
        entry = session.scalars(select(AuditEntry)).one()
        assert (entry.clerk, entry.action, entry.operation_id) == (
            "Somchai",
            "refund",
            operation.id,
        )
        assert entry.before is not None and entry.before["refunded_amount"] == 0
        assert entry.after is not None and entry.after["amount"] == 30000


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "drop_before"},  # lost before the API saw it
        {"kind": "drop_after"},  # applied, answer lost
        {"kind": "server_error", "status": 503},
        {"kind": "rate_limit", "retry_after_s": 0},
    ],
)
def test_refund_survives_each_fault_exactly_once(
    journal: Journal,
    api: OpnClient,
    make_charge: Any,
    fresh_sandbox: Any,
    fault: dict[str, Any],
) -> None:
    charge = make_charge()
    fresh_sandbox.add_fault(method="POST", path=REFUNDS_PATH, count=1, **fault)

    operation = refunds.refund(journal, api, ask(charge["id"], 25000), now())

    assert operation.state == DONE
    made = refunds_on(fresh_sandbox, charge["id"])
    assert [r["amount"] for r in made] == [25000]
    assert made[0]["metadata"][OPERATION_METADATA_KEY] == operation.id


def test_answer_received_but_app_killed_before_recording_it(
    engine: Engine, api: OpnClient, make_charge: Any, fresh_sandbox: Any
) -> None:
    charge = make_charge()
    crashed = Journal(engine, api, "Somchai", settle_delay_s=0)
    # What submit() does up to the send, then the process dies.
    with session_scope(engine) as session:
        recorded = store.record_operation(
            session,
            operation_id="op_crashed",
            kind="refund",
            target_id=charge["id"],
            params={"amount": 40000, "currency": "THB", "reason": "", "note": ""},
            clerk="Somchai",
            workstation="till-1",
            now=now(),
        )
    claimed = crashed._claim(recorded)
    assert claimed is not None and claimed.state == SENDING
    REFUND_KIND.send(api, claimed)

    restarted = Journal(
        engine, api, "Somchai", settle_delay_s=0, sending_grace=timedelta(0)
    )
    settled = restarted.settle_open(KINDS)

    assert [(op.id, op.state) for op in settled] == [("op_crashed", DONE)]
    assert [r["amount"] for r in refunds_on(fresh_sandbox, charge["id"])] == [40000]


def test_recorded_but_never_sent_is_sent_at_start_up(
    engine: Engine, api: OpnClient, make_charge: Any, fresh_sandbox: Any
) -> None:
    charge = make_charge()
    with session_scope(engine) as session:
        store.record_operation(
            session,
            operation_id="op_unsent",
            kind="refund",
            target_id=charge["id"],
            params={"amount": 5000, "currency": "THB", "reason": "", "note": ""},
            clerk="Somchai",
            workstation="till-1",
            now=now(),
        )

    settled = Journal(engine, api, "Somchai", settle_delay_s=0).settle_open(KINDS)

    assert [op.state for op in settled] == [DONE]
    assert [r["amount"] for r in refunds_on(fresh_sandbox, charge["id"])] == [5000]


def test_partial_capture_with_the_answer_lost_captures_once(
    journal: Journal, api: OpnClient, make_charge: Any, fresh_sandbox: Any
) -> None:
    charge = make_charge(capture=False, authorization_type="pre_auth")
    fresh_sandbox.add_fault(
        kind="drop_after", method="POST", path=CAPTURE_PATH, count=1
    )

    operation = captures.capture(journal, api, charge["id"], 60000, now())

    assert operation.state == DONE
    after = api.get_charge(charge["id"])
    assert (after.status, after.captured_amount, after.amount) == (
        "successful",
        60000,
        100000,
    )
    captures_made = [
        e for e in fresh_sandbox.state.events_sorted() if e["key"] == "charge.capture"
    ]
    assert len([e for e in captures_made if e["data"]["id"] == charge["id"]]) == 1


def test_stale_rule_refused_by_the_api_fails_cleanly(
    journal: Journal, api: OpnClient, make_charge: Any, fresh_sandbox: Any
) -> None:
    charge = make_charge()
    # The clerk's view says ฿1,000.00 is left, but the API knows better.
    params = {"amount": 100001, "currency": "THB", "reason": "", "note": ""}

    operation = journal.submit(REFUND_KIND, charge["id"], params)

    assert operation.state == FAILED
    assert operation.error_code == "failed_refund"
    assert refunds_on(fresh_sandbox, charge["id"]) == []


def test_two_dialogs_full_refund_only_once(
    journal: Journal, api: OpnClient, make_charge: Any, fresh_sandbox: Any
) -> None:
    charge = make_charge()
    first = refunds.refund(journal, api, ask(charge["id"], 100000), now())

    with pytest.raises(RefundRefused) as caught:
        refunds.refund(journal, api, ask(charge["id"], 100000), now())

    assert first.state == DONE
    assert caught.value.reason == NOTHING_LEFT
    assert [r["amount"] for r in refunds_on(fresh_sandbox, charge["id"])] == [100000]


def test_two_workstations_at_once_refund_once(
    cache_url: str, fresh_sandbox: Any, make_charge: Any
) -> None:
    charge = make_charge()
    fresh_sandbox.add_fault(kind="latency", delay_ms=300, method="POST")
    outcomes: list[str] = []
    engines = [open_engine(cache_url), open_engine(cache_url)]

    def workstation(engine: Engine) -> None:
        with OpnClient(fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url) as c:
            journal = Journal(engine, c, "clerk", settle_delay_s=0)
            try:
                op = refunds.refund(journal, c, ask(charge["id"], 100000), now())
                outcomes.append(op.state)
            except (OperationInFlight, RefundRefused) as refused:
                outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=workstation, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()

    assert len(outcomes) == 2 and outcomes.count(DONE) == 1
    assert [r["amount"] for r in refunds_on(fresh_sandbox, charge["id"])] == [100000]
