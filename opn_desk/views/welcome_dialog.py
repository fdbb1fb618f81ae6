"""The first-run dialog: try the sandbox, or connect an Opn account."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from opn_desk.services.api import DEFAULT_BASE_URL, Account, OpnClient
from opn_desk.services.credentials import (
    KeyringUnavailable,
    WrongKeyKind,
    secret_key_mode,
    store_secret_key,
)
from opn_desk.services.profiles import Profile, sandbox_profile
from opn_desk.views.errors import error_sentence
from opn_desk.views.tasks import TaskRunner

logger = logging.getLogger(__name__)


class WelcomeDialog(QDialog):
    """Asks a new user where their data comes from.

    After ``accepted``, ``profile`` is the chosen profile and ``session_key``
    holds a key that could not be kept in a keyring (else None).
    """

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.profile: Profile | None = None
        self.session_key: str | None = None
        self._checked_key: str | None = None
        self.setWindowTitle(self.tr("Welcome to opn-desk"))
        self.setMinimumWidth(560)

        intro = QLabel(
            self.tr(
                "opn-desk keeps a copy of your Opn Payments account on this "
                "workstation. Try it first on the built-in sandbox, a local "
                "stand-in for the Opn API filled with sample charges, or "
                "connect your own account."
            )
        )
        intro.setWordWrap(True)
        self.sandbox_choice = QRadioButton(
            self.tr("Try the sandbox (no account needed)")
        )
        self.account_choice = QRadioButton(self.tr("Connect an Opn account"))
        self.sandbox_choice.setChecked(True)
        choices = QButtonGroup(self)
        choices.addButton(self.sandbox_choice)
        choices.addButton(self.account_choice)
        choices.buttonToggled.connect(self._choice_changed)

        self.account_box = self._build_account_box()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("welcomeMessage")

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Continue")
        )
        self.buttons.accepted.connect(self._continue)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        for widget in (
            intro,
            self.sandbox_choice,
            self.account_choice,
            self.account_box,
        ):
            layout.addWidget(widget)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._choice_changed()

    def ask_for_key(self, profile: Profile) -> None:
        """Ask again for the key of a profile whose key is not in the keyring."""
        self.account_choice.setChecked(True)
        self.sandbox_choice.setEnabled(False)
        self.name_edit.setText(profile.name)
        self.name_edit.setReadOnly(True)
        self.url_edit.setText(profile.base_url or DEFAULT_BASE_URL)
        self.message.setText(
            self.tr(
                "The secret key of this profile is not in the keyring. "
                "Enter it to go on."
            )
        )

    def _build_account_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Opn account"))
        self.name_edit = QLineEdit(self.tr("My shop"))
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("skey_…")
        self.url_edit = QLineEdit(DEFAULT_BASE_URL)
        form = QFormLayout(box)
        form.addRow(self.tr("Profile name"), self.name_edit)
        form.addRow(self.tr("Secret key"), self.key_edit)
        form.addRow(self.tr("API address"), self.url_edit)
        return box

    def _choice_changed(self) -> None:
        self.account_box.setEnabled(self.account_choice.isChecked())
        self.message.clear()

    def _continue(self) -> None:
        if self.sandbox_choice.isChecked():
            self.profile = sandbox_profile()
            self.accept()
            return
        key = self.key_edit.text().strip()
        if self._checked_key is not None and key == self._checked_key:
            self.session_key = key  # keyring refused it: this session only
            self.accept()
            return
        self._check_key(key)

    def _check_key(self, key: str) -> None:
        name = self.name_edit.text().strip()
        if not name:
            self.message.setText(self.tr("Give the profile a name, then continue."))
            return
        try:
            mode = secret_key_mode(key)
        except WrongKeyKind as wrong:
            self.message.setText(self._wrong_key_sentence(wrong))
            return

        base_url = self.url_edit.text().strip() or DEFAULT_BASE_URL
        self.message.setText(self.tr("Checking the key with Opn…"))
        self.setEnabled(False)

        def check() -> Account:
            with OpnClient(key, base_url=base_url) as client:
                return client.get_account()

        self._runner.run_network(
            check,
            lambda account: self._key_accepted(name, mode, base_url, key, account),
            self._key_refused,
            context=self,
        )

    def _key_accepted(
        self, name: str, mode: str, base_url: str, key: str, account: Account
    ) -> None:
        self.setEnabled(True)
        self.profile = Profile(
            name=name,
            mode="live" if mode == "live" else "test",
            base_url=None if base_url == DEFAULT_BASE_URL else base_url,
            account_email=account.email,
        )
        try:
            store_secret_key(name, key)
        except KeyringUnavailable as error:
            self._checked_key = key
            self.message.setText(error_sentence(error))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
                self.tr("Use for this session only")
            )
            return
        self.accept()

    def _key_refused(self, error: BaseException) -> None:
        self.setEnabled(True)
        self.message.setText(error_sentence(error))

    def _wrong_key_sentence(self, wrong: WrongKeyKind) -> str:
        if wrong.reason == "public_key":
            return self.tr(
                "This is a public key (pkey_…). opn-desk needs the secret key "
                "(skey_…), found in the Opn dashboard under Keys."
            )
        return self.tr(
            "This does not look like an Opn secret key. Copy the key that "
            "starts with skey_ from the Opn dashboard under Keys."
        )
