"""The app's catalogs compiled for a test, and the display language switched.

Test modules import this (``from display_language import ...``) to export
in Thai and in English: the catalogs come from resources/translations by
the same script the build uses, compiled into a folder of the test run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType

from PySide6.QtCore import QCoreApplication

from opn_desk import i18n

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "th")


def compile_catalogs(folder: Path) -> Path:
    """Compile every catalog into ``folder``; returns it."""
    loader = SourceFileLoader("translations_script", str(REPO / "scripts/translations"))
    script = ModuleType(loader.name)
    script.__file__ = loader.path
    loader.exec_module(script)
    built = script.release(target=folder)
    assert "opn_desk_th.qm" in {path.name for path in built}
    return folder


@contextmanager
def speaking(app: QCoreApplication, code: str, catalogs: Path) -> Iterator[None]:
    """The app shown in ``code`` ("en" or "th") until the block ends."""
    i18n.apply_language(app, code, directory=catalogs)
    try:
        yield
    finally:
        i18n.clear_language(app)
