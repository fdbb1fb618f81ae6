"""The main window's menus and keyboard shortcuts.

Each action is declared once, with its menu, its words and its keys; the
window hands over what each one does. When the language changes, the
words are looked up again, so the menus follow without a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

_CONTEXT = "WindowMenus"
_PROFILE_MENU = "profile"


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    text: object  # a QT_TRANSLATE_NOOP marker: the English words
    keys: tuple[str, ...] = ()


_MENUS: tuple[tuple[str, object, tuple[_Entry, ...]], ...] = (
    (
        "file",
        QT_TRANSLATE_NOOP("WindowMenus", "&File"),
        (
            _Entry("export", QT_TRANSLATE_NOOP("WindowMenus", "&Export…"), ("Ctrl+E",)),
            _Entry(
                "settings", QT_TRANSLATE_NOOP("WindowMenus", "&Settings…"), ("Ctrl+,",)
            ),
            _Entry("quit", QT_TRANSLATE_NOOP("WindowMenus", "&Quit"), ("Ctrl+Q",)),
        ),
    ),
    (_PROFILE_MENU, "", ()),
    (
        "edit",
        QT_TRANSLATE_NOOP("WindowMenus", "&Edit"),
        (_Entry("find", QT_TRANSLATE_NOOP("WindowMenus", "&Find"), ("Ctrl+F",)),),
    ),
    (
        "go",
        QT_TRANSLATE_NOOP("WindowMenus", "&Go"),
        (
            _Entry(
                "next_record",
                QT_TRANSLATE_NOOP("WindowMenus", "&Next record"),
                ("Ctrl+Down",),
            ),
            _Entry(
                "previous_record",
                QT_TRANSLATE_NOOP("WindowMenus", "&Previous record"),
                ("Ctrl+Up",),
            ),
        ),
    ),
    (
        "actions",
        QT_TRANSLATE_NOOP("WindowMenus", "&Actions"),
        (
            _Entry(
                "sync", QT_TRANSLATE_NOOP("WindowMenus", "&Refresh from Opn"), ("F5",)
            ),
            _Entry(
                "refund",
                QT_TRANSLATE_NOOP("WindowMenus", "&Refund…"),
                ("Ctrl+Shift+R",),
            ),
            _Entry(
                "bulk_refund",
                QT_TRANSLATE_NOOP("WindowMenus", "Refund &selected charges…"),
            ),
            _Entry(
                "capture",
                QT_TRANSLATE_NOOP("WindowMenus", "&Capture or release…"),
                ("Ctrl+Shift+C",),
            ),
        ),
    ),
    (
        "view",
        QT_TRANSLATE_NOOP("WindowMenus", "&View"),
        (_Entry("show_log", QT_TRANSLATE_NOOP("WindowMenus", "Show &log…")),),
    ),
    (
        "help",
        QT_TRANSLATE_NOOP("WindowMenus", "&Help"),
        (_Entry("about", QT_TRANSLATE_NOOP("WindowMenus", "&About opn-desk")),),
    ),
)
_DOCK_TEXTS = (
    QT_TRANSLATE_NOOP("WindowMenus", "Sync &panel"),
    QT_TRANSLATE_NOOP("WindowMenus", "&Operations needing attention"),
)


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


class WindowMenus(QObject):
    """The menu bar of ``window``: one QAction per entry, by name.

    ``slots`` maps each entry's name (``export``, ``settings``, ``quit``,
    ``find``, ``next_record``, ``previous_record``, ``sync``, ``refund``,
    ``bulk_refund``, ``capture``, ``show_log``, ``about``) to what it does.
    """

    def __init__(
        self,
        window: QMainWindow,
        slots: Mapping[str, Callable[[], object]],
        profile_menu: QMenu,
        docks: Sequence[QDockWidget],
    ) -> None:
        super().__init__(window)
        self._docks = tuple(docks)
        self.actions: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}
        bar = window.menuBar()
        for key, title, entries in _MENUS:
            if key == _PROFILE_MENU:
                bar.addMenu(profile_menu)
                continue
            menu = bar.addMenu(_tr(title))
            self.menus[key] = menu
            if key == "view":
                self._add_dock_toggles(menu)
            for entry in entries:
                menu.addAction(self._action(entry, slots[entry.name]))
        self.actions["settings"].setMenuRole(QAction.MenuRole.PreferencesRole)
        self.actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)

    def __getitem__(self, name: str) -> QAction:
        return self.actions[name]

    def retranslate(self) -> None:
        """Word every menu and action again, in the language now in effect."""
        for key, title, entries in _MENUS:
            if key in self.menus:
                self.menus[key].setTitle(_tr(title))
            for entry in entries:
                self.actions[entry.name].setText(_tr(entry.text))
        for dock, text in zip(self._docks, _DOCK_TEXTS, strict=False):
            dock.toggleViewAction().setText(_tr(text))

    def _action(self, entry: _Entry, slot: Callable[[], object]) -> QAction:
        action = QAction(_tr(entry.text), self)
        action.setShortcuts([QKeySequence(keys) for keys in entry.keys])
        action.triggered.connect(lambda _checked=False: slot())
        self.actions[entry.name] = action
        return action

    def _add_dock_toggles(self, menu: QMenu) -> None:
        for dock, text in zip(self._docks, _DOCK_TEXTS, strict=False):
            toggle = dock.toggleViewAction()
            toggle.setText(_tr(text))
            menu.addAction(toggle)
        menu.addSeparator()
