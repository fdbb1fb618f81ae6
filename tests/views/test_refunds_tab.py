"""The Refunds tab over a real cache: rows, filters, paging, activation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.payments import RefundRecord
from opn_desk.sandbox import SANDBOX_PUBLIC_KEY
from opn_desk.services import refunds, stores
from opn_desk.services.api import OpnClient
from opn_desk.services.operations import Journal
from opn_desk.views.refunds_tab import RefundsTab
from opn_desk.views.refunds_table_model import (
    AMOUNT,
    CHARGE,
    DATE,
    KIND,
    NOTE,
    OPERATION,
    PAGE_SIZE,
    REASON,
    REFUND,
    STATUS,
    RefundsTableModel,
)
from opn_desk.views.tasks import TaskRunner

BANGKOK = "Asia/Bangkok"
# 23:59 on 28 February in Bangkok, and one minute later 00:00 on 1 March.
LATE_FEB_28 = datetime(2026, 2, 28, 16, 59, tzinfo=UTC)
EARLY_MAR_1 = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)


@pytest.fixture
def engine(cache_url: str) -> Iterator[Engine]:
    engine = open_engine(cache_url)
    yield engine
    engine.dispose()


def refund(
    refund_id: str,
    charge_id: str,
    created_at: datetime,
    amount: int,
    currency: str = "THB",
    *,
    voided: bool = False,
    status: str = "closed",
    metadata: dict[str, Any] | None = None,
) -> RefundRecord:
    """A cached refund whose ``raw`` has the shape the API answers with."""
    raw = {
        "object": "refund",
        "id": refund_id,
        "location": f"/charges/{charge_id}/refunds/{refund_id}",
        "livemode": False,
        "voided": voided,
        "currency": currency,
        "amount": amount,
        "metadata": metadata or {},
        "charge": charge_id,
        "capture": None,
        "terminal": None,
        "transaction": f"trxn_{refund_id[5:]}",
        "status": status,
        "funding_amount": amount,
        "funding_currency": currency,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "acquirer_reference_number": None,
        "approval_code": None,
    }
    return RefundRecord(
        id=refund_id,
        livemode=False,
        raw=raw,
        fetched_at=datetime.now(UTC),
        created_at=created_at,
        charge_id=charge_id,
        amount=amount,
        currency=currency,
        voided=voided,
        status=status,
        transaction_id=raw["transaction"],
        refund_metadata=raw["metadata"],
    )


@pytest.fixture
def refunded(engine: Engine) -> Engine:
    tagged = {
        "opn_desk_operation": "op_5f1c",
        "opn_desk_reason": "requested_by_customer",
        "opn_desk_note": "ใบเสร็จ 42",
    }
    with session_scope(engine) as session:
        session.add_all(
            [
                refund("rfnd_test_a1", "chrg_test_x1", LATE_FEB_28, 10000),
                refund(
                    "rfnd_test_a2", "chrg_test_x1", EARLY_MAR_1, 2550, metadata=tagged
                ),
                refund(
                    "rfnd_test_b1",
                    "chrg_test_y2",
                    EARLY_MAR_1 + timedelta(hours=5),
                    500,
                    "JPY",
                    voided=True,
                ),
                refund(
                    "rfnd_test_c1",
                    "chrg_test_z3",
                    EARLY_MAR_1 + timedelta(days=2),
                    123456,
                    status="pending",
                ),
            ]
        )
    return engine


def shown_tab(
    qtbot: QtBot, runner: TaskRunner, engine: Engine, kept: list[object]
) -> RefundsTab:
    tab = RefundsTab(runner, BANGKOK)
    kept.append(tab)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.model.loaded, timeout=5000):
        tab.set_engine(engine)
    qtbot.waitUntil(lambda: tab.currency_combo.count() > 1, timeout=5000)
    return tab


def load_row(qtbot: QtBot, model: RefundsTableModel, row: int) -> None:
    model.index(row, 0).data()  # asks for the row's page
    qtbot.waitUntil(lambda: model.item_at(row) is not None, timeout=5000)


def filtered_count(qtbot: QtBot, tab: RefundsTab, change: Any) -> int:
    with qtbot.waitSignal(tab.model.loaded, timeout=5000) as loaded:
        change()
    return int(loaded.args[0])


def row_texts(model: RefundsTableModel, row: int) -> dict[int, Any]:
    columns = (DATE, REFUND, CHARGE, AMOUNT, KIND, STATUS, REASON, NOTE, OPERATION)
    return {column: model.index(row, column).data() for column in columns}


def test_model_passes_qt_model_checks(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    qtmodeltester: Any,
    refunded: Engine,
) -> None:
    model = RefundsTableModel(runner, BANGKOK)
    kept.append(model)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_engine(refunded)
    load_row(qtbot, model, 0)
    qtmodeltester.check(model, force_py=True)


def test_rows_are_newest_first_in_local_time_and_currency(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], refunded: Engine
) -> None:
    tab = shown_tab(qtbot, runner, refunded, kept)
    model = tab.model
    load_row(qtbot, model, 0)

    assert model.rowCount() == 4
    assert tab.message.text() == "Refunds shown: 4"
    assert [model.index(r, REFUND).data() for r in range(4)] == [
        "rfnd_test_c1",
        "rfnd_test_b1",
        "rfnd_test_a2",
        "rfnd_test_a1",
    ]
    assert row_texts(model, 0)[AMOUNT] == "฿1,234.56"
    assert row_texts(model, 0)[STATUS] == "Pending"
    assert row_texts(model, 1) == {
        DATE: "2026-03-01 05:00",
        REFUND: "rfnd_test_b1",
        CHARGE: "chrg_test_y2",
        AMOUNT: "¥500",
        KIND: "Void",
        STATUS: "Closed",
        REASON: None,
        NOTE: None,
        OPERATION: None,
    }
    assert row_texts(model, 2) == {
        DATE: "2026-03-01 00:00",
        REFUND: "rfnd_test_a2",
        CHARGE: "chrg_test_x1",
        AMOUNT: "฿25.50",
        KIND: "Refund",
        STATUS: "Closed",
        REASON: "The customer asked for it",
        NOTE: "ใบเสร็จ 42",
        OPERATION: "op_5f1c",
    }
    assert row_texts(model, 3)[DATE] == "2026-02-28 23:59"


def test_filters_combine_and_count(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], refunded: Engine
) -> None:
    tab = shown_tab(qtbot, runner, refunded, kept)

    def pick(combo: Any, data: Any) -> Any:
        return lambda: combo.setCurrentIndex(combo.findData(data))

    assert [tab.status_combo.itemText(i) for i in range(3)] == [
        "All statuses",
        "Closed",
        "Pending",
    ]
    assert filtered_count(qtbot, tab, pick(tab.status_combo, "closed")) == 3
    assert filtered_count(qtbot, tab, pick(tab.currency_combo, "THB")) == 2
    assert filtered_count(qtbot, tab, pick(tab.kind_combo, True)) == 0
    assert tab.message.text() == "Refunds shown: 0"
    assert filtered_count(qtbot, tab, pick(tab.currency_combo, "JPY")) == 1
    assert filtered_count(qtbot, tab, tab.clear_filters) == 4
    assert filtered_count(qtbot, tab, pick(tab.kind_combo, False)) == 3
    assert filtered_count(qtbot, tab, tab.clear_filters) == 4

    assert filtered_count(qtbot, tab, lambda: tab.search_edit.setText("X1")) == 2
    assert filtered_count(qtbot, tab, lambda: tab.search_edit.setText("_b1")) == 1
    assert filtered_count(qtbot, tab, lambda: tab.search_edit.setText("%")) == 0


def test_a_bangkok_day_is_not_a_utc_day(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], refunded: Engine
) -> None:
    tab = shown_tab(qtbot, runner, refunded, kept)
    tab.first_day_edit.setDate(QDate(2026, 3, 1))
    tab.last_day_edit.setDate(QDate(2026, 3, 1))

    count = filtered_count(qtbot, tab, lambda: tab.dates_box.setChecked(True))
    load_row(qtbot, tab.model, 1)

    # 16:59 UTC on 28 February is still 28 February in Bangkok; 17:00 is not.
    assert count == 2
    assert tab.current_filter().first_day == date(2026, 3, 1)
    assert {tab.model.index(r, REFUND).data() for r in range(2)} == {
        "rfnd_test_a2",
        "rfnd_test_b1",
    }
    day_before = lambda: tab.first_day_edit.setDate(QDate(2026, 2, 28))  # noqa: E731
    assert filtered_count(qtbot, tab, day_before) == 3


def test_activating_a_row_names_its_charge(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], refunded: Engine
) -> None:
    tab = shown_tab(qtbot, runner, refunded, kept)
    tab.show()
    load_row(qtbot, tab.model, 3)
    tab.table.setCurrentIndex(tab.model.index(3, REFUND))

    with qtbot.waitSignal(tab.charge_selected, timeout=2000) as selected:
        qtbot.keyClick(tab.table, Qt.Key.Key_Return)

    assert selected.args == ["chrg_test_x1"]


def test_later_pages_load_when_scrolled_to(
    qtbot: QtBot, runner: TaskRunner, kept: list[object], engine: Engine
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    total = PAGE_SIZE * 2 + 50
    with session_scope(engine) as session:
        session.add_all(
            refund(f"rfnd_test_{n:04d}", f"chrg_test_{n:04d}", start, 100 + n)
            for n in range(total)
        )
    tab = shown_tab(qtbot, runner, engine, kept)

    load_row(qtbot, tab.model, total - 1)

    assert tab.model.rowCount() == total
    assert tab.model.item_at(0) is None  # the first page was never asked for
    assert tab.model.index(total - 1, REFUND).data() == "rfnd_test_0000"
    assert tab.model.index(total - 1, AMOUNT).data() == "฿1.00"


def test_a_refund_made_through_the_journal_shows_its_reason_and_operation(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    fresh_sandbox: Any,
    tmp_path: Any,
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    charge_id = _new_charge(fresh_sandbox)
    with OpnClient(fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url) as client:
        journal = Journal(engine, client, "Somchai", settle_delay_s=0)
        request = refunds.RefundRequest(charge_id, 30000, "duplicate", "ซ้ำ")
        operation = refunds.refund(journal, client, request, datetime.now(UTC))
        made = list(client.iter_charge_refunds(charge_id))
    with session_scope(engine) as session:
        stores.store_refunds(session, made, datetime.now(UTC))

    tab = shown_tab(qtbot, runner, engine, kept)
    load_row(qtbot, tab.model, 0)

    assert row_texts(tab.model, 0)[AMOUNT] == "฿300.00"
    assert row_texts(tab.model, 0)[CHARGE] == charge_id
    assert row_texts(tab.model, 0)[REASON] == "Duplicate charge"
    assert row_texts(tab.model, 0)[NOTE] == "ซ้ำ"
    assert row_texts(tab.model, 0)[OPERATION] == operation.id
    engine.dispose()


def _new_charge(sandbox: Any) -> str:
    """A ฿1,000.00 card charge made through the sandbox's own API."""
    card = {
        "name": "SOMSRI JAIDEE",
        "number": "4242424242424242",
        "expiration_month": 12,
        "expiration_year": 2031,
        "security_code": "123",
    }
    token = httpx.post(
        f"{sandbox.base_url}/tokens", auth=(SANDBOX_PUBLIC_KEY, ""), json={"card": card}
    ).json()["id"]
    body = {"amount": 100000, "currency": "THB", "card": token}
    reply = httpx.post(
        f"{sandbox.base_url}/charges", auth=(sandbox.secret_key, ""), json=body
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["id"])
