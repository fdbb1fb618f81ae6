"""Filters, search and saved filters over a real cache (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, Table, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from opn_desk.models import charge_query
from opn_desk.models.charge_detail import ACTION, EVENT, charge_detail
from opn_desk.models.charge_filter import (
    ChargeFilter,
    FilterError,
    RefundState,
    local_day_bounds,
)
from opn_desk.models.charge_index import ChargeMetadataEntry, is_unmodelled
from opn_desk.models.charge_store import (
    ChargeOrder,
    charge_page,
    count_charges,
    distinct_charge_values,
    metadata_keys,
    metadata_values,
    reversed_order,
    upsert_charges,
)
from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.saved_filters import (
    delete_saved_filter,
    save_filter,
    saved_filters,
)
from opn_desk.models.tables import (
    AuditEntry,
    DisputeRecord,
    EventRecord,
    RefundRecord,
)
from opn_desk.models.upsert import upsert_rows
from opn_desk.services.money import parse_amount

PG_URL_ENV = "OPN_DESK_TEST_PG_URL"
BANGKOK = ZoneInfo("Asia/Bangkok")
FETCHED = datetime(2026, 3, 10, tzinfo=UTC)

# 23:30 in Bangkok on 3 March, and 00:30 on the 4th: one UTC day apart by
# an hour, two Bangkok days.
LATE_ON_THE_3RD = "chrg_test_late3rd"
EARLY_ON_THE_4TH = "chrg_test_early4th"
YEN_REFUNDED = "chrg_test_yenrefunded"
YEN_DISPUTED = "chrg_test_yendisputed"
FAILED = "chrg_test_failed"
DELETED = "chrg_test_deleted"
AUTHORIZED = "chrg_test_authorized"
LIVE = {
    LATE_ON_THE_3RD,
    EARLY_ON_THE_4TH,
    YEN_REFUNDED,
    YEN_DISPUTED,
    FAILED,
    AUTHORIZED,
}
REFUNDED = {LATE_ON_THE_3RD, YEN_REFUNDED}


def charge(charge_id: str, created_at: datetime, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": charge_id,
        "livemode": False,
        "created_at": created_at,
        "amount": 100_000,
        "currency": "THB",
        "status": "successful",
        "payment_method": "card",
        "card_brand": "Visa",
        "card_last_digits": "4242",
        "customer_id": None,
        "description": None,
        "authorized": True,
        "paid": True,
        "capturable": False,
        "refundable": True,
        "captured_amount": None,
        "refunded_amount": 0,
        "failure_code": None,
        "dispute_id": None,
        "transaction_id": None,
        "paid_at": created_at,
        "expires_at": None,
        "metadata": {},
        "fetched_at": FETCHED,
        "deleted": False,
        "deleted_at": None,
    }
    row.update(fields)
    row["captured_amount"] = row["captured_amount"] or row["amount"]
    row["raw"] = {
        "object": "charge",
        "id": charge_id,
        "fee": 3650,
        "net": 96095,
        "description": row["description"],
        "metadata": row["metadata"],
    }
    return row


def sample_charges() -> list[dict[str, Any]]:
    return [
        charge(
            LATE_ON_THE_3RD,
            datetime(2026, 3, 3, 16, 30, tzinfo=UTC),
            amount=150_000,
            description="ชาไทยเย็น ชุด 6 แก้ว",
            refunded_amount=50_000,
            transaction_id="trxn_test_late3rd",
            metadata={
                "branch": "Siam Paragon",
                "order_id": "TH260303-000001",
                "campaign": "songkran-sale",
            },
        ),
        charge(
            EARLY_ON_THE_4TH,
            datetime(2026, 3, 3, 17, 30, tzinfo=UTC),
            amount=99_900,
            payment_method="promptpay",
            card_brand=None,
            card_last_digits=None,
            description="Teak serving TRAY",
            metadata={"branch": "Thonglor", "order_id": "TH260304-000002"},
        ),
        charge(
            YEN_REFUNDED,
            datetime(2026, 3, 2, 5, 0, tzinfo=UTC),
            amount=1_500,
            currency="JPY",
            card_brand="JCB",
            description="Celadon tea set",
            refunded_amount=1_500,
            refundable=False,
            metadata={"branch": "Online store", "order_id": "TH260302-000003"},
        ),
        charge(
            YEN_DISPUTED,
            datetime(2026, 3, 1, 5, 0, tzinfo=UTC),
            amount=12_800,
            currency="JPY",
            card_brand="JCB",
            description="Muay Thai gloves",
            dispute_id="dspt_test_gloves",
            refundable=False,
        ),
        charge(
            FAILED,
            datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
            amount=2_000,
            status="failed",
            card_brand="MasterCard",
            paid=False,
            refundable=False,
            captured_amount=None,
            failure_code="insufficient_fund",
            description="กาแฟดอยช้าง คั่วกลาง",
        ),
        charge(
            DELETED,
            datetime(2026, 3, 4, 2, 0, tzinfo=UTC),
            amount=5_000,
            payment_method="promptpay",
            card_brand=None,
            description="ชาไทยเย็น",
            metadata={"branch": "Thonglor"},
            deleted=True,
            deleted_at=FETCHED,
        ),
        charge(
            AUTHORIZED,
            datetime(2026, 3, 6, 2, 0, tzinfo=UTC),
            amount=300_000,
            status="pending",
            paid=False,
            capturable=True,
            refundable=False,
            metadata={"campaign": "11.11"},
        ),
    ]


def refund_row(refund_id: str, charge_id: str, amount: int, currency: str) -> Any:
    return {
        "id": refund_id,
        "livemode": False,
        "raw": {"object": "refund", "id": refund_id},
        "fetched_at": FETCHED,
        "deleted": False,
        "deleted_at": None,
        "created_at": datetime(2026, 3, 7, tzinfo=UTC),
        "charge_id": charge_id,
        "amount": amount,
        "currency": currency,
        "voided": False,
        "status": "closed",
        "transaction_id": f"trxn_test_{refund_id[10:]}",
        "metadata": {},
    }


def dispute_row() -> dict[str, Any]:
    return {
        "id": "dspt_test_gloves",
        "livemode": False,
        "raw": {"object": "dispute"},
        "fetched_at": FETCHED,
        "deleted": False,
        "deleted_at": None,
        "created_at": datetime(2026, 3, 8, tzinfo=UTC),
        "status": "open",
        "reason_code": "goods_or_services_not_provided",
        "amount": 12_800,
        "currency": "JPY",
        "charge_id": YEN_DISPUTED,
        "message": None,
        "closed_at": None,
        "metadata": {},
    }


def fill(engine: Engine) -> None:
    """Put the sample charges, refunds and dispute in ``engine``."""
    with session_scope(engine) as session:
        upsert_charges(session, sample_charges())
        upsert_rows(
            session,
            cast_table(RefundRecord),
            [
                refund_row("rfnd_test_late3rd", LATE_ON_THE_3RD, 50_000, "THB"),
                refund_row("rfnd_test_yen", YEN_REFUNDED, 1_500, "JPY"),
            ],
        )
        upsert_rows(session, cast_table(DisputeRecord), [dispute_row()])


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The sample cache, shared by the tests that only read it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('filters') / 'cache.db'}"
        yield from _filled(url)
        return
    admin_url = os.environ.get(PG_URL_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV}")
    name = f"opndesk_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield from _filled(
            make_url(admin_url).set(database=name).render_as_string(False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _filled(url: str) -> Iterator[Engine]:
    engine = open_engine(url)
    fill(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def own_engine(cache_url: str) -> Iterator[Engine]:
    """A sample cache of its own, for a test that changes it."""
    yield from _filled(cache_url)


def cast_table(record: Any) -> Table:
    table = record.__table__
    assert isinstance(table, Table)
    return table


def found(
    engine: Engine,
    order: ChargeOrder = ChargeOrder.NEWEST_FIRST,
    **fields: Any,
) -> list[str]:
    """The ids the filter finds, checking the count agrees with the page."""
    charge_filter = ChargeFilter(**fields)
    with session_scope(engine) as session:
        page = charge_page(session, order, 0, 50, charge_filter, BANGKOK)
        total = count_charges(session, charge_filter, BANGKOK)
    assert total == len(page)
    return [item.id for item in page]


def test_no_filter_shows_every_live_charge_newest_first(engine: Engine) -> None:
    assert found(engine) == [
        AUTHORIZED,
        FAILED,
        EARLY_ON_THE_4TH,
        LATE_ON_THE_3RD,
        YEN_REFUNDED,
        YEN_DISPUTED,
    ]


def test_tombstones_are_hidden_unless_asked_for(engine: Engine) -> None:
    assert DELETED not in found(engine, text="ชาไทย")
    assert set(found(engine, include_deleted=True)) == LIVE | {DELETED}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"statuses": ("failed",)}, {FAILED}),
        ({"statuses": ("pending", "failed")}, {FAILED, AUTHORIZED}),
        ({"payment_methods": ("promptpay",)}, {EARLY_ON_THE_4TH}),
        ({"currency": "JPY"}, {YEN_REFUNDED, YEN_DISPUTED}),
        ({"card_brands": ("JCB",)}, {YEN_REFUNDED, YEN_DISPUTED}),
        ({"refund_state": RefundState.NOT_REFUNDED}, LIVE - REFUNDED),
        ({"refund_state": RefundState.PARTLY_REFUNDED}, {LATE_ON_THE_3RD}),
        ({"refund_state": RefundState.FULLY_REFUNDED}, {YEN_REFUNDED}),
        ({"disputed": True}, {YEN_DISPUTED}),
        ({"disputed": False}, LIVE - {YEN_DISPUTED}),
        ({"metadata": (("branch", "Thonglor"),)}, {EARLY_ON_THE_4TH}),
        ({"metadata": (("campaign", "11.11"),)}, {AUTHORIZED}),
    ],
)  # fmt: skip
def test_each_filter_alone(
    engine: Engine, fields: dict[str, Any], expected: set[str]
) -> None:
    assert set(found(engine, **fields)) == expected


def test_filters_combine(engine: Engine) -> None:
    assert found(engine, currency="JPY", statuses=("successful",), disputed=False) == [
        YEN_REFUNDED
    ]
    assert found(
        engine,
        payment_methods=("card",),
        metadata=(("branch", "Siam Paragon"),),
        refund_state=RefundState.PARTLY_REFUNDED,
        created_from=date(2026, 3, 3),
        created_to=date(2026, 3, 3),
    ) == [LATE_ON_THE_3RD]
    assert found(engine, currency="THB", card_brands=("JCB",)) == []


def test_a_bangkok_day_is_not_a_utc_day(engine: Engine) -> None:
    the_3rd = {"created_from": date(2026, 3, 3), "created_to": date(2026, 3, 3)}
    the_4th = {"created_from": date(2026, 3, 4), "created_to": date(2026, 3, 4)}
    assert found(engine, **the_3rd) == [LATE_ON_THE_3RD]
    assert found(engine, **the_4th) == [EARLY_ON_THE_4TH]
    assert found(engine, created_to=date(2026, 3, 3)) == [
        LATE_ON_THE_3RD,
        YEN_REFUNDED,
        YEN_DISPUTED,
    ]
    assert found(engine, created_from=date(2026, 3, 5)) == [AUTHORIZED, FAILED]


def test_local_day_bounds_are_utc_instants() -> None:
    start, end = local_day_bounds(date(2026, 3, 3), date(2026, 3, 3), BANGKOK)
    assert start == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


def test_amount_ranges_in_baht_and_yen(engine: Engine) -> None:
    baht = {
        "currency": "THB",
        "amount_min": parse_amount("999", "THB"),
        "amount_max": parse_amount("1,500.00", "THB"),
    }
    assert found(engine, **baht) == [EARLY_ON_THE_4TH, LATE_ON_THE_3RD]
    yen = {
        "currency": "JPY",
        "amount_min": parse_amount("1,000", "JPY"),
        "amount_max": parse_amount("2000", "JPY"),
    }
    assert found(engine, **yen) == [YEN_REFUNDED]
    # 15 baht is 1,500 satang: the yen charge of 1,500 yen is not in it.
    assert found(engine, currency="THB", amount_max=1_500) == []


def test_an_amount_range_needs_a_currency() -> None:
    with pytest.raises(FilterError) as raised:
        ChargeFilter(amount_min=100)
    assert raised.value.reason == "amount_without_currency"
    with pytest.raises(FilterError):
        ChargeFilter(currency="THB", amount_min=500, amount_max=100)


def test_sorting_by_amount(engine: Engine) -> None:
    highest = found(engine, ChargeOrder.AMOUNT_HIGH_FIRST, currency="THB")
    assert highest == [AUTHORIZED, LATE_ON_THE_3RD, EARLY_ON_THE_4TH, FAILED]
    lowest = found(engine, ChargeOrder.AMOUNT_LOW_FIRST, currency="THB")
    assert lowest == list(reversed(highest))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LATE_ON_THE_3RD, [LATE_ON_THE_3RD]),
        ("rfnd_test_yen", [YEN_REFUNDED]),
        ("dspt_test_gloves", [YEN_DISPUTED]),
        ("trxn_test_late3rd", [LATE_ON_THE_3RD]),
        ("trxn_test_yen", [YEN_REFUNDED]),
        ("TH260304-000002", [EARLY_ON_THE_4TH]),
        ("Siam Paragon", [LATE_ON_THE_3RD]),
        ("ไทย", [LATE_ON_THE_3RD]),
        ("ดอยช้าง", [FAILED]),
        ("ชุด แก้ว", [LATE_ON_THE_3RD]),
        ("tray", [EARLY_ON_THE_4TH]),
        ("TEA", [EARLY_ON_THE_4TH, YEN_REFUNDED]),
        ("ชา", [LATE_ON_THE_3RD]),
        ("6", [LATE_ON_THE_3RD]),
        ("100%", []),
        ("chrg_test_nothing", []),
    ],
)
def test_search(engine: Engine, text: str, expected: list[str]) -> None:
    assert found(engine, text=text) == expected


def test_search_combines_with_filters(engine: Engine) -> None:
    assert found(engine, text="tea", currency="JPY") == [YEN_REFUNDED]
    assert found(engine, text="tea", currency="THB") == [EARLY_ON_THE_4TH]
    assert found(engine, text="tea", statuses=("failed",)) == []


def test_many_matches_read_the_same_rows_as_few(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup finding many charges is tested row by row, with one result."""
    few = found(engine, text="Thai")
    plain = found(engine, metadata=(("branch", "Thonglor"),))
    monkeypatch.setattr(charge_query, "LEADING_IDS", 0)
    assert found(engine, text="Thai") == few == [YEN_DISPUTED]
    assert found(engine, metadata=(("branch", "Thonglor"),)) == plain


