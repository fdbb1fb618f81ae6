"""Benchmark: the Transactions tab's queries over a million cached charges.

Builds, once, a SQLite cache with N charges (kept under bench/.data, so
later runs skip the build): realistic API JSON of about 3 kB per charge,
metadata with branch, campaign and order id, Thai and English
descriptions, refunds, disputes and a few tombstones, indexed for filters
and search batch by batch as a sync indexes them.

Then it times, through the app's own query code (``charge_page`` and
``count_charges``, each in its own session as the table model does), the
first 200-row page and the row count for typical filters, metadata
filters, id lookups and word searches, and page loads at ten positions
across the whole cache (a jump, then the page after it). Each figure is
the median of several runs on a warm cache; first pages also show the CPU
time of the reading thread, which a busy machine does not inflate.

Usage: .venv/bin/python bench/query.py [--charges 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, Engine, Table, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opn_desk.models.charge_filter import ChargeFilter, RefundState  # noqa: E402
from opn_desk.models.charge_index import index_new_charges  # noqa: E402
from opn_desk.models.charge_store import (  # noqa: E402
    ChargeListItem,
    ChargeOrder,
    charge_page,
    count_charges,
    reversed_order,
)
from opn_desk.models.charges import ChargeRecord  # noqa: E402
from opn_desk.models.db import open_engine, session_scope  # noqa: E402
from opn_desk.models.payments import DisputeRecord, RefundRecord  # noqa: E402
from opn_desk.sandbox import catalog  # noqa: E402

T = TypeVar("T")
DATA_DIR = ROOT / "bench" / ".data"
BANGKOK = ZoneInfo("Asia/Bangkok")
PAGE_SIZE = 200
BATCH = 5_000
# The newest charge of the generated cache; the oldest is three years before.
LATEST = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)

# A product sold about once in ten thousand charges: the rare word.
RARE_PRODUCT = ("ผ้าขาวม้าทอมือ ลายตารางโบราณ", 650)
RARE_EVERY = 10_000
METHODS = (
    ("card", 55),
    ("promptpay", 20),
    ("truemoney", 5),
    ("mobile_banking_scb", 4),
    ("mobile_banking_kbank", 4),
    ("rabbit_linepay", 3),
    ("alipay", 3),
    ("wechat_pay", 2),
    ("installment_kbank", 4),
)
CARD_CURRENCIES = (("THB", 88), ("JPY", 7), ("SGD", 5))
QUANTITIES = ((1, 80), (2, 15), (3, 5))
BRANCHES = tuple(zip(catalog.BRANCHES, catalog.BRANCH_WEIGHTS, strict=True))
PRODUCT_NUMBERS = tuple(
    (number, weight) for number, weight in enumerate(catalog.PRODUCT_WEIGHTS)
)
STATUSES = (
    ("successful", 880),
    ("failed", 50),
    ("pending", 30),
    ("expired", 30),
    ("reversed", 10),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charges", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    path = DATA_DIR / f"query-{args.charges}.db"
    engine = build_cache(path, args.charges)
    try:
        say(f"cache: {args.charges:,} charges, {cache_size_mb(path):,.0f} MB")
        samples = pick_samples(engine)
        worst = run_cases(engine, cases(samples), args.runs)
        worst = max(worst, run_scrolling(engine, args.runs))
        say(f"worst first page or scrolled page: {worst:.1f} ms")
    finally:
        engine.dispose()
    return 0


# Building the cache ---------------------------------------------------------


def build_cache(path: Path, charges: int) -> Engine:
    """The cache at ``path``, built first if it does not hold ``charges``."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    engine = open_engine(f"sqlite:///{path}")
    with session_scope(engine) as session:
        held = session.scalar(select(func.count()).select_from(ChargeRecord))
    if held == charges:
        index_unindexed(engine)
        return engine
    if held:
        raise SystemExit(f"{path} holds {held} charges; delete it to rebuild")

    say(f"building {path.name} with {charges:,} charges (once)…")
    started = time.monotonic()
    generator = ChargeGenerator(random.Random(20261130), charges)
    for done in generator.write(engine):
        rate = done / (time.monotonic() - started)
        say(f"  {done:,} charges, {rate:,.0f}/s", end="\r")
    say(f"\n  built in {time.monotonic() - started:.0f} s")
    checkpoint(engine)
    return engine


