"""What a dispute asks of the clerk: deadline, questions, files, the inbox.

Opn's dispute carries no deadline, so one is computed from a policy
(default: 7 days after the dispute opened, as Opn advises). Each reason
code has the questions that answer it; each question wants text for the
message, a document, or both. Evidence files are checked by their
content, size and emptiness before they are kept. Words for every code
here live in the views; this module speaks in codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from opn_desk.models.charges import ChargeRecord
from opn_desk.models.payments import DisputeDocumentRecord, DisputeRecord
from opn_desk.models.recurring import CustomerRecord

DEFAULT_DEADLINE_DAYS = 7
# Opn takes at most 10 MB per document; read as 10,000,000 bytes so that
# a file we accept is never refused for a binary reading of "MB".
MAX_FILE_BYTES = 10_000_000
STATUSES = ("open", "pending", "won", "lost")
CLOSED_STATUSES = ("won", "lost")
# Not a status of its own: Opn's bucket of the decided disputes.
CLOSED = "closed"

# Questions a reason code can ask.
WHAT_WAS_SOLD = "what_was_sold"
DELIVERY_PROOF = "delivery_proof"
CUSTOMER_CONTACT = "customer_contact"
REFUND_POLICY = "refund_policy"
CANCELLATION = "cancellation"
DUPLICATE = "duplicate"
AUTHORIZATION = "authorization"
AMOUNT_AGREED = "amount_agreed"
OTHER_FACTS = "other_facts"


@dataclass(frozen=True, slots=True)
class Question:
    """One thing to answer: text for the message, a document, or both."""

    key: str
    wants_text: bool
    wants_document: bool
    # The heading of the answer in the message sent to Opn (English, the
    # language Opn and the card schemes read).
    heading: str


QUESTIONS = {
    q.key: q
    for q in (
        Question(WHAT_WAS_SOLD, True, False, "What was sold"),
        Question(DELIVERY_PROOF, True, True, "Proof of delivery"),
        Question(CUSTOMER_CONTACT, True, True, "Communication with the customer"),
        Question(REFUND_POLICY, True, True, "Refund and return policy"),
        Question(CANCELLATION, True, True, "Cancellation"),
        Question(DUPLICATE, True, True, "Why the charges are not duplicates"),
        Question(AUTHORIZATION, True, True, "Proof the cardholder authorized it"),
        Question(AMOUNT_AGREED, True, True, "The amount the customer agreed to"),
        Question(OTHER_FACTS, True, False, "Other facts"),
    )
}

_NOT_RECEIVED = (WHAT_WAS_SOLD, DELIVERY_PROOF, CUSTOMER_CONTACT)
_FRAUD = (WHAT_WAS_SOLD, AUTHORIZATION, DELIVERY_PROOF)
_GENERAL = (WHAT_WAS_SOLD, CUSTOMER_CONTACT, OTHER_FACTS)
QUESTIONS_BY_REASON: dict[str, tuple[str, ...]] = {
    "goods_or_services_not_provided": _NOT_RECEIVED,
    "not_as_described_or_defective_merchandise": (
        WHAT_WAS_SOLD,
        DELIVERY_PROOF,
        CUSTOMER_CONTACT,
        REFUND_POLICY,
    ),
    "cancelled_recurring_transaction": (WHAT_WAS_SOLD, CANCELLATION, CUSTOMER_CONTACT),
    "credit_not_processed": (WHAT_WAS_SOLD, REFUND_POLICY, CUSTOMER_CONTACT),
    "duplicate_processing": (WHAT_WAS_SOLD, DUPLICATE),
    "paid_by_other_means": (WHAT_WAS_SOLD, DUPLICATE, CUSTOMER_CONTACT),
    "incorrect_transaction_amount": (WHAT_WAS_SOLD, AMOUNT_AGREED),
    "incorrect_currency": (WHAT_WAS_SOLD, AMOUNT_AGREED),
    "unauthorized_charge": _FRAUD,
    "unauthorized_charge_aka_fraud": _FRAUD,
    "transaction_not_recognised": _FRAUD,
    "non_matching_account_number": (WHAT_WAS_SOLD, AUTHORIZATION),
    "expired_card": (WHAT_WAS_SOLD, AUTHORIZATION),
    "late_presentment": (WHAT_WAS_SOLD, OTHER_FACTS),
}

# Why a file is refused.
EMPTY = "empty"
TOO_LARGE = "too_large"
EXECUTABLE = "executable"
OTHER_IMAGE = "other_image"
UNKNOWN_TYPE = "unknown_type"

_ACCEPTED = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
_OTHER_IMAGES = (b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
_ORDER_IN_DESCRIPTION = re.compile(r"\b[Oo]rder\s+([A-Za-z0-9_-]+)")


class FileRefused(ValueError):
    """An evidence file Opn would not take; ``reason`` is one of the codes."""

    def __init__(self, reason: str, size: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.size = size


def file_content_type(data: bytes) -> str:
    """The type of an evidence file, told by its first bytes.

    Raises:
        FileRefused: empty, over 10 MB, or not a PNG, JPEG or PDF.
    """
    if not data:
        raise FileRefused(EMPTY, 0)
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused(TOO_LARGE, len(data))
    for signature, content_type in _ACCEPTED:
        if data.startswith(signature):
            return content_type
    if data.startswith(_EXECUTABLES):
        raise FileRefused(EXECUTABLE, len(data))
    if data.startswith(_OTHER_IMAGES) or _is_webp_or_heic(data):
        raise FileRefused(OTHER_IMAGE, len(data))
    raise FileRefused(UNKNOWN_TYPE, len(data))


def _is_webp_or_heic(data: bytes) -> bool:
    webp = data.startswith(b"RIFF") and data[8:12] == b"WEBP"
    return webp or data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1")


# Deadlines


@dataclass(frozen=True, slots=True)
class DeadlinePolicy:
    """How long after a dispute opened the merchant has to answer it."""

    days: int = DEFAULT_DEADLINE_DAYS

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("a dispute deadline must be at least 1 day")

    def deadline(self, opened_at: datetime) -> datetime:
        return opened_at + timedelta(days=self.days)


def time_left(deadline: datetime, now: datetime) -> timedelta:
    """How long until ``deadline``; negative once it has passed."""
    return deadline - now


def is_overdue(status: str, deadline: datetime, now: datetime) -> bool:
    """An open dispute whose deadline has passed."""
    return status == "open" and now >= deadline


# Questions and what is missing


def questions_for(reason_code: str | None) -> tuple[Question, ...]:
    """The questions that answer a reason code; unknown codes get general ones."""
    keys = QUESTIONS_BY_REASON.get(reason_code or "", _GENERAL)
    return tuple(QUESTIONS[key] for key in keys)


@dataclass(frozen=True, slots=True)
class Missing:
    """A question still lacking its text or its document."""

    question: str
    text: bool
    document: bool


def missing_evidence(
    reason_code: str | None,
    answers: dict[str, str],
    documented: Iterable[str | None],
) -> list[Missing]:
    """What each question still lacks, given the answers and the files'
    questions; an empty list when the evidence is complete."""
    with_files = set(documented)
    missing = []
    for question in questions_for(reason_code):
        no_text = question.wants_text and not answers.get(question.key, "").strip()
        no_file = question.wants_document and question.key not in with_files
        if no_text or no_file:
            missing.append(Missing(question.key, no_text, no_file))
    return missing


def compose_message(reason_code: str | None, answers: dict[str, str]) -> str:
    """The message sent to Opn: each answered question under its heading."""
    parts = []
    for question in questions_for(reason_code):
        text = answers.get(question.key, "").strip()
        if text:
            parts.append(f"{question.heading}:\n{text}")
    return "\n\n".join(parts)


# The inbox


@dataclass(frozen=True, slots=True)
class DisputeRow:
    """One dispute as the inbox shows it; ``amount`` in the smallest unit."""

    id: str
    status: str
    reason_code: str | None
    reason_message: str | None
    amount: int
    currency: str
    charge_id: str | None
    customer: str | None
    order_id: str | None
    payment_method: str | None
    card_brand: str | None
    opened_at: datetime
    message: str | None
    document_names: tuple[str, ...]


def load_dispute_rows(session: Session) -> list[DisputeRow]:
    """Every cached dispute with its charge's facts, newest first.

    Disputes are few (a rate above 0.5 % of charges gets an account
    suspended), so the inbox reads them all and filters in memory.
    """
    query = (
        select(DisputeRecord, ChargeRecord, CustomerRecord.email)
        .outerjoin(ChargeRecord, ChargeRecord.id == DisputeRecord.charge_id)
        .outerjoin(CustomerRecord, CustomerRecord.id == ChargeRecord.customer_id)
        .where(DisputeRecord.deleted.is_(False))
        .order_by(DisputeRecord.created_at.desc(), DisputeRecord.id)
    )
    documents = _document_names(session)
    return [
        _row(dispute, charge, email, documents.get(dispute.id, ()))
        for dispute, charge, email in session.execute(query)
    ]


def _document_names(session: Session) -> dict[str, tuple[str, ...]]:
    query = (
        select(DisputeDocumentRecord.dispute_id, DisputeDocumentRecord.filename)
        .where(DisputeDocumentRecord.deleted.is_(False))
        .order_by(DisputeDocumentRecord.created_at, DisputeDocumentRecord.id)
    )
    names: dict[str, list[str]] = {}
    for dispute_id, filename in session.execute(query):
        if dispute_id is not None:
            names.setdefault(dispute_id, []).append(filename or "")
    return {key: tuple(value) for key, value in names.items()}


def _row(
    dispute: DisputeRecord,
    charge: ChargeRecord | None,
    email: str | None,
    documents: tuple[str, ...],
) -> DisputeRow:
    reason_message = dispute.raw.get("reason_message")
    return DisputeRow(
        id=dispute.id,
        status=dispute.status,
        reason_code=dispute.reason_code,
        reason_message=reason_message if isinstance(reason_message, str) else None,
        amount=dispute.amount,
        currency=dispute.currency,
        charge_id=dispute.charge_id,
        customer=_customer(charge, email),
        order_id=_order_id(charge),
        payment_method=charge.payment_method if charge else None,
        card_brand=charge.card_brand if charge else None,
        opened_at=dispute.created_at,
        message=dispute.message,
        document_names=documents,
    )


def _customer(charge: ChargeRecord | None, email: str | None) -> str | None:
    if email:
        return email
    if charge is None:
        return None
    card = charge.raw.get("card")
    name = card.get("name") if isinstance(card, dict) else None
    return name if isinstance(name, str) and name else charge.customer_id


def _order_id(charge: ChargeRecord | None) -> str | None:
    if charge is None:
        return None
    value = charge.charge_metadata.get("order_id")
    if isinstance(value, str | int) and str(value):
        return str(value)
    found = _ORDER_IN_DESCRIPTION.search(charge.description or "")
    return found.group(1) if found else None


@dataclass(frozen=True, slots=True)
class DisputeFilter:
    """The inbox filters; None or empty means "any".

    ``status`` may be ``closed``: won or lost. Amounts are in the smallest
    unit of ``currency``: a range needs its currency, and keeps only the
    disputes in that currency (amounts of two currencies never compare).

    Raises:
        ValueError: an amount range without a currency.
    """

    status: str | None = None
    reason_code: str | None = None
    due_within_days: int | None = None
    currency: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    payment_method: str | None = None
    card_brand: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        ranged = self.min_amount is not None or self.max_amount is not None
        if ranged and not self.currency:
            raise ValueError("an amount range needs its currency")


def filter_rows(
    rows: Sequence[DisputeRow],
    wanted: DisputeFilter,
    policy: DeadlinePolicy,
    now: datetime,
) -> list[DisputeRow]:
    """The rows that pass every filter, in their order."""
    return [row for row in rows if _passes(row, wanted, policy, now)]


def _passes(
    row: DisputeRow, wanted: DisputeFilter, policy: DeadlinePolicy, now: datetime
) -> bool:
    if wanted.status is not None and not _has_status(row, wanted.status):
        return False
    if wanted.reason_code is not None and row.reason_code != wanted.reason_code:
        return False
    if wanted.due_within_days is not None:
        limit = now + timedelta(days=wanted.due_within_days)
        if row.status != "open" or policy.deadline(row.opened_at) > limit:
            return False
    if wanted.currency and row.currency.upper() != wanted.currency.upper():
        return False
    if wanted.min_amount is not None and row.amount < wanted.min_amount:
        return False
    if wanted.max_amount is not None and row.amount > wanted.max_amount:
        return False
    if wanted.payment_method and row.payment_method != wanted.payment_method:
        return False
    if wanted.card_brand and row.card_brand != wanted.card_brand:
        return False
    opened_day = row.opened_at.astimezone(ZoneInfo(wanted.timezone)).date()
    if wanted.first_day is not None and opened_day < wanted.first_day:
        return False
    return wanted.last_day is None or opened_day <= wanted.last_day


def _has_status(row: DisputeRow, status: str) -> bool:
    if status == CLOSED:
        return row.status in CLOSED_STATUSES
    return row.status == status


def currencies_of(rows: Iterable[DisputeRow]) -> list[str]:
    """The currencies the disputes are in, for the amount range's picker."""
    return sorted({row.currency.upper() for row in rows if row.currency})


def find_case(rows: Sequence[DisputeRow], term: str) -> DisputeRow | None:
    """The dispute whose id, charge id or order id is ``term`` (any case)."""
    wanted = term.strip().casefold()
    if not wanted:
        return None
    for row in rows:
        keys = (row.id, row.charge_id, row.order_id)
        if any(key is not None and key.casefold() == wanted for key in keys):
            return row
    return None


def count_by_status(rows: Iterable[DisputeRow]) -> dict[str, int]:
    """How many disputes are in each status (every status listed)."""
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts
