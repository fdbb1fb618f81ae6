"""A bounded run of refunds and captures against a sandbox that misbehaves.

One workstation refunds and captures a few dozen charges while the sandbox
drops connections before and after handling requests, answers 500, 503
and 429, and adds latency, on writes and reads alike. Then the faults stop,
the journal settles what is left (as at the next start), and the run is
judged by what the sandbox holds: every operation done exactly once or
clearly failed, no operation tag twice on the server, no charge refunded
beyond what was captured. The two-workstation version on PostgreSQL is
``test_soak``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from reliability_figures import Figures
from sqlalchemy import Engine, select
from write_checks import attempt, new_charge, refund_tags

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.operations import DONE, FAILED, OperationRecord
from opn_desk.sandbox import SandboxServer, SandboxState
from opn_desk.sandbox.faults import FaultRule
from opn_desk.services import captures, evidence, refunds
from opn_desk.services.api import OpnClient
from opn_desk.services.capture_rules import capture_terms, check_capture
from opn_desk.services.operations import ALREADY_DONE, Journal

CHARGES = 16
AUTHORIZATIONS = 8
WRITE_PATHS = r"^/charges/[^/]+/(refunds|capture)$"
READ_PATHS = r"^/charges/[^/]+(/refunds)?$"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
# (kind, options, which requests, probability)
FAULTS: list[tuple[str, dict[str, Any], tuple[str, str], float]] = [
    ("drop_before", {}, ("POST", WRITE_PATHS), 0.12),
    ("drop_after", {}, ("POST", WRITE_PATHS), 0.15),
    ("server_error", {"status": 500}, ("POST", WRITE_PATHS), 0.08),
    ("server_error", {"status": 503}, ("GET", READ_PATHS), 0.08),
    ("rate_limit", {"retry_after_s": 0}, ("POST", WRITE_PATHS), 0.08),
    ("drop_after", {}, ("GET", READ_PATHS), 0.05),
    ("latency", {"delay_ms": 20}, ("GET", READ_PATHS), 0.2),
]
KINDS = {
    kind.name: kind
    for kind in (refunds.REFUND_KIND, captures.CAPTURE_KIND, captures.REVERSE_KIND)
}


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxState.seeded(charges=20, seed=41)) as server:
        yield server


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    yield engine
    engine.dispose()


def capture(journal: Journal, api: OpnClient, charge_id: str) -> Any:
    return captures.capture(journal, api, charge_id, 60_000, now())


def test_writes_under_faults_are_done_once_or_clearly_failed(
    server: SandboxServer, engine: Engine, figures: Figures
) -> None:
    paid = [new_charge(server.base_url, server.secret_key) for _ in range(CHARGES)]
    held = [
        new_charge(
            server.base_url,
            server.secret_key,
            capture=False,
            authorization_type="pre_auth",
        )
        for _ in range(AUTHORIZATIONS)
    ]
    rules: list[tuple[str, FaultRule]] = []
    for kind, options, (method, path), probability in FAULTS:
        values = {"kind": kind, "method": method, "path": path, **options}
        rule = server.faults.add({**values, "probability": probability})
        rules.append((f"{kind} {method} {options.get('status', '')}".strip(), rule))

    told: Counter[str] = Counter()
    with OpnClient(server.secret_key, base_url=server.base_url, read_retries=0) as api:
        journal = Journal(engine, api, "Somchai", settle_delay_s=0)
        for charge in paid:
            for amount in (30_000, 45_000, 40_000):  # the third exceeds the rest
                request = refunds.RefundRequest(charge["id"], amount, "", "")
                told[
                    attempt(lambda r=request: refunds.refund(journal, api, r, now()))
                ] += 1
        for charge in held:
            told[attempt(lambda c=charge["id"]: capture(journal, api, c))] += 1

        server.faults.clear()
        restarted = Journal(engine, api, "Somchai", settle_delay_s=0)
        restarted.settle_open(KINDS)

    with session_scope(engine) as session:
        journal_rows = list(session.scalars(select(OperationRecord)))
    tags = refund_tags(server.state)
    for label, rule in rules:
        figures.add("faults injected", label, rule.applied)
    figures.add("operations", "attempted", sum(told.values()))
    figures.add("operations", "journal entries", len(journal_rows))
    for outcome, count in told.items():
        figures.add("operations", f"clerk told: {outcome}", count)

    duplicates = [tag for tag, count in tags.items() if count > 1]
    unsettled = [row.id for row in journal_rows if row.state not in (DONE, FAILED)]
    lost = [
        row.id
        for row in journal_rows
        if row.kind == "refund" and (row.state == DONE) != (row.id in tags)
    ]
    figures.add("duplicates", "operation tags twice on the server", len(duplicates))
    figures.add(
        "lost items",
        "operations neither done once nor failed",
        len(unsettled) + len(lost),
    )

    assert sum(rule.applied for _label, rule in rules) > 0
    assert duplicates == []
    assert unsettled == []
    assert lost == []
    for charge in paid + held:
        state = next(
            c for c in server.state.objects("charge") if c["id"] == charge["id"]
        )
        refunded = sum(
            r["amount"]
            for r in server.state.objects("refund")
            if r["charge"] == charge["id"]
        )
        assert refunded <= (state.get("captured_amount") or state["amount"])
    captured = [
        c for c in server.state.objects("charge") if c["id"] in {h["id"] for h in held}
    ]
    done_captures = {
        row.target_id
        for row in journal_rows
        if row.kind == "capture" and row.state == DONE
    }
    assert {c["id"] for c in captured if c["paid"]} == done_captures


def test_a_capture_another_workstation_made_first_is_not_taken_for_ours(
    server: SandboxServer, engine: Engine
) -> None:
    """Two clerks read the same authorization; the second one's capture
    meets a server error after the first one captured. The charge then
    looks captured, but not by the second clerk: that capture must end
    refused, not done, or the journal and the audit would show two."""
    held = new_charge(
        server.base_url,
        server.secret_key,
        capture=False,
        authorization_type="pre_auth",
    )
    with OpnClient(server.secret_key, base_url=server.base_url) as api:
        first = Journal(engine, api, "Malee", settle_delay_s=0)
        second = Journal(engine, api, "Somchai", settle_delay_s=0)
        charge = api.get_charge(held["id"])  # the second clerk's read
        terms = capture_terms(charge, now())
        check_capture(terms, 100_000)
        done = captures.capture(first, api, held["id"], 100_000, now())
        server.faults.add(
            {"kind": "server_error", "method": "POST", "path": WRITE_PATHS, "count": 1}
        )
        params = {
            "amount": 100_000,
            "currency": terms.currency,
            "authorized_amount": terms.authorized_amount,
        }
        late = second.submit(captures.CAPTURE_KIND, held["id"], params)

    assert done.state == DONE
    assert late.state == FAILED


def test_an_evidence_file_another_workstation_sent_first_is_not_sent_again(
    server: SandboxServer, engine: Engine
) -> None:
    """Two clerks submit one shared draft; the second read the file as not
    uploaded just before the first one's upload of it settled. The second
    upload must send nothing, and the file must be on the dispute once."""
    charge = new_charge(server.base_url, server.secret_key)
    dispute = server.open_dispute(charge["id"])
    kept = evidence.add_file(engine, dispute["id"], None, "slip.pdf", PDF, now())
    params = {
        "file_id": kept.id,
        "filename": kept.filename,
        "content_type": kept.content_type,
        "size": kept.size,
        "sha256": kept.sha256,
    }
    kinds = evidence.evidence_write_kinds(engine)
    with OpnClient(server.secret_key, base_url=server.base_url) as api:
        first = Journal(engine, api, "Malee", settle_delay_s=0)
        second = Journal(engine, api, "Somchai", settle_delay_s=0)
        sent = first.submit(kinds[evidence.UPLOAD_DOCUMENT], dispute["id"], params)
        late = second.submit(kinds[evidence.UPLOAD_DOCUMENT], dispute["id"], params)

    documents = server.state.get("dispute", dispute["id"])["documents"]["data"]
    assert sent.state == DONE
    assert (late.state, late.error_code) == (FAILED, ALREADY_DONE)
    assert [d["filename"] for d in documents] == [evidence.sent_filename(sent)]