def checkpoint(engine: Engine) -> None:
    """Move the write-ahead log into the database file, so that the first
    program to open the cache next does not do it (for seconds)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def index_unindexed(engine: Engine) -> None:
    """Index the charges of a cache built before the search index was bulk.

    Caches built by an older version of this script relied on an insert
    trigger that migration 0007 removed, and hold no search rows.
    """
    with engine.connect() as connection:
        indexed = connection.exec_driver_sql(
            "SELECT count(*) FROM charge_search_rows"
        ).scalar()
    if indexed:
        return
    say("indexing the cache's charges for search (once)…")
    ids = select(ChargeRecord.id).order_by(ChargeRecord.id)
    with engine.connect() as reader:
        every_id = list(reader.scalars(ids))
    for start in range(0, len(every_id), BATCH):
        with engine.begin() as connection:
            index_new_charges(connection, every_id[start : start + BATCH])
    checkpoint(engine)


@dataclass(slots=True)
class ChargeGenerator:
    """Charges of a Thai shop over three years, oldest first."""

    rng: random.Random
    total: int
    order_number: int = 0

    def write(self, engine: Engine) -> Iterator[int]:
        """Insert every charge, its refund and its dispute, in batches.

        The rows go straight to SQLite in the cache's own formats (the
        upsert's SQLAlchemy layer would triple the build time), and each
        batch is indexed for filters and search as a sync's upsert does.
        """
        tables = [
            cast(Table, record.__table__)
            for record in (ChargeRecord, RefundRecord, DisputeRecord)
        ]
        for start in range(0, self.total, BATCH):
            stop = min(start + BATCH, self.total)
            batches: list[list[dict[str, Any]]] = [[], [], []]
            for number in range(start, stop):
                row, refunds, disputes = self.charge(number)
                batches[0].append(row)
                batches[1].extend(refunds)
                batches[2].extend(disputes)
            with engine.begin() as connection:
                for table, rows in zip(tables, batches, strict=True):
                    insert_rows(connection, table, rows)
                index_new_charges(connection, [row["id"] for row in batches[0]])
            yield stop

    def charge(self, number: int) -> tuple[dict[str, Any], list[Any], list[Any]]:
        rng = self.rng
        created_at = LATEST - SPAN * (1 - number / self.total)
        created_at += timedelta(seconds=rng.randrange(0, 60))
        created_at = created_at.replace(microsecond=0)
        charge_id = object_id("chrg", number)
        method = pick(rng, METHODS)
        status = pick(rng, STATUSES)
        currency = "THB"
        if method == "card":
            currency = pick(rng, CARD_CURRENCIES)
        description, amount, metadata = self.sale(number, created_at, currency)
        brand = pick(rng, catalog.CARD_BRANDS) if method == "card" else None
        paid = status == "successful"
        refunded = self.refunded_amount(amount) if paid else 0
        dispute_id = object_id("dspt", number) if paid and rng.random() < 3e-3 else None
        transaction_id = object_id("trxn", number) if paid else None
        row = {
            "id": charge_id,
            "livemode": False,
            "created_at": created_at,
            "amount": amount,
            "currency": currency,
            "status": status,
            "payment_method": method,
            "card_brand": brand,
            "card_last_digits": f"{rng.randrange(10_000):04d}" if brand else None,
            "customer_id": None,
            "description": description,
            "authorized": status in {"successful", "reversed"},
            "paid": paid,
            "capturable": False,
            "refundable": paid and refunded < amount and dispute_id is None,
            "captured_amount": amount if paid else 0,
            "refunded_amount": refunded,
            "failure_code": "insufficient_fund" if status == "failed" else None,
            "dispute_id": dispute_id,
            "transaction_id": transaction_id,
            "paid_at": created_at + timedelta(minutes=2) if paid else None,
            "expires_at": created_at + timedelta(days=7),
            "metadata": metadata,
            "raw": {},
            "fetched_at": LATEST,
            "deleted": rng.random() < 1e-3,
            "deleted_at": None,
        }
        row["deleted_at"] = LATEST if row["deleted"] else None
        row["raw"] = raw_charge(row)
        refunds = self.refunds(row) if refunded else []
        disputes = [dispute_row(row)] if dispute_id else []
        return row, refunds, disputes

    def sale(
        self, number: int, created_at: datetime, currency: str
    ) -> tuple[str | None, int, dict[str, Any]]:
        rng = self.rng
        if number % RARE_EVERY == RARE_EVERY // 2:
            product, price = RARE_PRODUCT
        else:
            product, price = pick_product(rng)
        quantity = pick(rng, QUANTITIES)
        amount = {"THB": price * 100, "JPY": price * 4, "SGD": price * 4}[currency]
        amount *= quantity
        self.order_number += 1
        order_id = f"TH{created_at.astimezone(BANGKOK):%y%m%d}-{self.order_number:07d}"
        branch = pick(rng, BRANCHES)
        metadata: dict[str, Any] = {}
        if rng.random() < 0.88:
            metadata["branch"] = branch
            if rng.random() < 0.92:
                metadata["order_id"] = order_id
            if rng.random() < 0.45:
                metadata["campaign"] = rng.choice(catalog.CAMPAIGNS)
        description: str | None = product if quantity == 1 else f"{product} x{quantity}"
        if branch == "Online store":
            description = f"Order {order_id}: {description}"
        if rng.random() < 0.06:
            description = None
        return description, amount, metadata

    def refunded_amount(self, amount: int) -> int:
        roll = self.rng.random()
        if roll < 0.02:
            return amount
        if roll < 0.04:
            return amount // 2
        return 0

    def refunds(self, charge: dict[str, Any]) -> list[dict[str, Any]]:
        number = int(charge["id"].rsplit("_", 1)[1], 36)
        refund_id = object_id("rfnd", number)
        return [
            {
                "id": refund_id,
                "livemode": False,
                "raw": {"object": "refund", "id": refund_id, "charge": charge["id"]},
                "fetched_at": LATEST,
                "deleted": False,
                "deleted_at": None,
                "created_at": charge["created_at"] + timedelta(days=1),
                "charge_id": charge["id"],
                "amount": charge["refunded_amount"],
                "currency": charge["currency"],
                "voided": False,
                "status": "closed",
                "transaction_id": object_id("trxn", number + 10**9),
                "metadata": {},
            }
        ]


def insert_rows(connection: Connection, table: Table, rows: list[Any]) -> None:
    """Plain INSERTs of ``rows``, each value as the cache stores it."""
    if not rows:
        return
    names = [column.name for column in table.columns]
    marks = ", ".join("?" for _ in names)
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"
    values = [tuple(stored(row[name]) for name in names) for row in rows]
    connection.exec_driver_sql(statement, values)


def stored(value: Any) -> Any:
    """A value in the form the cache keeps it on SQLite."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict):
        return orjson.dumps(value).decode("utf-8")
    if isinstance(value, bool):
        return int(value)
    return value


