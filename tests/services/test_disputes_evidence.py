"""Evidence drafts and their submission to the sandbox over loopback HTTP.

What a clerk would check: the files and the message the sandbox holds for
the dispute afterwards, each exactly once, and nothing sent when a rule
refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from opn_desk.models.db import session_scope
from opn_desk.models.evidence import READY_FOR_REVIEW, SUBMITTED
from opn_desk.models.operations import DONE, AuditEntry
from opn_desk.sandbox import SANDBOX_PUBLIC_KEY
from opn_desk.services import evidence
from opn_desk.services.api import OpnClient
from opn_desk.services.disputes import (
    DELIVERY_PROOF,
    EMPTY,
    EXECUTABLE,
    OTHER_IMAGE,
    TOO_LARGE,
    WHAT_WAS_SOLD,
    FileRefused,
)
from opn_desk.services.operations import Journal

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(200))
NOT_RECEIVED = "goods_or_services_not_provided"
OpenDispute = Callable[..., dict[str, Any]]


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def api(fresh_sandbox: Any) -> Iterator[OpnClient]:
    with OpnClient(
        fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url, read_retries=0
    ) as client:
        yield client


@pytest.fixture
def journal(engine: Engine, api: OpnClient) -> Journal:
    return Journal(engine, api, "Somchai", settle_delay_s=0)


@pytest.fixture
def open_dispute(fresh_sandbox: Any) -> Callable[..., dict[str, Any]]:
    """Opens a dispute on a new ฿1,000.00 card charge."""

    def make(reason_code: str = NOT_RECEIVED) -> dict[str, Any]:
        base = fresh_sandbox.base_url
        card = {
            "name": "SOMSRI JAIDEE",
            "number": "4242424242424242",
            "expiration_month": 12,
            "expiration_year": 2031,
            "security_code": "123",
        }
        token = httpx.post(
            f"{base}/tokens", auth=(SANDBOX_PUBLIC_KEY, ""), json={"card": card}
        ).json()["id"]
        charge = httpx.post(
            f"{base}/charges",
            auth=(fresh_sandbox.secret_key, ""),
            json={"amount": 100000, "currency": "THB", "card": token},
        ).json()
        dispute: dict[str, Any] = fresh_sandbox.open_dispute(charge["id"], reason_code)
        return dispute

    return make


def held(sandbox: Any, dispute_id: str) -> tuple[str | None, list[str]]:
    """The message and the document names the sandbox holds for a dispute."""
    dispute = next(d for d in sandbox.state.objects("dispute") if d["id"] == dispute_id)
    names = [doc["filename"] for doc in dispute["documents"]["data"]]
    return dispute["message"], names


def ambiguous(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The kinds of write whose answer was lost, in order."""
    return [
        str(record.args[0])
        for record in caplog.records
        if record.name == "opn_desk.services.operations"
        and "ambiguous failure" in record.msg
        and isinstance(record.args, tuple)
    ]


def draft_with_files(engine: Engine, dispute_id: str) -> list[evidence.EvidenceFile]:
    evidence.save_draft(
        engine,
        dispute_id,
        NOT_RECEIVED,
        {WHAT_WAS_SOLD: "A rice cooker", DELIVERY_PROOF: "Kerry TH123 signed"},
        clerk="Somchai",
        now=now(),
    )
    return [
        evidence.add_file(engine, dispute_id, DELIVERY_PROOF, "slip.pdf", PDF, now()),
        evidence.add_file(engine, dispute_id, None, "photo.png", PNG, now()),
        evidence.add_file(engine, dispute_id, None, "chat.jpg", JPEG, now()),
    ]


def test_a_draft_survives_a_new_engine_with_files_and_hashes(
    cache_url: str, engine: Engine
) -> None:
    files = draft_with_files(engine, "dspt_test_1")
    evidence.set_draft_state(engine, "dspt_test_1", READY_FOR_REVIEW, now())
    engine.dispose()

    from opn_desk.models.db import open_engine

    again = open_engine(cache_url)
    try:
        draft = evidence.load_draft(again, "dspt_test_1")
        assert draft.state == READY_FOR_REVIEW
        assert draft.answers[WHAT_WAS_SOLD] == "A rice cooker"
        assert draft.message == (
            "What was sold:\nA rice cooker\n\nProof of delivery:\nKerry TH123 signed"
        )
        assert [f.filename for f in draft.files] == [
            "slip.pdf",
            "photo.png",
            "chat.jpg",
        ]
        assert [f.content_type for f in draft.files] == [
            "application/pdf",
            "image/png",
            "image/jpeg",
        ]
        assert evidence.file_bytes(again, files[1].id) == PNG
        assert draft.files[0].size == len(PDF)
    finally:
        again.dispose()


