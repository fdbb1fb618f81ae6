"""The Capture tab: authorizations waiting for capture, soonest to lapse first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QObject,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.authorizations import Authorization, open_authorizations
from opn_desk.models.db import session_scope
from opn_desk.services.money import format_amount
from opn_desk.views.labels import moment_text
from opn_desk.views.rows_table_model import RowsTableModel
from opn_desk.views.tasks import TaskRunner

_CONTEXT = "CaptureTableModel"
LAPSES, TIME_LEFT, CHARGE, AMOUNT, KIND, CARD, DESCRIPTION = range(7)
_HEADERS = (
    QT_TRANSLATE_NOOP("CaptureTableModel", "Lapses"),
    QT_TRANSLATE_NOOP("CaptureTableModel", "Time left"),
    QT_TRANSLATE_NOOP("CaptureTableModel", "Charge"),
    QT_TRANSLATE_NOOP("CaptureTableModel", "Authorized"),
    QT_TRANSLATE_NOOP("CaptureTableModel", "Kind"),
    QT_TRANSLATE_NOOP("CaptureTableModel", "Card"),
    QT_TRANSLATE_NOOP("CaptureTableModel", "Description"),
)


# Wide enough for the English and the Thai of each column; the
# description takes the rest.
_COLUMN_WIDTHS = {
    LAPSES: 130,
    TIME_LEFT: 110,
    CHARGE: 210,
    AMOUNT: 110,
    KIND: 160,
    CARD: 140,
}


def _tr(text: object) -> str:
    return QCoreApplication.translate(_CONTEXT, str(text))


class CaptureTableModel(RowsTableModel[Authorization]):
    """Uncaptured authorizations from the cache."""

    context = _CONTEXT
    headers = _HEADERS
    right_aligned = frozenset({AMOUNT})

    def __init__(self, timezone: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._zone = ZoneInfo(timezone)

    def authorization_at(self, row: int) -> Authorization | None:
        return self.row_at(row)

    def display(self, item: Authorization, column: int) -> Any:
        if column == LAPSES:
            if item.expires_at is None:
                return ""
            return moment_text(item.expires_at, self._zone)
        if column == TIME_LEFT:
            return _time_left(item.expires_at)
        if column == CHARGE:
            return item.charge_id
        if column == AMOUNT:
            return format_amount(item.amount, item.currency)
        if column == KIND:
            if item.authorization_type == "pre_auth":
                return _tr("Pre-authorization")
            return _tr("Final authorization")
        if column == CARD:
            return f"{item.card_brand or ''} {item.card_last_digits or ''}".strip()
        return item.description or ""


def _time_left(expires_at: datetime | None) -> str:
    if expires_at is None:
        return ""
    seconds = (expires_at - datetime.now(UTC)).total_seconds()
    if seconds <= 0:
        return _tr("Lapsed")
    hours = int(seconds // 3600)
    if hours >= 48:
        return QCoreApplication.translate(
            "CaptureTableModel", "%n day(s)", None, hours // 24
        )
    return (
        _tr("%1 h %2 min")
        .replace("%1", str(hours))
        .replace("%2", str(int(seconds % 3600 // 60)))
    )


class CaptureTab(QWidget):
    """The list of authorizations and a button to capture the selected one.

    Signals:
        capture_requested(str): the clerk wants to capture or release a charge.
    """

    capture_requested = Signal(str)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._engine: Engine | None = None
        self.model = CaptureTableModel(timezone, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in _COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda _index: self.request_selected())
        self.summary = QLabel(self)
        self.capture_button = QPushButton(self.tr("Capture or release…"), self)
        self.capture_button.clicked.connect(self.request_selected)
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.capture_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(bar)

    def set_engine(self, engine: Engine | None) -> None:
        self._engine = engine
        self.refresh()

    def refresh(self) -> None:
        engine = self._engine
        if engine is None:
            self.model.set_rows([])
            return

        def read() -> list[Authorization]:
            with session_scope(engine) as session:
                return open_authorizations(session)

        self._runner.run_db(read, self._show, context=self)

    def _show(self, rows: list[Authorization]) -> None:
        self.model.set_rows(rows)
        self.summary.setText(
            self.tr("Authorizations waiting for capture: %1").replace(
                "%1", str(len(rows))
            )
        )

    def request_selected(self) -> None:
        """Ask to capture the selected authorization, if one is selected."""
        selected = self.table.selectionModel().selectedRows()
        if not selected:
            return
        item = self.model.authorization_at(selected[0].row())
        if item is not None:
            self.capture_requested.emit(item.charge_id)
