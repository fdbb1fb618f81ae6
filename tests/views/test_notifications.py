"""Desktop notifications from the main window, over the sandbox and a real cache.

The notifier's clock is moved six and a half days ahead, so that a dispute
opened today is due within two days (by the Disputes tab's 7-day policy)
and an authorization made today lapses within 24 hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pytestqt.qtbot import QtBot

from opn_desk.models.db import open_engine, session_scope
from opn_desk.models.journal_store import record_operation, settle_operation
from opn_desk.models.operations import UNCONFIRMED
from opn_desk.sandbox import SANDBOX_PUBLIC_KEY
from opn_desk.services.profiles import Profile
from opn_desk.services.workspace import Workspace
from opn_desk.views.main_window import MainWindow
from opn_desk.views.notifications import (
    AUTHORIZATION_LAPSING,
    DISPUTE_DUE,
    OCCURRENCE_FAILED,
    OPERATION_UNCONFIRMED,
)
from opn_desk.views.tasks import TaskRunner

AHEAD = timedelta(days=6, hours=12)


def new_charge(sandbox: Any, *, capture: bool) -> dict[str, Any]:
    card = {
        "name": "SOMCHAI JAIDEE",
        "number": "4242424242424242",
        "expiration_month": 1,
        "expiration_year": 2032,
        "security_code": "123",
    }
    token = httpx.post(
        f"{sandbox.base_url}/tokens", auth=(SANDBOX_PUBLIC_KEY, ""), json={"card": card}
    ).json()["id"]
    body = {"amount": 250000, "currency": "THB", "card": token, "capture": capture}
    reply = httpx.post(
        f"{sandbox.base_url}/charges", auth=(sandbox.secret_key, ""), json=body
    )
    reply.raise_for_status()
    charge: dict[str, Any] = reply.json()
    return charge


def sandbox_list(sandbox: Any, path: str) -> list[dict[str, Any]]:
    reply = httpx.get(
        f"{sandbox.base_url}{path}",
        params={"limit": 100},
        auth=(sandbox.secret_key, ""),
    )
    reply.raise_for_status()
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


def failed_occurrence_ids(sandbox: Any) -> set[str]:
    ids = set()
    for schedule in sandbox_list(sandbox, "/schedules"):
        for item in sandbox_list(sandbox, f"/schedules/{schedule['id']}/occurrences"):
            if item["status"] == "failed":
                ids.add(item["id"])
    return ids


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_each_item_is_notified_once_per_kind(
    qtbot: QtBot, runner: TaskRunner, fresh_sandbox: Any, tmp_path: Path
) -> None:
    lapsing = new_charge(fresh_sandbox, capture=False)
    disputed = new_charge(fresh_sandbox, capture=True)
    dispute = fresh_sandbox.open_dispute(disputed["id"])
    failed = failed_occurrence_ids(fresh_sandbox)
    assert failed  # the demo schedules include a declined card

    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    profile = Profile(name="Shop", mode="test", timezone="Asia/Bangkok")
    workspace = Workspace(
        profile, engine, fresh_sandbox.base_url, fresh_sandbox.secret_key
    )
    window = MainWindow(runner, profile)
    qtbot.addWidget(window)
    later = datetime.now(UTC) + AHEAD
    window.notifier.clock = lambda: later
    told: list[tuple[str, list[str]]] = []
    window.notifier.notified.connect(lambda kind, ids: told.append((kind, ids)))
    window.show()

    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.attach_workspace(workspace)
    by_kind: dict[str, list[str]] = {}

    def told_all() -> bool:
        by_kind.clear()
        for kind, ids in told:
            by_kind.setdefault(kind, []).extend(ids)
        wanted = {DISPUTE_DUE, AUTHORIZATION_LAPSING, OCCURRENCE_FAILED}
        return wanted <= by_kind.keys() and not window.notifier.busy

    qtbot.waitUntil(told_all, timeout=15_000)

    assert dispute["id"] in by_kind[DISPUTE_DUE]
    policy = window.tabs.disputes.policy
    for item in sandbox_list(fresh_sandbox, "/disputes"):
        due = policy.deadline(parse_time(item["created_at"])) - later
        is_due = item["status"] == "open" and due <= timedelta(days=2)
        assert (item["id"] in by_kind[DISPUTE_DUE]) == is_due, item["id"]
    assert lapsing["id"] in by_kind[AUTHORIZATION_LAPSING]
    assert disputed["id"] not in by_kind[AUTHORIZATION_LAPSING]
    assert set(by_kind[OCCURRENCE_FAILED]) == failed
    assert OPERATION_UNCONFIRMED not in by_kind
    # No tray offscreen: the status bar says it.
    assert window.status.currentMessage().endswith("scheduled charge(s) failed")

    operation_id = "op_test_unconfirmed_1"
    with session_scope(engine) as session:
        record_operation(
            session, operation_id=operation_id, kind="refund",
            target_id=disputed["id"], params={"amount": 1000}, clerk="Malee",
            workstation="desk-1", now=datetime.now(UTC),
        )  # fmt: skip
        settle_operation(session, operation_id, UNCONFIRMED, datetime.now(UTC))
    with qtbot.waitSignal(window.notifier.notified, timeout=10_000) as signal:
        window.notifier.check()
    assert signal.args == [OPERATION_UNCONFIRMED, [operation_id]]
    assert "1 operation(s) could not be confirmed" in window.status.currentMessage()

    # Another sync and more checks tell nothing again.
    count = len(told)
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.start_sync()
    qtbot.waitUntil(lambda: not window.notifier.busy)
    with qtbot.waitSignal(window.notifier.checked, timeout=10_000):
        window.notifier.check()
    assert len(told) == count
    every_id = [(kind, item) for kind, ids in told for item in ids]
    assert len(every_id) == len(set(every_id))

    window.close()
    engine.dispose()
