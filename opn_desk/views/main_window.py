"""The main window: tabs over the cache, menus, profiles, sync on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from opn_desk import __version__, i18n
from opn_desk.models.db import session_scope
from opn_desk.models.sync_overview import ResourceSyncStatus, sync_overview
from opn_desk.models.sync_store import last_synced_at
from opn_desk.services.profiles import (
    Profile,
    activate_profile,
    load_profiles,
    save_profile,
)
from opn_desk.services.sync import CHARGES, AccountSyncResult
from opn_desk.services.workspace import Workspace, open_workspace
from opn_desk.views.errors import error_sentence, is_offline_error
from opn_desk.views.log_window import show_log_window
from opn_desk.views.notifications import Notifier
from opn_desk.views.profile_menu import ProfileMenu
from opn_desk.views.settings_dialog import SettingsDialog
from opn_desk.views.status_bar import LiveBanner, ProfileStatusBar, window_title
from opn_desk.views.sync_controller import SyncController
from opn_desk.views.sync_panel import SyncPanel, SyncStatusTableModel
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.welcome_dialog import WelcomeDialog
from opn_desk.views.window_layout import (
    restore_pane_layouts,
    restore_window_layout,
    save_pane_layouts,
    save_window_layout,
)
from opn_desk.views.window_menus import WindowMenus
from opn_desk.views.workspace_tabs import WorkspaceTabs
from opn_desk.views.write_actions import WriteActions

logger = logging.getLogger(__name__)

MS_PER_MINUTE = 60_000
# How often the window looks again whether a cancelled sync has stopped.
SYNC_STOP_POLL_MS = 50


class MainWindow(QMainWindow):
    """One window per running app, showing the open profile.

    Signals:
        workspace_ready(object): the profile's Workspace is open.
        workspace_failed(object): opening the profile failed with this error.
        profile_switched(object): the window now shows this Profile.
    """

    workspace_ready = Signal(object)
    workspace_failed = Signal(object)
    profile_switched = Signal(object)

    def __init__(
        self, runner: TaskRunner, profile: Profile, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._profile = profile
        self._workspace: Workspace | None = None
        self._closing = False
        self._switching = False
        # The language the tabs were built in (see _settings_saved).
        self._language = i18n.current_language()
        self.settings_dialog: SettingsDialog | None = None
        self.welcome: WelcomeDialog | None = None
        self.resize(1280, 760)

        self.writes = WriteActions(runner, self)
        self.writes.settled.connect(self._write_settled)
        self.status = ProfileStatusBar(self)
        self.setStatusBar(self.status)
        self.live_banner = LiveBanner(self)
        self._content = QWidget(self)
        self._content_layout = QVBoxLayout(self._content)
        self._content_layout.setContentsMargins(0, 0, 0, 0)
        self._content_layout.setSpacing(0)
        self._content_layout.addWidget(self.live_banner)
        self.setCentralWidget(self._content)
        self.operations_dock = self._dock(self.tr("Operations"), "operationsDock")
        self.sync_dock = self._dock(self.tr("Sync"), "syncDock")
        self.menus: WindowMenus | None = None

        self.sync = SyncController(runner, self)
        self.sync_timer = QTimer(self)
        self.sync_timer.timeout.connect(self.start_sync)
        self._connect_sync()
        self.notifier = Notifier(runner, self)
        self.notifier.attach(self)
        self._build_profile_view(profile)
        self._build_menus()
        restore_window_layout(self)

    @property
    def workspace(self) -> Workspace | None:
        return self._workspace

    @property
    def profile(self) -> Profile:
        return self._profile

    def open_profile(self, secret_key: str | None = None) -> None:
        """Open the profile in the background, then show its cache and sync."""
        self.status.showMessage(
            self.tr("Opening %1…").replace("%1", self._profile.name)
        )
        profile = self._profile
        self._runner.run_network(
            lambda: open_workspace(profile, secret_key),
            self.attach_workspace,
            self._workspace_not_opened,
            context=self,
        )

    def attach_workspace(self, workspace: Workspace) -> None:
        """Show an opened workspace's cache and start syncing it."""
        if self._closing or workspace.profile.name != self._profile.name:
            workspace.close()  # the clerk went elsewhere meanwhile
            return
        self._workspace = workspace
        self.status.clearMessage()
        self.sync_action.setEnabled(True)
        self.tabs.set_workspace(workspace)
        self.writes.set_workspace(workspace)
        self.writes.settle_unfinished()
        self._show_last_sync()
        self._show_sync_overview()
        self.workspace_ready.emit(workspace)
        self.sync_timer.start()
        self.start_sync()

    def start_sync(self) -> None:
        if self._workspace is not None and not self._switching:
            self.sync.start(self._workspace)

    def switch_profile(self, profile: Profile, secret_key: str | None = None) -> None:
        """Close the open profile cleanly, then open ``profile`` here.

        The sync is stopped and the database work already asked for is
        finished before the old cache closes; nothing needs a restart.
        """
        if self._switching or self._closing:
            return
        if self.writes.dialog is not None and self.writes.dialog.isVisible():
            self.status.showMessage(
                self.tr("Finish or close the open refund or capture first.")
            )
            return
        self._switching = True
        self.status.showMessage(
            self.tr("Closing %1…").replace("%1", self._profile.name)
        )
        self.sync_timer.stop()
        self.sync.cancel()
        self._when_sync_stopped(lambda: self._close_then_open(profile, secret_key))

    # Building

    def _dock(self, title: str, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.hide()
        return dock

    def _build_profile_view(self, profile: Profile) -> None:
        """Build the tabs and panels for ``profile`` (its zone, its names)."""
        self.tabs = WorkspaceTabs(self._runner, profile, self)
        self._content_layout.addWidget(self.tabs, 1)
        self.transactions_model = self.tabs.transactions_model
        self.transactions_tab = self.tabs.transactions
        self.capture_tab = self.tabs.capture
        self.capture_tab.capture_requested.connect(self.writes.capture)
        self.transactions_tab.refund_requested.connect(self.writes.refund)
        self.transactions_tab.capture_requested.connect(self.writes.capture)
        self.operations_dock.setWidget(self.tabs.operations)
        self.tabs.operations.check_requested.connect(self.writes.settle_unfinished)
        self.transactions_model.counted.connect(self.status.set_charge_counts)
        self.tabs.operations.attention_count_changed.connect(
            self.status.set_attention_count
        )
        disputes = self.tabs.disputes
        disputes.set_deadline_days(profile.dispute_deadline_days)
        disputes.deadline_spin.valueChanged.connect(self._deadline_days_changed)

        self.sync_model = SyncStatusTableModel(profile.timezone, self)
        self.sync.progress.connect(self.sync_model.set_progress)
        self.sync.progress.connect(self.tabs.sync_batch_committed)
        self.sync_panel = SyncPanel(self.sync_model, self)
        self.sync_panel.sync_requested.connect(self.start_sync)
        self.sync_panel.cancel_requested.connect(self.sync.cancel)
        self.sync_dock.setWidget(self.sync_panel)
        self._show_profile(profile)
        restore_pane_layouts(self._panes())

    def _drop_profile_view(self) -> None:
        save_pane_layouts(self._panes())
        for widget in (self.tabs, self.tabs.operations, self.sync_panel):
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        self.sync_model.deleteLater()

    def _panes(self) -> list[QWidget]:
        tabs = self.tabs
        panes = [tabs.widget(index) for index in range(tabs.count())]
        shown = [pane for pane in panes if pane is not None]
        return [*shown, tabs.operations, self.sync_panel]

    def _show_profile(self, profile: Profile) -> None:
        self._profile = profile
        self.setWindowTitle(window_title(profile))
        self.live_banner.set_profile(profile)
        self.status.set_profile(profile)
        self.sync_timer.setInterval(profile.sync_interval_min * MS_PER_MINUTE)

    def _build_menus(self) -> None:
        self.profile_menu = ProfileMenu(self._profile, self)
        self.profile_menu.switch_requested.connect(self.switch_profile)
        self.profile_menu.new_requested.connect(self._new_profile)
        slots: dict[str, Callable[[], object]] = {
            "export": self.export_current_table,
            "settings": self.open_settings,
            "quit": self.close,
            "find": self.focus_search,
            "next_record": lambda: self.move_record(1),
            "previous_record": lambda: self.move_record(-1),
            "sync": self.start_sync,
            "refund": self._refund_selected,
            "bulk_refund": self._bulk_refund_selected,
            "capture": self._capture_selected,
            "show_log": self.show_log,
            "about": self._show_about,
        }
        docks = (self.sync_dock, self.operations_dock)
        self.menus = WindowMenus(self, slots, self.profile_menu, docks)
        self.sync_action = self.menus["sync"]
        self.sync_action.setEnabled(False)

    def _retranslate(self) -> None:
        """Word the window again after the language changed."""
        assert self.menus is not None  # built before any language change
        self.menus.retranslate()
        self.profile_menu.retranslate()
        self.operations_dock.setWindowTitle(self.tr("Operations"))
        self.sync_dock.setWindowTitle(self.tr("Sync"))
        self._show_profile(self._profile)

    def _connect_sync(self) -> None:
        self.sync.started.connect(self._sync_started)
        self.sync.progress.connect(self.status.show_progress)
        self.sync.finished.connect(self._sync_finished)
        self.sync.failed.connect(self._sync_failed)
        self.sync.cancelled.connect(self._sync_ended)

    # Menu actions

    def export_current_table(self) -> None:
        """Export the table of the tab in front, where the tab can."""
        for owner in (self.tabs, self.tabs.currentWidget()):
            export = getattr(owner, "export_current_table", None)
            if callable(export):
                export()
                return
        self.status.showMessage(self.tr("This tab has no table to export."))

    def open_settings(self) -> None:
        """Show the Settings dialog for the open profile."""
        dialog = SettingsDialog(self._runner, self._profile, self)
        dialog.saved.connect(self._settings_saved)
        self.settings_dialog = dialog
        dialog.open()

    def focus_search(self) -> None:
        """Put the cursor in the search box of the tab in front."""
        box = self.tabs.current_search_box()
        if box is None:
            self.status.showMessage(self.tr("This tab has no search box."))
            return
        box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        box.selectAll()

    def move_record(self, step: int) -> None:
        """Select the next (1) or previous (-1) row of the table in front."""
        table = self.tabs.current_table()
        model = table.model() if table is not None else None
        if table is None or model is None or model.rowCount() == 0:
            return
        current = table.currentIndex()
        row = current.row() + step if current.isValid() else 0
        row = max(0, min(row, model.rowCount() - 1))
        index = model.index(row, max(current.column(), 0))
        table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        table.scrollTo(index)

    def show_log(self) -> None:
        """Open the log window (one per main window)."""
        show_log_window(self, self._runner)

    # Profiles

    def _new_profile(self) -> None:
        welcome = WelcomeDialog(self._runner, self)
        welcome.accepted.connect(lambda: self._profile_added(welcome))
        self.welcome = welcome
        welcome.open()

    def _profile_added(self, welcome: WelcomeDialog) -> None:
        added = welcome.profile
        if added is None:
            return
        book = load_profiles()
        known = book.get(added.name) if book is not None else None
        if known is not None:  # a new key for a known profile keeps its settings
            added = replace(
                known,
                mode=added.mode,
                base_url=added.base_url,
                account_email=added.account_email or known.account_email,
            )
        save_profile(added, activate=True)
        if added.name == self._profile.name and self._workspace is not None:
            return
        self.switch_profile(added, welcome.session_key)

    def _when_sync_stopped(self, then: Callable[[], None]) -> None:
        if self.sync.running:
            QTimer.singleShot(SYNC_STOP_POLL_MS, lambda: self._when_sync_stopped(then))
            return
        then()

    def _close_then_open(self, profile: Profile, secret_key: str | None) -> None:
        workspace, self._workspace = self._workspace, None
        self.sync_action.setEnabled(False)
        self.tabs.set_workspace(None)
        self.writes.set_workspace(None)
        self._drop_profile_view()
        self._build_profile_view(profile)
        self.profile_menu.set_current(profile)
        activate_profile(profile.name)

        def opened() -> None:
            self._switching = False
            self.profile_switched.emit(profile)
            self.open_profile(secret_key)

        self._close_workspace(workspace, opened)

    def _close_workspace(
        self, workspace: Workspace | None, then: Callable[[], None]
    ) -> None:
        """Close ``workspace`` once the database work asked of it is done."""
        if workspace is None:
            then()
            return

        def failed(error: BaseException) -> None:
            logger.error("The previous profile did not close cleanly", exc_info=error)
            then()

        def close(_drained: object) -> None:
            self._runner.run_network(
                workspace.close, lambda _none: then(), failed, context=self
            )

        # The database worker runs in order: once this no-op has run, every
        # read or write asked of the old cache is done.
        self._runner.run_db(lambda: None, close, failed, context=self)

    def _settings_saved(self, profile: Profile) -> None:
        language = i18n.current_language()
        reopen = (
            profile.timezone != self._profile.timezone
            or profile.resolved_database_url() != self._profile.resolved_database_url()
            or language != self._language
        )
        self._language = language
        # The tabs keep the zone and the words they were built with.
        if reopen:
            workspace = self._workspace
            key = workspace.secret_key if workspace is not None else None
            self.switch_profile(profile, key)
            return
        self._show_profile(profile)
        self.tabs.disputes.set_deadline_days(profile.dispute_deadline_days)
        if self._workspace is not None:
            self._workspace.profile = profile
            self.sync_timer.start()

    def _deadline_days_changed(self, days: int) -> None:
        """Keep the deadline policy the clerk set in the Disputes tab."""
        profile = replace(self._profile, dispute_deadline_days=days)
        self._profile = profile
        save_profile(profile)
        if self._workspace is not None:
            self._workspace.profile = replace(
                self._workspace.profile, dispute_deadline_days=days
            )

    # Sync

    def _workspace_not_opened(self, error: BaseException) -> None:
        logger.error("Could not open profile %s", self._profile.name, exc_info=error)
        self.status.showMessage(error_sentence(error))
        self.workspace_failed.emit(error)

    def _sync_started(self) -> None:
        self.status.show_progress("", 0, 0)
        self.sync_panel.set_running(True)

    def _sync_ended(self) -> None:
        self.status.hide_progress()
        self.sync_panel.set_running(False)
        self.sync_model.clear_progress()
        if self._switching:
            return
        self.tabs.refresh()
        self._show_sync_overview()

    def _sync_finished(self, result: AccountSyncResult) -> None:
        self._sync_ended()
        self.status.set_offline(False)
        self.sync_panel.clear_problem()
        self.status.set_last_sync(result.finished_at)

    def _sync_failed(self, error: BaseException) -> None:
        self._sync_ended()
        sentence = error_sentence(error)
        self.status.showMessage(sentence)
        self.sync_panel.show_problem(sentence)
        self.status.set_offline(is_offline_error(error), sentence)

    # Writes

    def _selected_charge_id(self) -> str | None:
        table = self.transactions_tab.table
        selected = table.selectionModel().selectedRows()
        if not selected:
            return None
        item = self.transactions_model.item_at(selected[0].row())
        return item.id if item is not None else None

    def _refund_selected(self) -> None:
        charge_id = self._selected_charge_id()
        if charge_id is None:
            self.status.showMessage(self.tr("Select a charge to refund first."))
            return
        self.writes.refund(charge_id)

    def _bulk_refund_selected(self) -> None:
        rows = self.transactions_tab.table.selectionModel().selectedRows()
        items = [self.transactions_model.item_at(index.row()) for index in rows]
        charge_ids = [item.id for item in items if item is not None]
        if not charge_ids:
            self.status.showMessage(self.tr("Select the charges to refund first."))
            return
        self.writes.bulk_refund(charge_ids)

    def _capture_selected(self) -> None:
        if self.tabs.currentWidget() is self.capture_tab:
            self.capture_tab.request_selected()
            return
        charge_id = self._selected_charge_id()
        if charge_id is None:
            self.status.showMessage(self.tr("Select a charge to capture first."))
            return
        self.writes.capture(charge_id)

    def _write_settled(self, operation: object) -> None:
        # The cache learns the new state of the charge from the next sync.
        self.start_sync()

    def _show_sync_overview(self) -> None:
        workspace = self._workspace
        if workspace is None:
            return

        def read() -> list[ResourceSyncStatus]:
            with session_scope(workspace.engine) as session:
                return sync_overview(session)

        model = self.sync_model
        self._runner.run_db(read, model.set_overview, context=model)

    def _show_last_sync(self) -> None:
        workspace = self._workspace
        if workspace is None:
            return

        def read() -> datetime | None:
            with session_scope(workspace.engine) as session:
                return last_synced_at(session, CHARGES)

        self._runner.run_db(read, self.status.set_last_sync, context=self)

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About opn-desk"),
            self.tr(
                "opn-desk %1: a back office for merchants on Opn Payments."
            ).replace("%1", __version__),
        )

    # Qt overrides

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Override QWidget.changeEvent: follow a change of language."""
        if event.type() == QEvent.Type.LanguageChange and self.menus is not None:
            self._retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Override QMainWindow.closeEvent: keep the layout, close the profile."""
        if not self._closing:
            save_window_layout(self)
            save_pane_layouts(self._panes())
        self._closing = True
        self.sync_timer.stop()
        self.sync.cancel()
        workspace, self._workspace = self._workspace, None
        self.tabs.set_workspace(None)
        self.writes.set_workspace(None)
        if workspace is not None:
            self._runner.shutdown(wait=True)
            workspace.close()
        super().closeEvent(event)
