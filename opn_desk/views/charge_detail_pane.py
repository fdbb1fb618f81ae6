"""The detail pane of the selected charge: money, flags, refunds, timeline.

The charge is read on the database worker; picking another charge while
one loads drops the older answer. "Refund…" and "Capture…" only ask: the
window opens the dialogs that check the charge afresh against the API.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.charge_detail import (
    ACTION,
    ChargeDetail,
    DisputeLine,
    charge_detail,
)
from opn_desk.models.db import session_scope
from opn_desk.services.money import format_amount
from opn_desk.views.labels import moment_text, payment_method_label, status_label
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)


class ChargeDetailPane(QWidget):
    """Everything a clerk needs about one charge.

    Signals:
        refund_requested(str): the clerk asked to refund this charge id.
        capture_requested(str): the clerk asked to capture this charge id.
    """

    refund_requested = Signal(str)
    capture_requested = Signal(str)

    def __init__(
        self, runner: TaskRunner, timezone: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._zone = ZoneInfo(timezone)
        self._generation = 0
        self.detail: ChargeDetail | None = None
        self._build()
        self.clear()

    def show_charge(self, engine: Engine, charge_id: str) -> None:
        """Load ``charge_id`` from the cache and show it."""
        self._generation += 1
        generation = self._generation
        self.title.setText(charge_id)

        def read() -> ChargeDetail | None:
            with session_scope(engine) as session:
                return charge_detail(session, charge_id)

        self._runner.run_db(
            read,
            lambda detail: self._loaded(generation, detail),
            lambda error: self._failed(generation, error),
            context=self,
        )

    def clear(self) -> None:
        """Show that no charge is selected."""
        self._generation += 1
        self.detail = None
        self.title.setText(self.tr("No charge selected"))
        self.subtitle.setText(self.tr("Pick a charge in the table to see it here."))
        self.body.hide()
        self.refund_button.setEnabled(False)
        self.capture_button.setEnabled(False)

    # Building

    def _build(self) -> None:
        self.title = QLabel(self)
        self.title.setObjectName("chargeTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.refund_button = QPushButton(self.tr("Refund…"), self)
        self.refund_button.clicked.connect(self._ask_refund)
        self.capture_button = QPushButton(self.tr("Capture…"), self)
        self.capture_button.clicked.connect(self._ask_capture)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refund_button)
        buttons.addWidget(self.capture_button)
        buttons.addStretch(1)

        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.fields = QFormLayout()
        self.fields.setFieldGrowthPolicy(
            QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow
        )
        body.addLayout(self.fields)
        self.refunds = self._tree(
            [self.tr("Date"), self.tr("Refund"), self.tr("Amount"), self.tr("Status")]
        )
        self.dispute_label = QLabel(self.body)
        self.dispute_label.setWordWrap(True)
        self.dispute_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.metadata = self._tree([self.tr("Key"), self.tr("Value")])
        self.timeline = self._tree(
            [self.tr("When"), self.tr("What"), self.tr("Detail"), self.tr("Who")]
        )
        for title, widget in (
            (self.tr("Refunds"), self.refunds),
            (self.tr("Dispute"), self.dispute_label),
            (self.tr("Metadata"), self.metadata),
            (self.tr("Timeline"), self.timeline),
        ):
            body.addWidget(_group(title, widget, self.body))
        body.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)

    def _tree(self, headers: list[str]) -> QTreeWidget:
        tree = QTreeWidget(self.body)
        tree.setHeaderLabels(headers)
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        tree.setMinimumHeight(90)
        return tree

    # Showing

    def _loaded(self, generation: int, detail: ChargeDetail | None) -> None:
        if generation != self._generation:
            return
        if detail is None:
            self.clear()
            self.subtitle.setText(self.tr("This charge is no longer in the cache."))
            return
        self.detail = detail
        self.title.setText(detail.id)
        self.subtitle.setText(self._summary(detail))
        self._show_fields(detail)
        self._show_refunds(detail)
        self._show_dispute(detail.dispute)
        self._show_metadata(detail)
        self._show_timeline(detail)
        self.refund_button.setEnabled(detail.refundable and not detail.deleted)
        self.capture_button.setEnabled(detail.capturable and not detail.deleted)
        self.body.show()

    def _summary(self, d: ChargeDetail) -> str:
        flags = [status_label(d.status)]
        if d.refundable:
            flags.append(self.tr("refundable"))
        if d.refundable and d.partially_refundable is False:
            flags.append(self.tr("full refunds only"))
        if d.capturable:
            flags.append(self.tr("awaiting capture"))
        if d.voided:
            flags.append(self.tr("voided"))
        if d.reversed:
            flags.append(self.tr("reversed"))
        if d.dispute is not None:
            flags.append(self.tr("disputed"))
        if d.deleted:
            flags.append(self.tr("deleted upstream"))
        return " · ".join(flags)

    def _show_fields(self, d: ChargeDetail) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        for label, value in self._field_rows(d):
            if value is None:
                continue
            text = QLabel(value, self.body)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields.addRow(label, text)

    def _field_rows(self, d: ChargeDetail) -> list[tuple[str, str | None]]:
        money = self._money
        return [
            (self.tr("Amount"), money(d.amount, d.currency)),
            (self.tr("Captured"), self._captured(d)),
            (self.tr("Refunded"), money(d.refunded_amount, d.currency)),
            (self.tr("Remaining"), self._remaining(d)),
            (self.tr("Fee"), money(d.fee, d.currency)),
            (self.tr("VAT on fee"), money(d.fee_vat, d.currency)),
            (self.tr("Net"), money(d.net, d.currency)),
            (self.tr("Paid with"), self._payment_text(d)),
            (self.tr("Customer"), self._customer_text(d)),
            (self.tr("Description"), d.description),
            (self.tr("Created"), self._time(d.created_at)),
            (self.tr("Paid"), self._time(d.paid_at)),
            (self._expiry_label(d), self._time(d.expires_at)),
            (self.tr("Failure"), self._failure_text(d)),
            (self.tr("Transaction"), d.transaction_id),
        ]

    def _show_refunds(self, d: ChargeDetail) -> None:
        self.refunds.clear()
        for refund in d.refunds:
            status = status_label(refund.status)
            if refund.voided:
                status = self.tr("%1 (void)").replace("%1", status)
            row = [
                self._time(refund.created_at) or "",
                refund.id,
                format_amount(refund.amount, refund.currency),
                status,
            ]
            self.refunds.addTopLevelItem(QTreeWidgetItem(row))
        if not d.refunds:
            self.refunds.addTopLevelItem(QTreeWidgetItem([self.tr("No refunds")]))
        self.refunds.resizeColumnToContents(0)

    def _show_dispute(self, dispute: DisputeLine | None) -> None:
        if dispute is None:
            self.dispute_label.setText(self.tr("No dispute."))
            return
        text = (
            self.tr("%1, %2 for %3, opened %4.")
            .replace("%1", dispute.id)
            .replace("%2", dispute.status)
            .replace("%3", format_amount(dispute.amount, dispute.currency))
            .replace("%4", self._time(dispute.created_at) or "")
        )
        if dispute.reason_code:
            text += " " + self.tr("Reason: %1.").replace("%1", dispute.reason_code)
        if dispute.closed_at is not None:
            closed = self._time(dispute.closed_at) or ""
            text += " " + self.tr("Closed %1.").replace("%1", closed)
        self.dispute_label.setText(text)

    def _show_metadata(self, d: ChargeDetail) -> None:
        self.metadata.clear()
        for key, value in d.metadata.items():
            self.metadata.addTopLevelItem(QTreeWidgetItem([str(key), str(value)]))
        self.metadata.resizeColumnToContents(0)

    def _show_timeline(self, d: ChargeDetail) -> None:
        self.timeline.clear()
        for entry in d.timeline:
            what = entry.title
            if entry.kind == ACTION:
                what = self.tr("%1 (here)").replace("%1", entry.title)
            row = [self._time(entry.at) or "", what, entry.detail, entry.actor or ""]
            self.timeline.addTopLevelItem(QTreeWidgetItem(row))
        self.timeline.resizeColumnToContents(0)

    # Wording

    def _money(self, amount: int | None, currency: str) -> str | None:
        return None if amount is None else format_amount(amount, currency)

    def _remaining(self, d: ChargeDetail) -> str | None:
        """What can still be refunded; nothing was taken before payment."""
        if not d.paid:
            return None
        return format_amount(d.remaining_amount, d.currency)

    def _captured(self, d: ChargeDetail) -> str | None:
        if d.captured_amount is None or d.captured_amount == d.amount:
            return None
        return format_amount(d.captured_amount, d.currency)

    def _payment_text(self, d: ChargeDetail) -> str:
        method = payment_method_label(d.payment_method)
        if d.card_brand is None:
            return method
        card = d.card_brand
        if d.card_last_digits:
            card = self.tr("%1 ending %2").replace("%1", card)
            card = card.replace("%2", d.card_last_digits)
        if d.card_name:
            card = f"{card}, {d.card_name}"
        return card

    def _customer_text(self, d: ChargeDetail) -> str | None:
        if d.customer_id is None:
            return None
        if d.customer_email:
            return f"{d.customer_email} ({d.customer_id})"
        return d.customer_id

    def _failure_text(self, d: ChargeDetail) -> str | None:
        if d.failure_code is None:
            return None
        if d.failure_message:
            return f"{d.failure_message} ({d.failure_code})"
        return d.failure_code

    def _expiry_label(self, d: ChargeDetail) -> str:
        if d.capturable:
            return self.tr("Authorization expires")
        return self.tr("Expires")

    def _time(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        return moment_text(moment, self._zone, seconds=True)

    # Reacting

    def _failed(self, generation: int, error: BaseException) -> None:
        logger.error("Could not read a charge for the detail pane", exc_info=error)
        if generation == self._generation:
            self.subtitle.setText(
                self.tr("This charge could not be read from the cache.")
            )

    def _ask_refund(self) -> None:
        if self.detail is not None:
            self.refund_requested.emit(self.detail.id)

    def _ask_capture(self) -> None:
        if self.detail is not None:
            self.capture_requested.emit(self.detail.id)


def _group(title: str, widget: QWidget, parent: QWidget) -> QGroupBox:
    group = QGroupBox(title, parent)
    layout = QVBoxLayout(group)
    layout.addWidget(widget)
    return group
