"""What every table model of the app shares: headers, cells and exports.

A table shows one item (a charge, a refund, a schedule...) a row. This
base answers Qt's questions about columns, headers, cells and flags from
a few things a subclass says: the column titles, which item a row holds,
and what a cell shows. It also describes the table for an export with
the same titles the clerk sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from opn_desk.i18n import buddhist_era_shown
from opn_desk.services.export import ColumnKind
from opn_desk.services.table_rows import TableExport, ValueOf, table_rows

RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

Item = TypeVar("Item")
AnyIndex = QModelIndex | QPersistentModelIndex
ExportColumn = tuple[ColumnKind, ValueOf[Item]]


class ItemTableModel(QAbstractTableModel, Generic[Item]):
    """One item a row; subclasses say the columns and the cells.

    Subclasses set ``context`` (the translation context of the titles),
    ``headers`` (column -> untranslated title) and ``right_aligned``, and
    implement ``item_for_row``, ``display`` and, to export,
    ``export_column`` (and ``export_currency`` when rows hold money).
    """

    context = "ItemTableModel"
    headers: Mapping[int, object] | Sequence[object] = ()
    right_aligned: frozenset[int] = frozenset()
    # The column that shows each row's currency, when the table has one.
    currency_column: int | None = None

    # What a subclass says

    def item_for_row(self, row: int) -> Item | None:
        """The item ``row`` shows, or None (outside, or not loaded yet)."""
        raise NotImplementedError

    def display(self, item: Item, column: int) -> Any:
        """The text of one cell."""
        raise NotImplementedError

    def cell_role(self, item: Item, column: int, role: int) -> Any:
        """A cell's value for roles other than display and alignment."""
        return None

    def export_column(self, column: int) -> ExportColumn[Item]:
        """What ``column`` holds in an export, and its value for an item.

        The value function runs on a worker thread: it must not hold the
        model or any other Qt object.
        """
        raise NotImplementedError

    def export_currency(self) -> ValueOf[Item] | None:
        """The currency code of an item, for a table whose amounts are in
        different currencies; None when the table has no money."""
        return None

    # Public

    def header_text(self, column: int) -> str:
        """The title of ``column`` in the clerk's language."""
        return QCoreApplication.translate(self.context, str(self.headers[column]))

    def describe_export(
        self,
        name: str,
        columns: Sequence[int],
        items: Callable[[], Iterable[Item]],
        count: Callable[[], int | None],
        zone: tzinfo,
    ) -> TableExport:
        """``columns`` of ``items``, in that order, as an export describes
        them; ``items`` and ``count`` are called on the export's worker."""
        picked = [
            (self.header_text(column), *self.export_column(column))
            for column in columns
        ]
        if self.currency_column not in columns:
            picked = self._with_currency(picked)
        values = [value for _title, _kind, value in picked]
        return TableExport(
            name=name,
            headers=[title for title, _kind, _value in picked],
            kinds=[kind for _title, kind, _value in picked],
            rows=lambda: table_rows(items(), values),
            count=count,
            zone=zone,
            buddhist_era=buddhist_era_shown(),
        )

    def _with_currency(
        self, picked: list[tuple[str, ColumnKind, ValueOf[Item]]]
    ) -> list[tuple[str, ColumnKind, ValueOf[Item]]]:
        """``picked`` with a Currency column after its first amount.

        A sheet's amounts are plain numbers that a clerk sums or sorts;
        the table on screen writes the currency into each amount, so the
        export carries it in a column of its own even when the clerk has
        not shown one.
        """
        kinds = [kind for _title, kind, _value in picked]
        currency = self.export_currency()
        if ColumnKind.MONEY not in kinds or currency is None:
            return picked
        if self.currency_column is not None:
            title = self.header_text(self.currency_column)
        else:
            title = QCoreApplication.translate("ItemTableModel", "Currency")
        after = kinds.index(ColumnKind.MONEY) + 1
        return [*picked[:after], (title, ColumnKind.TEXT, currency), *picked[after:]]

    # Qt overrides

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractTableModel.columnCount."""
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Override QAbstractTableModel.headerData."""
        if orientation != Qt.Orientation.Horizontal:
            return None
        if not 0 <= section < self.columnCount():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.header_text(section)
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.right_aligned:
            return RIGHT_ALIGNED
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractTableModel.data."""
        if not index.isValid():
            return None
        item = self.item_for_row(index.row())
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT_ALIGNED if column in self.right_aligned else None
        return self.cell_role(item, column, role)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override QAbstractTableModel.flags."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
