"""Translated sentences for the errors a clerk can meet."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from opn_desk.services.api import (
    ApiOffline,
    ApiTimeout,
    AuthenticationFailure,
    ConnectionLost,
    OpnError,
    RateLimited,
    ServerError,
)
from opn_desk.services.credentials import KeyringUnavailable
from opn_desk.services.sandbox_process import SandboxStartError
from opn_desk.services.workspace import MissingSecretKey

_CONTEXT = "errors"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def error_sentence(error: BaseException) -> str:
    """What failed, why, and what to do next, in the clerk's language."""
    if isinstance(error, ApiOffline):
        return _tr(
            "opn-desk cannot reach the Opn API. Check the network connection; "
            "everything already synced stays available."
        )
    if isinstance(error, ApiTimeout | ConnectionLost):
        return _tr(
            "The Opn API did not answer in time. Try again in a moment; "
            "everything already synced stays available."
        )
    if isinstance(error, AuthenticationFailure):
        return _tr(
            "The Opn API refused the secret key. Check that the key is a "
            "secret key (skey_…) of this account and enter it again."
        )
    if isinstance(error, RateLimited):
        return _tr(
            "The Opn API asked opn-desk to slow down. The sync will go on "
            "by itself in a moment."
        )
    if isinstance(error, ServerError):
        return _tr("The Opn API had a problem of its own. Try again in a few minutes.")
    if isinstance(error, OpnError):
        return _tr("The Opn API refused the request: %1").replace("%1", error.message)
    if isinstance(error, SandboxStartError):
        return _tr("The sandbox did not start. Its log is %1.").replace(
            "%1", str(error.log_file)
        )
    if isinstance(error, MissingSecretKey):
        return _tr(
            "The secret key of this profile is not in the keyring. "
            "Enter the key again to go on."
        )
    if isinstance(error, KeyringUnavailable):
        return _tr(
            "No keyring is available on this workstation, so opn-desk cannot "
            "keep the secret key. It is used for this session only and must "
            "be entered again next time."
        )
    return _tr(
        "Something went wrong and opn-desk could not finish. "
        "The details are in the log."
    )


def is_offline_error(error: BaseException) -> bool:
    """Whether the error means the API could not be reached at all."""
    return isinstance(error, ApiOffline | ApiTimeout | ConnectionLost)
