"""The Audit log tab: every write, who made it, and the state before and after."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.db import session_scope
from opn_desk.models.journal_queries import (
    AuditChoices,
    AuditFilter,
    AuditStates,
    audit_choices,
    audit_states,
    iter_audit_entries,
)
from opn_desk.services.table_rows import TableExport
from opn_desk.views.audit_table_model import (
    ACTION,
    CLERK,
    OPERATION,
    SUMMARY,
    TARGET,
    WHEN,
    AuditTableModel,
    action_label,
    audit_export_row,
    audit_headers,
)
from opn_desk.views.export_action import ExportAction, visible_columns
from opn_desk.views.refunds_tab import replace_choices
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

SEARCH_DELAY_MS = 250
_COLUMN_WIDTHS = {
    WHEN: 140,
    CLERK: 120,
    ACTION: 120,
    TARGET: 220,
    SUMMARY: 360,
    OPERATION: 260,
}


class AuditTab(QWidget):
    """The audit log as a lazy table with filters.

    Below the table, the selected entry's target before and after the
    write, as indented JSON side by side.
    """

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._engine: Engine | None = None
        self._shown_entry: int | None = None
        self.model = AuditTableModel(runner, timezone, self)
        self.exporter = ExportAction(runner, self._table_export, "audit-log", self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filter)

        self._build_filters()
        self._build_table()
        self._build_states()
        self.message = QLabel(self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self._states)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._filter_bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        self.model.loaded.connect(self._show_count)
        self.model.failed.connect(self._show_failure)
        self.model.modelReset.connect(self._show_states_of_current)

    def set_engine(self, engine: Engine | None) -> None:
        """Show the audit log of ``engine``'s cache (None: show nothing)."""
        self._engine = engine
        self.model.set_engine(engine)
        self._load_choices()

    def refresh(self) -> None:
        """Read the audit log again (after a write), keeping the filters."""
        self.model.refresh()
        self._load_choices()

    def current_filter(self) -> AuditFilter:
        """The filter the widgets describe right now."""
        return AuditFilter(
            clerk=self.clerk_combo.currentData(),
            action=self.action_combo.currentData(),
            target=self.target_edit.text().strip(),
        )

    def export_current_table(self) -> None:
        """Ask for a file and export every entry the filters let through
        (what the window's Export item calls)."""
        self.exporter.ask()

    def _table_export(self) -> TableExport | None:
        columns = visible_columns(self.table)
        return self.model.table_export(self.tr("Audit log"), columns)

    def rows_for_export(self) -> tuple[list[str], Iterator[list[object]]]:
        """The column titles and the rows the tab shows with its filter.

        Call it on the GUI thread or any other. The rows are read lazily,
        in batches with sessions of their own, so the iterator should be
        consumed on a worker thread; it never touches a widget. Times are
        wall-clock times in the profile's time zone, without the zone.
        """
        engine, audit_filter = self._engine, self.model.audit_filter
        zone = self.model.zone
        if engine is None:
            return audit_headers(), iter(())
        items = iter_audit_entries(engine, audit_filter)
        rows = (audit_export_row(item, zone) for item in items)
        return audit_headers(), rows

    # Private

    def _build_filters(self) -> None:
        self.clerk_combo = QComboBox(self)
        self.clerk_combo.addItem(self.tr("All clerks"), None)
        self.action_combo = QComboBox(self)
        self.action_combo.addItem(self.tr("All actions"), None)
        self.target_edit = QLineEdit(self)
        self.target_edit.setPlaceholderText(self.tr("Target id"))
        self.target_edit.setClearButtonEnabled(True)
        self.clerk_combo.currentIndexChanged.connect(self._apply_filter)
        self.action_combo.currentIndexChanged.connect(self._apply_filter)
        self.target_edit.textChanged.connect(self._search_timer.start)

        bar = QHBoxLayout()
        bar.addWidget(self.clerk_combo)
        bar.addWidget(self.action_combo)
        bar.addWidget(self.target_edit, 1)
        bar.addWidget(self.exporter.button(self))
        self._filter_bar = bar

    def _build_table(self) -> None:
        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

    def _build_states(self) -> None:
        self._states = QWidget(self)
        self.before_view = self._state_view()
        self.after_view = self._state_view()
        grid = QGridLayout(self._states)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(self.tr("Before"), self._states), 0, 0)
        grid.addWidget(QLabel(self.tr("After"), self._states), 0, 1)
        grid.addWidget(self.before_view, 1, 0)
        grid.addWidget(self.after_view, 1, 1)

    def _state_view(self) -> QPlainTextEdit:
        view = QPlainTextEdit(self._states)
        view.setReadOnly(True)
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        return view

    def _apply_filter(self) -> None:
        self._search_timer.stop()
        wanted = self.current_filter()
        if wanted != self.model.audit_filter:
            self.model.set_filter(wanted)

    def _show_states_of_current(self) -> None:
        self._row_changed(self.table.currentIndex())

    def _row_changed(self, current: QModelIndex, _previous: Any = None) -> None:
        item = self.model.item_at(current.row()) if current.isValid() else None
        self._shown_entry = item.id if item is not None else None
        self._show_states(None)
        engine = self._engine
        if item is None or engine is None:
            return
        entry_id = item.id

        def load() -> AuditStates | None:
            with session_scope(engine) as session:
                return audit_states(session, entry_id)

        self._runner.run_db(load, self._states_loaded, context=self)

    def _states_loaded(self, states: AuditStates | None) -> None:
        if states is not None and states.entry_id == self._shown_entry:
            self._show_states(states)

    def _show_states(self, states: AuditStates | None) -> None:
        nothing = self.tr("Nothing was recorded.")
        for view, state in (
            (self.before_view, states.before if states else None),
            (self.after_view, states.after if states else None),
        ):
            view.setPlainText(_pretty_json(state))
            view.setPlaceholderText(nothing if states else "")

    def _load_choices(self) -> None:
        engine = self._engine
        if engine is None:
            self._show_choices(AuditChoices((), ()))
            return

        def load() -> AuditChoices:
            with session_scope(engine) as session:
                return audit_choices(session)

        self._runner.run_db(load, self._show_choices, context=self)

    def _show_choices(self, choices: AuditChoices) -> None:
        replace_choices(self.clerk_combo, [(c, c) for c in choices.clerks])
        actions = [(action_label(a), a) for a in choices.actions]
        replace_choices(self.action_combo, actions)

    def _show_count(self, rows: int) -> None:
        self.message.setText(self.tr("Entries shown: %1").replace("%1", f"{rows:,}"))

    def _show_failure(self, _error: BaseException) -> None:
        self.message.setText(
            self.tr(
                "The audit log could not be read from the cache. The details "
                "are in the log; it is read again after the next write or sync."
            )
        )


def _pretty_json(state: dict[str, Any] | None) -> str:
    """Indented JSON with sorted keys, so before and after line up.

    PostgreSQL's JSONB keeps no key order anyway.
    """
    if state is None:
        return ""
    return json.dumps(state, indent=2, ensure_ascii=False, sort_keys=True)
