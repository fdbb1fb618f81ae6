"""Dispute rules: deadlines, questions by reason, file checks, inbox filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from opn_desk.services import disputes as d

OPENED = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def row(dispute_id: str, **changes: object) -> d.DisputeRow:
    values: dict[str, object] = {
        "id": dispute_id,
        "status": "open",
        "reason_code": "goods_or_services_not_provided",
        "reason_message": "Merchandise/Services Not Received",
        "amount": 100000,
        "currency": "THB",
        "charge_id": f"chrg_{dispute_id}",
        "customer": "somsri@example.com",
        "order_id": f"TH-{dispute_id}",
        "payment_method": "card",
        "card_brand": "Visa",
        "opened_at": OPENED,
        "message": None,
        "document_names": (),
    }
    values.update(changes)
    return d.DisputeRow(**values)  # type: ignore[arg-type]


def test_the_default_deadline_is_seven_days_after_opening() -> None:
    policy = d.DeadlinePolicy()
    deadline = policy.deadline(OPENED)

    assert deadline == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
    assert d.time_left(deadline, OPENED) == timedelta(days=7)
    assert not d.is_overdue("open", deadline, deadline - timedelta(seconds=1))
    assert d.is_overdue("open", deadline, deadline)
    assert not d.is_overdue("pending", deadline, deadline + timedelta(days=3))
    assert d.DeadlinePolicy(10).deadline(OPENED) == OPENED + timedelta(days=10)
    with pytest.raises(ValueError):
        d.DeadlinePolicy(0)


def test_questions_follow_the_reason_and_say_what_is_missing() -> None:
    keys = [q.key for q in d.questions_for("duplicate_processing")]
    assert keys == [d.WHAT_WAS_SOLD, d.DUPLICATE]
    unknown = [q.key for q in d.questions_for("a_code_opn_adds_later")]
    assert unknown == [d.WHAT_WAS_SOLD, d.CUSTOMER_CONTACT, d.OTHER_FACTS]

    answers = {d.WHAT_WAS_SOLD: "Rice cooker", d.DELIVERY_PROOF: "Signed"}
    missing = d.missing_evidence(
        "goods_or_services_not_provided", answers, [d.DELIVERY_PROOF]
    )
    assert missing == [d.Missing(d.CUSTOMER_CONTACT, text=True, document=True)]
    complete = {**answers, d.CUSTOMER_CONTACT: "Emails of 2 Dec"}
    documented = [d.DELIVERY_PROOF, d.CUSTOMER_CONTACT]
    reason = "goods_or_services_not_provided"
    assert d.missing_evidence(reason, complete, documented) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xdb....", "image/jpeg"),
        (b"%PDF-1.4\n", "application/pdf"),
        (b"%PDF-" + bytes(d.MAX_FILE_BYTES - 5), "application/pdf"),
    ],
)
def test_accepted_files_are_told_by_content(data: bytes, expected: str) -> None:
    assert d.file_content_type(data) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", d.EMPTY),
        (b"%PDF-" + bytes(d.MAX_FILE_BYTES - 4), d.TOO_LARGE),
        (b"MZ\x90\x00", d.EXECUTABLE),
        (b"\x7fELF\x02\x01", d.EXECUTABLE),
        (b"GIF87a\x01\x00", d.OTHER_IMAGE),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", d.OTHER_IMAGE),
        (b"PK\x03\x04 a zip named .pdf", d.UNKNOWN_TYPE),
    ],
)
def test_refused_files_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(d.FileRefused) as refused:
        d.file_content_type(data)
    assert refused.value.reason == reason


def test_filters_and_search_over_the_inbox() -> None:
    policy = d.DeadlinePolicy()
    now = OPENED + timedelta(days=3)
    rows = [
        row("a"),
        row("b", status="pending", amount=5000),
        row("c", opened_at=OPENED - timedelta(days=20), card_brand="MasterCard"),
        row("e", reason_code="duplicate_processing", amount=250000),
    ]

    def ids(**wanted: object) -> list[str]:
        chosen = d.DisputeFilter(**wanted)  # type: ignore[arg-type]
        return [r.id for r in d.filter_rows(rows, chosen, policy, now)]

    assert ids(status="pending") == ["b"]
    assert ids(reason_code="duplicate_processing") == ["e"]
    assert ids(due_within_days=5) == ["a", "c", "e"]
    assert ids(due_within_days=5, card_brand="Visa") == ["a", "e"]
    assert ids(min_amount=10000, max_amount=100000, currency="THB") == ["a", "c"]
    assert ids(status=d.CLOSED) == []
    assert ids(first_day=date(2026, 12, 1), timezone="Asia/Bangkok") == [
        "a",
        "b",
        "e",
    ]
    assert ids(last_day=date(2026, 11, 30), timezone="UTC") == ["a", "b", "c", "e"]
    assert d.find_case(rows, " CHRG_C ") == rows[2]
    assert d.find_case(rows, "th-e") == rows[3]
    assert d.find_case(rows, "nothing") is None
    assert d.count_by_status(rows) == {"open": 3, "pending": 1, "won": 0, "lost": 0}


def test_an_amount_range_is_read_in_its_own_currency() -> None:
    policy = d.DeadlinePolicy()
    rows = [
        row("thb", amount=150_000),  # ฿1,500.00
        row("jpy", amount=1_500, currency="JPY"),  # ¥1,500
        row("usd", amount=150_000, currency="USD"),  # $1,500.00
        row("won", status="won", amount=2_000, currency="JPY"),
    ]

    def ids(**wanted: object) -> list[str]:
        chosen = d.DisputeFilter(**wanted)  # type: ignore[arg-type]
        return [r.id for r in d.filter_rows(rows, chosen, policy, OPENED)]

    assert d.currencies_of(rows) == ["JPY", "THB", "USD"]
    assert ids(currency="JPY") == ["jpy", "won"]
    assert ids(currency="JPY", min_amount=1_000, max_amount=1_999) == ["jpy"]
    assert ids(currency="THB", min_amount=100_000) == ["thb"]
    assert ids(currency="USD", max_amount=100_000) == []
    assert ids(status=d.CLOSED) == ["won"]
    with pytest.raises(ValueError):
        d.DisputeFilter(min_amount=1_000)
