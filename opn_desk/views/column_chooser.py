"""Choosing a table's columns from its header, and remembering the choice.

Right-clicking the header lists every column with a check mark; the
columns shown, their order and their widths are kept per profile in the
layout settings file and restored when the table is built again.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from PySide6.QtCore import QByteArray, QObject, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from opn_desk.services import paths

SAVE_PAUSE_MS = 400
LAYOUT_FILE = "layout.ini"


def layout_settings() -> QSettings:
    """The settings file of window and table layouts (not the profiles)."""
    path = paths.config_dir() / LAYOUT_FILE
    return QSettings(str(path), QSettings.Format.IniFormat)


class ColumnChooser(QObject):
    """Shows and hides the columns of ``table`` and remembers its header."""

    def __init__(
        self,
        table: QTableView,
        table_name: str,
        profile_name: str,
        hidden_by_default: Collection[int] = (),
    ) -> None:
        super().__init__(table)
        self._table = table
        self._key = f"{table_name}/{_slug(profile_name)}/header"
        self._hidden_by_default = set(hidden_by_default)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_PAUSE_MS)
        self._save_timer.timeout.connect(self.save)

        header = self._header
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_menu)
        self.restore()
        header.sectionResized.connect(self._resized)
        header.sectionMoved.connect(lambda *_args: self._save_timer.start())

    @property
    def _header(self) -> QHeaderView:
        return self._table.horizontalHeader()

    def restore(self) -> None:
        """Apply the saved header, or hide the default columns."""
        state = layout_settings().value(self._key)
        if isinstance(state, QByteArray) and self._header.restoreState(state):
            return
        for column in self._hidden_by_default:
            self._header.setSectionHidden(column, True)

    def save(self) -> None:
        """Write the header (shown columns, order, widths) now."""
        self._save_timer.stop()
        settings = layout_settings()
        settings.setValue(self._key, self._header.saveState())
        settings.sync()

    def set_column_shown(self, column: int, shown: bool) -> None:
        """Show or hide ``column``; the last shown column stays shown."""
        header = self._header
        if not shown and self._shown_count() <= 1:
            return
        header.setSectionHidden(column, not shown)
        if shown and header.sectionSize(column) < header.minimumSectionSize() * 2:
            header.resizeSection(column, header.defaultSectionSize())
        self.save()

    def menu(self) -> QMenu:
        """The menu of columns, each checked when shown."""
        header = self._header
        model = self._table.model()
        menu = QMenu(self._table)
        menu.setTitle(self.tr("Columns"))
        for column in range(header.count()):
            title = model.headerData(column, Qt.Orientation.Horizontal)
            action = QAction(str(title), menu)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(header.isSectionHidden(column) or self._shown_count() > 1)
            action.toggled.connect(
                lambda shown, c=column: self.set_column_shown(c, shown)
            )
            menu.addAction(action)
        return menu

    # Private

    def _shown_count(self) -> int:
        header = self._header
        return sum(not header.isSectionHidden(c) for c in range(header.count()))

    def _show_menu(self, position: QPoint) -> None:
        menu = self.menu()
        menu.popup(self._header.mapToGlobal(position))

    def _resized(self, column: int, _old: int, _new: int) -> None:
        # The last column stretches with the window: that is not a choice.
        if column == self._last_shown_column():
            return
        self._save_timer.start()

    def _last_shown_column(self) -> int:
        header = self._header
        for visual in reversed(range(header.count())):
            column = header.logicalIndex(visual)
            if not header.isSectionHidden(column):
                return column
        return -1


def _slug(name: str) -> str:
    """``name`` as one settings key part (a profile name holds anything)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "default"
