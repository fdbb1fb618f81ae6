"""The evidence form of one dispute: questions, files, draft, submit, accept.

The questions follow the dispute's reason code; answers save themselves a
moment after each keystroke, and files are checked and kept in the cache
as soon as they are picked or dropped, so a clerk can work offline. Only
"Submit" and "Accept" reach Opn, each after a confirmation, through the
operations journal.
"""

from __future__ import annotations

import getpass
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from opn_desk.models.evidence import DRAFT, READY_FOR_REVIEW, SUBMITTED
from opn_desk.models.journal_store import Operation, OperationInFlight
from opn_desk.models.operations import DONE
from opn_desk.services import disputes as rules
from opn_desk.services import evidence
from opn_desk.services.disputes import (
    MAX_FILE_BYTES,
    DeadlinePolicy,
    DisputeRow,
    FileRefused,
)
from opn_desk.services.evidence import Draft, EvidenceFile
from opn_desk.services.money import format_amount
from opn_desk.services.workspace import Workspace
from opn_desk.views.disputes_table_model import (
    dispute_status_label,
    reason_label,
    time_left_text,
)
from opn_desk.views.errors import error_sentence
from opn_desk.views.evidence_preview import EvidencePreview
from opn_desk.views.labels import moment_text
from opn_desk.views.refusals import operation_outcome
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

