"""Remembering the window's size, position, docks, splitters and tables.

Everything goes to the layout settings file the column chooser uses. A
splitter or a table is known by the pane that holds it and its order
within that pane, so a key survives as long as the pane's layout does.
Tables whose columns the clerk picks (a ColumnChooser) keep their own
header, per profile, and are left alone here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter, QTableView, QWidget

from opn_desk.views.column_chooser import ColumnChooser, layout_settings

logger = logging.getLogger(__name__)

GEOMETRY_KEY = "window/geometry"
WINDOW_STATE_KEY = "window/state"


def save_window_layout(window: QMainWindow) -> None:
    """Keep the window's size, position and docks."""
    settings = layout_settings()
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(WINDOW_STATE_KEY, window.saveState())
    settings.sync()


def restore_window_layout(window: QMainWindow) -> bool:
    """Put the window back as it was; False when nothing was kept."""
    settings = layout_settings()
    geometry = settings.value(GEOMETRY_KEY)
    if not isinstance(geometry, QByteArray) or not window.restoreGeometry(geometry):
        return False
    state = settings.value(WINDOW_STATE_KEY)
    if isinstance(state, QByteArray):
        window.restoreState(state)
    return True


def save_pane_layouts(panes: Iterable[QWidget]) -> None:
    """Keep the splitter positions and table headers of each pane."""
    settings = layout_settings()
    for pane in panes:
        for key, splitter in _splitters(pane):
            settings.setValue(key, splitter.saveState())
        for key, header in _headers(pane):
            settings.setValue(f"{key}/header", header.saveState())
            settings.setValue(f"{key}/columns", header.count())
    settings.sync()


def restore_pane_layouts(panes: Iterable[QWidget]) -> None:
    """Put back the splitters and headers kept by save_pane_layouts."""
    settings = layout_settings()
    for pane in panes:
        for key, splitter in _splitters(pane):
            state = settings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        for key, header in _headers(pane):
            state = settings.value(f"{key}/header")
            columns = settings.value(f"{key}/columns")
            # A table whose columns change (a report) keeps its own.
            if isinstance(state, QByteArray) and _same_count(columns, header):
                header.restoreState(state)


def _splitters(pane: QWidget) -> Iterator[tuple[str, QSplitter]]:
    name = type(pane).__name__
    for number, splitter in enumerate(pane.findChildren(QSplitter)):
        yield f"splitters/{name}/{number}", splitter


def _headers(pane: QWidget) -> Iterator[tuple[str, QHeaderView]]:
    name = type(pane).__name__
    for number, table in enumerate(pane.findChildren(QTableView)):
        if table.findChild(ColumnChooser) is not None:
            continue
        yield f"tables/{name}/{number}", table.horizontalHeader()


def _same_count(kept: object, header: QHeaderView) -> bool:
    try:
        return int(str(kept)) == header.count() > 0
    except ValueError:
        return False
