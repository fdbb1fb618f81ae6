"""The Disputes inbox's item model and the words for dispute values.

The inbox holds every cached dispute (they are few) already filtered; the
deadline of each comes from the merchant's policy and is shown in the
profile's time zone with the time left, or how long it is overdue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt
from PySide6.QtGui import QBrush, QColor

from opn_desk.services.disputes import DeadlinePolicy, DisputeRow, is_overdue
from opn_desk.services.export import ColumnKind
from opn_desk.services.money import Money, format_amount
from opn_desk.services.table_rows import ValueOf
from opn_desk.views.item_table_model import ExportColumn
from opn_desk.views.labels import moment_text
from opn_desk.views.rows_table_model import RowsTableModel

(DEADLINE, STATUS, REASON, AMOUNT, CHARGE, CUSTOMER, OPENED, DISPUTE) = range(8)
_CONTEXT = "DisputesTableModel"
_HEADERS = {
    DEADLINE: QT_TRANSLATE_NOOP("DisputesTableModel", "Answer by"),
    STATUS: QT_TRANSLATE_NOOP("DisputesTableModel", "Status"),
    REASON: QT_TRANSLATE_NOOP("DisputesTableModel", "Reason"),
    AMOUNT: QT_TRANSLATE_NOOP("DisputesTableModel", "Amount"),
    CHARGE: QT_TRANSLATE_NOOP("DisputesTableModel", "Charge"),
    CUSTOMER: QT_TRANSLATE_NOOP("DisputesTableModel", "Customer"),
    OPENED: QT_TRANSLATE_NOOP("DisputesTableModel", "Opened"),
    DISPUTE: QT_TRANSLATE_NOOP("DisputesTableModel", "Dispute"),
}
_STATUSES = {
    "open": QT_TRANSLATE_NOOP("DisputesTableModel", "Open"),
    "pending": QT_TRANSLATE_NOOP("DisputesTableModel", "Pending"),
    "won": QT_TRANSLATE_NOOP("DisputesTableModel", "Won"),
    "lost": QT_TRANSLATE_NOOP("DisputesTableModel", "Lost"),
}
# Each reason code in plain words (REFERENCE.md section 4.3).
_REASONS = {
    "cancelled_recurring_transaction": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The customer says a subscription was cancelled"
    ),
    "credit_not_processed": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The customer says a promised refund never came"
    ),
    "duplicate_processing": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The customer says they were charged twice"
    ),
    "expired_card": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The card had expired when it was charged"
    ),
    "goods_or_services_not_provided": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The customer says the order never arrived"
    ),
    "incorrect_currency": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The customer says the currency was wrong"
    ),
    "incorrect_transaction_amount": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The customer says the amount was wrong"
    ),
    "late_presentment": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The charge was settled too late"
    ),
    "non_matching_account_number": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The card number does not match the account"
    ),
    "not_as_described_or_defective_merchandise": QT_TRANSLATE_NOOP(
        "DisputesTableModel",
        "The customer says the goods were faulty or not as described",
    ),
    "not_available": QT_TRANSLATE_NOOP("DisputesTableModel", "The bank gave no reason"),
    "not_recorded": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The bank recorded no reason"
    ),
    "other": QT_TRANSLATE_NOOP("DisputesTableModel", "Another reason"),
    "paid_by_other_means": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The customer says they paid another way"
    ),
    "transaction_not_recognised": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The cardholder does not recognise the charge"
    ),
    "unauthorized_charge": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The cardholder says they did not make it (fraud)"
    ),
    "unauthorized_charge_aka_fraud": QT_TRANSLATE_NOOP(
        "DisputesTableModel", "The cardholder says they did not make it (fraud)"
    ),
}
OVERDUE_COLOR = QColor(176, 0, 32)
SOON_COLOR = QColor(170, 90, 0)
SOON = timedelta(days=2)


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def dispute_status_label(status: str) -> str:
    text = _STATUSES.get(status)
    return _tr(str(text)) if text else status


def reason_label(reason_code: str | None, reason_message: str | None) -> str:
    """The reason in plain words; Opn's own text for codes we do not know."""
    text = _REASONS.get(reason_code or "")
    if text is not None:
        return _tr(str(text))
    if reason_message:
        return reason_message
    return _tr("No reason given")