@pytest.mark.parametrize("leading_ids", [0, 1])
def test_a_value_and_words_found_together(
    own_engine: Engine, monkeypatch: pytest.MonkeyPatch, leading_ids: int
) -> None:
    """A search that is one charge's metadata value and another's word.

    With many charges found, the value's few are listed once (1) or
    sought row by row (0); either way both charges are on the page.
    """
    tagged = charge(
        "chrg_test_tagged",
        datetime(2026, 3, 5, 3, 0, tzinfo=UTC),
        description="Gift wrapping",
        metadata={"campaign": "tray"},
    )
    with session_scope(own_engine) as session:
        upsert_charges(session, [tagged])
    monkeypatch.setattr(charge_query, "LEADING_IDS", leading_ids)

    assert found(own_engine, text="tray") == ["chrg_test_tagged", EARLY_ON_THE_4TH]
    assert found(own_engine, text="gift tray") == []
    assert found(own_engine, text="wrapping") == ["chrg_test_tagged"]


def test_metadata_is_indexed_and_kept_in_step(own_engine: Engine) -> None:
    engine = own_engine
    with session_scope(engine) as session:
        assert metadata_keys(session) == ["branch", "campaign", "order_id"]
        assert metadata_values(session, "branch") == sorted(
            ["Online store", "Siam Paragon", "Thonglor"]
        )
        assert distinct_charge_values(session, "currency") == ["JPY", "THB"]
        assert distinct_charge_values(session, "card_brand") == [
            "JCB",
            "MasterCard",
            "Visa",
        ]

    changed = [
        charge(
            EARLY_ON_THE_4TH,
            datetime(2026, 3, 3, 17, 30, tzinfo=UTC),
            description="Rattan armchair",
            metadata={"branch": "ICONSIAM", "floor": 3, "gift": True},
            fetched_at=FETCHED + timedelta(hours=1),
        )
    ]
    with session_scope(engine) as session:
        upsert_charges(session, changed)
        pairs = session.execute(
            select(ChargeMetadataEntry.key, ChargeMetadataEntry.value)
            .where(ChargeMetadataEntry.charge_id == EARLY_ON_THE_4TH)
            .order_by(ChargeMetadataEntry.key)
        ).all()
    assert [tuple(pair) for pair in pairs] == [
        ("branch", "ICONSIAM"),
        ("floor", "3"),
        ("gift", "true"),
    ]
    assert found(engine, metadata=(("branch", "Thonglor"),)) == []
    assert found(engine, text="ICONSIAM") == [EARLY_ON_THE_4TH]
    assert found(engine, text="armchair") == [EARLY_ON_THE_4TH]
    assert found(engine, text="tray") == []


