"""Evidence for a dispute: drafts kept offline, then sent once through the journal.

A draft (answers, the message they make, the files) lives in the local
cache only, so it can be written with the network unplugged and survives
restarts. Submitting re-reads the dispute, uploads each file, then sends
the message: each is a journal operation, so a dropped connection never
sends a file twice nor loses one. An uploaded file is named
``<first 8 characters of the operation id>-<original name>``: that exact
name is how the upload is found on the dispute again after an ambiguous
failure. Opn moves a dispute to ``pending`` when its message is set, and
takes documents only while it is ``open``, so the files go first.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from opn_desk.models.db import session_scope
from opn_desk.models.evidence import (
    DRAFT,
    DRAFT_STATES,
    SUBMITTED,
    EvidenceDraftRecord,
    EvidenceFileRecord,
)
from opn_desk.models.operations import DONE, OperationRecord
from opn_desk.services import stores
from opn_desk.services.api import OpnClient
from opn_desk.services.api.disputes import Dispute
from opn_desk.services.disputes import compose_message, file_content_type
from opn_desk.services.operations import (
    ALREADY_DONE,
    AlreadyDone,
    Journal,
    Operation,
    Outcome,
    WriteKind,
)
from opn_desk.services.sync_resources import with_documents

logger = logging.getLogger(__name__)

UPLOAD_DOCUMENT = "dispute_document_upload"
ANSWER_DISPUTE = "dispute_message_update"
ACCEPT_DISPUTE = "dispute_accept"


class DisputeNotOpen(RuntimeError):
    """The dispute is no longer open; Opn takes no evidence for it now."""

    def __init__(self, dispute_id: str, status: str) -> None:
        super().__init__(f"{dispute_id} is {status}")
        self.dispute_id = dispute_id
        self.status = status


class NothingToSend(ValueError):
    """The draft has no message: Opn needs one to review the evidence."""


class SubmissionStopped(RuntimeError):
    """A write of the submission did not go through; ``operation`` says how."""

    def __init__(self, operation: Operation) -> None:
        super().__init__(f"{operation.kind} {operation.id} is {operation.state}")
        self.operation = operation


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A kept evidence file, without its bytes."""

    id: str
    dispute_id: str
    question: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Draft:
    """A clerk's evidence for one dispute as saved."""

    dispute_id: str
    answers: dict[str, str]
    message: str
    state: str
    clerk: str
    updated_at: datetime | None
    files: tuple[EvidenceFile, ...]


# Drafts


def load_draft(engine: Engine, dispute_id: str) -> Draft:
    """The saved draft of a dispute, or an empty one."""
    with session_scope(engine) as session:
        record = session.get(EvidenceDraftRecord, dispute_id)
        files = _files(session, dispute_id)
        if record is None:
            return Draft(dispute_id, {}, "", DRAFT, "", None, files)
        answers = {str(k): str(v) for k, v in record.answers.items()}
        return Draft(
            dispute_id,
            answers,
            record.message,
            record.state,
            record.clerk,
            record.updated_at,
            files,
        )


def save_draft(
    engine: Engine,
    dispute_id: str,
    reason_code: str | None,
    answers: dict[str, str],
    *,
    clerk: str,
    now: datetime,
    state: str = DRAFT,
) -> Draft:
    """Keep the answers and the message they make; the saved draft."""
    if state not in DRAFT_STATES:
        raise ValueError(f"unknown draft state {state!r}")
    kept = {key: text for key, text in answers.items() if text.strip()}
    message = compose_message(reason_code, kept)
    with session_scope(engine) as session:
        record = session.get(EvidenceDraftRecord, dispute_id)
        if record is None:
            record = EvidenceDraftRecord(dispute_id=dispute_id)
            session.add(record)
        record.answers = kept
        record.message = message
        record.state = state
        record.clerk = clerk
        record.updated_at = now
    return load_draft(engine, dispute_id)


def set_draft_state(engine: Engine, dispute_id: str, state: str, now: datetime) -> None:
    """Move a saved draft to ``state`` (draft, ready for review, submitted)."""
    if state not in DRAFT_STATES:
        raise ValueError(f"unknown draft state {state!r}")
    with session_scope(engine) as session:
        record = session.get(EvidenceDraftRecord, dispute_id)
        if record is not None:
            record.state = state
            record.updated_at = now


# Files


