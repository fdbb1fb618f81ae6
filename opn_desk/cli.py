"""Headless commands: syncing a profile's cache from a terminal."""

from __future__ import annotations

import logging
import sys

from opn_desk.services.api import ApiError
from opn_desk.services.profiles import (
    ProfileBook,
    load_profiles,
    sandbox_profile,
    save_profiles,
)
from opn_desk.services.sandbox_process import SandboxStartError
from opn_desk.services.sync import AccountSync, SyncProgress
from opn_desk.services.workspace import MissingSecretKey, open_workspace

logger = logging.getLogger(__name__)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def run_sync(profile_name: str | None) -> int:
    """Sync a profile (the active one, or the sandbox on a first run)."""
    book = load_profiles()
    if book is None:
        book = ProfileBook()
        book.put(sandbox_profile())
        save_profiles(book)
    name = profile_name or book.active
    profile = book.get(name) if name else None
    if profile is None:
        _say(f"There is no profile named {name!r}.")
        return 2

    _say(f"Opening profile {profile.name} ({profile.mode})…")
    try:
        workspace = open_workspace(profile)
    except SandboxStartError as error:
        _say(f"The sandbox did not start. Its log is {error.log_file}.")
        return 1
    except MissingSecretKey:
        _say(
            "The profile's secret key is not in the keyring; open the app to enter it."
        )
        return 1
    try:
        with workspace.client() as client:
            result = AccountSync(client, workspace.engine).run(_print_progress)
    except ApiError as error:
        logger.warning("Sync failed", exc_info=error)
        _say(error.user_message())
        return 1
    finally:
        workspace.close()
    _say(f"Done: {result.fetched} objects fetched, {result.written} new or changed.")
    return 0


def _print_progress(progress: SyncProgress) -> None:
    total = progress.total or 0
    _say(f"{progress.resource}: {progress.fetched} of {total}")