def test_filters_survive_json() -> None:
    everything = ChargeFilter(
        text="ชาไทย",
        statuses=("successful",),
        payment_methods=("card",),
        currency="JPY",
        card_brands=("JCB",),
        created_from=date(2026, 3, 1),
        created_to=date(2026, 3, 31),
        amount_min=1_000,
        amount_max=2_000,
        refund_state=RefundState.PARTLY_REFUNDED,
        disputed=False,
        metadata=(("branch", "Thonglor"),),
        include_deleted=True,
    )
    assert ChargeFilter.from_json(everything.to_json()) == everything
    assert ChargeFilter().to_json() == {}
    with pytest.raises(TypeError):
        ChargeFilter.from_json({"currency": "THB", "amount_min": 10.5})


def test_saved_filters_round_trip(own_engine: Engine) -> None:
    engine = own_engine
    yen = ChargeFilter(currency="JPY", amount_min=1_000)
    thai = ChargeFilter(text="ชาไทย", created_from=date(2026, 3, 3))
    at = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        save_filter(session, "Yen over ¥1,000", yen, at)
        save_filter(session, "ชาไทย since the 3rd", thai, at)
    with session_scope(engine) as session:
        listed = saved_filters(session)
    assert [(s.name, s.charge_filter) for s in listed] == [
        ("Yen over ¥1,000", yen),
        ("ชาไทย since the 3rd", thai),
    ]

    with session_scope(engine) as session:
        save_filter(session, "Yen over ¥1,000", yen.with_changes(amount_min=5), at)
        assert delete_saved_filter(session, "ชาไทย since the 3rd")
        assert not delete_saved_filter(session, "no such filter")
    with session_scope(engine) as session:
        listed = saved_filters(session)
    assert [(s.name, s.charge_filter.amount_min) for s in listed] == [
        ("Yen over ¥1,000", 5)
    ]