def dispute_row(charge: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": charge["dispute_id"],
        "livemode": False,
        "raw": {"object": "dispute", "id": charge["dispute_id"]},
        "fetched_at": LATEST,
        "deleted": False,
        "deleted_at": None,
        "created_at": charge["created_at"] + timedelta(days=20),
        "status": "open",
        "reason_code": "goods_or_services_not_provided",
        "amount": charge["amount"],
        "currency": charge["currency"],
        "charge_id": charge["id"],
        "message": None,
        "closed_at": None,
        "metadata": {},
    }


def raw_charge(row: dict[str, Any]) -> dict[str, Any]:
    """The charge as the API would send it, with every field it carries."""
    fee = row["amount"] * 365 // 10_000
    fee_vat = fee * 7 // 100
    created = row["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
    card = None
    if row["card_brand"]:
        card = {
            "object": "card",
            "id": "card_test_" + row["id"][10:],
            "livemode": False,
            "country": "th",
            "city": None,
            "postal_code": None,
            "financing": "credit",
            "bank": "Kasikornbank",
            "brand": row["card_brand"],
            "fingerprint": "fp_" + row["id"][10:] * 2,
            "first_digits": None,
            "last_digits": row["card_last_digits"],
            "name": "SOMCHAI JAIDEE",
            "expiration_month": 12,
            "expiration_year": 2029,
            "security_code_check": True,
            "created_at": created,
        }
    return {
        "object": "charge",
        "id": row["id"],
        "location": f"/charges/{row['id']}",
        "amount": row["amount"],
        "authorization_type": None,
        "authorized_amount": row["amount"],
        "captured_amount": row["captured_amount"],
        "net": row["amount"] - fee - fee_vat,
        "fee": fee,
        "fee_vat": fee_vat,
        "interest": 0,
        "interest_vat": 0,
        "funding_amount": row["amount"],
        "refunded_amount": row["refunded_amount"],
        "transaction_fees": {"fee_flat": "0.0", "fee_rate": "3.65", "vat_rate": "7.0"},
        "platform_fee": {"fixed": None, "amount": None, "percentage": None},
        "currency": row["currency"],
        "funding_currency": row["currency"],
        "ip": "49.228.175.119",
        "refunds": {
            "object": "list",
            "data": [],
            "limit": 20,
            "offset": 0,
            "total": 0,
            "location": f"/charges/{row['id']}/refunds",
            "order": "chronological",
            "from": "1970-01-01T00:00:00Z",
            "to": created,
        },
        "link": None,
        "description": row["description"],
        "metadata": row["metadata"],
        "card": card,
        "source": None
        if card
        else {
            "object": "source",
            "id": "src_test_" + row["id"][10:],
            "type": row["payment_method"],
            "flow": "redirect",
            "amount": row["amount"],
            "currency": row["currency"],
            "charge_status": row["status"],
            "created_at": created,
        },
        "schedule": None,
        "customer": None,
        "dispute": None,
        "transaction": row["transaction_id"],
        "failure_code": row["failure_code"],
        "failure_message": "insufficient funds" if row["failure_code"] else None,
        "status": row["status"],
        "authorize_uri": "https://pay.omise.co/payments/pay2_test/authorize",
        "return_uri": "https://shop.example.co.th/orders/complete",
        "created_at": created,
        "paid_at": created if row["paid"] else None,
        "expires_at": created,
        "expired_at": None,
        "reversed_at": None,
        "authorized": row["authorized"],
        "capturable": False,
        "capture": True,
        "disputable": row["paid"],
        "livemode": False,
        "refundable": row["refundable"],
        "partially_refundable": True,
        "reversed": row["status"] == "reversed",
        "reversible": False,
        "voided": False,
        "paid": row["paid"],
        "expired": row["status"] == "expired",
        "can_perform_void": False,
    }


def pick_product(rng: random.Random) -> tuple[str, int]:
    return catalog.PRODUCTS[pick(rng, PRODUCT_NUMBERS)]


def object_id(prefix: str, number: int) -> str:
    return f"{prefix}_test_{to_base36(number):0>19}"


def to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if number == 0:
            return text


def pick(rng: random.Random, weighted: tuple[tuple[T, int], ...]) -> T:
    keys, cumulative = _cumulative(weighted)
    return rng.choices(keys, cum_weights=cumulative)[0]


@functools.cache
def _cumulative(
    weighted: tuple[tuple[T, int], ...],
) -> tuple[list[T], list[int]]:
    keys = [key for key, _ in weighted]
    return keys, list(itertools.accumulate(weight for _, weight in weighted))


# Timing --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    charge_filter: ChargeFilter
    order: ChargeOrder = ChargeOrder.NEWEST_FIRST


def pick_samples(engine: Engine) -> dict[str, str]:
    """Ids and values to look up, read from the middle of the cache."""
    with session_scope(engine) as session:
        middle = session.scalar(select(func.count()).select_from(ChargeRecord)) // 2
        charge = session.scalars(
            select(ChargeRecord)
            .where(ChargeRecord.transaction_id.is_not(None))
            .offset(middle)
            .limit(1)
        ).one()
        refund = session.scalars(
            select(RefundRecord).offset(middle // 50).limit(1)
        ).one()
        dispute = session.scalars(select(DisputeRecord).limit(1)).one()
    return {
        "charge": charge.id,
        "transaction": str(charge.transaction_id),
        "order_id": str(charge.charge_metadata.get("order_id", "TH000000-0000001")),
        "refund": refund.id,
        "refund_transaction": str(refund.transaction_id),
        "dispute": dispute.id,
    }


def cases(samples: dict[str, str]) -> list[Case]:
    today = LATEST.astimezone(BANGKOK).date()
    last_month = {"created_from": today - timedelta(days=30), "created_to": today}
    return [
        Case("no filter, newest first", ChargeFilter()),
        Case(
            "no filter, biggest amount first",
            ChargeFilter(),
            ChargeOrder.AMOUNT_HIGH_FIRST,
        ),
        Case("successful THB", ChargeFilter(statuses=("successful",), currency="THB")),
        Case(
            "PromptPay, last 30 days",
            ChargeFilter(payment_methods=("promptpay",), **last_month),
        ),
        Case(
            "card JCB in JPY, ¥1,000-¥5,000",
            ChargeFilter(
                payment_methods=("card",),
                card_brands=("JCB",),
                currency="JPY",
                amount_min=1000,
                amount_max=5000,
            ),
        ),
        Case(
            "failed cards in 2025",
            ChargeFilter(
                statuses=("failed",),
                payment_methods=("card",),
                created_from=date(2025, 1, 1),
                created_to=date(2025, 12, 31),
            ),
        ),
        Case("partly refunded", ChargeFilter(refund_state=RefundState.PARTLY_REFUNDED)),
        Case("disputed", ChargeFilter(disputed=True)),
        Case(
            "THB ฿1,000-฿2,000, one day",
            ChargeFilter(
                currency="THB",
                amount_min=100_000,
                amount_max=200_000,
                created_from=today,
                created_to=today,
            ),
        ),
        Case(
            "metadata branch = สาขาเซ็นทรัลเวิลด์",
            ChargeFilter(metadata=(("branch", "สาขาเซ็นทรัลเวิลด์"),)),
        ),
        Case(
            "metadata campaign = 11.11, successful",
            ChargeFilter(statuses=("successful",), metadata=(("campaign", "11.11"),)),
        ),
        Case(
            "metadata order_id (one charge)",
            ChargeFilter(metadata=(("order_id", samples["order_id"]),)),
        ),
        Case("search charge id", ChargeFilter(text=samples["charge"])),
        Case("search refund id", ChargeFilter(text=samples["refund"])),
        Case("search dispute id", ChargeFilter(text=samples["dispute"])),
        Case("search transaction id", ChargeFilter(text=samples["transaction"])),
        Case(
            "search refund transaction id",
            ChargeFilter(text=samples["refund_transaction"]),
        ),
        Case("search order id", ChargeFilter(text=samples["order_id"])),
        Case("search rare Thai word ผ้าขาวม้า", ChargeFilter(text="ผ้าขาวม้า")),
        Case("search common Thai word ไทย", ChargeFilter(text="ไทย")),
        Case(
            "search common Thai word กาแฟ, successful",
            ChargeFilter(text="กาแฟ", statuses=("successful",)),
        ),
        Case("search English words teak tray", ChargeFilter(text="teak tray")),
        Case("search two letters ชา", ChargeFilter(text="ชา")),
    ]


def run_cases(engine: Engine, all_cases: list[Case], runs: int) -> float:
    """Time each case; returns the worst first page.

    The table shows as soon as its first page is read; the exact count
    runs next, in the background, and the table grows to its length.
    """
    say(f"{'case':<46} {'rows':>9} {'page ms':>8} {'cpu ms':>7} {'count ms':>9}")
    worst = 0.0
    for case in all_cases:
        page = timed_with_cpu(runs, lambda c=case: first_page(engine, c))
        page_ms, cpu_ms, rows = page
        count_ms, total = timed(runs, lambda c=case: row_count(engine, c))
        assert rows <= PAGE_SIZE and rows == min(total, PAGE_SIZE), case.name
        # Every case is chosen to find charges: none means a broken index.
        assert total > 0, f"{case.name} finds nothing"
        say(
            f"{case.name:<46} {total:>9,} {page_ms:>8.1f} {cpu_ms:>7.1f}"
            f" {count_ms:>9.1f}"
        )
        worst = max(worst, page_ms)
    return worst


def run_scrolling(engine: Engine, runs: int) -> float:
    """Pages at ten positions across the cache, as the table model reads them.

    A jump (dragging the scrollbar) reads a page by its offset from the
    nearer end; the page after it, as scrolling on does, from the last row
    of the one before. Returns the worst.
    """
    plain = ChargeFilter()
    with session_scope(engine) as session:
        total = count_charges(session, plain, BANGKOK)
    say(f"scrolling {total:,} charges, newest first, 200-row pages:")
    worst = 0.0
    for tenth in range(10):
        offset = (total - 2 * PAGE_SIZE) * tenth // 9
        jump_ms, page = timed_page(runs, lambda o=offset: jump(engine, o, total))
        next_ms, _page = timed_page(runs, lambda p=page: next_page(engine, p))
        say(f"  row {offset:>9,}: jump {jump_ms:6.1f} ms, next page {next_ms:5.1f} ms")
        worst = max(worst, jump_ms, next_ms)
    say(f"  worst page: {worst:.1f} ms")
    return worst


def jump(engine: Engine, offset: int, total: int) -> list[ChargeListItem]:
    """The page at ``offset``, read from the nearer end as the model does."""
    order = ChargeOrder.NEWEST_FIRST
    with session_scope(engine) as session:
        if offset <= total // 2:
            return charge_page(session, order, offset, PAGE_SIZE, None, BANGKOK)
        from_end = total - offset - PAGE_SIZE
        backwards = reversed_order(order)
        page = charge_page(session, backwards, from_end, PAGE_SIZE, None, BANGKOK)
        return page[::-1]


def next_page(engine: Engine, page: list[ChargeListItem]) -> list[ChargeListItem]:
    order = ChargeOrder.NEWEST_FIRST
    with session_scope(engine) as session:
        return charge_page(session, order, 0, PAGE_SIZE, None, BANGKOK, after=page[-1])


def timed_page(
    runs: int, work: Callable[[], list[ChargeListItem]]
) -> tuple[float, list[ChargeListItem]]:
    pages: list[list[ChargeListItem]] = []

    def counted() -> int:
        pages.append(work())
        return len(pages[-1])

    ms, rows = timed(runs, counted)
    assert rows == PAGE_SIZE
    return ms, pages[-1]


def first_page(engine: Engine, case: Case) -> int:
    return page_at(engine, case, 0)


def page_at(engine: Engine, case: Case, offset: int) -> int:
    """Rows of the page at ``offset``, read by offset."""
    with session_scope(engine) as session:
        page = charge_page(
            session, case.order, offset, PAGE_SIZE, case.charge_filter, BANGKOK
        )
    return len(page)


def row_count(engine: Engine, case: Case) -> int:
    with session_scope(engine) as session:
        return count_charges(session, case.charge_filter, BANGKOK)


def timed(runs: int, work: Callable[[], int]) -> tuple[float, int]:
    """The median time of ``runs`` runs after one warm-up, and the result."""
    ms, _cpu_ms, result = timed_with_cpu(runs, work)
    return ms, result


def timed_with_cpu(runs: int, work: Callable[[], int]) -> tuple[float, float, int]:
    """Median elapsed and CPU milliseconds of ``runs`` runs, and the result.

    The CPU time is this thread's alone: on a machine shared with other
    work it is close to what the elapsed time would be on a quiet one.
    """
    result = work()
    elapsed, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = work()
        elapsed.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return statistics.median(elapsed), statistics.median(cpu), result


def cache_size_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def say(text: str, end: str = "\n") -> None:
    sys.stdout.write(text + end)
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
