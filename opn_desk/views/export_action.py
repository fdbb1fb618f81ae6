"""The Export… action every table offers: file, progress, cancel, result.

A tab gives the action a function that describes what its table shows
right now (a ``TableExport``, built on the GUI thread). The action asks
for a file (.xlsx or .csv), writes it on a worker thread while a progress
dialog with a Cancel button runs, and ends with a sentence saying where
the file went, or why there is none. A cancelled or failed export leaves
nothing at the chosen path.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QProgressDialog,
    QTableView,
    QToolButton,
    QWidget,
)

from opn_desk.services.export import ExportCancelled, ExportFormat
from opn_desk.services.table_rows import TableExport, write_table
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

_CONTEXT = "ExportAction"
_FILE_TYPES = {
    ExportFormat.XLSX: QT_TRANSLATE_NOOP("ExportAction", "Excel workbook (*.xlsx)"),
    ExportFormat.CSV: QT_TRANSLATE_NOOP("ExportAction", "CSV, UTF-8 (*.csv)"),
}
DescribeTable = Callable[[], TableExport | None]


def _file_type(export_format: ExportFormat) -> str:
    """The save dialog's name for a file type; its pattern stays as is."""
    return QCoreApplication.translate(_CONTEXT, str(_FILE_TYPES[export_format]))


def visible_columns(table: QTableView) -> list[int]:
    """The model columns ``table`` shows, in the order it shows them."""
    header = table.horizontalHeader()
    columns = (header.logicalIndex(visual) for visual in range(header.count()))
    return [column for column in columns if not header.isSectionHidden(column)]


def chosen_format(path: str, name_filter: str) -> tuple[Path, ExportFormat]:
    """The file and format picked in the save dialog.

    The file's ending wins; without one, the picked file type decides and
    its ending is added.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return target, ExportFormat(suffix[1:])
    wanted = ExportFormat.CSV if "*.csv" in name_filter else ExportFormat.XLSX
    return target.with_name(f"{target.name}.{wanted.value}"), wanted


class ExportAction(QObject):
    """Exports one table to a file the clerk picks.

    Signals:
        finished(str): the sentence shown at the end (where the file went,
            or why there is none).
        written(list): the files written, as text, after a success.
    """

    finished = Signal(str)
    written = Signal(list)

    def __init__(
        self,
        runner: TaskRunner,
        describe: DescribeTable,
        file_stem: str,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._describe = describe
        self._file_stem = file_stem
        self._widget = parent
        self._cancel = threading.Event()
        self.running = False
        self.progress: QProgressDialog | None = None
        self.result_box: QMessageBox | None = None
        self.last_sentence = ""
        # The window's Export menu item holds the shortcut; this action is
        # the tab's own button.
        self.action = QAction(self.tr("Export…"), parent)
        self.action.setToolTip(self.tr("Write every row this table shows to a file."))
        self.action.triggered.connect(self.ask)
        app = QCoreApplication.instance()
        if app is not None:
            # Closing the app must not wait minutes for an export to end.
            app.aboutToQuit.connect(self.cancel)

    def button(self, parent: QWidget) -> QToolButton:
        """A button that starts the export, for the tab's tool bar."""
        button = QToolButton(parent)
        button.setDefaultAction(self.action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def ask(self) -> None:
        """Ask for a file and a format, then export to it."""
        if self.running:
            return
        suggested = f"{self._file_stem}-{date.today().isoformat()}.xlsx"
        path, name_filter = QFileDialog.getSaveFileName(
            self._widget,
            self.tr("Export the table"),
            suggested,
            ";;".join(_file_type(kind) for kind in ExportFormat),
        )
        if path:
            self.export_to(*chosen_format(path, name_filter))

    def export_to(self, path: Path, export_format: ExportFormat) -> bool:
        """Write the table as shown now to ``path``; False when there is
        nothing to export or an export is already running."""
        if self.running:
            return False
        table = self._describe()
        if table is None:
            self._finish(self.tr("There is nothing to export: no profile is open."))
            return False
        self._cancel.clear()
        self.running = True
        self.action.setEnabled(False)
        self._show_progress_dialog(path)
        runner, cancel, me = self._runner, self._cancel, weakref.ref(self)

        def progress(done: int, total: int | None) -> None:
            # Only a weak reference crosses to the worker thread: the
            # action must never be released there.
            runner.post(lambda: _move_progress(me, done, total))

        def work() -> list[Path]:
            return write_table(table, path, export_format, progress, cancel.is_set)

        # An export can take minutes; it runs beside the database worker
        # (with sessions of its own) so that the tables stay usable.
        runner.run_network(work, self._done, self._stopped, context=self)
        return True

    def cancel(self) -> None:
        """Stop the running export; nothing is left at its path."""
        self._cancel.set()
        if self.progress is not None:
            self.progress.setLabelText(self.tr("Cancelling the export…"))

    def show_progress(self, done: int, total: int | None) -> None:
        """Move the progress bar (on the GUI thread)."""
        dialog = self.progress
        if dialog is None or self._cancel.is_set():
            return
        if total:
            dialog.setRange(0, total)
            dialog.setValue(min(done, total))
        text = self.tr("Exporting… %n row(s) written.", "", done)
        dialog.setLabelText(text)

    # Private

    def _show_progress_dialog(self, path: Path) -> None:
        dialog = QProgressDialog(self._widget)
        dialog.setWindowTitle(self.tr("Exporting"))
        dialog.setLabelText(self.tr("Exporting to %1…").replace("%1", str(path)))
        dialog.setCancelButtonText(self.tr("Cancel"))
        dialog.setRange(0, 0)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        # Not modal: the export runs on its own, and the clerk may keep
        # working in the window meanwhile.
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self.progress = dialog

    def _close_progress_dialog(self) -> None:
        dialog, self.progress = self.progress, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.close()
            dialog.deleteLater()

    def _done(self, paths: Sequence[Path]) -> None:
        names = ", ".join(str(path) for path in paths)
        self._finish(self.tr("The table was exported to %1.").replace("%1", names))
        self.written.emit([str(path) for path in paths])

    def _stopped(self, error: BaseException) -> None:
        if isinstance(error, ExportCancelled):
            sentence = self.tr("The export was cancelled; no file was written.")
        elif isinstance(error, OSError):
            sentence = self.tr(
                "The file could not be written (%1). Choose another folder, "
                "or close the file if another program has it open."
            ).replace("%1", error.strerror or str(error))
        else:
            logger.error("Export failed", exc_info=error)
            sentence = self.tr(
                "The export failed and no file was written. The log has details."
            )
        self._finish(sentence)

    def _finish(self, sentence: str) -> None:
        self.running = False
        self.action.setEnabled(True)
        self._close_progress_dialog()
        self.last_sentence = sentence
        if self.result_box is not None:
            self.result_box.deleteLater()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Export"),
            sentence,
            QMessageBox.StandardButton.Ok,
            self._widget,
        )
        box.open()
        self.result_box = box
        self.finished.emit(sentence)


def _move_progress(
    action: weakref.ref[ExportAction], done: int, total: int | None
) -> None:
    shown = action()
    if shown is not None:
        shown.show_progress(done, total)
