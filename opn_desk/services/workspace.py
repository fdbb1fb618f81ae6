"""A profile opened for work: its cache, its API address and its key."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from opn_desk.sandbox import SANDBOX_SECRET_KEY
from opn_desk.services import paths
from opn_desk.services.api import DEFAULT_BASE_URL, OpnClient
from opn_desk.services.cache_recovery import CacheRecovered, open_cache
from opn_desk.services.credentials import load_secret_key
from opn_desk.services.operations import Journal
from opn_desk.services.profiles import Profile
from opn_desk.services.sandbox_process import SandboxProcess

logger = logging.getLogger(__name__)


class MissingSecretKey(RuntimeError):
    """The profile's key is not in the keyring; the clerk must enter it."""


@dataclass
class Workspace:
    """Everything needed to work on one profile.

    ``cache_notice`` is set when the cache was found damaged and rebuilt:
    the window shows its ``user_message()`` (where the old file went, what
    was carried over) once the profile is open.
    """

    profile: Profile
    engine: Engine
    base_url: str
    secret_key: str = field(repr=False)
    sandbox: SandboxProcess | None = None
    cache_notice: CacheRecovered | None = None

    def client(self) -> OpnClient:
        """A new API client for this profile; the caller closes it."""
        return OpnClient(self.secret_key, base_url=self.base_url)

    def journal(self, client: OpnClient, clerk: str) -> Journal:
        """The operations journal of this profile, for ``clerk``."""
        return Journal(self.engine, client, clerk)

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
        self.engine.dispose()


def open_workspace(profile: Profile, secret_key: str | None = None) -> Workspace:
    """Open a profile: start its sandbox if it has one, migrate its cache.

    Blocking: call it off the GUI thread.

    Raises:
        MissingSecretKey: when a real profile has no key to use.
        SandboxStartError: when the sandbox does not come up.
        CacheUnavailable: when the cache is locked by another program or
            its folder cannot be written.
    """
    sandbox = None
    if profile.is_sandbox:
        sandbox = SandboxProcess(
            data_file=paths.data_dir() / "sandbox" / "sandbox.json",
            log_file=paths.log_dir() / "sandbox.log",
        )
        base_url = sandbox.start()
        secret_key = SANDBOX_SECRET_KEY
    else:
        base_url = profile.base_url or DEFAULT_BASE_URL
        secret_key = secret_key or load_secret_key(profile.name)
        if secret_key is None:
            raise MissingSecretKey(profile.name)

    try:
        engine, notice = open_cache(profile.resolved_database_url())
    except Exception:
        if sandbox is not None:
            sandbox.stop()
        raise
    return Workspace(profile, engine, base_url, secret_key, sandbox, notice)
