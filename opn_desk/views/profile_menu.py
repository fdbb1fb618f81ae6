"""The Profile menu: every profile on this workstation, and a new one.

The list is read from the profile book each time the menu opens, so a
profile added elsewhere shows up without a restart. Picking a profile
only asks for the switch; the window does it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QWidget

from opn_desk.services.profiles import Profile, load_profiles


class ProfileMenu(QMenu):
    """Lists the profiles with their mode; the open one is checked.

    Signals:
        switch_requested(object): the Profile the clerk picked.
        new_requested(): the clerk asked for a new profile.
    """

    switch_requested = Signal(object)
    new_requested = Signal()

    def __init__(self, current: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("&Profile"))
        self._current = current
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.new_action = QAction(self.tr("&New profile…"), self)
        self.new_action.triggered.connect(self._new_picked)
        self._separator = self.addSeparator()
        self.addAction(self.new_action)
        self.aboutToShow.connect(self.refill)
        self.refill()

    def set_current(self, profile: Profile) -> None:
        self._current = profile
        self.refill()

    def retranslate(self) -> None:
        """Word the menu again in the language now in effect."""
        self.setTitle(self.tr("&Profile"))
        self.new_action.setText(self.tr("&New profile…"))
        self.refill()

    def profile_actions(self) -> list[QAction]:
        """One checkable action per profile, in the book's order."""
        return list(self._group.actions())

    def refill(self) -> None:
        """List the profiles again, above the separator and New profile."""
        for action in self._group.actions():
            self.removeAction(action)
            self._group.removeAction(action)
            action.deleteLater()
        for profile in self._listed():
            action = QAction(self.label(profile), self)
            action.setCheckable(True)
            action.setChecked(profile.name == self._current.name)
            action.setData(profile.name)
            action.triggered.connect(lambda _checked=False, p=profile: self._picked(p))
            self._group.addAction(action)
            self.insertAction(self._separator, action)

    def label(self, profile: Profile) -> str:
        """The profile's name with its mode, live written out loud."""
        if profile.mode == "live":
            return self.tr("%1 — LIVE").replace("%1", profile.name)
        if profile.mode == "sandbox":
            return self.tr("%1 — sandbox").replace("%1", profile.name)
        return self.tr("%1 — test").replace("%1", profile.name)

    def _listed(self) -> list[Profile]:
        book = load_profiles()
        profiles = list(book.profiles) if book is not None else []
        if all(p.name != self._current.name for p in profiles):
            profiles.insert(0, self._current)
        return profiles

    def _new_picked(self) -> None:
        self.new_requested.emit()

    def _picked(self, profile: Profile) -> None:
        if profile.name != self._current.name:
            self.switch_requested.emit(profile)
        else:
            self.refill()  # keep the open profile checked
