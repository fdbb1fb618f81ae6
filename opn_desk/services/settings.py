"""The clerk's settings: what they mean, where they live, which are valid.

Settings of the workstation (language, Buddhist-era years) live in a
QSettings file beside the profiles; settings of one account (time zone,
sync interval, dispute deadline policy, database, clerk) live with its
profile in the profile book. The secret key is neither: it stays in the
OS keyring. Every check here speaks in codes; the views word them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QSettings
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from opn_desk.models.db import (
    alembic_config,
    create_cache_engine,
    migrate,
    schema_revision,
)
from opn_desk.services import paths
from opn_desk.services.profiles import Profile

logger = logging.getLogger(__name__)

SETTINGS_FILE = "settings.ini"
# "" (or absent) follows the system language; else a code of LANGUAGES.
LANGUAGE_KEY = "display/language"
# True: years are shown in the Buddhist era (2026 is 2569 BE).
BUDDHIST_ERA_KEY = "display/buddhist_era"
LANGUAGES = ("en", "th")

SYNC_INTERVAL_RANGE_MIN = (1, 24 * 60)
DEADLINE_DAYS_RANGE = (1, 60)
CLERK_MAX_CHARS = 80

# Problem codes of settings_problems() and DatabaseRefused.reason.
BAD_TIMEZONE = "bad_timezone"
BAD_SYNC_INTERVAL = "bad_sync_interval"
BAD_DEADLINE_DAYS = "bad_deadline_days"
BAD_CLERK = "bad_clerk"
BAD_LANGUAGE = "bad_language"
BAD_DATABASE_URL = "bad_database_url"
UNSUPPORTED_DATABASE = "unsupported_database"
DATABASE_UNREACHABLE = "database_unreachable"
DATABASE_TOO_NEW = "database_too_new"
MIGRATION_FAILED = "migration_failed"


def app_settings() -> QSettings:
    """The workstation's settings file (language, era), read afresh."""
    path = paths.config_dir() / SETTINGS_FILE
    return QSettings(str(path), QSettings.Format.IniFormat)


def chosen_language() -> str | None:
    """The language the clerk chose, or None to follow the system."""
    value = app_settings().value(LANGUAGE_KEY, "")
    code = str(value) if value else ""
    return code if code in LANGUAGES else None


def buddhist_era_shown() -> bool:
    """Whether years are shown in the Buddhist era."""
    value = app_settings().value(BUDDHIST_ERA_KEY, False)
    if isinstance(value, str):  # an INI file hands back "true" / "false"
        return value.lower() == "true"
    return bool(value)


def save_display(language: str | None, buddhist_era: bool) -> None:
    """Keep the workstation's display settings."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(BAD_LANGUAGE)
    settings = app_settings()
    settings.setValue(LANGUAGE_KEY, language or "")
    settings.setValue(BUDDHIST_ERA_KEY, buddhist_era)
    settings.sync()


@dataclass(frozen=True, slots=True)
class ProfileSettings:
    """What the clerk may change about one profile."""

    timezone: str
    sync_interval_min: int
    dispute_deadline_days: int
    database_url: str | None
    clerk: str | None

    @classmethod
    def of(cls, profile: Profile) -> ProfileSettings:
        return cls(
            timezone=profile.timezone,
            sync_interval_min=profile.sync_interval_min,
            dispute_deadline_days=profile.dispute_deadline_days,
            database_url=profile.database_url,
            clerk=profile.clerk,
        )

    def applied_to(self, profile: Profile) -> Profile:
        return replace(
            profile,
            timezone=self.timezone,
            sync_interval_min=self.sync_interval_min,
            dispute_deadline_days=self.dispute_deadline_days,
            database_url=self.database_url,
            clerk=self.clerk,
        )


def settings_problems(chosen: ProfileSettings) -> list[str]:
    """The problem codes of ``chosen``, in the order of the form; [] if valid.

    The database is checked apart, by ``check_database``, because that
    check reaches the database.
    """
    problems = []
    if not is_timezone(chosen.timezone):
        problems.append(BAD_TIMEZONE)
    low, high = SYNC_INTERVAL_RANGE_MIN
    if not low <= chosen.sync_interval_min <= high:
        problems.append(BAD_SYNC_INTERVAL)
    low, high = DEADLINE_DAYS_RANGE
    if not low <= chosen.dispute_deadline_days <= high:
        problems.append(BAD_DEADLINE_DAYS)
    clerk = chosen.clerk or ""
    if len(clerk) > CLERK_MAX_CHARS or not clerk.isprintable():
        problems.append(BAD_CLERK)
    return problems


def is_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    if not name or name != name.strip() or name.startswith("/"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def database_url_of(text: str) -> str:
    """The URL as SQLAlchemy wants it: a bare PostgreSQL scheme gets psycopg."""
    url = text.strip()
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url.removeprefix(bare)
    return url


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


class DatabaseRefused(Exception):
    """A database that cannot hold a cache; ``reason`` is a problem code.

    ``detail`` is the driver's own words, for the log and a tooltip; it
    never holds the URL's password.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def check_database(url: str) -> str:
    """Connect to ``url`` and bring its schema up to date; the revision.

    Blocking (it reaches the database): call it off the GUI thread. The
    migrations really run, as they would when the profile opens, so a
    database that passes is ready; they only ever add to a schema.

    Raises:
        DatabaseRefused: with the reason the database cannot be used.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseRefused(BAD_DATABASE_URL) from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseRefused(UNSUPPORTED_DATABASE, backend)
    if backend == "sqlite" and not parsed.database:
        raise DatabaseRefused(BAD_DATABASE_URL)

    try:
        engine = create_cache_engine(url)
    except (SQLAlchemyError, ImportError) as exc:
        raise DatabaseRefused(BAD_DATABASE_URL, _detail(exc)) from exc
    except OSError as exc:  # the SQLite file's folder cannot be made
        raise DatabaseRefused(DATABASE_UNREACHABLE, _detail(exc)) from exc
    try:
        return _migrated_revision(engine)
    finally:
        engine.dispose()


def _migrated_revision(engine: Engine) -> str:
    # Alembic's scripts are loaded here, when a database is chosen, not
    # at every start.
    from alembic.script import ScriptDirectory

    try:
        current = schema_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("Database not reachable: %s", _detail(exc))
        raise DatabaseRefused(DATABASE_UNREACHABLE, _detail(exc)) from exc

    scripts = ScriptDirectory.from_config(alembic_config())
    known = {revision.revision for revision in scripts.walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseRefused(DATABASE_TOO_NEW, current)

    try:
        migrate(engine)
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("Migrations could not run: %s", _detail(exc))
        raise DatabaseRefused(MIGRATION_FAILED, _detail(exc)) from exc
    head = scripts.get_current_head()
    return head or ""


def _detail(exc: BaseException) -> str:
    """The first line of a driver's message (SQLAlchemy hides passwords)."""
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
