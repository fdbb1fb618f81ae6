"""Every write form, fed impossible and edge values by the dozen.

Each value must be refused in the form with a sentence (never an
exception, never a silent drop) and nothing may reach the sandbox: its
events, which record every change, stay as they were. The values are
what a clerk's keyboard, a paste from a spreadsheet or a slip of the
finger produce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from reliability_figures import Figures

from opn_desk.models.db import open_engine
from opn_desk.services.profiles import Profile
from opn_desk.services.sync import AccountSync
from opn_desk.services.workspace import Workspace
from opn_desk.views.capture_dialog import CaptureDialog
from opn_desk.views.refund_dialog import RefundDialog
from opn_desk.views.schedule_form import ScheduleForm
from opn_desk.views.tasks import TaskRunner

# Texts no amount field of a ฿1,000.00 charge may take.
BAD_AMOUNTS = (
    "",
    "   ",
    "0",
    "0.00",
    "-1",
    "-0.01",
    "--5",
    "+5",
    "0.001",
    "12.345",
    ".5",
    "1e3",
    "1E-2",
    "NaN",
    "inf",
    "-inf",
    "twelve",
    "0x10",
    "1_000",
    "1.2.3",
    "¥5",
    "\u200b5",
    "5\u0000",
    "1000.01",
    "1,000.01",
    "9" * 40,
    "๑๐๐๐.๐๑",  # Thai digits, one satang too many
    "１００１",  # full-width digits
)
BAD_YEN = ("10.5", "0.5", "1,000.1", "¥-3")
BAD_METADATA = ("branch", "=Siam", "branch=Siam; campaign", " ; =x")
# A schedule outside Opn's THB limits (฿20 to ฿150,000).
BAD_SCHEDULE_AMOUNTS = (*BAD_AMOUNTS[:-5], "19.99", "150,000.01", "9" * 40)


@pytest.fixture
def workspace(fresh_sandbox: Any, tmp_path: Path) -> Iterator[Workspace]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    profile = Profile(name="Shop", mode="test", clerk="Malee")
    workspace = Workspace(
        profile, engine, fresh_sandbox.base_url, fresh_sandbox.secret_key
    )
    yield workspace
    engine.dispose()


def events(sandbox: Any) -> int:
    return len(sandbox.state.objects("event"))


def refused_each(
    values: tuple[str, ...],
    type_in: Callable[[str], None],
    send: Callable[[], None],
    message: QLabel,
    asked: Callable[[], object],
) -> list[str]:
    """Type each value and send; the values that got no sentence or that
    went as far as a confirmation."""
    slipped = []
    for value in values:
        message.clear()
        type_in(value)
        send()
        said = message.text()
        if not _a_sentence(said) or asked() is not None:
            slipped.append(value)
    return slipped


def _a_sentence(text: str) -> bool:
    """Words a clerk can read: not empty, not a bare code like
    ``too_many_decimals``, ending as a sentence does."""
    return " " in text.strip() and text.rstrip().endswith((".", ")"))


def test_the_refund_form_refuses_every_impossible_amount(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Callable[..., dict[str, Any]],
    fresh_sandbox: Any,
    figures: Figures,
) -> None:
    for charge, values in (
        (make_charge(), BAD_AMOUNTS),
        (make_charge(amount=100000, currency="JPY"), BAD_YEN),
    ):
        dialog = RefundDialog(runner, workspace, charge["id"], "Malee")
        qtbot.addWidget(dialog)
        dialog.open()
        dialog.start()
        qtbot.waitUntil(lambda d=dialog: d.terms is not None, timeout=10_000)
        dialog.partial_choice.setChecked(True)
        before = events(fresh_sandbox)

        slipped = refused_each(
            values,
            dialog.amount_edit.setText,
            dialog.refund_button.click,
            dialog.message,
            lambda d=dialog: d.confirmation,
        )

        assert slipped == []
        assert events(fresh_sandbox) == before
        figures.add("bad inputs", "refund form", len(values))


def test_the_capture_form_refuses_every_impossible_amount(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Callable[..., dict[str, Any]],
    fresh_sandbox: Any,
    figures: Figures,
) -> None:
    charge = make_charge(capture=False, authorization_type="pre_auth")
    dialog = CaptureDialog(runner, workspace, charge["id"], "Malee")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.terms is not None, timeout=10_000)
    dialog.partial_choice.setChecked(True)
    before = events(fresh_sandbox)

    slipped = refused_each(
        BAD_AMOUNTS,
        dialog.amount_edit.setText,
        dialog.capture_button.click,
        dialog.message,
        lambda: dialog.confirmation,
    )

    assert slipped == []
    assert events(fresh_sandbox) == before
    assert fresh_sandbox.state.get("charge", charge["id"])["capturable"]
    figures.add("bad inputs", "capture form", len(BAD_AMOUNTS))


def test_the_schedule_form_refuses_bad_amounts_and_metadata(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    fresh_sandbox: Any,
    figures: Figures,
) -> None:
    with workspace.client() as client:
        AccountSync(client, workspace.engine).run()
    form = ScheduleForm(runner, workspace, "Malee")
    qtbot.addWidget(form)
    form.show()
    form.start()
    qtbot.waitUntil(lambda: form.customers is not None, timeout=10_000)
    start = form.today() + timedelta(days=2)
    form.start_edit.setDate(start)
    form.end_edit.setDate(start + timedelta(days=90))
    form.period_combo.setCurrentIndex(0)
    before = events(fresh_sandbox)

    slipped = refused_each(
        BAD_SCHEDULE_AMOUNTS,
        form.amount_edit.setText,
        form.create_button.click,
        form.message,
        lambda: form.confirmation,
    )
    form.amount_edit.setText("1,250.00")
    slipped += refused_each(
        BAD_METADATA,
        form.metadata_edit.setText,
        form.create_button.click,
        form.message,
        lambda: form.confirmation,
    )

    assert slipped == []
    assert events(fresh_sandbox) == before
    figures.add("bad inputs", "schedule form", len(BAD_SCHEDULE_AMOUNTS))
    figures.add("bad inputs", "schedule form", len(BAD_METADATA))
