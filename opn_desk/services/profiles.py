"""Profiles: which Opn account (or the sandbox) each cache belongs to.

A profile names an account in one mode, where its API lives and where its
cache is. The secret key is not here: it lives in the OS keyring
(``credentials``), except the sandbox's published test key.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from opn_desk.services import paths

logger = logging.getLogger(__name__)

Mode = Literal["sandbox", "test", "live"]
SANDBOX_PROFILE = "Sandbox"
DEFAULT_TIMEZONE = "Asia/Bangkok"
DEFAULT_SYNC_INTERVAL_MIN = 5
# Opn advises answering a dispute within 7 days of its opening.
DEFAULT_DEADLINE_DAYS = 7
_FILE_NAME = "profiles.json"


@dataclass(frozen=True, slots=True)
class Profile:
    """One account in one mode, and where its cache lives."""

    name: str
    mode: Mode
    base_url: str | None = None
    database_url: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    account_email: str | None = None
    clerk: str | None = None
    sync_interval_min: int = DEFAULT_SYNC_INTERVAL_MIN
    dispute_deadline_days: int = DEFAULT_DEADLINE_DAYS

    @property
    def is_live(self) -> bool:
        return self.mode == "live"

    @property
    def is_sandbox(self) -> bool:
        return self.mode == "sandbox"

    @property
    def slug(self) -> str:
        """A file-name-safe form of the profile name."""
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name).strip("_") or "profile"

    def cache_dir(self) -> Path:
        return paths.data_dir() / "profiles" / self.slug

    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL of this profile's cache (SQLite by default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.cache_dir() / 'cache.db'}"


@dataclass(slots=True)
class ProfileBook:
    """Every profile on this workstation and which one is in use."""

    profiles: list[Profile] = field(default_factory=list)
    active: str | None = None

    def get(self, name: str) -> Profile | None:
        return next((p for p in self.profiles if p.name == name), None)

    def active_profile(self) -> Profile | None:
        if self.active is None:
            return None
        return self.get(self.active)

    def put(self, profile: Profile, *, activate: bool = True) -> None:
        """Add ``profile``, or replace the one of that name in its place."""
        names = [p.name for p in self.profiles]
        if profile.name in names:
            self.profiles[names.index(profile.name)] = profile
        else:
            self.profiles.append(profile)
        if activate:
            self.active = profile.name


def sandbox_profile() -> Profile:
    """The profile of the built-in sandbox, which needs no account."""
    return Profile(name=SANDBOX_PROFILE, mode="sandbox")


def save_profile(profile: Profile, *, activate: bool = False) -> ProfileBook:
    """Keep ``profile``'s settings in the book (added when missing).

    Returns the book as written.
    """
    book = load_profiles() or ProfileBook()
    book.put(profile, activate=activate or book.active is None)
    save_profiles(book)
    return book


def activate_profile(name: str) -> None:
    """Remember ``name`` as the profile to open at the next start."""
    book = load_profiles()
    if book is None or book.get(name) is None:
        return
    book.active = name
    save_profiles(book)


def profiles_file() -> Path:
    return paths.config_dir() / _FILE_NAME


def load_profiles() -> ProfileBook | None:
    """Read the profile book, or None on a first run."""
    path = profiles_file()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        profiles = [_profile_from_json(item) for item in data["profiles"]]
    except (OSError, ValueError, KeyError, TypeError):
        logger.exception("Could not read the profiles in %s", path)
        return None
    return ProfileBook(profiles=profiles, active=data.get("active"))


def save_profiles(book: ProfileBook) -> None:
    """Write the profile book atomically."""
    path = profiles_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "active": book.active,
        "profiles": [asdict(profile) for profile in book.profiles],
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".profiles-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, ensure_ascii=False)
    os.replace(tmp, path)


def _profile_from_json(item: dict[str, Any]) -> Profile:
    profile = Profile(name=str(item["name"]), mode=item["mode"])
    known = {k: v for k, v in item.items() if k in Profile.__slots__}
    return replace(profile, **known)
