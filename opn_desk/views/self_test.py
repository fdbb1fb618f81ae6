"""``opn-desk --self-test``: start on a fresh sandbox, sync, draw every tab.

It proves a build works on this machine: the sandbox starts as a process,
the cache is created and migrated, a sync completes over loopback HTTP and
each tab renders. It runs offscreen and in a temporary home folder, so the
clerk's own profiles and caches are not touched.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable

from PySide6.QtCore import QTimer

from opn_desk.services import paths
from opn_desk.services.profiles import sandbox_profile
from opn_desk.views.app import create_application
from opn_desk.views.main_window import MainWindow
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

SELF_TEST_TIMEOUT_MS = 300_000
PASSED, FAILED, TIMED_OUT = 0, 1, 2


def prepare_self_test_environment() -> str:
    """Point Qt offscreen and opn-desk at a temporary home; its path."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="opn-desk-self-test-")
    os.environ[paths.HOME_ENV] = home
    return home


def run_self_test(home: str) -> int:
    """Run the self-test; 0 when every step worked."""
    app = create_application(sys.argv[:1])
    runner = TaskRunner(app)
    outcome = {"code": TIMED_OUT}

    def finish(code: int) -> None:
        outcome["code"] = code
        app.quit()

    window = open_synced_sandbox_window(
        runner,
        lambda shown: finish(PASSED if _render_every_tab(shown) else FAILED),
        lambda step, error: _failed(finish, step, error),
    )
    QTimer.singleShot(SELF_TEST_TIMEOUT_MS, lambda: finish(TIMED_OUT))
    app.exec()

    window.close()
    runner.shutdown(wait=True)
    shutil.rmtree(home, ignore_errors=True)
    _say("self-test passed" if outcome["code"] == PASSED else "self-test FAILED")
    return outcome["code"]


def open_synced_sandbox_window(
    runner: TaskRunner,
    ready: Callable[[MainWindow], None],
    failed: Callable[[str, BaseException], None],
) -> MainWindow:
    """Show a window on the sandbox profile, open it and sync it.

    ``ready`` is called once, with the window, when the first sync has
    finished and the Transactions table has counted the cache; ``failed``
    with the step ("open" or "sync") and the error when either fails.
    The caller runs the event loop. ``scripts/screenshots`` starts the
    window this way too.
    """
    window = MainWindow(runner, sandbox_profile())
    called = {"ready": False}

    def counted() -> None:
        if called["ready"]:
            return  # a later reload (a rescan's batch) after the first
        called["ready"] = True
        ready(window)

    # After a sync the window re-counts the cache; draw once it has.
    window.sync.finished.connect(
        lambda _result: window.transactions_model.loaded.connect(counted)
    )
    window.sync.failed.connect(lambda error: failed("sync", error))
    window.workspace_failed.connect(lambda error: failed("open", error))
    window.show()
    window.open_profile()
    return window


def _render_every_tab(window: MainWindow) -> bool:
    rows = window.transactions_model.rowCount()
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        image = window.grab().toImage()
        name = window.tabs.tabText(index)
        if image.isNull() or image.width() == 0:
            _say(f"tab {name}: nothing was drawn")
            return False
        _say(f"tab {name}: drawn at {image.width()}x{image.height()}")
    _say(f"charges in the cache: {rows}")
    return rows > 0


def _failed(finish: Callable[[int], None], step: str, error: BaseException) -> None:
    logger.error("Self-test failed at %s", step, exc_info=error)
    _say(f"self-test: {step} failed: {type(error).__name__}")
    finish(FAILED)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
