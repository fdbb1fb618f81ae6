"""The Settings dialog: language, era, and the open profile's settings.

Nothing is kept until every value is valid: a bad value gets a sentence
that says what to change, and a new database is reached and migrated off
the GUI thread before it is saved.
"""

from __future__ import annotations

import logging
from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from opn_desk import i18n
from opn_desk.services.profiles import Profile, load_profiles, save_profile
from opn_desk.services.settings import (
    BAD_CLERK,
    BAD_DATABASE_URL,
    BAD_DEADLINE_DAYS,
    BAD_SYNC_INTERVAL,
    BAD_TIMEZONE,
    CLERK_MAX_CHARS,
    DATABASE_TOO_NEW,
    DATABASE_UNREACHABLE,
    DEADLINE_DAYS_RANGE,
    MIGRATION_FAILED,
    SYNC_INTERVAL_RANGE_MIN,
    UNSUPPORTED_DATABASE,
    DatabaseRefused,
    ProfileSettings,
    buddhist_era_shown,
    check_database,
    chosen_language,
    database_url_of,
    save_display,
    settings_problems,
    sqlite_url,
)
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)

# Each language is named in its own words, so a clerk who cannot read the
# current one still finds theirs.
_LANGUAGE_NAMES = (("en", "English"), ("th", "ไทย"))


