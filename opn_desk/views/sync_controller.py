"""Running a profile's sync in the background and reporting on the GUI thread."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from opn_desk.services.sync import (
    AccountSync,
    AccountSyncResult,
    SyncCancelled,
    SyncProgress,
)
from opn_desk.services.workspace import Workspace
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)


class SyncController(QObject):
    """Starts, cancels and reports the sync of the open workspace.

    Signals:
        started(): a sync began.
        progress(str, int, int): a resource, objects fetched so far, and the
            expected total.
        finished(object): the AccountSyncResult of a sync that completed.
        failed(object): the exception that stopped a sync.
        cancelled(): the sync stopped because it was asked to.
    """

    started = Signal()
    progress = Signal(str, int, int)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._stop = threading.Event()
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def start(self, workspace: Workspace) -> bool:
        """Start a sync unless one is running; True when one started."""
        if self._running:
            return False
        self._running = True
        self._stop.clear()
        self.started.emit()
        self._runner.run_network(
            lambda: self._sync(workspace),
            self._succeeded,
            self._stopped,
            context=self,
        )
        return True

    def cancel(self) -> None:
        """Ask the running sync to stop after the page in flight."""
        self._stop.set()

    def _sync(self, workspace: Workspace) -> AccountSyncResult:
        with workspace.client() as client:
            sync = AccountSync(client, workspace.engine)
            return sync.run(self._report, self._stop.is_set)

    def _report(self, progress: SyncProgress) -> None:
        resource, fetched = progress.resource, progress.fetched
        total = progress.total or 0
        self._runner.post(lambda: self.progress.emit(resource, fetched, total))

    def _succeeded(self, result: AccountSyncResult) -> None:
        self._running = False
        self.finished.emit(result)

    def _stopped(self, error: BaseException) -> None:
        self._running = False
        if isinstance(error, SyncCancelled):
            self.cancelled.emit()
            return
        logger.warning("Sync failed: %s", type(error).__name__, exc_info=error)
        self.failed.emit(error)
