"""The audit log's item model, reading pages lazily from the cache.

Only the row count and the pages the view asks for are loaded, on the
database worker; answers to an older filter are dropped. The words for
actions and the export rows live here too, so the tab and an export show
the same thing.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.journal_queries import (
    AuditFilter,
    AuditListItem,
    audit_page,
    count_audit_entries,
)
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40

WHEN, CLERK, ACTION, TARGET, SUMMARY, OPERATION = range(6)
_CONTEXT = "AuditTableModel"
_HEADERS = {
    WHEN: QT_TRANSLATE_NOOP("AuditTableModel", "When"),
    CLERK: QT_TRANSLATE_NOOP("AuditTableModel", "Clerk"),
    ACTION: QT_TRANSLATE_NOOP("AuditTableModel", "Action"),
    TARGET: QT_TRANSLATE_NOOP("AuditTableModel", "Target"),
    SUMMARY: QT_TRANSLATE_NOOP("AuditTableModel", "Summary"),
    OPERATION: QT_TRANSLATE_NOOP("AuditTableModel", "Operation"),
}
# The actions services.operations records: a write's kind when it was
# done, and the kind with "_refused" when Opn refused it.
_ACTIONS = {
    "refund": QT_TRANSLATE_NOOP("AuditTableModel", "Refund"),
    "refund_refused": QT_TRANSLATE_NOOP("AuditTableModel", "Refund refused"),
    "capture": QT_TRANSLATE_NOOP("AuditTableModel", "Capture"),
    "capture_refused": QT_TRANSLATE_NOOP("AuditTableModel", "Capture refused"),
    "reverse": QT_TRANSLATE_NOOP("AuditTableModel", "Reverse"),
    "reverse_refused": QT_TRANSLATE_NOOP("AuditTableModel", "Reverse refused"),
}

AnyIndex = QModelIndex | QPersistentModelIndex


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


def action_label(action: str) -> str:
    """An audited action in words; an unknown action as it was recorded."""
    text = _ACTIONS.get(action)
    return _tr(text) if text else action


def audit_headers() -> list[str]:
    """The audit table's column titles, in the clerk's language."""
    return [_tr(_HEADERS[column]) for column in sorted(_HEADERS)]


def audit_export_row(item: AuditListItem, zone: ZoneInfo) -> list[object]:
    """One entry as an export row; the time is naive, in ``zone``.

    A spreadsheet cannot hold a time zone, so the time is given as the
    wall-clock time the tab shows, as a value a spreadsheet can sort.
    """
    return [
        item.at.astimezone(zone).replace(tzinfo=None),
        item.clerk,
        action_label(item.action),
        item.target_id,
        item.summary,
        item.operation_id or "",
    ]


class AuditTableModel(QAbstractTableModel):
    """Audit entries matching a filter, newest first.

    Signals:
        loaded(int): the row count after a refresh finished.
        failed(object): the count could not be read (the exception).
    """

    loaded = Signal(int)
    failed = Signal(object)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._zone = ZoneInfo(timezone)
        self._engine: Engine | None = None
        self._filter = AuditFilter()
        self._row_count = 0
        self._pages: OrderedDict[int, list[AuditListItem]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0

    @property
    def audit_filter(self) -> AuditFilter:
        return self._filter

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def set_engine(self, engine: Engine | None) -> None:
        """Read from ``engine`` from now on (None: show nothing)."""
        self._engine = engine
        self.refresh()

    def set_filter(self, audit_filter: AuditFilter) -> None:
        """Show the entries matching ``audit_filter``."""
        self._filter = audit_filter
        self.refresh()

    def refresh(self) -> None:
        """Re-read the row count and drop loaded pages."""
        engine = self._engine
        self._generation += 1
        generation, audit_filter = self._generation, self._filter
        if engine is None:
            self._reset(0)
            self.loaded.emit(0)
            return

        def count() -> int:
            with session_scope(engine) as session:
                return count_audit_entries(session, audit_filter)

        self._runner.run_db(
            count,
            lambda rows: self._counted(generation, rows),
            lambda error: self._count_failed(generation, error),
            context=self,
        )

    def item_at(self, row: int) -> AuditListItem | None:
        """The loaded entry at ``row``, or None while its page loads."""
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None or row % PAGE_SIZE >= len(page):
            return None
        self._pages.move_to_end(page_no)
        return page[row % PAGE_SIZE]

    # Qt overrides

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.rowCount."""
        return 0 if parent.isValid() else self._row_count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.columnCount."""
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Override QAbstractTableModel.headerData."""
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and section in _HEADERS
        ):
            return _tr(_HEADERS[section])
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel.data."""
        if not index.isValid() or index.row() >= self._row_count:
            return None
        item = self.item_at(index.row())
        if item is None:
            self._request_page(index.row() // PAGE_SIZE)
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == SUMMARY:
            return item.summary
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractTableModel.flags."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # Private

    def _display(self, item: AuditListItem, column: int) -> str | None:
        if column == WHEN:
            return self._local_time(item.at)
        if column == ACTION:
            return action_label(item.action)
        texts = {
            CLERK: item.clerk,
            TARGET: item.target_id,
            SUMMARY: item.summary,
            OPERATION: item.operation_id,
        }
        return texts.get(column)

    def _local_time(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).strftime("%Y-%m-%d %H:%M:%S")

    def _counted(self, generation: int, rows: int) -> None:
        if generation != self._generation:
            return
        self._reset(rows)
        self.loaded.emit(rows)

    def _count_failed(self, generation: int, error: BaseException) -> None:
        logger.error("Could not count the audit log", exc_info=error)
        if generation == self._generation:
            self._reset(0)
            self.failed.emit(error)

    def _reset(self, rows: int) -> None:
        self.beginResetModel()
        self._row_count = rows
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()

    def _request_page(self, page_no: int) -> None:
        engine = self._engine
        if engine is None or page_no in self._pending:
            return
        self._pending.add(page_no)
        generation, audit_filter = self._generation, self._filter

        def load() -> list[AuditListItem]:
            with session_scope(engine) as session:
                offset = page_no * PAGE_SIZE
                return audit_page(session, audit_filter, offset, PAGE_SIZE)

        self._runner.run_db(
            load,
            lambda items: self._page_loaded(generation, page_no, items),
            lambda error: self._page_failed(page_no, error),
            context=self,
        )

    def _page_loaded(
        self, generation: int, page_no: int, items: list[AuditListItem]
    ) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page_no)
        self._pages[page_no] = items
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        first = page_no * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._row_count) - 1
        if last >= first:
            self.dataChanged.emit(
                self.index(first, 0), self.index(last, len(_HEADERS) - 1)
            )

    def _page_failed(self, page_no: int, error: BaseException) -> None:
        # The page stays marked pending, so a failing query is not re-run
        # on every repaint; the next refresh asks for it again.
        logger.error("Could not load page %d of the audit log", page_no, exc_info=error)
