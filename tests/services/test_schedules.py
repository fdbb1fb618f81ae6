"""Creating, deleting, changing and bulk-loading schedules over the sandbox."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, select

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.operations import DONE, AuditEntry
from opn_desk.services.api import OpnClient
from opn_desk.services.operations import OPERATION_METADATA_KEY, Journal
from opn_desk.services.schedule_bulk import (
    CREATED,
    INVALID,
    check_rows,
    read_bulk_file,
    send_rows,
    write_result_file,
)
from opn_desk.services.schedule_dates import Cadence, local_today
from opn_desk.services.schedules import (
    ScheduleRefused,
    ScheduleRequest,
    change_schedule,
    charge_limits,
    check_request,
    create_schedule,
    request_from_schedule,
)
from opn_desk.services.sync import AccountSync
from opn_desk.views.schedule_bulk_dialog import ClerkWords

TIMEZONE = "Asia/Bangkok"


@pytest.fixture
def client(fresh_sandbox: Any) -> Iterator[OpnClient]:
    with OpnClient(fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url) as c:
        yield c


@pytest.fixture
def cache(tmp_path: Path, client: OpnClient) -> Iterator[Engine]:
    """A cache file holding the sandbox's customers and cards."""
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    AccountSync(client, engine).run()
    yield engine
    engine.dispose()


@pytest.fixture
def journal(cache: Engine, client: OpnClient) -> Journal:
    return Journal(cache, client, "Malee", settle_delay_s=0)


def today() -> date:
    return local_today(TIMEZONE, datetime.now(UTC))


def schedules_of(sandbox: Any) -> list[dict[str, Any]]:
    return list(sandbox.state.objects("schedule"))


def made_by(sandbox: Any, operation_id: str) -> list[dict[str, Any]]:
    return [
        s
        for s in schedules_of(sandbox)
        if s["charge"]["metadata"].get(OPERATION_METADATA_KEY) == operation_id
    ]


def a_customer(sandbox: Any, index: int = 0) -> dict[str, Any]:
    found = [c for c in sandbox.state.objects("customer") if c["default_card"]]
    return found[index]


def monthly_request(customer_id: str, **changes: Any) -> ScheduleRequest:
    start = today() + timedelta(days=3)
    request = ScheduleRequest(
        customer_id=customer_id,
        card_id=None,
        amount=129_050,
        currency="THB",
        description="Gym, monthly",
        cadence=Cadence(1, "month", days_of_month=(31,)),
        start_on=start,
        end_on=start + timedelta(days=400),
        metadata={"branch": "Siam"},
    )
    return replace(request, **changes)


def test_a_create_whose_answer_is_lost_makes_one_schedule(
    fresh_sandbox: Any, journal: Journal
) -> None:
    before = len(schedules_of(fresh_sandbox))
    fresh_sandbox.add_fault(
        kind="drop_after", method="POST", path=r"^/schedules$", count=1
    )
    customer = a_customer(fresh_sandbox)

    operation = create_schedule(journal, monthly_request(customer["id"]), today())

    assert operation.state == DONE
    assert len(schedules_of(fresh_sandbox)) == before + 1
    (made,) = made_by(fresh_sandbox, operation.id)
    assert operation.result_id == made["id"]
    assert made["charge"]["amount"] == 129_050
    assert made["charge"]["metadata"]["branch"] == "Siam"
    assert made["on"] == {"days_of_month": [31]}


def test_a_refused_cadence_sends_nothing(fresh_sandbox: Any, journal: Journal) -> None:
    before = len(schedules_of(fresh_sandbox))
    start = today() + timedelta(days=1)
    request = monthly_request(
        a_customer(fresh_sandbox)["id"],
        cadence=Cadence(1, "week"),
        start_on=start,
        end_on=start + timedelta(days=30),
    )
    with pytest.raises(ScheduleRefused) as refused:
        create_schedule(journal, request, today())
    assert refused.value.reason == "no_weekdays"
    assert len(schedules_of(fresh_sandbox)) == before