class SettingsDialog(QDialog):
    """Edits the workstation's display and one profile's settings.

    Signals:
        saved(object): the Profile as saved, with its new settings.
    """

    saved = Signal(object)

    def __init__(
        self, runner: TaskRunner, profile: Profile, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._profile = _stored(profile)
        self.profile: Profile | None = None
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(560)

        self.message = QLabel(self)
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self._build_display_box())
        layout.addWidget(self._build_profile_box())
        layout.addWidget(self._build_database_box())
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._show(self._profile)

    def chosen(self) -> ProfileSettings:
        """The profile settings the form describes (not yet checked)."""
        clerk = self.clerk_edit.text().strip()
        return ProfileSettings(
            timezone=self.timezone_combo.currentText().strip(),
            sync_interval_min=self.sync_spin.value(),
            dispute_deadline_days=self.deadline_spin.value(),
            database_url=self._chosen_database_url(),
            clerk=clerk or None,
        )

    def save(self) -> None:
        """Check every value; keep them all, or none with the reasons shown."""
        if self._database_text_missing():
            return
        chosen = self.chosen()
        problems = settings_problems(chosen)
        if problems:
            self.message.setText("\n".join(self._sentence(p) for p in problems))
            return
        if chosen.database_url == self._profile.database_url:
            self._keep(chosen)
            return
        self._check_database(chosen)

    # Building

    def _build_display_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Display"), self)
        self.language_combo = QComboBox(box)
        self.language_combo.addItem(self.tr("System default"), None)
        for code, name in _LANGUAGE_NAMES:
            self.language_combo.addItem(name, code)
        self.buddhist_era_check = QCheckBox(
            self.tr("Show years in the Buddhist era, on screen and in exports"), box
        )
        form = QFormLayout(box)
        form.addRow(self.tr("Language"), self.language_combo)
        form.addRow("", self.buddhist_era_check)
        return box

    def _build_profile_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Profile %1").replace("%1", self._profile.name), self)
        self.timezone_combo = QComboBox(box)
        self.timezone_combo.setEditable(True)
        self.timezone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone_combo.addItems(sorted(available_timezones()))
        completer = QCompleter(self.timezone_combo.model(), self.timezone_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone_combo.setCompleter(completer)
        self.sync_spin = QSpinBox(box)
        self.sync_spin.setRange(*SYNC_INTERVAL_RANGE_MIN)
        self.sync_spin.setSuffix(self.tr(" min"))
        self.deadline_spin = QSpinBox(box)
        self.deadline_spin.setRange(*DEADLINE_DAYS_RANGE)
        self.deadline_spin.setSuffix(self.tr(" days after opening"))
        self.clerk_edit = QLineEdit(box)
        self.clerk_edit.setMaxLength(CLERK_MAX_CHARS + 20)
        self.clerk_edit.setPlaceholderText(
            self.tr("Asked before the first refund or capture")
        )
        form = QFormLayout(box)
        form.addRow(self.tr("Time zone"), self.timezone_combo)
        form.addRow(self.tr("Sync every"), self.sync_spin)
        form.addRow(self.tr("Answer disputes within"), self.deadline_spin)
        form.addRow(self.tr("Clerk name"), self.clerk_edit)
        return box

    def _build_database_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Cache database"), self)
        self.sqlite_choice = QRadioButton(
            self.tr("A SQLite file on this workstation"), box
        )
        self.postgres_choice = QRadioButton(
            self.tr("A PostgreSQL database shared by the team"), box
        )
        choices = QButtonGroup(box)
        choices.addButton(self.sqlite_choice)
        choices.addButton(self.postgres_choice)
        choices.buttonToggled.connect(self._database_choice_changed)
        self.sqlite_path_edit = QLineEdit(box)
        self.browse_button = QPushButton(self.tr("Choose…"), box)
        self.browse_button.clicked.connect(self._browse)
        self.postgres_url_edit = QLineEdit(box)
        self.postgres_url_edit.setPlaceholderText(
            "postgresql://user:password@host:5432/database"
        )
        file_row = QHBoxLayout()
        file_row.addWidget(self.sqlite_path_edit, 1)
        file_row.addWidget(self.browse_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.sqlite_choice)
        layout.addLayout(file_row)
        layout.addWidget(self.postgres_choice)
        layout.addWidget(self.postgres_url_edit)
        return box

    def _show(self, profile: Profile) -> None:
        language = chosen_language()
        self.language_combo.setCurrentIndex(
            max(self.language_combo.findData(language), 0)
        )
        self.buddhist_era_check.setChecked(buddhist_era_shown())
        self.timezone_combo.setCurrentText(profile.timezone)
        self.sync_spin.setValue(profile.sync_interval_min)
        self.deadline_spin.setValue(profile.dispute_deadline_days)
        self.clerk_edit.setText(profile.clerk or "")
        url = profile.resolved_database_url()
        on_postgres = url.startswith("postgres")
        self.postgres_choice.setChecked(on_postgres)
        self.sqlite_choice.setChecked(not on_postgres)
        if on_postgres:
            self.postgres_url_edit.setText(url)
            self.sqlite_path_edit.setText(str(_default_sqlite_path(profile)))
        else:
            self.sqlite_path_edit.setText(url.removeprefix("sqlite:///"))
        self._database_choice_changed()

    # Database

    def _database_choice_changed(self) -> None:
        on_sqlite = self.sqlite_choice.isChecked()
        self.sqlite_path_edit.setEnabled(on_sqlite)
        self.browse_button.setEnabled(on_sqlite)
        self.postgres_url_edit.setEnabled(not on_sqlite)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Cache database file"),
            self.sqlite_path_edit.text(),
            self.tr("SQLite databases (*.db *.sqlite)"),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.sqlite_path_edit.setText(path)

    def _chosen_database_url(self) -> str | None:
        """The URL to keep; None for the profile's own SQLite file."""
        if self.postgres_choice.isChecked():
            return database_url_of(self.postgres_url_edit.text()) or None
        text = self.sqlite_path_edit.text().strip()
        path = Path(text).expanduser()
        if path == _default_sqlite_path(self._profile):
            return None
        return sqlite_url(path)

    def _database_text_missing(self) -> bool:
        if self.postgres_choice.isChecked():
            if self.postgres_url_edit.text().strip():
                return False
            self.message.setText(
                self.tr(
                    "Enter the address of the PostgreSQL database, like "
                    "postgresql://user:password@host:5432/opndesk."
                )
            )
            return True
        path = Path(self.sqlite_path_edit.text().strip()).expanduser()
        if self.sqlite_path_edit.text().strip() and path.is_absolute():
            return False
        self.message.setText(
            self.tr(
                "Enter the full path of the SQLite file, or press Choose… "
                "to pick a folder."
            )
        )
        return True

    def _check_database(self, chosen: ProfileSettings) -> None:
        url = chosen.database_url or self._profile.resolved_database_url()
        self.message.setText(
            self.tr("Reaching the database and bringing its tables up to date…")
        )
        self._set_busy(True)
        self._runner.run_network(
            lambda: check_database(url),
            lambda _revision: self._database_ready(chosen),
            self._database_refused,
            context=self,
        )

    def _database_ready(self, chosen: ProfileSettings) -> None:
        self._set_busy(False)
        self._keep(chosen)

    def _database_refused(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, DatabaseRefused):
            logger.error("Database check failed", exc_info=error)
            error = DatabaseRefused(DATABASE_UNREACHABLE, type(error).__name__)
        self.message.setText(self._sentence(error.reason, error.detail))
        self.message.setToolTip(error.detail)

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.buttons, *self.findChildren(QGroupBox)):
            widget.setEnabled(not busy)

    # Keeping

    def _keep(self, chosen: ProfileSettings) -> None:
        language = self.language_combo.currentData()
        save_display(language, self.buddhist_era_check.isChecked())
        profile = chosen.applied_to(self._profile)
        save_profile(profile)
        logger.info("Settings of profile %s saved", profile.name)
        self.profile = profile
        _apply_display(language, self.buddhist_era_check.isChecked())
        self.saved.emit(profile)
        self.accept()

    def _sentence(self, problem: str, detail: str = "") -> str:
        sentences = {
            BAD_TIMEZONE: self.tr(
                "%1 is not a time zone this computer knows. Pick one from "
                "the list, like Asia/Bangkok."
            ).replace("%1", self.timezone_combo.currentText().strip() or "—"),
            BAD_SYNC_INTERVAL: self.tr(
                "Sync between every 1 and every 1,440 minutes (once a day)."
            ),
            BAD_DEADLINE_DAYS: self.tr(
                "The dispute deadline must be between 1 and 60 days after "
                "the dispute opened."
            ),
            BAD_CLERK: self.tr(
                "Keep the clerk name to one line of at most 80 characters."
            ),
            BAD_DATABASE_URL: self.tr(
                "This is not a database address opn-desk can read. Write it "
                "like postgresql://user:password@host:5432/opndesk."
            ),
            UNSUPPORTED_DATABASE: self.tr(
                "opn-desk keeps its cache in SQLite or PostgreSQL only; %1 "
                "is not supported."
            ).replace("%1", detail),
            DATABASE_UNREACHABLE: self.tr(
                "opn-desk could not open this database: %1. Check the "
                "address, the user and the password, then save again."
            ).replace("%1", detail),
            DATABASE_TOO_NEW: self.tr(
                "This database was set up by a newer opn-desk. Update "
                "opn-desk on this workstation before using it."
            ),
            MIGRATION_FAILED: self.tr(
                "opn-desk reached the database but could not create its "
                "tables there: %1. Ask its administrator for the right to "
                "create tables."
            ).replace("%1", detail),
        }
        return sentences.get(problem, problem)


def _stored(profile: Profile) -> Profile:
    """The profile as last saved (a clerk name may have been added)."""
    book = load_profiles()
    stored = book.get(profile.name) if book is not None else None
    return stored or profile


def _default_sqlite_path(profile: Profile) -> Path:
    return profile.cache_dir() / "cache.db"


def _apply_display(language: str | None, buddhist_era: bool) -> None:
    """Switch the interface language and era at once."""
    app = QCoreApplication.instance()
    try:
        if app is not None:
            i18n.apply_language(app, language)
        i18n.set_buddhist_era(buddhist_era)
    except Exception:  # kept all the same; the next start applies them
        logger.exception("Could not apply language %s now", language)
