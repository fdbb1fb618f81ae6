"""Where opn-desk keeps its files: settings, per-profile caches, logs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from opn_desk import APP_NAME

HOME_ENV = "OPN_DESK_HOME"


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value) if value else None


def config_dir() -> Path:
    """Folder of the settings file (profiles, language, layout)."""
    home = _home_override()
    if home is not None:
        return home / "config"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Folder of the per-profile caches and the sandbox's data file."""
    home = _home_override()
    if home is not None:
        return home / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Folder of the rotating log files."""
    home = _home_override()
    if home is not None:
        return home / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
