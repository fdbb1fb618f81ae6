"""Starting refunds and captures from the window, and settling old ones.

The clerk's name is asked once per profile and kept with it; every write
is recorded under it. At start-up, writes a previous run left unsettled
are settled before anything else is sent.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from opn_desk.models.journal_store import Operation
from opn_desk.services.captures import CAPTURE_KIND, REVERSE_KIND
from opn_desk.services.evidence import evidence_write_kinds
from opn_desk.services.profiles import Profile, load_profiles, save_profiles
from opn_desk.services.refunds import REFUND_KIND
from opn_desk.services.schedules import KINDS as SCHEDULE_KINDS
from opn_desk.services.workspace import Workspace
from opn_desk.views.bulk_refund_dialog import BulkRefundDialog
from opn_desk.views.capture_dialog import CaptureDialog
from opn_desk.views.refund_dialog import RefundDialog
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

WRITE_KINDS = {
    kind.name: kind
    for kind in (REFUND_KIND, CAPTURE_KIND, REVERSE_KIND, *SCHEDULE_KINDS.values())
}


class WriteActions(QObject):
    """Opens the refund and capture dialogs for the open profile.

    Signals:
        settled(object): an Operation settled (from a dialog or start-up).
    """

    settled = Signal(object)

    def __init__(self, runner: TaskRunner, window: QWidget) -> None:
        super().__init__(window)
        self._runner = runner
        self._window = window
        self._workspace: Workspace | None = None
        self.dialog: RefundDialog | CaptureDialog | BulkRefundDialog | None = None
        self.name_prompt: ClerkNamePrompt | None = None

    def set_workspace(self, workspace: Workspace | None) -> None:
        self._workspace = workspace

    def refund(self, charge_id: str) -> None:
        self._with_clerk(lambda clerk: self._open(RefundDialog, charge_id, clerk))

    def bulk_refund(self, charge_ids: list[str]) -> None:
        self._with_clerk(lambda clerk: self._open_bulk(charge_ids, clerk))

    def capture(self, charge_id: str) -> None:
        self._with_clerk(lambda clerk: self._open(CaptureDialog, charge_id, clerk))

    def settle_unfinished(self) -> None:
        """Settle writes left unsettled by an earlier run, in the background."""
        workspace = self._workspace
        if workspace is None:
            return

        def settle() -> list[Operation]:
            with workspace.client() as client:
                journal = workspace.journal(client, workspace.profile.clerk or "")
                kinds = {**WRITE_KINDS, **evidence_write_kinds(workspace.engine)}
                return journal.settle_open(kinds)

        self._runner.run_network(settle, self._settled_many, context=self)

    def _settled_many(self, operations: list[Operation]) -> None:
        for operation in operations:
            logger.info("Settled %s: %s", operation.id, operation.state)
            self.settled.emit(operation)

    def _open(self, dialog_class: type, charge_id: str, clerk: str) -> None:
        workspace = self._workspace
        if workspace is None:
            return
        dialog = dialog_class(self._runner, workspace, charge_id, clerk, self._window)
        dialog.settled.connect(self.settled)
        self.dialog = dialog
        dialog.open()
        dialog.start()

    def _open_bulk(self, charge_ids: list[str], clerk: str) -> None:
        workspace = self._workspace
        if workspace is None:
            return
        dialog = BulkRefundDialog(
            self._runner, workspace, charge_ids, clerk, self._window
        )
        dialog.finished_sending.connect(lambda _outcomes: self.settled.emit(None))
        self.dialog = dialog
        dialog.open()
        dialog.start()

    def _with_clerk(self, then: object) -> None:
        workspace = self._workspace
        if workspace is None:
            return
        assert callable(then)
        if workspace.profile.clerk:
            then(workspace.profile.clerk)
            return
        prompt = ClerkNamePrompt(
            self._window,
            self.tr(
                "Enter your name. opn-desk records it with every refund and "
                "capture you make on this profile."
            ),
            self.tr(
                "A name is needed before any refund or capture. Type your "
                "name and press OK, or press Cancel to stop."
            ),
        )
        prompt.setWindowTitle(self.tr("Who is working?"))
        prompt.textValueSelected.connect(
            lambda name: self._clerk_named(name.strip(), then)
        )
        self.name_prompt = prompt
        prompt.open()

    def _clerk_named(self, name: str, then: object) -> None:
        workspace = self._workspace
        if not name or workspace is None:
            return
        assert callable(then)
        workspace.profile = remember_clerk(workspace.profile, name)
        then(name)


class ClerkNamePrompt(QInputDialog):
    """Asks the clerk's name; OK with no name says so and asks again.

    Only a name, or Cancel, closes the prompt.
    """

    def __init__(self, parent: QWidget, question: str, refusal: str) -> None:
        super().__init__(parent)
        self._question = question
        self._refusal = refusal
        self.setLabelText(question)
        self.setTextEchoMode(QLineEdit.EchoMode.Normal)

    def accept(self) -> None:
        """Override QDialog.accept: refuse an empty name in a sentence."""
        if self.textValue().strip():
            super().accept()
            return
        self.setLabelText(f"{self._question}\n\n{self._refusal}")
        name_edit = self.findChild(QLineEdit)
        if name_edit is not None:
            name_edit.setFocus()


def remember_clerk(profile: Profile, clerk: str) -> Profile:
    """The profile with its clerk's name, saved in the profile book."""
    named = replace(profile, clerk=clerk)
    book = load_profiles()
    if book is not None and book.get(profile.name) is not None:
        book.put(named, activate=book.active == profile.name)
        save_profiles(book)
    return named
