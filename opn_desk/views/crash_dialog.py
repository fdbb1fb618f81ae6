"""The crash dialog: an unexpected error, logged, with a report to copy.

``install_crash_handler`` routes every uncaught exception (GUI thread and
worker threads) to the log and to a dialog; the app keeps running when it
can. The report holds the versions, the traceback and the last lines of
the log, and never a key, a card number or a whole request body: keys are
masked, runs of 12 to 19 digits keep only their last four, and long lines
(where a body would sit) are cut short.
"""

from __future__ import annotations

import logging
import platform
import re
import sys
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Signal, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opn_desk import APP_NAME, __version__
from opn_desk.services.logs import mask_keys
from opn_desk.views.log_window import log_file

logger = logging.getLogger(__name__)

LOG_LINES_IN_REPORT = 40
LOG_TAIL_BYTES = 32_000
MAX_LINE_CHARS = 300
# 12 to 19 digits, alone or in groups split by one space or dash.
_CARD_NUMBER = re.compile(r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def mask_card_numbers(text: str) -> str:
    """Hide all but the last four digits of any 12 to 19 digit run."""

    def masked(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return "*" * (len(digits) - 4) + digits[-4:]

    return _CARD_NUMBER.sub(masked, text)


def scrub(text: str) -> str:
    """``text`` with keys and card numbers masked and long lines cut."""
    lines = [_shorten(line) for line in text.splitlines()]
    return mask_card_numbers(mask_keys("\n".join(lines)))


def crash_report_text(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    log_path: Path | None = None,
) -> str:
    """The report of an uncaught exception, safe to paste anywhere."""
    trace = "".join(traceback.format_exception(exc_type, exc, tb))
    parts = [
        f"{APP_NAME} {__version__}",
        f"Time: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"Platform: {platform.platform()}",
        f"Python: {platform.python_version()}",
        f"Qt: {qVersion()} (PySide6 {pyside_version})",
        f"Thread: {threading.current_thread().name}",
        "",
        trace.rstrip(),
        "",
        "Last lines of the log:",
        _log_tail(log_path or log_file()),
    ]
    return scrub("\n".join(parts))


class CrashDialog(QDialog):
    """Says that something unexpected happened and shows the report."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("opn-desk met an unexpected error"))
        self.resize(760, 480)
        intro = QLabel(
            self.tr(
                "Something went wrong that opn-desk did not expect. What was "
                "saved stays saved; you can go on working. If it happens again, "
                "copy this report and send it to your support contact."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.report_view = QPlainTextEdit(report, self)
        self.report_view.setReadOnly(True)
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton(self.tr("Copy report"), self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(buttons)

    def report(self) -> str:
        return self.report_view.toPlainText()

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())


class CrashHandler(QObject):
    """Logs uncaught exceptions and shows them, one dialog at a time.

    Signals:
        crashed(str): a report, emitted from any thread, shown on the GUI
            thread.
    """

    crashed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: CrashDialog | None = None
        self.missed = 0
        self.crashed.connect(self._show)

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """Log an uncaught exception and ask for the dialog; any thread."""
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        logger.error("Uncaught exception", exc_info=(exc_type, exc, tb))
        try:
            report = crash_report_text(exc_type, exc, tb)
        except Exception:
            logger.exception("Could not write the crash report")
            return
        self.crashed.emit(report)

    def handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, report: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.missed += 1
            logger.warning("Another uncaught exception while the report is open")
            return
        self.dialog = CrashDialog(report, QApplication.activeWindow())
        self.dialog.open()


def install_crash_handler(app: QApplication) -> None:
    """Send uncaught exceptions of every thread to the log and a dialog."""
    for earlier in app.findChildren(CrashHandler):
        earlier.deleteLater()
        earlier.setParent(None)
    handler = CrashHandler(app)  # a child of the app: it lives as long
    sys.excepthook = handler.handle
    threading.excepthook = handler.handle_thread


def crash_handler_of(app: QApplication) -> CrashHandler | None:
    """The handler ``install_crash_handler`` gave ``app``, if any."""
    return app.findChild(CrashHandler)


def _log_tail(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            start = max(path.stat().st_size - LOG_TAIL_BYTES, 0)
            stream.seek(start)
            data = stream.read()
    except OSError as error:
        return f"(no log: {type(error).__name__})"
    lines = data.decode("utf-8", errors="replace").splitlines()
    if start:
        lines = lines[1:]  # the first line may be cut in two
    return "\n".join(lines[-LOG_LINES_IN_REPORT:])


def _shorten(line: str) -> str:
    if len(line) <= MAX_LINE_CHARS:
        return line
    return f"{line[:MAX_LINE_CHARS]}… [{len(line) - MAX_LINE_CHARS} characters cut]"