def test_a_change_deletes_then_recreates_keeping_the_rest(
    fresh_sandbox: Any, journal: Journal, client: OpnClient, cache: Engine
) -> None:
    customer = a_customer(fresh_sandbox)
    first = create_schedule(journal, monthly_request(customer["id"]), today())
    assert first.result_id is not None
    old = client.get_schedule(first.result_id)

    changed = replace(request_from_schedule(old, today()), amount=150_000)
    outcome = change_schedule(journal, client, old.id, changed, today())

    assert outcome.deleted.state == DONE and outcome.created is not None
    assert outcome.created.state == DONE
    assert client.get_schedule(old.id).deleted
    new = client.get_schedule(outcome.created.result_id or "")
    assert new.amount == 150_000
    assert (new.every, new.period, new.on) == (old.every, old.period, old.on)
    assert (new.customer_id, new.description) == (old.customer_id, old.description)
    assert new.raw["charge"]["metadata"]["branch"] == "Siam"
    assert new.next_occurrences_on[:5] == old.next_occurrences_on[:5]
    with session_scope(cache) as session:
        actions = [a.action for a in session.scalars(select(AuditEntry))]
    assert actions.count("schedule_delete") == 1
    assert actions.count("schedule_create") == 2


# -- bulk -------------------------------------------------------------------

COLUMNS = [
    "customer_key",
    "customer",
    "card",
    "amount",
    "currency",
    "description",
    "every",
    "period",
    "weekdays",
    "days_of_month",
    "weekday_of_month",
    "start_date",
    "end_date",
    "metadata.plan",
]


def bulk_rows(sandbox: Any) -> list[list[str]]:
    first, second = a_customer(sandbox, 0), a_customer(sandbox, 1)
    start = (today() + timedelta(days=2)).isoformat()
    end = (today() + timedelta(days=200)).isoformat()
    past = (today() - timedelta(days=2)).isoformat()

    def row(key: str, **cells: str) -> list[str]:
        base = {
            "customer_key": key,
            "customer": first["id"],
            "amount": "1,250.50",
            "currency": "THB",
            "description": "Monthly box",
            "every": "1",
            "period": "month",
            "days_of_month": "1 15",
            "start_date": start,
            "end_date": end,
            "metadata.plan": "box",
        }
        base.update(cells)
        return [base.get(c, "") for c in COLUMNS]

    return [
        COLUMNS,
        row("good-1"),
        row("bad-customer", customer="cust_test_nobody"),
        row("bad-amount", amount="12.345"),
        row(
            "good-2",
            customer=second["id"],
            card=second["default_card"],
            period="week",
            days_of_month="",
            weekdays="monday, friday",
        ),
        row("bad-past", start_date=past),
        row(
            "bad-weekday",
            period="month",
            days_of_month="",
            weekday_of_month="fifth_monday",
        ),
        row("bad-card", card="card_test_someone_else"),
        row("good-3", days_of_month="", weekday_of_month="last_friday", amount="99"),
        row("bad-small", amount="19.99"),  # Opn's smallest THB charge: ฿20
        row("bad-large", amount="150,000.01"),  # its largest: ฿150,000
    ]


def write_csv(path: Path, table: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)