def add_file(
    engine: Engine,
    dispute_id: str,
    question: str | None,
    filename: str,
    data: bytes,
    now: datetime,
) -> EvidenceFile:
    """Check a file by its content and keep it with its SHA-256.

    Raises:
        FileRefused: empty, over 10 MB, or not a PNG, JPEG or PDF.
    """
    content_type = file_content_type(data)
    record = EvidenceFileRecord(
        id=f"evf_{uuid.uuid4().hex}",
        dispute_id=dispute_id,
        question=question,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        added_at=now,
    )
    with session_scope(engine) as session:
        session.add(record)
    logger.info("Kept %s for %s (%d bytes)", record.id, dispute_id, len(data))
    return _file(record)


def remove_file(engine: Engine, file_id: str) -> None:
    with session_scope(engine) as session:
        session.execute(
            delete(EvidenceFileRecord).where(EvidenceFileRecord.id == file_id)
        )


def file_bytes(engine: Engine, file_id: str) -> bytes:
    """The bytes of a kept file, checked against its hash.

    Raises:
        LookupError: the file is gone or its bytes no longer match.
    """
    with session_scope(engine) as session:
        record = session.get(EvidenceFileRecord, file_id)
        if record is None:
            raise LookupError(f"evidence file {file_id} is gone")
        data, sha256 = bytes(record.data), record.sha256
    if hashlib.sha256(data).hexdigest() != sha256:
        raise LookupError(f"evidence file {file_id} no longer matches its hash")
    return data


def _files(session: Session, dispute_id: str) -> tuple[EvidenceFile, ...]:
    query = (
        select(EvidenceFileRecord)
        .where(EvidenceFileRecord.dispute_id == dispute_id)
        .order_by(EvidenceFileRecord.added_at, EvidenceFileRecord.id)
    )
    return tuple(_file(record) for record in session.scalars(query))


def _file(record: EvidenceFileRecord) -> EvidenceFile:
    return EvidenceFile(
        record.id,
        record.dispute_id,
        record.question,
        record.filename,
        record.content_type,
        record.size,
        record.sha256,
        record.added_at,
    )


# Submitting


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What a submission sent, and the dispute as Opn shows it after."""

    operations: tuple[Operation, ...]
    dispute: Dispute


def submit_evidence(
    engine: Engine, journal: Journal, client: OpnClient, dispute_id: str, now: datetime
) -> SubmitResult:
    """Upload each file not uploaded yet, then send the message, once each.

    Raises:
        NothingToSend: the draft has no message.
        DisputeNotOpen: a fresh read shows the dispute is not open.
        SubmissionStopped: a write failed or could not be confirmed; what
            was sent stays sent, and a new submission resumes after it.
        OperationInFlight: a write on this dispute is still unsettled.
        ApiError: the dispute could not be read.
    """
    draft = load_draft(engine, dispute_id)
    if not draft.message.strip():
        raise NothingToSend(dispute_id)
    kinds = evidence_write_kinds(engine)
    journal.settle_open(kinds)
    before = client.get_dispute(dispute_id)
    if before.status != "open":
        raise DisputeNotOpen(dispute_id, before.status)
    uploaded = _uploaded_file_ids(engine, dispute_id)
    operations = []
    for evidence_file in draft.files:
        if evidence_file.id in uploaded:
            continue
        params = {
            "file_id": evidence_file.id,
            "filename": evidence_file.filename,
            "content_type": evidence_file.content_type,
            "size": evidence_file.size,
            "sha256": evidence_file.sha256,
        }
        upload = journal.submit(kinds[UPLOAD_DOCUMENT], dispute_id, params)
        if upload.error_code == ALREADY_DONE:
            continue  # another workstation uploaded it since the read above
        operations.append(_settled(upload))
    params = {"message": draft.message}
    answered = journal.submit(ANSWER_KIND, dispute_id, params, before=before.raw)
    operations.append(_settled(answered))
    set_draft_state(engine, dispute_id, SUBMITTED, now)
    after = refresh_cached_dispute(engine, client, dispute_id, now)
    return SubmitResult(tuple(operations), after)


def accept_dispute(
    engine: Engine,
    journal: Journal,
    client: OpnClient,
    dispute_id: str,
    reason: str,
    now: datetime,
) -> Operation:
    """Concede a dispute once; the clerk's reason is kept in the journal.

    Raises:
        DisputeNotOpen: the dispute is already won or lost.
        OperationInFlight: a write on this dispute is still unsettled.
    """
    before = client.get_dispute(dispute_id)
    if before.status not in ("open", "pending"):
        raise DisputeNotOpen(dispute_id, before.status)
    params = {"reason": reason}
    operation = journal.submit(ACCEPT_KIND, dispute_id, params, before=before.raw)
    if operation.state == DONE:
        refresh_cached_dispute(engine, client, dispute_id, now)
    return operation


def refresh_cached_dispute(
    engine: Engine, client: OpnClient, dispute_id: str, now: datetime
) -> Dispute:
    """Read a dispute and all its documents again into the cache."""
    dispute = with_documents(client, client.get_dispute(dispute_id))
    with session_scope(engine) as session:
        stores.store_disputes(session, [dispute], now)
    return dispute


def _settled(operation: Operation) -> Operation:
    if operation.state != DONE:
        raise SubmissionStopped(operation)
    return operation


def _uploaded_file_ids(engine: Engine, dispute_id: str) -> set[str]:
    query = select(OperationRecord.params).where(
        OperationRecord.target_id == dispute_id,
        OperationRecord.kind == UPLOAD_DOCUMENT,
        OperationRecord.state == DONE,
    )
    with session_scope(engine) as session:
        return {str(params.get("file_id")) for params in session.scalars(query)}


# The writes


def sent_filename(operation: Operation) -> str:
    """The name a file is uploaded under: its operation's id, then its name."""
    return f"{operation.id.removeprefix('op_')[:8]}-{operation.params['filename']}"