def test_detail_has_refunds_dispute_and_timeline(own_engine: Engine) -> None:
    engine = own_engine
    with session_scope(engine) as session:
        session.add(
            AuditEntry(
                at=datetime(2026, 3, 7, 1, 0, tzinfo=UTC),
                clerk="Somchai",
                action="refund",
                target_id=LATE_ON_THE_3RD,
                summary="Refunded ฿500.00 of ฿1,500.00",
            )
        )
        session.add(
            EventRecord(
                id="evnt_test_refund",
                livemode=False,
                created_at=datetime(2026, 3, 7, 1, 1, tzinfo=UTC),
                key="refund.create",
                object_kind="refund",
                object_id="rfnd_test_late3rd",
                raw={},
                fetched_at=FETCHED,
            )
        )
    with session_scope(engine) as session:
        detail = charge_detail(session, LATE_ON_THE_3RD)
        disputed = charge_detail(session, YEN_DISPUTED)
        assert charge_detail(session, "chrg_test_unknown") is None

    assert detail is not None
    assert (detail.amount, detail.refunded_amount, detail.remaining_amount) == (
        150_000,
        50_000,
        100_000,
    )
    assert (detail.fee, detail.net) == (3650, 96095)
    assert [r.id for r in detail.refunds] == ["rfnd_test_late3rd"]
    assert [(e.kind, e.title) for e in detail.timeline] == [
        (ACTION, "refund"),
        (EVENT, "refund.create"),
    ]
    assert detail.timeline[0].actor == "Somchai"
    assert disputed is not None and disputed.dispute is not None
    assert disputed.dispute.reason_code == "goods_or_services_not_provided"


