"""The sync panel: per resource, when it last synced, how much, and errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QModelIndex,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opn_desk.models.sync_overview import ResourceSyncStatus
from opn_desk.views.labels import moment_text
from opn_desk.views.rows_table_model import RowsTableModel

_CONTEXT = "SyncStatusTableModel"
RESOURCE, LAST_SYNCED, OBJECTS, PROGRESS, PROBLEM = range(5)
_HEADERS = (
    QT_TRANSLATE_NOOP("SyncStatusTableModel", "Resource"),
    QT_TRANSLATE_NOOP("SyncStatusTableModel", "Last synced"),
    QT_TRANSLATE_NOOP("SyncStatusTableModel", "Objects"),
    QT_TRANSLATE_NOOP("SyncStatusTableModel", "Progress"),
    QT_TRANSLATE_NOOP("SyncStatusTableModel", "Problem"),
)
_RESOURCE_NAMES = {
    "charges": QT_TRANSLATE_NOOP("SyncStatusTableModel", "Charges"),
    "refunds": QT_TRANSLATE_NOOP("SyncStatusTableModel", "Refunds"),
    "disputes": QT_TRANSLATE_NOOP("SyncStatusTableModel", "Disputes"),
    "schedules": QT_TRANSLATE_NOOP("SyncStatusTableModel", "Schedules"),
    "customers": QT_TRANSLATE_NOOP("SyncStatusTableModel", "Customers"),
    "transactions": QT_TRANSLATE_NOOP("SyncStatusTableModel", "Balance transactions"),
    "events": QT_TRANSLATE_NOOP("SyncStatusTableModel", "Events"),
}


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


class SyncStatusTableModel(RowsTableModel[ResourceSyncStatus]):
    """One row per synced resource, with live progress while syncing."""

    context = _CONTEXT
    headers = _HEADERS

    def __init__(self, timezone: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._zone = ZoneInfo(timezone)
        self._progress: dict[str, tuple[int, int]] = {}

    def set_overview(self, rows: list[ResourceSyncStatus]) -> None:
        self.set_rows(rows)

    def set_progress(self, resource: str, fetched: int, total: int) -> None:
        self._progress[resource] = (fetched, total)
        for row, status in enumerate(self._items):
            if status.resource == resource:
                index = self.index(row, PROGRESS)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
                return
        self.beginInsertRows(QModelIndex(), len(self._items), len(self._items))
        self._items.append(ResourceSyncStatus(resource, None, 0, False, None))
        self.endInsertRows()

    def clear_progress(self) -> None:
        self._progress.clear()
        if self._items:
            self.dataChanged.emit(
                self.index(0, PROGRESS), self.index(len(self._items) - 1, PROGRESS)
            )

    def display(self, item: ResourceSyncStatus, column: int) -> Any:
        if column == RESOURCE:
            name = _RESOURCE_NAMES.get(item.resource)
            return _tr(name) if name else item.resource
        if column == LAST_SYNCED:
            return self._when(item.last_synced_at)
        if column == OBJECTS:
            return f"{item.objects_seen:,}"
        if column == PROGRESS:
            return self._progress_text(item)
        return item.last_error or ""

    def _when(self, moment: datetime | None) -> str:
        if moment is None:
            return _tr("Never")
        return moment_text(moment, self._zone)

    def _progress_text(self, status: ResourceSyncStatus) -> str:
        progress = self._progress.get(status.resource)
        if progress is None:
            return _tr("Up to date") if status.backfill_done else ""
        fetched, total = progress
        return _tr("%1 of %2").replace("%1", f"{fetched:,}").replace("%2", f"{total:,}")


class SyncPanel(QWidget):
    """The sync table with buttons to sync now and to cancel.

    Signals:
        sync_requested(): the clerk asked for a sync (or a retry).
        cancel_requested(): the clerk asked to stop the running sync.
    """

    sync_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, model: SyncStatusTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.sync_button = QPushButton(self.tr("Sync now"), self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.sync_button.clicked.connect(self.sync_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)

        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_running(self, running: bool) -> None:
        self.sync_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.message.clear()

    def show_problem(self, sentence: str) -> None:
        """Say what stopped the sync; the button now retries."""
        self.message.setText(sentence)
        self.sync_button.setText(self.tr("Retry"))

    def clear_problem(self) -> None:
        self.message.clear()
        self.sync_button.setText(self.tr("Sync now"))
