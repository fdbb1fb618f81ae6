"""Starting and stopping the bundled sandbox as a process of its own.

The app talks to the sandbox over loopback HTTP exactly as it talks to
api.omise.co. Running it in a separate process keeps its work off the
app's interpreter, as a remote server's would be.
"""

from __future__ import annotations

import logging
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

READY_PREFIX = "listening on "
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0


class SandboxStartError(RuntimeError):
    """The sandbox process did not come up; ``log_file`` says why."""

    def __init__(self, message: str, log_file: Path) -> None:
        super().__init__(message)
        self.log_file = log_file


def sandbox_command(*args: str) -> list[str]:
    """The command line that runs ``opn-desk sandbox`` with ``args``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "sandbox", *args]
    return [sys.executable, "-m", "opn_desk", "sandbox", *args]


class SandboxProcess:
    """A sandbox server running in a child process on a free loopback port."""

    def __init__(self, data_file: Path, log_file: Path) -> None:
        self._data_file = data_file
        self._log_file = log_file
        self._process: subprocess.Popen[str] | None = None
        self.base_url: str | None = None

    def start(self, timeout_s: float = START_TIMEOUT_S) -> str:
        """Start the sandbox and return its base URL once it listens.

        Raises:
            SandboxStartError: when it exits or stays silent too long.
        """
        self._data_file.parent.mkdir(parents=True, exist_ok=True)
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        args = (
            "--port", "0", "--data-file", str(self._data_file), "--stop-with-stdin",
        )  # fmt: skip
        with self._log_file.open("a", encoding="utf-8") as log:
            self._process = subprocess.Popen(
                sandbox_command(*args),
                stdout=subprocess.PIPE,
                stderr=log,
                # Held open while the app runs: when the app ends, even
                # killed, the pipe closes and the sandbox saves and stops.
                stdin=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        assert self._process.stdout is not None
        line = _first_line(self._process.stdout, timeout_s)
        if line is None or not line.startswith(READY_PREFIX):
            self.stop()
            raise SandboxStartError("the sandbox did not start", self._log_file)

        self.base_url = line.removeprefix(READY_PREFIX).strip()
        _drain_in_background(self._process.stdout)
        logger.info("Sandbox listening on %s", self.base_url)
        return self.base_url

    def stop(self) -> None:
        """Ask the sandbox to save and exit; kill it if it does not."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        if process.stdin is not None:
            process.stdin.close()
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            logger.warning("The sandbox did not stop in time; killing it")
            process.kill()
            process.wait()


def _first_line(stream: IO[str], timeout_s: float) -> str | None:
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True)
    reader.start()
    try:
        return lines.get(timeout=timeout_s) or None
    except queue.Empty:
        return None


def _drain_in_background(stream: IO[str]) -> None:
    def drain() -> None:
        with stream:  # closed here, where it is read, once the sandbox ends
            for line in stream:
                logger.debug("sandbox: %s", line.rstrip())

    threading.Thread(target=drain, name="sandbox-stdout", daemon=True).start()
