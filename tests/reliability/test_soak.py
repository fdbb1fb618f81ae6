"""The soak: two workstations on one PostgreSQL database, a sandbox at fault.

Two headless opn-desk instances (``soak_worker.py``, each a process with
its own home folder) share one PostgreSQL cache and one sandbox, itself a
process of its own on loopback. For a bounded time (``OPN_DESK_SOAK_SECONDS``,
75 s by default) both refund in full and in part, capture
pre-authorizations in full and in part, upload dispute evidence and submit
it, and sync, on the same charges and disputes, while the sandbox adds
latency, answers 500, 503 and 429, and drops connections before and after
writes take effect (rules set through its control interface).

Then the faults stop, what is unsettled is settled as the app does at
start-up, a last sync runs, and the run is judged on the sandbox's saved
state: every operation done exactly once or clearly failed, no operation
id twice on the server, no charge refunded beyond what it captured, and
the cache equal to the sandbox object by object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cache_comparison import assert_cache_equals_sandbox
from reliability_figures import Figures
from sqlalchemy import Engine, select
from write_checks import new_charge, refund_tags

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.journal_store import open_operations, operation_view
from opn_desk.models.operations import DONE, FAILED, OperationRecord
from opn_desk.sandbox import SANDBOX_SECRET_KEY, SandboxState
from opn_desk.services.api import OpnClient
from opn_desk.services.evidence import (
    ANSWER_DISPUTE,
    UPLOAD_DOCUMENT,
    evidence_write_kinds,
    sent_filename,
)
from opn_desk.services.operations import Journal
from opn_desk.services.sandbox_process import SandboxProcess
from opn_desk.services.sync import AccountSync
from opn_desk.views.write_actions import WRITE_KINDS

WORKER = Path(__file__).with_name("soak_worker.py")
SECONDS_ENV = "OPN_DESK_SOAK_SECONDS"
DEFAULT_SECONDS = 75
CLERKS = ("Malee", "Somchai")
# Targets per minute of soak: few enough that the instances meet on them.
PAID_PER_MIN, HELD_PER_MIN, DISPUTED_PER_MIN = 36, 30, 16
COMPARED = ("charge", "refund", "customer", "card", "transaction", "dispute")
# Every kind of write the soak must have made at least once.
WRITE_KINDS_DONE = {"refund", "capture", UPLOAD_DOCUMENT, ANSWER_DISPUTE}
WRITES = r"^/(charges/[^/]+/(refunds|capture)|disputes/[^/]+(/documents)?)$"
# (label for the figures, the rule as the control interface takes it)
FAULTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("connection dropped after a write took effect", {"kind": "drop_after"}),
    ("connection dropped before a write arrived", {"kind": "drop_before"}),
    ("HTTP 500 on a write", {"kind": "server_error", "status": 500}),
    ("HTTP 429 on a write", {"kind": "rate_limit", "retry_after_s": 1}),
    ("latency on a write", {"kind": "latency", "delay_ms": 150}),
)
READ_FAULTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("HTTP 503 on a read", {"kind": "server_error", "status": 503}),
    ("HTTP 429 on a read", {"kind": "rate_limit", "retry_after_s": 1}),
    ("connection dropped on a read", {"kind": "drop_after"}),
    ("latency on a read", {"kind": "latency", "delay_ms": 30}),
)
WRITE_CHANCE = {"drop_after": 0.1, "drop_before": 0.08, "server_error": 0.06}
READ_CHANCE = {"server_error": 0.02, "rate_limit": 0.01, "drop_after": 0.02}


def soak_seconds() -> float:
    return float(os.environ.get(SECONDS_ENV) or DEFAULT_SECONDS)


@dataclass(frozen=True)
class Sandbox:
    """The sandbox process: its address, data file and control interface."""

    base_url: str
    data_file: Path
    control: httpx.Client

    def saved_state(self) -> SandboxState:
        """The state as the sandbox holds it now, through its data file."""
        self.control.post("/__sandbox/save").raise_for_status()
        return SandboxState.load(self.data_file)


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[Sandbox]:
    folder = tmp_path / "sandbox"
    data_file = folder / "sandbox.json"
    folder.mkdir()
    SandboxState.seeded(charges=60, seed=29).save(data_file)
    process = SandboxProcess(data_file, folder / "sandbox.log")
    base_url = process.start()
    auth = (SANDBOX_SECRET_KEY, "")
    try:
        with httpx.Client(base_url=base_url, auth=auth, timeout=30) as control:
            yield Sandbox(base_url, data_file, control)
    finally:
        process.stop()


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    """The shared database, migrated before the instances race to it."""
    engine = open_engine(pg_url)
    yield engine
    engine.dispose()


def targets(sandbox: Sandbox) -> dict[str, Any]:
    """Charges to refund, authorizations to capture, disputes to answer."""
    minutes = max(soak_seconds() / 60, 0.5)
    key = SANDBOX_SECRET_KEY
    paid = [
        new_charge(sandbox.base_url, key)["id"]
        for _ in range(round(PAID_PER_MIN * minutes))
    ]
    held = [
        new_charge(sandbox.base_url, key, capture=False, authorization_type="pre_auth")[
            "id"
        ]
        for _ in range(round(HELD_PER_MIN * minutes))
    ]
    disputes = []
    for _ in range(round(DISPUTED_PER_MIN * minutes)):
        charge = new_charge(sandbox.base_url, key)
        opened = sandbox.control.post(
            "/__sandbox/disputes", json={"charge": charge["id"]}
        )
        opened.raise_for_status()
        dispute = opened.json()
        disputes.append({"id": dispute["id"], "reason_code": dispute["reason_code"]})
    return {"paid": paid, "held": held, "disputes": disputes}


def add_faults(sandbox: Sandbox) -> list[tuple[str, str]]:
    """Set every fault rule; (label, rule id) of each."""
    rules = []
    for label, fault in FAULTS:
        chance = WRITE_CHANCE.get(fault["kind"], 0.04)
        if fault["kind"] == "latency":
            chance = 0.25
        rule = {**fault, "path": WRITES, "probability": chance}
        rules.append((label, {**rule, "method": "POST"}))
        rules.append((label, {**rule, "method": "PATCH"}))
    for label, fault in READ_FAULTS:
        chance = READ_CHANCE.get(fault["kind"], 0.2)
        rules.append((label, {**fault, "method": "GET", "probability": chance}))
    added = []
    for label, rule in rules:
        reply = sandbox.control.post("/__sandbox/faults", json=rule)
        reply.raise_for_status()
        added.append((label, reply.json()["id"]))
    return added


def run_instances(
    sandbox: Sandbox, pg_url: str, plan: dict[str, Any], folder: Path
) -> list[dict[str, Any]]:
    """Both instances at once, to their end; what each was told."""
    seconds = soak_seconds()
    children = []
    for number, clerk in enumerate(CLERKS):
        home = folder / clerk
        home.mkdir()
        own_plan = {
            **plan,
            "clerk": clerk,
            "home": str(home),
            "base_url": sandbox.base_url,
            "secret_key": SANDBOX_SECRET_KEY,
            "database_url": pg_url,
            "seconds": seconds,
            "seed": 100 + number,
            "out": str(home / "told.json"),
        }
        plan_file = home / "plan.json"
        plan_file.write_text(json.dumps(own_plan), encoding="utf-8")
        stderr = (home / "stderr.txt").open("w", encoding="utf-8")
        child = subprocess.Popen(
            [sys.executable, str(WORKER), str(plan_file)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        children.append((child, home, stderr))
    told = []
    for child, home, stderr in children:
        try:
            code = child.wait(timeout=seconds + 240)
        finally:
            stderr.close()
            if child.poll() is None:
                child.kill()
                child.wait()
        errors = (home / "stderr.txt").read_text(encoding="utf-8")
        assert code == 0, f"{home.name} ended with {code}:\n{errors[-4000:]}"
        told.append(json.loads((home / "told.json").read_text(encoding="utf-8")))
    return told


def faults_applied(sandbox: Sandbox, rules: list[tuple[str, str]]) -> Counter[str]:
    """How often each kind of fault struck, then every rule removed."""
    listed = sandbox.control.get("/__sandbox/faults").json()["data"]
    applied = {rule["id"]: rule["applied"] for rule in listed}
    sandbox.control.delete("/__sandbox/faults").raise_for_status()
    counts: Counter[str] = Counter()
    for label, rule_id in rules:
        counts[label] += applied[rule_id]
    return counts


def settle_as_at_start_up(engine: Engine, sandbox: Sandbox) -> None:
    """What the window does once a profile is open: settle the journal."""
    with OpnClient(SANDBOX_SECRET_KEY, base_url=sandbox.base_url) as client:
        journal = Journal(engine, client, "start-up", settle_delay_s=0)
        journal.settle_open({**WRITE_KINDS, **evidence_write_kinds(engine)})
        AccountSync(client, engine).run()


def journal_rows(engine: Engine) -> list[OperationRecord]:
    with session_scope(engine) as session:
        rows = list(session.scalars(select(OperationRecord)))
        session.expunge_all()
    return rows


def refunds_out_of_step(rows: list[OperationRecord], state: SandboxState) -> list[str]:
    """Refund operations whose journal state disagrees with the server."""
    tags = refund_tags(state)
    wrong = []
    for row in rows:
        if row.kind == "refund" and tags[row.id] != (1 if row.state == DONE else 0):
            wrong.append(row.id)
    journalled = {row.id for row in rows}
    wrong += [tag for tag in tags if tag not in journalled]
    return wrong


def captures_out_of_step(
    rows: list[OperationRecord], state: SandboxState, held: list[str]
) -> list[str]:
    """Authorizations whose capture is not exactly one done operation."""
    wrong = []
    for charge_id in held:
        charge = state.get("charge", charge_id)
        done = [
            row
            for row in rows
            if row.kind == "capture"
            and row.target_id == charge_id
            and row.state == DONE
        ]
        expected = 1 if charge["paid"] else 0
        amounts = {int(row.params["amount"]) for row in done}
        if len(done) != expected or (done and amounts != {charge["captured_amount"]}):
            wrong.append(charge_id)
    return wrong


def documents_out_of_step(
    rows: list[OperationRecord], state: SandboxState
) -> tuple[list[str], list[str]]:
    """(uploads that disagree with the server, names on the server twice)."""
    names = Counter(
        (dispute["id"], document["filename"])
        for dispute in state.objects("dispute")
        for document in dispute["documents"]["data"]
        if not document["deleted"]
    )
    wrong = []
    for row in rows:
        if row.kind != UPLOAD_DOCUMENT:
            continue
        name = sent_filename(operation_view(row))
        found = names[(row.target_id, name)]
        if found != (1 if row.state == DONE else 0):
            wrong.append(f"{row.id} is {row.state}, {name} {found} times")
    twice = [name for (_dispute, name), count in names.items() if count > 1]
    files = Counter(
        row.params["file_id"]
        for row in rows
        if row.kind == UPLOAD_DOCUMENT and row.state == DONE
    )
    twice += [file_id for file_id, count in files.items() if count > 1]
    return wrong, twice


def answers_out_of_step(rows: list[OperationRecord], state: SandboxState) -> list[str]:
    """Disputes answered in the journal whose message the server lacks."""
    wrong = []
    for row in rows:
        if row.kind == ANSWER_DISPUTE and row.state == DONE:
            dispute = state.get("dispute", row.target_id)
            if dispute["message"] != row.params["message"]:
                wrong.append(row.target_id)
    return wrong


def overrefunded(state: SandboxState) -> list[str]:
    refunded: Counter[str] = Counter()
    for refund in state.objects("refund"):
        refunded[refund["charge"]] += refund["amount"]
    return [
        charge["id"]
        for charge in state.objects("charge")
        if refunded[charge["id"]] > (charge.get("captured_amount") or 0)
        or refunded[charge["id"]] != charge["refunded_amount"]
    ]


def tally(
    figures: Figures, told: list[dict[str, Any]], faults: Counter[str]
) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for label, count in faults.items():
        figures.add("soak faults injected", label, count)
    for instance in told:
        for entry in instance["told"]:
            action = entry["action"]
            figures.add("soak attempts", f"{action} by {instance['clerk']}")
            figures.add("soak attempts by kind", action)
            outcomes[f"{action}: {entry['told']}"] += 1
    for outcome, count in outcomes.items():
        figures.add("soak outcomes", outcome, count)
    worked_on = [
        {entry["target"] for entry in instance["told"] if entry["action"] != "sync"}
        for instance in told
    ]
    shared = set.intersection(*worked_on)
    figures.add("soak contention", "targets both instances wrote to", len(shared))
    return outcomes


@pytest.mark.postgres
def test_two_instances_under_faults_lose_nothing_and_do_nothing_twice(
    pg_url: str,
    engine: Engine,
    sandbox_process: Sandbox,
    tmp_path: Path,
    figures: Figures,
) -> None:
    sandbox = sandbox_process
    plan = targets(sandbox)
    rules = add_faults(sandbox)

    told = run_instances(sandbox, pg_url, plan, tmp_path)
    faults = faults_applied(sandbox, rules)
    settle_as_at_start_up(engine, sandbox)
    state = sandbox.saved_state()

    rows = journal_rows(engine)
    with session_scope(engine) as session:
        left_open = open_operations(session)
    outcomes = tally(figures, told, faults)
    unsettled = [row.id for row in rows if row.state not in (DONE, FAILED)]
    lost = (
        refunds_out_of_step(rows, state)
        + captures_out_of_step(rows, state, plan["held"])
        + answers_out_of_step(rows, state)
    )
    misfiled, twice = documents_out_of_step(rows, state)
    twice += [tag for tag, count in refund_tags(state).items() if count > 1]
    figures.add("soak journal", "operations recorded", len(rows))
    figures.add("soak journal", "done", sum(row.state == DONE for row in rows))
    figures.add("soak journal", "failed", sum(row.state == FAILED for row in rows))
    figures.add("duplicates", "soak: operation ids twice on the server", len(twice))
    figures.add(
        "lost items",
        "soak: operations neither done once nor failed",
        len(unsettled) + len(lost) + len(misfiled),
    )

    assert all(count > 0 for count in faults.values()), faults
    assert {row.kind for row in rows if row.state == DONE} >= WRITE_KINDS_DONE
    assert outcomes["sync: done"] > 0
    assert left_open == [] and unsettled == []
    assert twice == []
    assert lost == [] and misfiled == []
    assert overrefunded(state) == []
    assert_cache_equals_sandbox(engine, state, COMPARED)