def evidence_write_kinds(engine: Engine) -> dict[str, WriteKind]:
    """The dispute writes by name; an upload reads its bytes from ``engine``."""

    def send_upload(client: OpnClient, operation: Operation) -> Outcome:
        # The dispute is held by this operation now, so what the journal
        # says was uploaded cannot change under us: a file another
        # workstation sent since our submission read it is not sent again.
        file_id = str(operation.params["file_id"])
        if file_id in _uploaded_file_ids(engine, operation.target_id):
            raise AlreadyDone(f"{file_id} is already on {operation.target_id}")
        data = file_bytes(engine, file_id)
        document = client.upload_document(
            operation.target_id,
            sent_filename(operation),
            data,
            str(operation.params["content_type"]),
        )
        return Outcome(document.id, document.raw)

    upload = WriteKind(UPLOAD_DOCUMENT, send_upload, _find_upload, _describe_upload)
    return {kind.name: kind for kind in (upload, ANSWER_KIND, ACCEPT_KIND)}


def _find_upload(client: OpnClient, operation: Operation) -> Outcome | None:
    name = sent_filename(operation)
    for document in client.iter_documents(operation.target_id):
        if document.filename == name and not document.deleted:
            return Outcome(document.id, document.raw)
    return None


def _describe_upload(operation: Operation) -> str:
    size = int(operation.params["size"])
    return (
        f"Upload {sent_filename(operation)} ({size} bytes, sha256 "
        f"{operation.params['sha256']}) to {operation.target_id}"
    )


def _send_answer(client: OpnClient, operation: Operation) -> Outcome:
    dispute = client.update_dispute(
        operation.target_id, message=str(operation.params["message"])
    )
    return Outcome(dispute.id, dispute.raw)


def _find_answer(client: OpnClient, operation: Operation) -> Outcome | None:
    dispute = client.get_dispute(operation.target_id)
    if dispute.message == operation.params["message"]:
        return Outcome(dispute.id, dispute.raw)
    return None


def _describe_answer(operation: Operation) -> str:
    length = len(str(operation.params["message"]))
    return f"Answer dispute {operation.target_id} ({length} characters)"


def _send_accept(client: OpnClient, operation: Operation) -> Outcome:
    dispute = client.accept_dispute(operation.target_id)
    return Outcome(dispute.id, dispute.raw)


def _find_accept(client: OpnClient, operation: Operation) -> Outcome | None:
    dispute = client.get_dispute(operation.target_id)
    if dispute.status == "lost":
        return Outcome(dispute.id, dispute.raw)
    return None


def _describe_accept(operation: Operation) -> str:
    reason: Any = operation.params.get("reason") or ""
    return f"Accept dispute {operation.target_id}: {reason}"


ANSWER_KIND = WriteKind(ANSWER_DISPUTE, _send_answer, _find_answer, _describe_answer)
ACCEPT_KIND = WriteKind(ACCEPT_DISPUTE, _send_accept, _find_accept, _describe_accept)
