"""Desktop notifications of what needs a clerk soon, each told once.

Four kinds of item are watched in the cache: open disputes whose answer is
due within two days (by the Disputes tab's deadline policy),
authorizations that lapse within 24 hours, failed schedule occurrences,
and operations the journal could not confirm. The cache is read on the
database worker after each committed sync batch (at most every few
seconds) and on a timer; each item is notified once per session. Notices
go to the system tray, or to the status bar where there is no tray.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QEvent,
    QObject,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QStatusBar, QSystemTrayIcon
from sqlalchemy import Engine

from opn_desk.models.authorizations import open_authorizations
from opn_desk.models.db import session_scope
from opn_desk.models.journal_store import open_operations
from opn_desk.models.operations import UNCONFIRMED
from opn_desk.models.schedule_queries import failed_occurrences
from opn_desk.services.disputes import DeadlinePolicy, load_dispute_rows
from opn_desk.services.workspace import Workspace
from opn_desk.views.tasks import TaskRunner

if TYPE_CHECKING:
    from opn_desk.views.main_window import MainWindow

logger = logging.getLogger(__name__)

DISPUTE_DUE = "dispute_due"
AUTHORIZATION_LAPSING = "authorization_lapsing"
OCCURRENCE_FAILED = "occurrence_failed"
OPERATION_UNCONFIRMED = "operation_unconfirmed"
KINDS = (DISPUTE_DUE, AUTHORIZATION_LAPSING, OCCURRENCE_FAILED, OPERATION_UNCONFIRMED)

DISPUTE_WARNING = timedelta(days=2)
AUTHORIZATION_WARNING = timedelta(hours=24)
CHECK_EVERY_MS = 60_000
# After a committed sync batch, wait this long so a long sync reads the
# cache every few seconds, not after each page.
BATCH_GAP_MS = 3_000
SHOWN_FOR_MS = 15_000
_CONTEXT = "Notifier"

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Notice:
    """One item that needs a clerk: its kind, its id and when it is due."""

    kind: str
    item_id: str
    due_at: datetime | None = None


def find_notices(engine: Engine, policy: DeadlinePolicy, now: datetime) -> list[Notice]:
    """Every item that deserves a notice at ``now``. Run on the DB worker."""
    with session_scope(engine) as session:
        disputes = load_dispute_rows(session)
        authorizations = open_authorizations(session)
        occurrences = failed_occurrences(session)
        operations = open_operations(session)

    notices = []
    for dispute in disputes:
        deadline = policy.deadline(dispute.opened_at)
        if dispute.status == "open" and deadline - now <= DISPUTE_WARNING:
            notices.append(Notice(DISPUTE_DUE, dispute.id, deadline))
    for authorization in authorizations:
        lapses_at = authorization.expires_at
        if lapses_at is not None and now < lapses_at <= now + AUTHORIZATION_WARNING:
            notices.append(
                Notice(AUTHORIZATION_LAPSING, authorization.charge_id, lapses_at)
            )
    notices.extend(Notice(OCCURRENCE_FAILED, item.id) for item in occurrences)
    notices.extend(
        Notice(OPERATION_UNCONFIRMED, operation.id)
        for operation in operations
        if operation.state == UNCONFIRMED
    )
    return notices


def notice_title(kind: str, count: int) -> str:
    """The title of a notice about ``count`` new items of ``kind``."""
    titles = {
        DISPUTE_DUE: QT_TRANSLATE_NOOP(
            "Notifier", "%n dispute(s) must be answered within two days"
        ),
        AUTHORIZATION_LAPSING: QT_TRANSLATE_NOOP(
            "Notifier", "%n authorization(s) lapse within 24 hours"
        ),
        OCCURRENCE_FAILED: QT_TRANSLATE_NOOP(
            "Notifier", "%n scheduled charge(s) failed"
        ),
        OPERATION_UNCONFIRMED: QT_TRANSLATE_NOOP(
            "Notifier", "%n operation(s) could not be confirmed"
        ),
    }
    return QCoreApplication.translate(_CONTEXT, str(titles[kind]), None, count)


def notice_body(kind: str, item_ids: list[str]) -> str:
    """The sentence under the title: what to do, and the first ids."""
    bodies = {
        DISPUTE_DUE: QT_TRANSLATE_NOOP(
            "Notifier", "Open the Disputes tab to send evidence: %1"
        ),
        AUTHORIZATION_LAPSING: QT_TRANSLATE_NOOP(
            "Notifier", "Capture or release them in the Capture tab: %1"
        ),
        OCCURRENCE_FAILED: QT_TRANSLATE_NOOP(
            "Notifier", "See the Schedules tab and contact the customers: %1"
        ),
        OPERATION_UNCONFIRMED: QT_TRANSLATE_NOOP(
            "Notifier", "Check them under View > Operations: %1"
        ),
    }
    shown = ", ".join(item_ids[:3]) + (" …" if len(item_ids) > 3 else "")
    return QCoreApplication.translate(_CONTEXT, str(bodies[kind])).replace("%1", shown)


class Notifier(QObject):
    """Watches the open profile's cache and tells the clerk what is due.

    ``clock`` is the time the rules are checked against (tests move it).

    Signals:
        notified(str, list): a kind and the ids of the items just told,
            once per item per session.
        checked(int): a check of the cache ended, with the number of
            items due (told before or not).
    """

    notified = Signal(str, list)
    checked = Signal(int)

    def __init__(
        self,
        runner: TaskRunner,
        parent: QObject | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.clock = clock or (lambda: datetime.now(UTC))
        self._workspace: Callable[[], Workspace | None] = lambda: None
        self._policy: Callable[[], DeadlinePolicy] = DeadlinePolicy
        self._told: set[tuple[str, str]] = set()
        self._checking = False
        self._again = False
        self.tray: QSystemTrayIcon | None = None
        self.status_bar: QStatusBar | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.batch_timer = QTimer(self)
        self.batch_timer.setSingleShot(True)
        self.batch_timer.setInterval(BATCH_GAP_MS)
        self.batch_timer.timeout.connect(self.check)

    def attach(self, window: MainWindow) -> None:
        """Watch ``window``'s profile: its syncs, its policy, its status bar.

        Checks stop when the window closes (it lets go of its workspace).
        """
        self.status_bar = window.statusBar()
        self._policy = lambda: window.tabs.disputes.policy
        self._workspace = lambda: window.workspace
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(_tray_icon(window.windowIcon()), self)
            self.tray.setToolTip(window.windowTitle())
            self.tray.show()
        window.installEventFilter(self)
        window.workspace_ready.connect(self.start)
        window.sync.progress.connect(self.batch_committed)
        window.sync.finished.connect(self.check)

    @property
    def busy(self) -> bool:
        """A check is reading the cache."""
        return self._checking

    def watch(self, workspace: Workspace | None) -> None:
        """Watch ``workspace``'s cache without a window (None: stop)."""
        self._workspace = lambda: workspace
        if workspace is None:
            self.timer.stop()
            return
        self.start()

    def start(self, *_args: object) -> None:
        """Check now, then every minute."""
        self.timer.start()
        self.check()

    def batch_committed(self, *_progress: object) -> None:
        """A sync batch is in the cache: read it soon."""
        if not self.batch_timer.isActive():
            self.batch_timer.start()

    def check(self, *_args: object) -> None:
        """Read the cache on the database worker and tell what is new."""
        workspace = self._workspace()
        if workspace is None:
            return
        engine = workspace.engine
        if self._checking:
            self._again = True
            return
        self._checking = True
        policy, now = self._policy(), self.clock()
        self._runner.run_db(
            lambda: find_notices(engine, policy, now),
            self._tell,
            self._check_failed,
            context=self,
        )

    def forget(self) -> None:
        """Tell every item again at the next check (a new session)."""
        self._told.clear()

    # Private

    def _tell(self, notices: list[Notice]) -> None:
        self._finish_check()
        fresh: dict[str, list[str]] = {}
        for notice in notices:
            key = (notice.kind, notice.item_id)
            if key not in self._told:
                self._told.add(key)
                fresh.setdefault(notice.kind, []).append(notice.item_id)
        for kind in KINDS:
            if kind in fresh:
                self._show(kind, fresh[kind])
        self.checked.emit(len(notices))

    def _check_failed(self, error: BaseException) -> None:
        self._finish_check()
        logger.warning("Could not check for notices: %s", error, exc_info=error)

    def _finish_check(self) -> None:
        self._checking = False
        if self._again:
            self._again = False
            self.check()

    def _show(self, kind: str, item_ids: list[str]) -> None:
        title, body = notice_title(kind, len(item_ids)), notice_body(kind, item_ids)
        logger.info("Notice: %s (%s)", kind, len(item_ids))
        if self.tray is not None and self.tray.isVisible():
            icon = QSystemTrayIcon.MessageIcon.Warning
            self.tray.showMessage(title, body, icon, SHOWN_FOR_MS)
        elif self.status_bar is not None:
            self.status_bar.showMessage(title, SHOWN_FOR_MS)
        self.notified.emit(kind, item_ids)

    # Qt overrides

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Override QObject.eventFilter: stop when the watched window closes."""
        if event.type() == QEvent.Type.Close:
            self.timer.stop()
            self.batch_timer.stop()
            if self.tray is not None:
                self.tray.hide()
        return False


def _tray_icon(window_icon: QIcon) -> QIcon:
    if not window_icon.isNull():
        return window_icon
    from opn_desk.views.icons import app_icon

    return app_icon()
