"""A table model over a short list of rows held in memory.

The Disputes and Schedules tables read every row at once (a merchant has
few disputes and schedules). This base holds the rows; ``ItemTableModel``
answers the rest from the titles and cells a subclass gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, QObject

from opn_desk.services.table_rows import TableExport
from opn_desk.views.item_table_model import AnyIndex, ItemTableModel

Item = TypeVar("Item")


class RowsTableModel(ItemTableModel[Item]):
    """Rows of one kind held in memory, one item a row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Item] = []

    def set_rows(self, rows: Sequence[Item]) -> None:
        """Show ``rows``, in their order."""
        self.beginResetModel()
        self._items = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Item | None:
        """The item at ``row``, or None outside the table."""
        return self._items[row] if 0 <= row < len(self._items) else None

    def item_for_row(self, row: int) -> Item | None:
        return self.row_at(row)

    def cell(self, row: int, column: int) -> Any:
        """The text of the cell at ``row`` and ``column``."""
        return self.display(self._items[row], column)

    def export_zone(self) -> tzinfo:
        """The time zone the export's times are shown in."""
        return UTC

    def table_export(self, name: str, columns: Sequence[int]) -> TableExport:
        """The rows shown now with ``columns``, in their order, for an export."""
        items = list(self._items)
        return self.describe_export(
            name, columns, lambda: items, lambda: len(items), self.export_zone()
        )

    # Qt overrides

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.rowCount."""
        return 0 if parent.isValid() else len(self._items)
