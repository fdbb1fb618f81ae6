"""Every tab of the main window, and the panels, opened on one workspace."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QTableView, QTabWidget, QWidget

from opn_desk.services.profiles import Profile
from opn_desk.services.workspace import Workspace
from opn_desk.views.audit_tab import AuditTab
from opn_desk.views.capture_tab import CaptureTab
from opn_desk.views.disputes_tab import DisputesTab
from opn_desk.views.operations_panel import OperationsPanel
from opn_desk.views.refunds_tab import RefundsTab
from opn_desk.views.reports_tab import ReportsTab
from opn_desk.views.schedules_tab import SchedulesTab
from opn_desk.views.tasks import TaskRunner
from opn_desk.views.transactions_tab import TransactionsTab
from opn_desk.views.transactions_table_model import TransactionsTableModel


class WorkspaceTabs(QTabWidget):
    """The window's tabs; each reads the open workspace's cache."""

    def __init__(
        self, runner: TaskRunner, profile: Profile, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        zone = profile.timezone
        self.transactions_model = TransactionsTableModel(runner, zone, self)
        self.transactions = TransactionsTab(
            self.transactions_model, self, profile_name=profile.name
        )
        self.refunds = RefundsTab(runner, zone, self)
        self.capture = CaptureTab(runner, zone, self)
        self.disputes = DisputesTab(runner, zone, self)
        self.schedules = SchedulesTab(runner, zone, self)
        self.reports = ReportsTab(runner, zone, self)
        self.audit = AuditTab(runner, zone, self)
        self.operations = OperationsPanel(runner, zone, parent)
        self.addTab(self.transactions, self.tr("Transactions"))
        self.addTab(self.refunds, self.tr("Refunds"))
        self.addTab(self.capture, self.tr("Capture"))
        self.addTab(self.disputes, self.tr("Disputes"))
        self.addTab(self.schedules, self.tr("Schedules"))
        self.addTab(self.reports, self.tr("Reports"))
        self.addTab(self.audit, self.tr("Audit log"))
        self.disputes.counts_changed.connect(self._show_dispute_counts)
        self.refunds.charge_selected.connect(self.show_charge)

    def set_workspace(self, workspace: Workspace | None) -> None:
        """Show a workspace's cache in every tab (None: show nothing)."""
        engine = workspace.engine if workspace is not None else None
        self.transactions_model.set_engine(engine)
        for tab in (
            self.refunds,
            self.capture,
            self.disputes,
            self.schedules,
            self.reports,
            self.audit,
            self.operations,
        ):
            tab.set_engine(engine)
        self.disputes.set_workspace(workspace)
        self.schedules.set_workspace(workspace)

    def refresh(self) -> None:
        """Re-read the cache everywhere (after a sync or a write)."""
        self.transactions_model.refresh()
        for tab in (
            self.refunds,
            self.capture,
            self.disputes,
            self.schedules,
            self.audit,
            self.operations,
        ):
            tab.refresh()
        self.reports.refresh_choices()
        self.transactions.filter_bar.refresh_choices()

    def sync_batch_committed(self, *_progress: object) -> None:
        """A sync committed a batch: the filter lists may have grown."""
        self.transactions.filter_bar.choices_stale()

    def show_charge(self, charge_id: str) -> None:
        """Bring the Transactions tab forward on one charge."""
        self.setCurrentWidget(self.transactions)
        search = self.transactions.filter_bar.search_box
        search.setText(charge_id)
        search.returnPressed.emit()

    def current_search_box(self) -> QLineEdit | None:
        """The search box of the tab in front, if it has one."""
        tab = self.currentWidget()
        filter_bar = getattr(tab, "filter_bar", None)
        box = getattr(filter_bar, "search_box", None)
        box = box if box is not None else getattr(tab, "search_edit", None)
        return box if isinstance(box, QLineEdit) else None

    def current_table(self) -> QTableView | None:
        """The main table of the tab in front, if it has one."""
        table = getattr(self.currentWidget(), "table", None)
        return table if isinstance(table, QTableView) else None

    def _show_dispute_counts(self, counts: dict[str, int]) -> None:
        open_count = counts.get("open", 0)
        title = (
            self.tr("Disputes (%1 open)").replace("%1", str(open_count))
            if open_count
            else self.tr("Disputes")
        )
        self.setTabText(self.indexOf(self.disputes), title)