def write_xlsx(path: Path, table: list[list[str]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for number, line in enumerate(table):
        cells: list[Any] = list(line)
        if number and line[COLUMNS.index("customer_key")] == "good-3":
            cells[COLUMNS.index("amount")] = 99  # a number cell, as Excel keeps it
        sheet.append(cells)
    book.save(path)


def read_result(path: Path) -> dict[str, dict[str, str]]:
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        lines = [
            ["" if v is None else str(v) for v in row]
            for row in book.worksheets[0].iter_rows(values_only=True)
        ]
        book.close()
    else:
        with path.open(newline="", encoding="utf-8") as handle:
            lines = list(csv.reader(handle))
    header = lines[0]
    return {line[0]: dict(zip(header, line, strict=True)) for line in lines[1:]}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_bulk_file_creates_the_good_rows_once_and_explains_the_bad(
    fresh_sandbox: Any, journal: Journal, cache: Engine, tmp_path: Path, suffix: str
) -> None:
    source = tmp_path / f"schedules{suffix}"
    (write_xlsx if suffix == ".xlsx" else write_csv)(source, bulk_rows(fresh_sandbox))
    before = len(schedules_of(fresh_sandbox))

    bulk = read_bulk_file(source)
    with session_scope(cache) as session:
        checked = check_rows(session, bulk.rows, today())
    bad = {c.row.cells["customer_key"]: c.problems for c in checked if c.problems}
    assert len(schedules_of(fresh_sandbox)) == before  # checking sends nothing
    assert {k: [(p.column, p.reason) for p in v] for k, v in bad.items()} == {
        "bad-customer": [("customer", "unknown_customer")],
        "bad-amount": [("amount", "too_many_decimals")],
        "bad-small": [("amount", "below_minimum")],
        "bad-large": [("amount", "above_maximum")],
        "bad-past": [("start_date", "start_in_past")],
        "bad-weekday": [("weekday_of_month", "bad_ordinal")],
        "bad-card": [("card", "unknown_card")],
    }

    outcomes = send_rows(journal, checked, today(), pause_s=0.01)
    assert {o.row.cells["customer_key"]: o.outcome for o in outcomes} == {
        "good-1": CREATED,
        "good-2": CREATED,
        "good-3": CREATED,
        **{key: INVALID for key in bad},
    }
    result = tmp_path / f"result{suffix}"
    write_result_file(result, bulk, outcomes, ClerkWords())

    rows = read_result(result)
    created = {k for k, r in rows.items() if r["outcome"] == "Created"}
    assert created == {"good-1", "good-2", "good-3"}
    assert {k for k, r in rows.items() if r["outcome"] == "To fix"} == set(bad)
    assert rows["good-1"]["message"].startswith("Created by operation op")
    assert "not one of the customer's saved cards" in rows["bad-card"]["message"]
    assert rows["bad-amount"]["amount"] == "12.345"  # the row as it was
    made = {s["id"]: s for s in schedules_of(fresh_sandbox)}
    assert len(made) == before + 3
    for key in created:
        schedule = made[rows[key]["schedule_id"]]
        assert schedule["charge"]["metadata"]["plan"] == "box"
    assert made[rows["good-1"]["schedule_id"]]["charge"]["amount"] == 125_050
    assert made[rows["good-3"]["schedule_id"]]["charge"]["amount"] == 9_900

    # Fed back in, the result file creates nothing again.
    again = read_bulk_file(result)
    with session_scope(cache) as session:
        rechecked = check_rows(session, again.rows, today())
    send_rows(journal, rechecked, today(), pause_s=0)
    assert len(schedules_of(fresh_sandbox)) == before + 3


def test_the_accounts_charge_limits_refuse_a_schedule_before_sending(
    fresh_sandbox: Any, journal: Journal, cache: Engine
) -> None:
    with session_scope(cache) as session:
        limits = charge_limits(session)
    assert limits is not None
    assert (limits.currency, limits.min_amount, limits.max_amount) == (
        "THB",
        2_000,
        15_000_000,
    )
    customer = a_customer(fresh_sandbox)
    request = ScheduleRequest(
        customer_id=customer["id"],
        card_id=None,
        amount=1_999,
        currency="THB",
        description="Too small",
        cadence=Cadence(every=1, period="month", days_of_month=(1,)),
        start_on=today() + timedelta(days=2),
        end_on=today() + timedelta(days=100),
    )
    before = len(schedules_of(fresh_sandbox))

    for amount, reason in ((1_999, "below_minimum"), (15_000_001, "above_maximum")):
        with pytest.raises(ScheduleRefused) as refused:
            check_request(replace(request, amount=amount), today(), limits)
        assert refused.value.reason == reason
    # Other currencies' limits are not published: left to Opn.
    check_request(replace(request, currency="USD"), today(), limits)

    assert len(schedules_of(fresh_sandbox)) == before
    made = create_schedule(journal, replace(request, amount=2_000), today())
    assert made.state == DONE


def test_bulk_sends_are_throttled(
    fresh_sandbox: Any, journal: Journal, cache: Engine, tmp_path: Path
) -> None:
    table = bulk_rows(fresh_sandbox)
    source = tmp_path / "three.csv"
    write_csv(source, [table[0], table[1], table[4], table[8]])
    bulk = read_bulk_file(source)
    with session_scope(cache) as session:
        checked = check_rows(session, bulk.rows, today())
    started = datetime.now(UTC)
    outcomes = send_rows(journal, checked, today(), pause_s=0.3)
    assert [o.outcome for o in outcomes] == [CREATED] * 3
    assert datetime.now(UTC) - started >= timedelta(seconds=0.6)


# -- forecast ---------------------------------------------------------------


def test_the_forecast_counts_the_runs_of_running_schedules(
    fresh_sandbox: Any,
    journal: Journal,
    cache: Engine,
    client: OpnClient,
    tmp_path: Path,
) -> None:
    from opn_desk.models.schedule_queries import ScheduleFilter, list_schedules
    from opn_desk.services.schedule_forecast import MONTH, export_forecast, forecast

    customer = a_customer(fresh_sandbox)
    start = date(today().year + 1, 1, 1)
    request = monthly_request(
        customer["id"],
        start_on=start,
        end_on=date(start.year, 12, 31),
        cadence=Cadence(1, "month", days_of_month=(1, 31)),
        metadata={"branch": "Forecast"},
    )
    create_schedule(journal, request, today())
    AccountSync(client, cache).run()
    with session_scope(cache) as session:
        items = list_schedules(session, ScheduleFilter(live_only=True))

    lines = forecast(
        items, start, date(start.year, 3, 31), by=MONTH, group_key="branch"
    )
    ours = [line for line in lines if line.group == "Forecast"]
    # The 1st and the 31st (28th or 29th in February) of each month.
    assert [(line.period, line.charges, line.amount) for line in ours] == [
        (f"{start.year}-01", 2, 258_100),
        (f"{start.year}-02", 2, 258_100),
        (f"{start.year}-03", 2, 258_100),
    ]
    assert all(line.currency == "THB" for line in ours)

    exported = tmp_path / "forecast.xlsx"
    export_forecast(exported, lines, "branch")
    book = load_workbook(exported, read_only=True)
    sheet_rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert sheet_rows[0] == ("Period", "branch", "Currency", "Charges", "Amount")
    assert (f"{start.year}-02", "Forecast", "THB", 2) in [r[:4] for r in sheet_rows]
    row = next(r for r in sheet_rows if r[:2] == (f"{start.year}-02", "Forecast"))
    assert str(row[4]) in {"2581", "2581.0", "2581.00"}


def test_only_schedules_that_will_run_are_forecast(
    fresh_sandbox: Any, journal: Journal, cache: Engine, client: OpnClient
) -> None:
    from opn_desk.models.schedule_queries import ScheduleFilter, list_schedules
    from opn_desk.services.schedule_forecast import (
        MONTH,
        forecast,
        forecast_schedules,
    )
    from opn_desk.services.schedules import delete_schedule

    customer = a_customer(fresh_sandbox)
    start = date(today().year + 1, 1, 1)
    made = {}
    for plan in ("running", "paused", "suspended", "deleted"):
        request = monthly_request(
            customer["id"],
            start_on=start,
            end_on=date(start.year, 12, 31),
            cadence=Cadence(1, "month", days_of_month=(1,)),
            metadata={"forecast_case": plan},
        )
        made[plan] = create_schedule(journal, request, today()).result_id
    # Paused in the dashboard: the status stays, the state changes.
    paused = fresh_sandbox.state.get("schedule", made["paused"])
    fresh_sandbox.state.put("schedule", {**paused, "state": "Paused"})
    # Suspended by Opn after a run failed its retries.
    suspended = fresh_sandbox.state.get("schedule", made["suspended"])
    fresh_sandbox.state.put(
        "schedule",
        {**suspended, "status": "suspended", "active": False},
    )
    delete_schedule(journal, client, made["deleted"])
    AccountSync(client, cache).run()

    with session_scope(cache) as session:
        listed = {i.id: i for i in list_schedules(session, ScheduleFilter())}
        running = forecast_schedules(session)

    assert listed[made["paused"]].status == "running"  # still shown as such
    assert listed[made["suspended"]].status == "suspended"
    assert listed[made["deleted"]].status == "deleted"
    ours = [i.id for i in running if i.id in made.values()]
    assert ours == [made["running"]]
    lines = forecast(
        running, start, date(start.year, 1, 31), by=MONTH, group_key="forecast_case"
    )
    assert [(line.group, line.charges) for line in lines if line.group] == [
        ("running", 1)
    ]


def test_a_result_file_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    from opn_desk.services.schedule_bulk import (
        HAS_PROBLEMS,
        BulkFile,
        BulkRow,
        RowOutcome,
        RowProblem,
    )

    problem = RowProblem("amount", "empty")
    row = BulkRow(2, {"customer": "cust_1", "description": "=1+2"})
    source = BulkFile(("customer", "description"), (row,))
    result = tmp_path / "result.xlsx"

    outcome = RowOutcome(row, INVALID, HAS_PROBLEMS, problems=(problem,))
    write_result_file(result, source, [outcome], ClerkWords())

    book = load_workbook(result)
    cell = book.worksheets[0]["B2"]
    assert (cell.value, cell.data_type) == ("=1+2", "s")
    assert book.worksheets[0]["C2"].value == "To fix"
    assert book.worksheets[0]["E2"].value == "The amount is empty; fill it in."
