"""The "Show log" window: the tail of the rotating log file, followed live.

The tail is read off the GUI thread, then new lines are read every half
second from where the last read stopped; a rotated (shorter) file is read
again from its start. Keys are masked by the logging set-up already, and
again here, so a line written by another process shows no key either.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QCloseEvent,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from opn_desk.services import paths
from opn_desk.services.logs import LOG_FILE_NAME, mask_keys
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

TAIL_BYTES = 256_000
MAX_SHOWN_LINES = 5_000
FOLLOW_EVERY_MS = 500
_CONTEXT = "LogWindow"
_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of the log and the level of the record it belongs to."""

    level: int
    text: str


@dataclass(frozen=True, slots=True)
class LogChunk:
    """Lines read from the log file, and where the next read starts.

    ``restarted`` is true when the lines replace what was shown (the first
    read, or a read after the file rotated).
    """

    lines: tuple[LogLine, ...]
    position: int
    identity: tuple[int, int] | None
    restarted: bool


def log_file() -> Path:
    """The current log file of this app."""
    return paths.log_dir() / LOG_FILE_NAME


def read_log(
    path: Path,
    position: int | None,
    identity: tuple[int, int] | None,
    last_level: int = logging.INFO,
) -> LogChunk:
    """Read ``path`` from ``position`` on, or its tail when ``position`` is None.

    Blocking: call it off the GUI thread. A file that is missing gives no
    lines; one that shrank or was replaced is read again from its tail.
    """
    try:
        with path.open("rb") as stream:
            status = os.fstat(stream.fileno())
            now_identity = (status.st_dev, status.st_ino)
            restarted = (
                position is None
                or identity != now_identity
                or status.st_size < position
            )
            start = max(status.st_size - TAIL_BYTES, 0)
            if not restarted:
                start = position or 0
            stream.seek(start)
            data = stream.read()
    except FileNotFoundError:
        return LogChunk((), 0, None, position is None)

    complete, _, partial = data.rpartition(b"\n")
    end = start + len(data) - len(partial)
    text = complete.decode("utf-8", errors="replace")
    if restarted and start:
        text = text.partition("\n")[2]  # the first line may be cut in two
    return LogChunk(parse_lines(text, last_level), end, now_identity, restarted)


def parse_lines(text: str, last_level: int = logging.INFO) -> tuple[LogLine, ...]:
    """The lines of ``text``, each with its record's level.

    A line that does not start a record (a traceback line) takes the level
    of the record above it.
    """
    lines = []
    level = last_level
    for raw in text.splitlines():
        level = _record_level(raw) or level
        lines.append(LogLine(level, mask_keys(raw)))
    return tuple(lines)


def _record_level(line: str) -> int | None:
    """The level of a line in the log's format (date time LEVEL ...)."""
    words = line.split(" ", 3)
    if len(words) < 3 or not words[0][:1].isdigit():
        return None
    return _LEVELS.get(words[2])


