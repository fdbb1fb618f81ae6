"""Starting the GUI: first run, the active profile, the main window."""

from __future__ import annotations

import gc
import logging
import sys

from PySide6.QtCore import QObject
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from opn_desk import APP_NAME, __version__, i18n
from opn_desk.services.profiles import (
    Profile,
    ProfileBook,
    load_profiles,
    sandbox_profile,
    save_profiles,
)
from opn_desk.services.settings import buddhist_era_shown, chosen_language
from opn_desk.services.workspace import MissingSecretKey
from opn_desk.views.crash_dialog import install_crash_handler
from opn_desk.views.icons import app_icon
from opn_desk.views.main_window import MainWindow
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.welcome_dialog import WelcomeDialog

logger = logging.getLogger(__name__)

# How often the GIL may pass between threads (Python's default is 5 ms).
GUI_SWITCH_INTERVAL_S = 0.001


class AppController(QObject):
    """Chooses the profile to open and owns the main window."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.window: MainWindow | None = None
        self.welcome: WelcomeDialog | None = None

    def start(self, profile_name: str | None = None) -> None:
        """Open the named or active profile, or welcome a new user."""
        book = load_profiles()
        if book is None:
            self._welcome()
            return
        name = profile_name or book.active
        profile = book.get(name) if name else None
        if profile is None:
            logger.warning("Profile %s not found; opening the sandbox", name)
            profile = sandbox_profile()
        self._show(profile)

    def _welcome(self) -> None:
        self.welcome = WelcomeDialog(self._runner)
        self.welcome.accepted.connect(self._welcomed)
        self.welcome.rejected.connect(QApplication.quit)
        self.welcome.open()

    def _welcomed(self) -> None:
        assert self.welcome is not None and self.welcome.profile is not None
        profile, key = self.welcome.profile, self.welcome.session_key
        book = load_profiles() or ProfileBook()
        book.put(profile)
        save_profiles(book)
        self._show(profile, key)

    def _show(self, profile: Profile, secret_key: str | None = None) -> None:
        if self.window is not None:
            self.window.close()
        self.window = MainWindow(self._runner, profile)
        self.window.workspace_failed.connect(self._profile_failed)
        self.window.show()
        self.window.open_profile(secret_key)

    def _profile_failed(self, error: BaseException) -> None:
        window = self.window
        if not isinstance(error, MissingSecretKey) or window is None:
            return
        self.welcome = WelcomeDialog(self._runner, window)
        self.welcome.ask_for_key(window.profile)
        self.welcome.accepted.connect(self._welcomed)
        self.welcome.open()


def create_application(argv: list[str]) -> QApplication:
    app = QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    app.setFont(_interface_font(app.font()))
    i18n.apply_language(app, chosen_language())
    i18n.set_buddhist_era(buddhist_era_shown())
    # A worker thread that lets go of the GIL for every small write (an
    # export, a sync) and takes it straight back keeps the GUI thread
    # waiting: with Python's 5 ms switch interval, bench/ui.py saw beats
    # of the GUI thread late by over 100 ms, at 1 ms hardly any.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    # What start-up made (modules, classes, wrappers) lives as long as the
    # app: out of the collector's reach, a full collection during a sync
    # walks only what the sync made, a shorter pause of every thread.
    gc.freeze()
    return app


def run_gui(profile_name: str | None = None) -> int:
    """Run the desktop app until its window closes; the exit code."""
    app = create_application(sys.argv[:1])
    install_crash_handler(app)
    runner = TaskRunner(app)
    controller = AppController(runner)
    controller.start(profile_name)
    code = app.exec()
    runner.shutdown(wait=True)
    return code


def _interface_font(current: QFont) -> QFont:
    """Add a family with Thai glyphs after the default ones, as a fallback."""
    families = set(QFontDatabase.families())
    for family in ("Noto Sans Thai UI", "Noto Sans Thai", "Loma", "Garuda", "Tahoma"):
        if family in families:
            font = QFont(current)
            font.setFamilies([*current.families(), family])
            return font
    logger.warning("No font with Thai glyphs found; Thai text may not show")
    return current