SAVE_DELAY_MS = 800
_CONTEXT = "EvidenceForm"
_QUESTIONS = {
    rules.WHAT_WAS_SOLD: QT_TRANSLATE_NOOP(
        "EvidenceForm", "What did the customer buy, and when?"
    ),
    rules.DELIVERY_PROOF: QT_TRANSLATE_NOOP(
        "EvidenceForm",
        "How was it delivered? Give the carrier and tracking number, and "
        "attach the signed delivery slip.",
    ),
    rules.CUSTOMER_CONTACT: QT_TRANSLATE_NOOP(
        "EvidenceForm",
        "What did you and the customer say to each other? Attach the "
        "messages or emails.",
    ),
    rules.REFUND_POLICY: QT_TRANSLATE_NOOP(
        "EvidenceForm",
        "What is your refund and return policy, and did the customer use "
        "it? Attach the policy as shown at checkout.",
    ),
    rules.CANCELLATION: QT_TRANSLATE_NOOP(
        "EvidenceForm",
        "Did the customer cancel before this charge? Attach your record of "
        "the subscription and its cancellation terms.",
    ),
    rules.DUPLICATE: QT_TRANSLATE_NOOP(
        "EvidenceForm",
        "Why is this charge not a duplicate or paid another way? Attach "
        "both receipts and say what each one was for.",
    ),
    rules.AUTHORIZATION: QT_TRANSLATE_NOOP(
        "EvidenceForm",
        "What shows the cardholder made this purchase (3-D Secure, address, "
        "earlier orders)? Attach the proof.",
    ),
    rules.AMOUNT_AGREED: QT_TRANSLATE_NOOP(
        "EvidenceForm",
        "What amount and currency did the customer agree to? Attach the "
        "invoice or order confirmation.",
    ),
    rules.OTHER_FACTS: QT_TRANSLATE_NOOP(
        "EvidenceForm", "Anything else the bank should know?"
    ),
}
_SHORT = {
    rules.WHAT_WAS_SOLD: QT_TRANSLATE_NOOP("EvidenceForm", "what was sold"),
    rules.DELIVERY_PROOF: QT_TRANSLATE_NOOP("EvidenceForm", "delivery proof"),
    rules.CUSTOMER_CONTACT: QT_TRANSLATE_NOOP("EvidenceForm", "customer communication"),
    rules.REFUND_POLICY: QT_TRANSLATE_NOOP("EvidenceForm", "refund policy"),
    rules.CANCELLATION: QT_TRANSLATE_NOOP("EvidenceForm", "cancellation"),
    rules.DUPLICATE: QT_TRANSLATE_NOOP("EvidenceForm", "duplicate explanation"),
    rules.AUTHORIZATION: QT_TRANSLATE_NOOP("EvidenceForm", "proof of authorization"),
    rules.AMOUNT_AGREED: QT_TRANSLATE_NOOP("EvidenceForm", "amount agreed"),
    rules.OTHER_FACTS: QT_TRANSLATE_NOOP("EvidenceForm", "other facts"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def file_refusal(reason: str, filename: str, size: int) -> str:
    """Why a file cannot be used as evidence, and what to do instead."""
    sentences = {
        rules.EMPTY: _tr("%1 is empty. Choose the file that has the evidence."),
        rules.TOO_LARGE: _tr(
            "%1 is %2 bytes; Opn takes at most 10 MB (%3 bytes) per file. "
            "Scan it at a lower resolution or split it, then add it again."
        ),
        rules.EXECUTABLE: _tr(
            "%1 is a program, not a document, whatever its name says. Opn "
            "takes only PNG, JPEG and PDF files."
        ),
        rules.OTHER_IMAGE: _tr(
            "%1 is an image type Opn does not take (only PNG and JPEG). "
            "Save it as PNG or JPEG, then add it again."
        ),
        rules.UNKNOWN_TYPE: _tr(
            "%1 is not a PNG, JPEG or PDF file. Save or print it as a PDF, "
            "then add it again."
        ),
    }
    sentence = sentences.get(reason, sentences[rules.UNKNOWN_TYPE])
    return (
        sentence.replace("%1", filename)
        .replace("%2", f"{size:,}")
        .replace("%3", f"{MAX_FILE_BYTES:,}")
    )


def missing_text(missing: list[rules.Missing]) -> str:
    """One sentence per question still lacking text or a document."""
    if not missing:
        return _tr("Nothing is missing: every question has its answer.")
    lines = []
    for item in missing:
        name = _tr(str(_SHORT.get(item.question, item.question)))
        if item.text and item.document:
            line = _tr("Still missing: the answer and a document for %1.")
        elif item.text:
            line = _tr("Still missing: the answer for %1.")
        else:
            line = _tr("Still missing: a document for %1.")
        lines.append(line.replace("%1", name))
    return "\n".join(lines)


def files_outcome(refusals: list[str], kept: list[str]) -> str:
    """What became of the files of one pick or drop: each refused file's
    own sentence, then the files kept with the draft."""
    lines = list(refusals)
    if len(kept) == 1:
        lines.append(_tr("%1 is kept with the draft.").replace("%1", kept[0]))
    elif kept:
        names = ", ".join(kept)
        lines.append(_tr("Kept with the draft: %1.").replace("%1", names))
    elif len(refusals) > 1:
        lines.append(_tr("None of these files was kept with the draft."))
    return "\n".join(lines)


@dataclass(slots=True)
class _FileBatch:
    """The files of one pick or drop, checked one after another in the
    background, and what became of each so far."""

    pending: int = 0
    refusals: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def read_evidence_file(path: Path) -> bytes:
    """The bytes of a picked file; refuses an oversized one before reading it.

    Raises:
        FileRefused: the file is larger than Opn takes.
        OSError: the file cannot be read.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRefused(rules.TOO_LARGE, size)
    return path.read_bytes()


class EvidenceForm(QWidget):
    """Evidence for the dispute shown, saved as it is typed.

    Signals:
        draft_saved(object): the Draft as it now stands in the cache.
        settled(str): the id of a dispute that was answered or accepted.
    """

    draft_saved = Signal(object)
    settled = Signal(str)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._timezone = timezone
        self._workspace: Workspace | None = None
        self._policy = DeadlinePolicy()
        self.dispute: DisputeRow | None = None
        self.draft: Draft | None = None
        self.confirmation: QMessageBox | None = None
        self._confirm_after_save = False
        self._batch = _FileBatch()
        self.answer_edits: dict[str, QPlainTextEdit] = {}
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_now)
        self.setAcceptDrops(True)
        self._build()
        self.show_dispute(None)

    def set_workspace(self, workspace: Workspace | None) -> None:
        """Work on ``workspace``; answers typed a moment ago are saved first."""
        if self._save_timer.isActive():
            self.save_now()
        self._workspace = workspace
        if workspace is None:
            self.show_dispute(None)

    def set_policy(self, policy: DeadlinePolicy) -> None:
        self._policy = policy
        self._show_facts()

    # Building

    def _build(self) -> None:
        self.title = QLabel(self)
        self.title.setObjectName("evidenceTitle")
        self.title.setWordWrap(True)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setObjectName("evidenceFacts")

        self.questions_box = QGroupBox(self.tr("Your answer"), self)
        self.questions_layout = QFormLayout(self.questions_box)
        self.missing_label = QLabel(self)
        self.missing_label.setObjectName("evidenceMissing")
        self.missing_label.setWordWrap(True)

        self.files_box = QGroupBox(self.tr("Documents"), self)
        self.files_list = QListWidget(self.files_box)
        self.files_list.currentItemChanged.connect(self._file_selected)
        self.proves_combo = QComboBox(self.files_box)
        self.attach_button = QPushButton(self.tr("Add files…"), self.files_box)
        self.attach_button.clicked.connect(self._pick_files)
        self.remove_button = QPushButton(self.tr("Remove"), self.files_box)
        self.remove_button.clicked.connect(self._remove_selected)
        drop_hint = QLabel(
            self.tr("Or drop PNG, JPEG or PDF files here (10 MB at most each)."),
            self.files_box,
        )
        drop_hint.setWordWrap(True)
        self.preview = EvidencePreview(self.files_box)
        row = QHBoxLayout()
        row.addWidget(self.proves_combo, 1)
        row.addWidget(self.attach_button)
        row.addWidget(self.remove_button)
        files_layout = QVBoxLayout(self.files_box)
        files_layout.addWidget(QLabel(self.tr("The next files prove:"), self.files_box))
        files_layout.addLayout(row)
        files_layout.addWidget(drop_hint)
        self.files_list.setMaximumHeight(110)
        files_layout.addWidget(self.files_list)
        files_layout.addWidget(self.preview)

        self.state_label = QLabel(self)
        self.state_label.setWordWrap(True)
        self.ready_button = QPushButton(self.tr("Ready for review"), self)
        self.ready_button.clicked.connect(self._mark_ready)
        self.submit_button = QPushButton(self.tr("Submit to Opn…"), self)
        self.submit_button.clicked.connect(self._ask_to_submit)
        self.accept_reason_edit = QLineEdit(self)
        self.accept_reason_edit.setPlaceholderText(
            self.tr("Why you accept the dispute (kept in the audit log)")
        )
        self.accept_button = QPushButton(self.tr("Accept the dispute…"), self)
        self.accept_button.clicked.connect(self._ask_to_accept)
        actions = QHBoxLayout()
        actions.addWidget(self.state_label, 1)
        actions.addWidget(self.ready_button)
        actions.addWidget(self.submit_button)
        accept_row = QHBoxLayout()
        accept_row.addWidget(self.accept_reason_edit, 1)
        accept_row.addWidget(self.accept_button)

        self.message = QLabel(self)
        self.message.setObjectName("evidenceMessage")
        self.message.setWordWrap(True)

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        for widget in (
            self.title,
            self.facts,
            self.questions_box,
            self.missing_label,
            self.files_box,
        ):
            body_layout.addWidget(widget)
        body_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(actions)
        layout.addLayout(accept_row)
        layout.addWidget(self.message)

    # Showing a dispute

    def show_dispute(self, dispute: DisputeRow | None) -> None:
        """Show ``dispute`` and read its draft from the cache (None: empty)."""
        if self._save_timer.isActive():
            self.save_now()
        same_case = (
            dispute is not None
            and self.dispute is not None
            and dispute.id == self.dispute.id
        )
        self.dispute = dispute
        self.draft = None
        self._confirm_after_save = False
        if not same_case:
            self.message.clear()
            self._batch = _FileBatch()
        self.preview.clear_preview()
        self._build_questions()
        self._show_facts()
        self._set_editable(False)
        workspace = self._workspace
        if dispute is None or workspace is None:
            self.title.setText(self.tr("Select a dispute to answer it."))
            return
        engine, dispute_id = workspace.engine, dispute.id
        self._runner.run_db(
            lambda: evidence.load_draft(engine, dispute_id),
            self._draft_loaded,
            self._not_done,
            context=self,
        )

    def _build_questions(self) -> None:
        while self.questions_layout.rowCount():
            self.questions_layout.removeRow(0)
        self.answer_edits = {}
        self.proves_combo.clear()
        self.proves_combo.addItem(self.tr("The case in general"), None)
        if self.dispute is None:
            return
        for question in rules.questions_for(self.dispute.reason_code):
            label = QLabel(_tr(str(_QUESTIONS[question.key])), self.questions_box)
            label.setWordWrap(True)
            edit = QPlainTextEdit(self.questions_box)
            edit.setObjectName(f"answer_{question.key}")
            edit.setFixedHeight(70)
            edit.textChanged.connect(self._answer_changed)
            self.answer_edits[question.key] = edit
            self.questions_layout.addRow(label)
            self.questions_layout.addRow(edit)
            if question.wants_document:
                name = _tr(str(_SHORT[question.key]))
                self.proves_combo.addItem(name, question.key)

    def _show_facts(self) -> None:
        dispute = self.dispute
        if dispute is None:
            self.facts.clear()
            return
        self.title.setText(
            self.tr("Dispute %1 on charge %2")
            .replace("%1", dispute.id)
            .replace("%2", dispute.charge_id or "?")
        )
        deadline = self._policy.deadline(dispute.opened_at)
        now = datetime.now(UTC)
        lines = [
            self.tr("Status: %1").replace("%1", dispute_status_label(dispute.status)),
            self.tr("Reason: %1").replace(
                "%1", reason_label(dispute.reason_code, dispute.reason_message)
            ),
            self.tr("Amount: %1").replace(
                "%1", format_amount(dispute.amount, dispute.currency)
            ),
            self._deadline_line(deadline, now, dispute.status),
        ]
        if dispute.customer:
            lines.append(self.tr("Customer: %1").replace("%1", dispute.customer))
        if dispute.status != "open":
            lines.append(
                self.tr(
                    "Opn takes evidence only while a dispute is open; this one "
                    "is %1, so the form is read-only."
                ).replace("%1", dispute_status_label(dispute.status))
            )
        if dispute.document_names:
            lines.append(
                self.tr("Documents at Opn: %1").replace(
                    "%1", ", ".join(dispute.document_names)
                )
            )
        self.facts.setText("\n".join(lines))

    def _deadline_line(self, deadline: datetime, now: datetime, status: str) -> str:
        left = time_left_text(deadline, now, status)
        if not left:
            return self.tr("Answer by: %1").replace("%1", self._local(deadline))
        return (
            self.tr("Answer by: %1 (%2)")
            .replace("%1", self._local(deadline))
            .replace("%2", left)
        )

    def _local(self, moment: datetime) -> str:
        return moment_text(moment, ZoneInfo(self._timezone))

    def _draft_loaded(self, draft: Draft) -> None:
        if self.dispute is None or draft.dispute_id != self.dispute.id:
            return
        self.draft = draft
        for key, edit in self.answer_edits.items():
            edit.blockSignals(True)
            edit.setPlainText(draft.answers.get(key, ""))
            edit.blockSignals(False)
        self._show_files(draft.files)
        self._show_state()
        self._set_editable(self.dispute.status == "open" and draft.state != SUBMITTED)

    def _show_files(self, files: tuple[EvidenceFile, ...]) -> None:
        self.files_list.clear()
        for kept in files:
            proves = _tr(str(_SHORT.get(kept.question or "", ""))) or self.tr(
                "the case in general"
            )
            text = (
                self.tr("%1 (%2 bytes) — proves %3")
                .replace("%1", kept.filename)
                .replace("%2", f"{kept.size:,}")
                .replace("%3", proves)
            )
            item = QListWidgetItem(text, self.files_list)
            item.setData(256, kept.id)
            item.setToolTip(f"SHA-256 {kept.sha256}")
        self._show_missing()

    def _show_missing(self) -> None:
        if self.dispute is None:
            self.missing_label.clear()
            return
        documented = [f.question for f in self.draft.files] if self.draft else []
        missing = rules.missing_evidence(
            self.dispute.reason_code, self.current_answers(), documented
        )
        self.missing_label.setText(missing_text(missing))

    def _show_state(self) -> None:
        state = self.draft.state if self.draft else DRAFT
        words = {
            DRAFT: self.tr("Draft, saved on this computer's cache."),
            READY_FOR_REVIEW: self.tr("Ready for review."),
            SUBMITTED: self.tr("Submitted to Opn."),
        }
        self.state_label.setText(words.get(state, state))

    def _set_editable(self, editable: bool) -> None:
        for edit in self.answer_edits.values():
            edit.setReadOnly(not editable)
        for widget in (
            self.attach_button,
            self.remove_button,
            self.proves_combo,
            self.ready_button,
            self.submit_button,
        ):
            widget.setEnabled(editable)
        can_accept = self.dispute is not None and self.dispute.status in (
            "open",
            "pending",
        )
        self.accept_button.setEnabled(can_accept and self._workspace is not None)
        self.accept_reason_edit.setEnabled(can_accept)
        self.setAcceptDrops(editable)

    # Saving

    def current_answers(self) -> dict[str, str]:
        return {key: edit.toPlainText() for key, edit in self.answer_edits.items()}

    def _answer_changed(self) -> None:
        self._show_missing()
        self._save_timer.start()

    def save_now(self, state: str | None = None) -> None:
        """Save the answers at once (the debounce timer calls this too)."""
        self._save_timer.stop()
        workspace, dispute = self._workspace, self.dispute
        if workspace is None or dispute is None or self.draft is None:
            return
        if self.draft.state == SUBMITTED:
            return
        engine, answers = workspace.engine, self.current_answers()
        chosen = state or self.draft.state
        clerk = self._clerk()

        def save() -> Draft:
            return evidence.save_draft(
                engine,
                dispute.id,
                dispute.reason_code,
                answers,
                clerk=clerk,
                now=datetime.now(UTC),
                state=chosen,
            )

        self._runner.run_db(save, self._saved, self._not_done, context=self)

    def _saved(self, draft: Draft) -> None:
        shown = self.dispute is not None and draft.dispute_id == self.dispute.id
        if shown:
            self.draft = draft
            self._show_state()
        self.draft_saved.emit(draft)
        if shown and self._confirm_after_save:
            self._confirm_after_save = False
            self._confirm_submission(draft)

    def _mark_ready(self) -> None:
        self.save_now(READY_FOR_REVIEW)

    def _clerk(self) -> str:
        workspace = self._workspace
        if workspace is not None and workspace.profile.clerk:
            return workspace.profile.clerk
        return getpass.getuser()

    # Files

    @property
    def files_being_checked(self) -> int:
        """How many picked or dropped files are still being checked."""
        return self._batch.pending

    def add_paths(self, paths: list[Path]) -> None:
        """Check and keep each file for the shown dispute, in the background.

        The message then says every file refused, each in its own
        sentence, and which were kept.
        """
        workspace, dispute = self._workspace, self.dispute
        if workspace is None or dispute is None or not self.attach_button.isEnabled():
            return
        question = self.proves_combo.currentData()
        engine = workspace.engine
        if self._batch.pending == 0:
            self._batch = _FileBatch()
        batch = self._batch
        batch.pending += len(paths)
        for path in paths:

            def keep(path: Path = path) -> EvidenceFile:
                data = read_evidence_file(path)
                return evidence.add_file(
                    engine, dispute.id, question, path.name, data, datetime.now(UTC)
                )

            self._runner.run_db(
                keep,
                partial(self._file_kept, batch=batch),
                partial(self._file_not_kept, path=path, batch=batch),
                context=self,
            )

    def _pick_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            self.tr("Add evidence files"),
            "",
            self.tr("Evidence (*.png *.jpg *.jpeg *.pdf);;All files (*)"),
        )
        self.add_paths([Path(name) for name in names])

    def _file_kept(self, kept: EvidenceFile, batch: _FileBatch) -> None:
        draft = self.draft
        if draft is not None and kept.dispute_id == draft.dispute_id:
            self.draft = _with_files(draft, (*draft.files, kept))
            self._show_files(self.draft.files)
        batch.kept.append(kept.filename)
        self._file_checked(batch)

    def _file_not_kept(
        self, error: BaseException, path: Path, batch: _FileBatch
    ) -> None:
        if isinstance(error, FileRefused):
            sentence = file_refusal(error.reason, path.name, error.size)
        elif isinstance(error, OSError):
            sentence = self.tr(
                "%1 could not be read. Check that it still exists and that you "
                "may open it, then add it again."
            ).replace("%1", path.name)
        else:
            sentence = error_sentence(error)
        batch.refusals.append(sentence)
        self._file_checked(batch)

    def _file_checked(self, batch: _FileBatch) -> None:
        """Say what became of the files of ``batch`` so far."""
        if batch is not self._batch:
            return  # another dispute is shown now
        batch.pending -= 1
        self.message.setText(files_outcome(batch.refusals, batch.kept))

    def _remove_selected(self) -> None:
        item = self.files_list.currentItem()
        workspace = self._workspace
        if item is None or workspace is None or self.draft is None:
            return
        file_id, engine = str(item.data(256)), workspace.engine
        remaining = tuple(f for f in self.draft.files if f.id != file_id)
        self.draft = _with_files(self.draft, remaining)
        self._show_files(remaining)
        self._runner.run_db(
            lambda: evidence.remove_file(engine, file_id), None, self._not_done
        )

    def _file_selected(self, item: QListWidgetItem | None) -> None:
        workspace = self._workspace
        if item is None or workspace is None or self.draft is None:
            self.preview.clear_preview()
            return
        file_id, engine = str(item.data(256)), workspace.engine
        kept = next((f for f in self.draft.files if f.id == file_id), None)
        if kept is None:
            return
        self._runner.run_db(
            lambda: evidence.file_bytes(engine, file_id),
            lambda data: self.preview.show_file(data, kept.content_type),
            self._not_done,
            context=self,
        )

    # Submitting

    def _ask_to_submit(self) -> None:
        """Save first, then confirm exactly what the cache will send."""
        workspace, dispute = self._workspace, self.dispute
        if workspace is None or dispute is None or self.draft is None:
            return
        self._confirm_after_save = True
        self.save_now()

    def _confirm_submission(self, draft: Draft) -> None:
        if not draft.message.strip():
            self.message.setText(
                self.tr(
                    "Answer at least one question first: Opn needs a message "
                    "to review the evidence."
                )
            )
            return
        files = "\n".join(
            self.tr("• %1 (%2 bytes)")
            .replace("%1", f.filename)
            .replace("%2", f"{f.size:,}")
            for f in draft.files
        ) or self.tr("(no documents)")
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Confirm the answer to the dispute"),
            self.tr(
                "Send this answer to Opn for dispute %1? Opn will review it and "
                "the dispute becomes pending; it cannot be changed afterwards.\n\n"
                "Documents:\n%2"
            )
            .replace("%1", draft.dispute_id)
            .replace("%2", files),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setInformativeText(
            self.tr("Message:\n%1").replace("%1", draft.message)
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(self._submit_confirmed)
        self.confirmation.open()

    def _submit_confirmed(self, answer: int) -> None:
        workspace, dispute = self._workspace, self.dispute
        if answer != QMessageBox.StandardButton.Yes:
            return
        if workspace is None or dispute is None:
            return
        self._set_editable(False)
        self.message.setText(self.tr("Sending the documents and the message to Opn…"))
        clerk, dispute_id = self._clerk(), dispute.id

        def send() -> evidence.SubmitResult:
            with workspace.client() as client:
                journal = workspace.journal(client, clerk)
                return evidence.submit_evidence(
                    workspace.engine, journal, client, dispute_id, datetime.now(UTC)
                )

        self._runner.run_network(send, self._submitted, self._not_sent, context=self)

    def _submitted(self, result: evidence.SubmitResult) -> None:
        uploads = len(result.operations) - 1
        self.message.setText(
            self.tr(
                "Sent to Opn: %n document(s) and the message. The dispute is now %1.",
                "",
                uploads,
            ).replace("%1", dispute_status_label(result.dispute.status))
        )
        self.settled.emit(result.dispute.id)

    def _not_sent(self, error: BaseException) -> None:
        logger.warning("Evidence not sent", exc_info=error)
        if isinstance(error, evidence.DisputeNotOpen):
            self.message.setText(
                self.tr(
                    "Opn takes evidence only while a dispute is open, and this "
                    "one is now %1. Nothing was sent; sync to see its state."
                ).replace("%1", dispute_status_label(error.status))
            )
            return
        if isinstance(error, evidence.SubmissionStopped):
            self.message.setText(
                self.tr(
                    "The answer was only partly sent: %1 What was sent stays "
                    "sent; submit again to send the rest."
                ).replace("%1", operation_outcome(error.operation))
            )
        elif isinstance(error, OperationInFlight):
            self.message.setText(
                self.tr(
                    "Another write on this dispute is still being sent. Wait for "
                    "it to finish, then submit again."
                )
            )
        else:
            self.message.setText(
                self.tr("Nothing more was sent: %1 The draft is kept.").replace(
                    "%1", error_sentence(error)
                )
            )
        self._set_editable(self.dispute is not None and self.dispute.status == "open")

    # Accepting

    def _ask_to_accept(self) -> None:
        dispute = self.dispute
        reason = self.accept_reason_edit.text().strip()
        if dispute is None:
            return
        if not reason:
            self.message.setText(
                self.tr("Say why you accept the dispute; the reason is kept with it.")
            )
            return
        self.confirmation = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Accept the dispute"),
            self.tr(
                "Accept dispute %1 and give up %2 to the cardholder? The "
                "dispute is lost and this cannot be undone.\n\nReason: %3"
            )
            .replace("%1", dispute.id)
            .replace("%2", format_amount(dispute.amount, dispute.currency))
            .replace("%3", reason),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        self.confirmation.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirmation.finished.connect(
            lambda answer: self._accept_confirmed(answer, reason)
        )
        self.confirmation.open()

    def _accept_confirmed(self, answer: int, reason: str) -> None:
        workspace, dispute = self._workspace, self.dispute
        if answer != QMessageBox.StandardButton.Yes:
            return
        if workspace is None or dispute is None:
            return
        self._set_editable(False)
        self.accept_button.setEnabled(False)
        self.message.setText(self.tr("Accepting the dispute at Opn…"))
        clerk, dispute_id = self._clerk(), dispute.id

        def send() -> Operation:
            with workspace.client() as client:
                journal = workspace.journal(client, clerk)
                return evidence.accept_dispute(
                    workspace.engine,
                    journal,
                    client,
                    dispute_id,
                    reason,
                    datetime.now(UTC),
                )

        self._runner.run_network(send, self._accepted, self._not_sent, context=self)

    def _accepted(self, operation: Operation) -> None:
        self.message.setText(operation_outcome(operation))
        if operation.state == DONE:
            self.message.setText(self.tr("The dispute is accepted and now lost."))
        self.settled.emit(operation.target_id)

    def _not_done(self, error: BaseException) -> None:
        self._confirm_after_save = False
        logger.warning("Evidence form task failed", exc_info=error)
        self.message.setText(error_sentence(error))

    # Qt overrides

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Override QWidget.dragEnterEvent: take local files."""
        if event.mimeData().hasUrls() and self.attach_button.isEnabled():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Override QWidget.dropEvent: check and keep each dropped file."""
        paths = [
            Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()
        ]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)


def _with_files(draft: Draft, files: tuple[EvidenceFile, ...]) -> Draft:
    return Draft(
        draft.dispute_id,
        draft.answers,
        draft.message,
        draft.state,
        draft.clerk,
        draft.updated_at,
        files,
    )