def test_search_objects_exist_and_models_match_the_migration(
    cache_url: str,
) -> None:
    engine = open_engine(cache_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, _type, _parent: (
                        not is_unmodelled(name)
                    ),
                },
            )
            differences = compare_metadata(context, ChargeMetadataEntry.metadata)
            tables = set(inspect(connection).get_table_names())
            dialect = connection.dialect.name
            indexes = {i["name"] for i in inspect(connection).get_indexes("charges")}
    finally:
        engine.dispose()

    ours = {"charges", "charge_metadata", "saved_filters"}
    assert [d for d in differences if _table_of(d) in ours] == []
    assert {"charge_metadata", "saved_filters"} <= tables
    if dialect == "sqlite":
        assert {"charge_search", "charge_search_rows"} <= tables
    else:
        assert "ix_charges_description_trgm" in indexes


def _table_of(difference: Any) -> str | None:
    """The table an Alembic schema difference is about."""
    if isinstance(difference, list):  # column changes: (op, schema, table, ...)
        return str(difference[0][2])
    item = difference[1]
    table = getattr(item, "table", item)
    return getattr(table, "name", None)


@pytest.mark.parametrize("order", list(ChargeOrder))
def test_pages_read_after_a_row_or_from_the_end_agree(
    engine: Engine, order: ChargeOrder
) -> None:
    """The table model reads a page from a neighbour's row or the far end."""
    charge_filter = ChargeFilter(include_deleted=True)
    with session_scope(engine) as session:

        def page(offset: int, limit: int, **options: Any) -> list[str]:
            items = charge_page(
                session, options.pop("order", order), offset, limit,
                charge_filter, BANGKOK, **options,
            )  # fmt: skip
            return [item.id for item in items]

        whole = page(0, 50)
        assert len(whole) == len(LIVE) + 1
        first = charge_page(session, order, 0, 3, charge_filter, BANGKOK)
        assert page(0, 3, after=first[-1]) == whole[3:6]
        backwards = reversed_order(order)
        assert page(0, 2, order=backwards)[::-1] == whole[-2:]
        assert page(0, 2, order=backwards, after=first[-1])[::-1] == whole[0:2]
