"""Saving the sandbox's state to its data file soon after every change.

Writes are coalesced: the saver looks every ``POLL_S`` seconds and saves when
the state changed and the last save is at least ``save_interval_s`` old (or
twice as old as that save took, for a large state), so a burst of requests
costs one save. ``stop`` saves what changed since.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

POLL_S = 0.1


class AutoSaver:
    """Saves ``state`` to ``path`` on a background thread while it changes."""

    def __init__(self, state: SandboxState, path: Path) -> None:
        self.state = state
        self.path = Path(path)
        self._stop = threading.Event()
        self._save_lock = threading.Lock()
        self._saved_at = 0.0
        self._save_duration_s = 0.0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="sandbox-autosave", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; save if anything changed since the last save."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._behind() or not self.path.exists():
            self.save_now()

    def save_now(self) -> None:
        """Save right away (``POST /__sandbox/save``). Raises ``OSError``."""
        with self._save_lock:
            started = time.perf_counter()
            self.state.save(self.path)
            self._saved_at = time.monotonic()
            self._save_duration_s = time.perf_counter() - started
        logger.debug("saved %s in %.2f s", self.path, self._save_duration_s)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            interval_s = max(
                self.state.config.save_interval_s, 2 * self._save_duration_s
            )
            due = time.monotonic() - self._saved_at >= interval_s
            if due and self._behind():
                try:
                    self.save_now()
                except OSError:
                    logger.exception("could not save %s", self.path)

    def _behind(self) -> bool:
        return self.state.revision != self.state.saved_revision
