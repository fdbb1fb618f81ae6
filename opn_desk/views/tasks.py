"""Running blocking work off the GUI thread, with callbacks on the GUI thread.

Every call that may wait (the network, a query, a file) goes through a
``TaskRunner``. Database work runs on one worker thread; network work on a
small pool. The function given never touches a widget: it returns a value
or raises, and the runner hands the outcome to ``on_success`` or
``on_failure`` on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

logger = logging.getLogger(__name__)

T = TypeVar("T")
SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[BaseException], None]

NETWORK_WORKERS = 4


class TaskRunner(QObject):
    """Runs functions on worker threads and reports back on the GUI thread.

    Signals:
        _deliver: carries a callable to run on the GUI thread (internal).
    """

    _deliver = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = ThreadPoolExecutor(1, thread_name_prefix="opn-db")
        self._network = ThreadPoolExecutor(
            NETWORK_WORKERS, thread_name_prefix="opn-net"
        )
        self._closed = False
        self.default_failure: FailureCallback = _log_failure
        self._deliver.connect(self._run_delivered, Qt.ConnectionType.QueuedConnection)

    def run_db(
        self,
        work: Callable[[], T],
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
        *,
        context: QObject | None = None,
    ) -> Future[T]:
        """Run ``work`` on the database worker."""
        return self._submit(self._database, work, on_success, on_failure, context)

    def run_network(
        self,
        work: Callable[[], T],
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
        *,
        context: QObject | None = None,
    ) -> Future[T]:
        """Run ``work`` on the network pool."""
        return self._submit(self._network, work, on_success, on_failure, context)

    def post(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the GUI thread; safe to call from any thread."""
        if not self._closed:
            self._deliver.emit(callback)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking work; wait for running work when ``wait``."""
        self._closed = True
        self._database.shutdown(wait=wait, cancel_futures=True)
        self._network.shutdown(wait=wait, cancel_futures=True)

    def _submit(
        self,
        executor: ThreadPoolExecutor,
        work: Callable[[], T],
        on_success: SuccessCallback | None,
        on_failure: FailureCallback | None,
        context: QObject | None,
    ) -> Future[T]:
        _assert_gui_thread()
        future = executor.submit(work)
        # The callbacks (and the widget they belong to) are handed over on
        # the GUI thread and dropped there: the worker thread only ever lets
        # go of an empty holder, so no widget is destroyed off the GUI thread.
        holder: list[Any] = [on_success, on_failure, context]

        def finished(done: Future[T]) -> None:
            self.post(lambda: self._report(done, holder))

        future.add_done_callback(finished)
        return future

    def _report(self, done: Future[Any], holder: list[Any]) -> None:
        on_success, on_failure, context = holder
        holder.clear()
        if done.cancelled():
            return
        if context is not None and not shiboken6.isValid(context):
            return
        error = done.exception()
        if error is None:
            if on_success is not None:
                on_success(done.result())
            return
        (on_failure or self.default_failure)(error)

    @Slot(object)
    def _run_delivered(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except Exception:
            logger.exception("A task callback failed")


def _assert_gui_thread() -> None:
    app = QCoreApplication.instance()
    if app is not None and QThread.currentThread() != app.thread():
        logger.error("Task submitted from a thread other than the GUI thread")


def _log_failure(error: BaseException) -> None:
    logger.error("Background task failed", exc_info=error)
