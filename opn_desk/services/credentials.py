"""The secret key of each profile, kept in the OS keyring and nowhere else.

When no keyring backend exists (a bare Linux session without a Secret
Service, for instance) the key is not stored at all: the caller tells the
clerk so, in plain words, and the key lives only as long as the process.
"""

from __future__ import annotations

import logging

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail

logger = logging.getLogger(__name__)

SERVICE = "opn-desk"


class KeyringUnavailable(RuntimeError):
    """No OS keyring can hold the secret key on this workstation."""


def keyring_backend_name() -> str | None:
    """The name of the keyring backend in use, or None when there is none."""
    backend = keyring.get_keyring()
    if _is_unusable(backend):
        return None
    return type(backend).__name__


def store_secret_key(profile_name: str, secret_key: str) -> None:
    """Keep the profile's key in the OS keyring.

    Raises:
        KeyringUnavailable: when no keyring backend can store it.
    """
    if keyring_backend_name() is None:
        raise KeyringUnavailable("no keyring backend")
    try:
        keyring.set_password(SERVICE, profile_name, secret_key)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc
    logger.info("Stored the secret key of profile %s in the keyring", profile_name)


def load_secret_key(profile_name: str) -> str | None:
    """The profile's key from the OS keyring, or None."""
    if keyring_backend_name() is None:
        return None
    try:
        return keyring.get_password(SERVICE, profile_name)
    except keyring.errors.KeyringError:
        logger.exception("Could not read the key of profile %s", profile_name)
        return None


def delete_secret_key(profile_name: str) -> None:
    """Remove the profile's key from the keyring, if it is there."""
    try:
        keyring.delete_password(SERVICE, profile_name)
    except keyring.errors.PasswordDeleteError:
        logger.info("No key of profile %s was in the keyring", profile_name)


def _is_unusable(backend: keyring.backend.KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring):
        return True
    try:
        return float(backend.priority) <= 0
    except Exception:  # a backend whose priority check fails is unusable
        return True


class WrongKeyKind(ValueError):
    """A key that is not an Opn secret key.

    ``reason`` is ``public_key`` for a pkey_ key and ``not_a_secret_key``
    for anything else, so the view can say which mistake it was.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def secret_key_mode(secret_key: str) -> str:
    """Whether a secret key is for ``test`` or ``live`` mode.

    Raises:
        WrongKeyKind: when the text is not an Opn secret key.
    """
    key = secret_key.strip()
    if key.startswith("pkey_"):
        raise WrongKeyKind("public_key")
    if not key.startswith("skey_") or len(key) < 12 or any(c.isspace() for c in key):
        raise WrongKeyKind("not_a_secret_key")
    return "test" if key.startswith("skey_test_") else "live"
