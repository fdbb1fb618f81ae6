"""The audit log's item model, reading pages lazily from the cache.

The paging is ``PagedTableModel``'s. The words for actions and the export
rows live here too, so the tab and an export show the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import tzinfo
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from opn_desk.models.journal_queries import (
    AuditFilter,
    AuditListItem,
    audit_page,
    count_audit_entries,
)
from opn_desk.services.export import ColumnKind
from opn_desk.services.table_rows import shown_audit_entries
from opn_desk.views.audit_wording import audit_summary
from opn_desk.views.item_table_model import ExportColumn
from opn_desk.views.labels import moment_text
from opn_desk.views.paged_table_model import (
    PAGE_SIZE,
    CountQuery,
    PagedTableModel,
    PageQuery,
)
from opn_desk.views.tasks import TaskRunner

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
    "dispute_document_upload": QT_TRANSLATE_NOOP(
        "AuditTableModel", "Evidence document"
    ),
    "dispute_document_upload_refused": QT_TRANSLATE_NOOP(
        "AuditTableModel", "Evidence document refused"
    ),
    "dispute_message_update": QT_TRANSLATE_NOOP("AuditTableModel", "Dispute answer"),
    "dispute_message_update_refused": QT_TRANSLATE_NOOP(
        "AuditTableModel", "Dispute answer refused"
    ),
    "dispute_accept": QT_TRANSLATE_NOOP("AuditTableModel", "Dispute accepted"),
    "dispute_accept_refused": QT_TRANSLATE_NOOP(
        "AuditTableModel", "Dispute acceptance refused"
    ),
    "schedule_create": QT_TRANSLATE_NOOP("AuditTableModel", "Schedule created"),
    "schedule_create_refused": QT_TRANSLATE_NOOP("AuditTableModel", "Schedule refused"),
    "schedule_delete": QT_TRANSLATE_NOOP("AuditTableModel", "Schedule deleted"),
    "schedule_delete_refused": QT_TRANSLATE_NOOP(
        "AuditTableModel", "Schedule deletion refused"
    ),
}


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
        audit_summary(item),
        item.operation_id or "",
    ]


class AuditTableModel(PagedTableModel[AuditListItem]):
    """Audit entries matching a filter, newest first."""

    context = _CONTEXT
    headers = _HEADERS
    noun = "audit entries"
    count_first = True

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QObject | None = None
    ) -> None:
        super().__init__(runner, timezone, parent)
        self._filter = AuditFilter()

    @property
    def audit_filter(self) -> AuditFilter:
        return self._filter

    def set_filter(self, audit_filter: AuditFilter) -> None:
        """Show the entries matching ``audit_filter``."""
        self._filter = audit_filter
        self.refresh()

    def export_column(self, column: int) -> ExportColumn[AuditListItem]:
        """What ``column`` holds in an export, and its value for an entry."""
        if column == WHEN:
            return ColumnKind.DATETIME, _at
        return ColumnKind.TEXT, partial(_cell_text, column=column, zone=self.zone)

    def export_items(self, engine: Engine) -> Callable[[], Iterator[AuditListItem]]:
        audit_filter = self._filter
        return lambda: shown_audit_entries(engine, audit_filter)

    # PagedTableModel

    def count_query(self) -> CountQuery:
        audit_filter = self._filter
        return lambda session: count_audit_entries(session, audit_filter)

    def page_query(self, page_no: int) -> PageQuery[AuditListItem]:
        audit_filter, offset = self._filter, page_no * PAGE_SIZE

        def query(session: Session) -> list[AuditListItem]:
            return audit_page(session, audit_filter, offset, PAGE_SIZE)

        return query

    def display(self, item: AuditListItem, column: int) -> str | None:
        return _cell_text(item, column, self.zone)

    def cell_role(self, item: AuditListItem, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == SUMMARY:
            return audit_summary(item)
        return None


def _cell_text(item: AuditListItem, column: int, zone: tzinfo) -> str | None:
    """The text the table shows in ``column`` for ``item``."""
    if column == WHEN:
        return moment_text(item.at, zone, seconds=True)
    if column == ACTION:
        return action_label(item.action)
    texts = {
        CLERK: item.clerk,
        TARGET: item.target_id,
        SUMMARY: audit_summary(item),
        OPERATION: item.operation_id,
    }
    return texts.get(column)


def _at(item: AuditListItem) -> object:
    return item.at
