"""The refund and capture dialogs, driven as a clerk would over the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from opn_desk.models.db import open_engine
from opn_desk.models.operations import DONE
from opn_desk.services.profiles import Profile
from opn_desk.services.workspace import Workspace
from opn_desk.views.bulk_refund_dialog import PLAN, RESULT, BulkRefundDialog
from opn_desk.views.capture_dialog import CaptureDialog
from opn_desk.views.refund_dialog import RefundDialog
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.write_actions import ClerkNamePrompt, WriteActions


@pytest.fixture
def workspace(fresh_sandbox: Any, tmp_path: Path) -> Iterator[Workspace]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    profile = Profile(name="Shop", mode="test", clerk="Malee")
    yield Workspace(profile, engine, fresh_sandbox.base_url, fresh_sandbox.secret_key)
    engine.dispose()


def refunds_on(sandbox: Any, charge_id: str) -> list[int]:
    return [
        r["amount"] for r in sandbox.state.objects("refund") if r["charge"] == charge_id
    ]


def opened(qtbot: QtBot, dialog: RefundDialog | CaptureDialog) -> None:
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.terms is not None, timeout=10_000)


def answer(qtbot: QtBot, dialog: Any, yes: bool) -> None:
    qtbot.waitUntil(lambda: dialog.confirmation is not None)
    assert dialog.confirmation is not None
    box = dialog.confirmation
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    button = QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No
    box.button(button).click()


def test_partial_refund_from_the_dialog(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Any,
    fresh_sandbox: Any,
) -> None:
    charge = make_charge()
    dialog = RefundDialog(runner, workspace, charge["id"], "Malee")
    opened(qtbot, dialog)
    assert dialog.remaining_label.text() == "฿1,000.00"
    assert dialog.count_label.text() == "15 of 15"

    dialog.partial_choice.setChecked(True)
    dialog.amount_edit.setText("300.50")
    dialog.refund_button.click()
    assert "฿300.50" in dialog.confirmation.text()  # type: ignore[union-attr]
    with qtbot.waitSignal(dialog.settled, timeout=15_000) as settled:
        answer(qtbot, dialog, yes=True)

    assert settled.args[0].state == DONE
    assert refunds_on(fresh_sandbox, charge["id"]) == [30050]
    assert dialog.message.text().startswith("Refunded.")


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("1,000.01", "more than what is left"),
        ("0", "greater than zero"),
        ("12.345", "at most two decimals"),
        ("twelve", "as a number"),
    ],
)
def test_impossible_amounts_are_refused_before_sending(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Any,
    fresh_sandbox: Any,
    typed: str,
    sentence: str,
) -> None:
    charge = make_charge()
    dialog = RefundDialog(runner, workspace, charge["id"], "Malee")
    opened(qtbot, dialog)

    dialog.partial_choice.setChecked(True)
    dialog.amount_edit.setText(typed)
    dialog.refund_button.click()

    assert sentence in dialog.message.text()
    assert dialog.confirmation is None
    assert refunds_on(fresh_sandbox, charge["id"]) == []


def test_saying_no_sends_nothing(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Any,
    fresh_sandbox: Any,
) -> None:
    charge = make_charge()
    dialog = RefundDialog(runner, workspace, charge["id"], "Malee")
    opened(qtbot, dialog)

    dialog.refund_button.click()
    answer(qtbot, dialog, yes=False)
    qtbot.wait(200)

    assert refunds_on(fresh_sandbox, charge["id"]) == []


def test_disputed_charge_cannot_be_refunded(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    fresh_sandbox: Any,
) -> None:
    disputed = next(c for c in fresh_sandbox.state.charges_sorted() if c.get("dispute"))
    dialog = RefundDialog(runner, workspace, disputed["id"], "Malee")
    opened(qtbot, dialog)

    assert "disputed" in dialog.message.text()
    assert not dialog.refund_button.isEnabled()


def test_partial_capture_from_the_dialog_releases_the_rest(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Any,
    fresh_sandbox: Any,
) -> None:
    charge = make_charge(capture=False, authorization_type="pre_auth")
    dialog = CaptureDialog(runner, workspace, charge["id"], "Malee")
    opened(qtbot, dialog)
    assert dialog.partial_choice.isEnabled()

    dialog.partial_choice.setChecked(True)
    dialog.amount_edit.setText("600")
    dialog.capture_button.click()
    text = dialog.confirmation.text()  # type: ignore[union-attr]
    assert "฿600.00" in text and "release ฿400.00" in text
    with qtbot.waitSignal(dialog.settled, timeout=15_000) as settled:
        answer(qtbot, dialog, yes=True)

    assert settled.args[0].state == DONE
    captured = httpx.get(
        f"{fresh_sandbox.base_url}/charges/{charge['id']}",
        auth=(fresh_sandbox.secret_key, ""),
    ).json()
    assert (captured["captured_amount"], captured["status"]) == (60000, "successful")


def test_final_authorization_offers_full_capture_only(
    qtbot: QtBot, runner: TaskRunner, workspace: Workspace, make_charge: Any
) -> None:
    charge = make_charge(capture=False, authorization_type="final_auth")
    dialog = CaptureDialog(runner, workspace, charge["id"], "Malee")
    opened(qtbot, dialog)

    assert not dialog.partial_choice.isEnabled()
    assert "captured in full only" in dialog.kind_label.text()


def test_a_refund_the_charge_no_longer_allows_is_refused_at_sending(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Any,
    fresh_sandbox: Any,
) -> None:
    charge = make_charge()
    dialog = RefundDialog(runner, workspace, charge["id"], "Malee")
    opened(qtbot, dialog)
    assert dialog.remaining_label.text() == "฿1,000.00"
    # Another workstation refunds most of it while the dialog is open.
    httpx.post(
        f"{fresh_sandbox.base_url}/charges/{charge['id']}/refunds",
        auth=(fresh_sandbox.secret_key, ""),
        json={"amount": 80000},
    ).raise_for_status()

    dialog.partial_choice.setChecked(True)
    dialog.amount_edit.setText("300")
    dialog.refund_button.click()
    answer(qtbot, dialog, yes=True)

    qtbot.waitUntil(lambda: dialog.remaining_label.text() == "฿200.00", timeout=15_000)
    assert "more than what is left" in dialog.message.text()
    assert refunds_on(fresh_sandbox, charge["id"]) == [80000]
    assert dialog.refund_button.isEnabled()


def test_a_capture_made_elsewhere_meanwhile_is_not_made_twice(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Any,
    fresh_sandbox: Any,
) -> None:
    charge = make_charge(capture=False, authorization_type="pre_auth")
    dialog = CaptureDialog(runner, workspace, charge["id"], "Malee")
    opened(qtbot, dialog)
    url = f"{fresh_sandbox.base_url}/charges/{charge['id']}"
    auth = (fresh_sandbox.secret_key, "")
    httpx.post(f"{url}/capture", auth=auth).raise_for_status()

    dialog.capture_button.click()
    reading = dialog.message.text()
    answer(qtbot, dialog, yes=True)

    qtbot.waitUntil(lambda: dialog.message.text() != reading, timeout=15_000)
    qtbot.waitUntil(
        lambda: (
            not dialog.capture_button.isEnabled()
            and "Sending" not in dialog.message.text()
        ),
        timeout=15_000,
    )
    assert httpx.get(url, auth=auth).json()["captured_amount"] == 100000
    assert dialog.terms is not None and dialog.terms.blocked_by is not None


def test_bulk_refund_reviews_then_refunds_each_once(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Any,
    fresh_sandbox: Any,
) -> None:
    good = [make_charge(), make_charge(amount=25000)]
    disputed = next(c for c in fresh_sandbox.state.charges_sorted() if c.get("dispute"))
    ids = [good[0]["id"], disputed["id"], good[1]["id"]]
    dialog = BulkRefundDialog(runner, workspace, ids, "Malee")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.start()
    qtbot.waitUntil(lambda: len(dialog.plan) == 3, timeout=10_000)
    assert dialog.message.text() == "2 of 3 charges can be refunded."
    assert "disputed" in dialog.lines.item(1, PLAN).text()

    dialog.send_button.click()
    assert "฿1,250.00 in all" in dialog.confirmation.text()  # type: ignore[union-attr]
    with qtbot.waitSignal(dialog.finished_sending, timeout=30_000) as finished:
        answer(qtbot, dialog, yes=True)

    states = [outcome.state for outcome in finished.args[0]]
    assert states == ["done", "skipped", "done"]
    assert refunds_on(fresh_sandbox, good[0]["id"]) == [100000]
    assert refunds_on(fresh_sandbox, good[1]["id"]) == [25000]
    assert refunds_on(fresh_sandbox, disputed["id"]) == []
    assert dialog.lines.item(0, RESULT).text().startswith("Refunded")


def name_prompt_of(qtbot: QtBot, actions: WriteActions) -> ClerkNamePrompt:
    qtbot.waitUntil(lambda: actions.name_prompt is not None)
    prompt = actions.name_prompt
    assert prompt is not None and prompt.isVisible()
    return prompt


def press(prompt: ClerkNamePrompt, button: QDialogButtonBox.StandardButton) -> None:
    buttons = prompt.findChild(QDialogButtonBox)
    assert isinstance(buttons, QDialogButtonBox)
    buttons.button(button).click()


def test_an_empty_clerk_name_is_refused_in_a_sentence_and_asked_again(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    make_charge: Any,
    opn_home: Path,
    tmp_path: Path,
) -> None:
    charge = make_charge()
    engine = open_engine(f"sqlite:///{tmp_path / 'unnamed.db'}")
    unnamed = Profile(name="Shop", mode="test")
    window = QWidget()
    qtbot.addWidget(window)
    actions = WriteActions(runner, window)
    sandbox_key = fresh_sandbox.secret_key
    opened_profile = Workspace(unnamed, engine, fresh_sandbox.base_url, sandbox_key)
    actions.set_workspace(opened_profile)

    actions.refund(charge["id"])
    prompt = name_prompt_of(qtbot, actions)
    for typed in ("", "   "):
        prompt.setTextValue(typed)
        press(prompt, QDialogButtonBox.StandardButton.Ok)
        assert prompt.isVisible() and actions.dialog is None
        assert "A name is needed before any refund or capture." in (prompt.labelText())
    prompt.setTextValue(" Malee ")
    press(prompt, QDialogButtonBox.StandardButton.Ok)

    assert not prompt.isVisible()
    dialog = actions.dialog
    assert isinstance(dialog, RefundDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.terms is not None, timeout=10_000)
    assert opened_profile.profile.clerk == "Malee"  # kept with the profile
    engine.dispose()


def test_cancel_on_the_clerk_name_cancels_the_refund(
    qtbot: QtBot, runner: TaskRunner, opn_home: Path, tmp_path: Path
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'unnamed.db'}")
    unnamed = Profile(name="Shop", mode="test")
    window = QWidget()
    qtbot.addWidget(window)
    actions = WriteActions(runner, window)
    actions.set_workspace(Workspace(unnamed, engine, "http://127.0.0.1:9", "skey"))

    actions.refund("chrg_test_any")
    prompt = name_prompt_of(qtbot, actions)
    press(prompt, QDialogButtonBox.StandardButton.Cancel)

    assert not prompt.isVisible() and actions.dialog is None
    engine.dispose()
