"""Saved filters: a combo to apply one, and buttons to save and delete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)
from sqlalchemy import Engine

from opn_desk.models.charge_filter import ChargeFilter
from opn_desk.models.db import session_scope
from opn_desk.models.saved_filters import (
    MAX_NAME_CHARS,
    SavedFilter,
    delete_saved_filter,
    save_filter,
    saved_filters,
)
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)


class SavedFiltersBox(QWidget):
    """The profile's saved filters.

    Signals:
        filter_chosen(object): apply this ChargeFilter.
    """

    filter_chosen = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        current_filter: Callable[[], ChargeFilter],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._current_filter = current_filter
        self._engine: Engine | None = None
        self._filters: dict[str, ChargeFilter] = {}
        self.name_dialog: QInputDialog | None = None
        self._select_after_reload: str | None = None

        self.combo = QComboBox(self)
        self.combo.setObjectName("savedFilters")
        self.combo.setMinimumContentsLength(14)
        self.combo.activated.connect(self._chosen)
        self.save_button = QPushButton(self.tr("Save filter…"), self)
        self.save_button.clicked.connect(self.ask_name)
        self.delete_button = QPushButton(self.tr("Delete"), self)
        self.delete_button.setToolTip(self.tr("Delete the chosen saved filter"))
        self.delete_button.clicked.connect(self.delete_chosen)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.save_button)
        layout.addWidget(self.delete_button)
        self._show([])

    @property
    def names(self) -> list[str]:
        return list(self._filters)

    def set_engine(self, engine: Engine | None) -> None:
        self._engine = engine
        self.reload()

    def reload(self) -> None:
        """Read the saved filters again, on the database worker."""
        engine = self._engine
        if engine is None:
            self._show([])
            return

        def read() -> list[SavedFilter]:
            with session_scope(engine) as session:
                return saved_filters(session)

        self._runner.run_db(read, self._show, self._failed, context=self)

    def ask_name(self) -> None:
        """Ask for a name (without blocking), then save the current filter."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Save filter"))
        dialog.setLabelText(self.tr("Name of this filter:"))
        dialog.setTextValue(self.combo.currentText() if self._chosen_name() else "")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.textValueSelected.connect(self.save_as)
        self.name_dialog = dialog
        dialog.open()

    def save_as(self, name: str) -> None:
        """Save the current filter as ``name`` (replacing one of that name)."""
        name = name.strip()[:MAX_NAME_CHARS]
        engine = self._engine
        if not name or engine is None:
            return
        charge_filter = self._current_filter()

        def write() -> None:
            with session_scope(engine) as session:
                save_filter(session, name, charge_filter, datetime.now(UTC))

        self._runner.run_db(
            write, lambda _none: self._saved(name), self._failed, context=self
        )

    def delete_chosen(self) -> None:
        name = self._chosen_name()
        engine = self._engine
        if name is None or engine is None:
            return

        def forget() -> bool:
            with session_scope(engine) as session:
                return delete_saved_filter(session, name)

        self._runner.run_db(
            forget, lambda _deleted: self.reload(), self._failed, context=self
        )

    def choose(self, name: str) -> None:
        """Pick ``name`` in the combo and apply it."""
        index = self.combo.findData(name)
        if index >= 0:
            self.combo.setCurrentIndex(index)
            self._chosen(index)

    # Private

    def _chosen_name(self) -> str | None:
        name = self.combo.currentData()
        return str(name) if name is not None else None

    def _chosen(self, _index: int) -> None:
        name = self._chosen_name()
        self.delete_button.setEnabled(name is not None)
        if name is not None and name in self._filters:
            self.filter_chosen.emit(self._filters[name])

    def _saved(self, name: str) -> None:
        self._select_after_reload = name
        self.reload()

    def _show(self, filters: list[SavedFilter]) -> None:
        wanted = self._select_after_reload or self._chosen_name()
        self._select_after_reload = None
        self._filters = {f.name: f.charge_filter for f in filters}
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self.tr("Saved filters"), None)
        for name in self._filters:
            self.combo.addItem(name, name)
        index = self.combo.findData(wanted) if wanted is not None else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        self.combo.setEnabled(bool(filters))
        self.delete_button.setEnabled(self._chosen_name() is not None)
        self.save_button.setEnabled(self._engine is not None)

    def _failed(self, error: BaseException) -> None:
        logger.error("Saved filters could not be read or written", exc_info=error)
        QMessageBox.warning(
            self,
            self.tr("Saved filters"),
            self.tr(
                "The saved filters could not be read or written. "
                "Try again; if it keeps failing, the log file says why."
            ),
        )