class LogWindow(QWidget):
    """A non-modal window over the log file, with a level filter."""

    def __init__(
        self,
        runner: TaskRunner | None = None,
        path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(self.tr("opn-desk log"))
        self.resize(900, 560)
        self._own_runner = runner is None
        self._runner = runner or TaskRunner(self)
        self._path = path or log_file()
        self._lines: list[LogLine] = []
        self._position: int | None = None
        self._identity: tuple[int, int] | None = None
        self._reading = False
        self._build()
        self.follow_timer = QTimer(self)
        self.follow_timer.setInterval(FOLLOW_EVERY_MS)
        self.follow_timer.timeout.connect(self.read_more)
        self.read_more()
        self.follow_timer.start()

    @property
    def path(self) -> Path:
        return self._path

    def shown_text(self) -> str:
        """The lines shown, as the Copy button copies them."""
        return self.view.toPlainText()

    def minimum_level(self) -> int:
        level = self.level_combo.currentData()
        return int(level) if level is not None else logging.DEBUG

    def set_minimum_level(self, level: int) -> None:
        """Show only records of ``level`` and above."""
        index = self.level_combo.findData(level)
        if index >= 0:
            self.level_combo.setCurrentIndex(index)

    def read_more(self) -> None:
        """Read the lines added since the last read, off the GUI thread."""
        if self._reading:
            return
        self._reading = True
        path, position, identity = self._path, self._position, self._identity
        level = self._lines[-1].level if self._lines else logging.INFO
        self._runner.run_network(
            lambda: read_log(path, position, identity, level),
            self._add_chunk,
            self._read_failed,
            context=self,
        )

    def copy_shown(self) -> None:
        QGuiApplication.clipboard().setText(self.shown_text())

    def open_folder(self) -> None:
        folder = self._path.parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.status.setText(
                self.tr("Could not open the folder. The log is in %1.").replace(
                    "%1", str(folder)
                )
            )

    # Private

    def _build(self) -> None:
        self.view = QPlainTextEdit(self)
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setMaximumBlockCount(MAX_SHOWN_LINES)
        self.view.setFont(_fixed_font(self.view))
        self.level_combo = QComboBox(self)
        for label, level in _level_choices():
            self.level_combo.addItem(label, level)
        self.level_combo.currentIndexChanged.connect(self._show_all)
        self.follow_box = QCheckBox(self.tr("Follow new lines"), self)
        self.follow_box.setChecked(True)
        self.follow_box.toggled.connect(self._follow_toggled)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.clicked.connect(self.copy_shown)
        self.folder_button = QPushButton(self.tr("Open folder"), self)
        self.folder_button.clicked.connect(self.open_folder)
        self.status = QLabel(str(self._path), self)
        self.status.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Show:"), self))
        bar.addWidget(self.level_combo)
        bar.addWidget(self.follow_box)
        bar.addStretch(1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

    def _add_chunk(self, chunk: LogChunk) -> None:
        self._reading = False
        self._position, self._identity = chunk.position, chunk.identity
        if chunk.restarted:
            self._lines = list(chunk.lines)
            self._show_all()
            return
        if not chunk.lines:
            return
        self._lines.extend(chunk.lines)
        del self._lines[:-MAX_SHOWN_LINES]
        wanted = self.minimum_level()
        shown = [line.text for line in chunk.lines if line.level >= wanted]
        if shown:
            self.view.appendPlainText("\n".join(shown))
            self._scroll_to_end()

    def _read_failed(self, error: BaseException) -> None:
        self._reading = False
        logger.warning("Could not read the log file %s: %s", self._path, error)
        self.status.setText(
            self.tr("Could not read the log file %1.").replace("%1", str(self._path))
        )

    def _show_all(self) -> None:
        wanted = self.minimum_level()
        kept = [line.text for line in self._lines if line.level >= wanted]
        self.view.setPlainText("\n".join(kept))
        self._scroll_to_end()

    def _scroll_to_end(self) -> None:
        if self.follow_box.isChecked():
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _follow_toggled(self, follow: bool) -> None:
        if follow:
            self.follow_timer.start()
            self.read_more()
        else:
            self.follow_timer.stop()

    # Qt overrides

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Override QWidget.closeEvent: stop following the file."""
        self.follow_timer.stop()
        if self._own_runner:
            self._runner.shutdown(wait=False)
        super().closeEvent(event)


def show_log_window(
    parent: QWidget | None = None, runner: TaskRunner | None = None
) -> LogWindow:
    """Show the log window of ``parent`` (non-modal), opening it if need be."""
    window = parent.findChild(LogWindow) if parent is not None else None
    if window is None:
        window = LogWindow(runner, parent=parent)
    window.show()
    window.raise_()
    return window


def _level_choices() -> list[tuple[str, int]]:
    def tr(text: str) -> str:
        return QCoreApplication.translate(_CONTEXT, text)

    return [
        (tr("All messages"), logging.DEBUG),
        (tr("Information and above"), logging.INFO),
        (tr("Warnings and errors"), logging.WARNING),
        (tr("Errors only"), logging.ERROR),
    ]


def _fixed_font(widget: QWidget) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(widget.font().pointSize())
    return font