def time_left_text(deadline: datetime, now: datetime, status: str) -> str:
    """ "3 days 4 hours left", "overdue by 1 day", or nothing once answered."""
    if status != "open":
        return ""
    left = deadline - now
    if is_overdue(status, deadline, now):
        return _tr("overdue by %1").replace("%1", _span(-left))
    return _tr("%1 left").replace("%1", _span(left))


def _span(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days:
        return _tr("%1 d %2 h").replace("%1", str(days)).replace("%2", str(hours))
    minutes = int(span.total_seconds() // 60) % 60
    return _tr("%1 h %2 min").replace("%1", str(hours)).replace("%2", str(minutes))


class DisputesTableModel(RowsTableModel[DisputeRow]):
    """The disputes the filters let through, deadline first."""

    context = _CONTEXT
    headers = _HEADERS
    right_aligned = frozenset({AMOUNT})

    def __init__(
        self,
        timezone: str,
        policy: DeadlinePolicy,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._zone = ZoneInfo(timezone)
        self._policy = policy
        self.now = datetime.now(UTC)

    def set_rows(self, rows: Sequence[DisputeRow], now: datetime | None = None) -> None:
        """Show ``rows``; time left is counted from ``now``."""
        self.now = now or datetime.now(UTC)
        super().set_rows(rows)

    def set_policy(self, policy: DeadlinePolicy) -> None:
        self._policy = policy
        if self._items:
            self.dataChanged.emit(
                self.index(0, DEADLINE), self.index(len(self._items) - 1, DEADLINE)
            )

    def row_of(self, dispute_id: str) -> int | None:
        return next(
            (i for i, row in enumerate(self._items) if row.id == dispute_id), None
        )

    def deadline_text(self, row: DisputeRow) -> str:
        deadline = self._policy.deadline(row.opened_at)
        shown = moment_text(deadline, self._zone)
        left = time_left_text(deadline, self.now, row.status)
        return f"{shown} ({left})" if left else shown

    def display(self, item: DisputeRow, column: int) -> str:
        if column == DEADLINE:
            return self.deadline_text(item)
        return _cell_text(item, column, self._zone)

    def cell_role(self, item: DisputeRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == DEADLINE:
            return self._deadline_brush(item)
        if role == Qt.ItemDataRole.ToolTipRole and column == REASON:
            return item.reason_message
        return None

    def export_column(self, column: int) -> ExportColumn[DisputeRow]:
        """The deadline and the opening are times, the amount a number."""
        if column == DEADLINE:
            return ColumnKind.DATETIME, partial(_deadline, policy=self._policy)
        if column == OPENED:
            return ColumnKind.DATETIME, _opened_at
        if column == AMOUNT:
            return ColumnKind.MONEY, _amount
        return ColumnKind.TEXT, partial(_cell_text, column=column, zone=self._zone)

    def export_currency(self) -> ValueOf[DisputeRow]:
        return _currency

    def export_zone(self) -> tzinfo:
        return self._zone

    def _deadline_brush(self, row: DisputeRow) -> QBrush | None:
        deadline = self._policy.deadline(row.opened_at)
        if is_overdue(row.status, deadline, self.now):
            return QBrush(OVERDUE_COLOR)
        if row.status == "open" and deadline - self.now < SOON:
            return QBrush(SOON_COLOR)
        return None


def _cell_text(row: DisputeRow, column: int, zone: tzinfo) -> str:
    """The text of every column but the deadline, which needs the policy."""
    if column == STATUS:
        return dispute_status_label(row.status)
    if column == REASON:
        return reason_label(row.reason_code, row.reason_message)
    if column == AMOUNT:
        return format_amount(row.amount, row.currency)
    if column == CHARGE:
        return row.charge_id or ""
    if column == CUSTOMER:
        return row.customer or ""
    if column == OPENED:
        return moment_text(row.opened_at, zone)
    return row.id


def _deadline(row: DisputeRow, policy: DeadlinePolicy) -> object:
    return policy.deadline(row.opened_at)


def _opened_at(row: DisputeRow) -> object:
    return row.opened_at


def _amount(row: DisputeRow) -> object:
    return Money(row.amount, row.currency)


def _currency(row: DisputeRow) -> object:
    return row.currency
