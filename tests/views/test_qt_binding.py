"""The Qt binding survives heavy use of void calls (PySide6 6.12.0 did not)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

VOID_CALLS = 10_000


def test_ten_thousand_void_qt_calls_do_not_abort_python() -> None:
    # PySide6 6.12.0 on Python 3.11 dropped a reference to None on each void
    # call and aborted the interpreter after about 5,000 of them. A child
    # process keeps such an abort from taking the test run down with it.
    script = textwrap.dedent(
        f"""
        from PySide6.QtCore import QObject, QTimer
        from PySide6.QtWidgets import QApplication, QLabel

        app = QApplication([])
        label = QLabel()
        timer = QTimer()
        holder = QObject()
        for step in range({VOID_CALLS}):
            label.setText("x")
            timer.setInterval(step % 100 + 1)
            holder.setObjectName("holder")
        print("done", {VOID_CALLS})
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"done {VOID_CALLS}"