def test_submit_sends_each_file_and_the_message_once(
    engine: Engine,
    journal: Journal,
    api: OpnClient,
    fresh_sandbox: Any,
    open_dispute: OpenDispute,
) -> None:
    dispute = open_dispute()
    draft_with_files(engine, dispute["id"])

    result = evidence.submit_evidence(engine, journal, api, dispute["id"], now())

    message, names = held(fresh_sandbox, dispute["id"])
    assert message == evidence.load_draft(engine, dispute["id"]).message
    assert [name.split("-", 1)[1] for name in names] == [
        "slip.pdf",
        "photo.png",
        "chat.jpg",
    ]
    assert result.dispute.status == "pending"
    assert [op.state for op in result.operations] == [DONE] * 4
    assert evidence.load_draft(engine, dispute["id"]).state == SUBMITTED
    with session_scope(engine) as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == dispute["id"])
        ).all()
    assert sorted(actions) == sorted(
        [evidence.UPLOAD_DOCUMENT] * 3 + [evidence.ANSWER_DISPUTE]
    )


def test_a_dropped_answer_after_each_upload_leaves_each_file_once(
    engine: Engine,
    journal: Journal,
    api: OpnClient,
    fresh_sandbox: Any,
    open_dispute: OpenDispute,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispute = open_dispute()
    draft_with_files(engine, dispute["id"])
    fresh_sandbox.add_fault(
        kind="drop_after", method="POST", path=r"/documents$", count=3
    )
    fresh_sandbox.add_fault(kind="drop_after", method="PATCH", path=r"^/disputes/")

    evidence.submit_evidence(engine, journal, api, dispute["id"], now())

    # Every answer was lost: three uploads and the message were ambiguous.
    assert ambiguous(caplog) == [evidence.UPLOAD_DOCUMENT] * 3 + [
        evidence.ANSWER_DISPUTE
    ]
    message, names = held(fresh_sandbox, dispute["id"])
    originals = sorted(name.split("-", 1)[1] for name in names)
    assert originals == ["chat.jpg", "photo.png", "slip.pdf"]
    assert len(set(names)) == 3
    assert message is not None and message.startswith("What was sold:")


def test_a_second_submit_after_a_refusal_sends_only_what_is_left(
    engine: Engine,
    journal: Journal,
    api: OpnClient,
    fresh_sandbox: Any,
    open_dispute: OpenDispute,
) -> None:
    dispute = open_dispute()
    draft_with_files(engine, dispute["id"])
    # The PDF fits, the PNG does not: the second upload is refused (a 400).
    fresh_sandbox.update_config(document_max_bytes=len(PDF))
    with pytest.raises(evidence.SubmissionStopped):
        evidence.submit_evidence(engine, journal, api, dispute["id"], now())
    assert held(fresh_sandbox, dispute["id"])[0] is None
    assert len(held(fresh_sandbox, dispute["id"])[1]) == 1

    fresh_sandbox.update_config(document_max_bytes=10_000_000)
    evidence.submit_evidence(engine, journal, api, dispute["id"], now())

    message, names = held(fresh_sandbox, dispute["id"])
    assert sorted(n.split("-", 1)[1] for n in names) == [
        "chat.jpg",
        "photo.png",
        "slip.pdf",
    ]
    assert message is not None


def test_a_dispute_no_longer_open_is_refused_and_nothing_is_sent(
    engine: Engine,
    journal: Journal,
    api: OpnClient,
    fresh_sandbox: Any,
    open_dispute: OpenDispute,
) -> None:
    dispute = open_dispute()
    draft_with_files(engine, dispute["id"])
    fresh_sandbox.resolve_dispute(dispute["id"], "lost")

    with pytest.raises(evidence.DisputeNotOpen) as refused:
        evidence.submit_evidence(engine, journal, api, dispute["id"], now())

    assert refused.value.status == "lost"
    assert held(fresh_sandbox, dispute["id"]) == (None, [])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", EMPTY),
        (b"%PDF-" + bytes(10_000_000 - 4), TOO_LARGE),
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(100), EXECUTABLE),
        (b"GIF89a\x01\x00\x01\x00" + bytes(20), OTHER_IMAGE),
    ],
    ids=["empty", "just-over-10MB", "exe-named-pdf", "gif"],
)
def test_each_file_rule_refuses_and_keeps_nothing(
    engine: Engine, data: bytes, reason: str
) -> None:
    with pytest.raises(FileRefused) as refused:
        evidence.add_file(engine, "dspt_test_2", None, "evidence.pdf", data, now())

    assert refused.value.reason == reason
    assert evidence.load_draft(engine, "dspt_test_2").files == ()


def test_accept_concedes_once_with_the_reason_in_the_audit(
    engine: Engine,
    journal: Journal,
    api: OpnClient,
    fresh_sandbox: Any,
    open_dispute: OpenDispute,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dispute = open_dispute()
    fresh_sandbox.add_fault(kind="drop_after", method="PATCH", path=r"/accept$")

    operation = evidence.accept_dispute(
        engine, journal, api, dispute["id"], "Customer never got the parcel", now()
    )

    assert ambiguous(caplog) == [evidence.ACCEPT_DISPUTE]

    assert operation.state == DONE
    assert api.get_dispute(dispute["id"]).status == "lost"
    with session_scope(engine) as session:
        summary = session.scalars(
            select(AuditEntry.summary).where(AuditEntry.target_id == dispute["id"])
        ).one()
    assert "Customer never got the parcel" in summary
