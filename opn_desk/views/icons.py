"""The app's own icons, read from resources/icons (SVG)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QIcon

logger = logging.getLogger(__name__)

APP = "app"
SYNC = "sync"
OK = "ok"
ERROR = "error"
OFFLINE = "offline"
LIVE = "live"
TEST = "test"
ICON_NAMES = (APP, SYNC, OK, ERROR, OFFLINE, LIVE, TEST)


def resources_dir() -> Path:
    """The resources folder: beside the package, or in a built app's bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def icon_path(name: str) -> Path:
    return resources_dir() / "icons" / f"{name}.svg"


def icon(name: str) -> QIcon:
    """One of ``ICON_NAMES``; an empty icon (logged) when the file is missing."""
    path = icon_path(name)
    if not path.is_file():
        logger.warning("Icon %s not found at %s", name, path)
        return QIcon()
    return QIcon(str(path))


def app_icon() -> QIcon:
    return icon(APP)
