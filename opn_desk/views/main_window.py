"""The main window: tabs over the cache, a status bar, sync on demand."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from opn_desk import __version__
from opn_desk.models.db import session_scope
from opn_desk.models.sync_overview import ResourceSyncStatus, sync_overview
from opn_desk.models.sync_store import last_synced_at
from opn_desk.services.profiles import Profile
from opn_desk.services.sync import CHARGES, AccountSyncResult
from opn_desk.services.workspace import Workspace, open_workspace
from opn_desk.views.errors import error_sentence, is_offline_error
from opn_desk.views.status_bar import ProfileStatusBar
from opn_desk.views.sync_controller import SyncController
from opn_desk.views.sync_panel import SyncPanel, SyncStatusTableModel
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.workspace_tabs import WorkspaceTabs
from opn_desk.views.write_actions import WriteActions

logger = logging.getLogger(__name__)

# How often the open profile syncs by itself.
SYNC_INTERVAL_MS = 5 * 60 * 1000


class MainWindow(QMainWindow):
    """One window per running app, showing the open profile.

    Signals:
        workspace_ready(object): the profile's Workspace is open.
        workspace_failed(object): opening the profile failed with this error.
    """

    workspace_ready = Signal(object)
    workspace_failed = Signal(object)

    def __init__(
        self, runner: TaskRunner, profile: Profile, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._profile = profile
        self._workspace: Workspace | None = None
        self._closing = False
        self.setWindowTitle(self.tr("opn-desk — %1").replace("%1", profile.name))
        self.resize(1280, 760)

        self.tabs = WorkspaceTabs(runner, profile, self)
        self.transactions_model = self.tabs.transactions_model
        self.transactions_tab = self.tabs.transactions
        self.capture_tab = self.tabs.capture
        self.writes = WriteActions(runner, self)
        self.writes.settled.connect(self._write_settled)
        self.capture_tab.capture_requested.connect(self.writes.capture)
        self.transactions_tab.refund_requested.connect(self.writes.refund)
        self.transactions_tab.capture_requested.connect(self.writes.capture)
        self.setCentralWidget(self.tabs)
        self.operations_dock = QDockWidget(self.tr("Operations"), self)
        self.operations_dock.setObjectName("operationsDock")
        self.operations_dock.setWidget(self.tabs.operations)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.operations_dock)
        self.operations_dock.hide()
        self.tabs.operations.check_requested.connect(self.writes.settle_unfinished)

        self.status = ProfileStatusBar(self)
        self.status.set_profile(profile)
        self.setStatusBar(self.status)

        self.sync = SyncController(runner, self)
        self.sync_model = SyncStatusTableModel(profile.timezone, self)
        self.sync_panel = SyncPanel(self.sync_model, self)
        self.sync_dock = QDockWidget(self.tr("Sync"), self)
        self.sync_dock.setObjectName("syncDock")
        self.sync_dock.setWidget(self.sync_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.sync_dock)
        self.sync_dock.hide()
        self.sync_timer = QTimer(self)
        self.sync_timer.setInterval(SYNC_INTERVAL_MS)
        self.sync_timer.timeout.connect(self.start_sync)
        self._connect_sync()
        self._build_menus()
        self.transactions_model.loaded.connect(self.status.set_charge_count)
        self.tabs.operations.attention_count_changed.connect(
            self.status.set_attention_count
        )

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
        if self._closing:
            workspace.close()
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
        if self._workspace is not None:
            self.sync.start(self._workspace)

    # Private

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.sync_action = QAction(self.tr("&Sync now"), self)
        self.sync_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.sync_action.setEnabled(False)
        self.sync_action.triggered.connect(self.start_sync)
        file_menu.addAction(self.sync_action)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        panel_action = self.sync_dock.toggleViewAction()
        panel_action.setText(self.tr("Sync &panel"))
        view_menu.addAction(panel_action)
        operations_action = self.operations_dock.toggleViewAction()
        operations_action.setText(self.tr("&Operations needing attention"))
        view_menu.addAction(operations_action)

        actions_menu = self.menuBar().addMenu(self.tr("&Actions"))
        self.refund_action = QAction(self.tr("&Refund…"), self)
        self.refund_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.refund_action.triggered.connect(self._refund_selected)
        actions_menu.addAction(self.refund_action)
        self.bulk_refund_action = QAction(self.tr("Refund &selected charges…"), self)
        self.bulk_refund_action.triggered.connect(self._bulk_refund_selected)
        actions_menu.addAction(self.bulk_refund_action)
        self.capture_action = QAction(self.tr("&Capture or release…"), self)
        self.capture_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.capture_action.triggered.connect(self._capture_selected)
        actions_menu.addAction(self.capture_action)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about_action = QAction(self.tr("&About opn-desk"), self)
        about_action.triggered.connect(self._show_about)
        help_menu.addAction(about_action)

    def _connect_sync(self) -> None:
        self.sync.started.connect(self._sync_started)
        self.sync.progress.connect(self.status.show_progress)
        self.sync.progress.connect(self.sync_model.set_progress)
        self.sync.finished.connect(self._sync_finished)
        self.sync.failed.connect(self._sync_failed)
        self.sync.cancelled.connect(self._sync_ended)
        self.sync_panel.sync_requested.connect(self.start_sync)
        self.sync_panel.cancel_requested.connect(self.sync.cancel)

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

        self._runner.run_db(read, self.sync_model.set_overview, context=self)

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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Override QMainWindow.closeEvent: stop the sync, close the profile."""
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
