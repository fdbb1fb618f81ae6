"""The display language: Qt translators, the locale, Buddhist-era years.

The app speaks English (the language of the source) and Thai. Compiled
translations (``.qm``) are built from ``resources/translations/*.ts`` by
``scripts/translations``; Qt's own translations of its standard buttons
and dialogs come from Qt where it ships them, and from our ``qtbase_th``
where it does not.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QTranslator,
)

logger = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
_TRANSLATOR_NAME = "opn_desk_translator"


class Language(NamedTuple):
    """A display language: its code and its name in itself."""

    code: str
    name: str


_LANGUAGES = (Language("en", "English"), Language("th", "ไทย"))


class _Display:
    """The language and era in effect, set only by the calls below."""

    language = SOURCE_LANGUAGE
    buddhist_era = False


def available_languages() -> tuple[Language, ...]:
    """The languages the app can be shown in, English first."""
    return _LANGUAGES


def system_language() -> str:
    """The code of the first system UI language we speak, else English."""
    codes = {language.code for language in _LANGUAGES}
    for name in QLocale.system().uiLanguages():
        code = name.replace("_", "-").split("-")[0].lower()
        if code in codes:
            return code
    return SOURCE_LANGUAGE


def translations_dir() -> Path:
    """Folder of the compiled ``.qm`` files, from a checkout or a build."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return root / "resources" / "translations"


def apply_language(
    app: QCoreApplication,
    code: str | None,
    *,
    directory: Path | None = None,
) -> None:
    """Show the app in ``code`` ("en", "th"; None or "" for the system's).

    Replaces the translators installed by an earlier call, so the language
    can change while the app runs (widgets get a LanguageChange event).
    A missing ``.qm`` file leaves that part in English and is logged.
    """
    language = _supported(code) if code else system_language()
    folder = directory or translations_dir()
    _remove_translators(app)
    _install(app, folder / f"opn_desk_{language}.qm", required=True)
    # Qt's standard buttons and dialogs: from Qt, else from our own file.
    qt_folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    qt_catalog = qt_folder / f"qtbase_{language}.qm"
    if not qt_catalog.is_file():
        qt_catalog = folder / f"qtbase_{language}.qm"
    _install(app, qt_catalog, required=False)

    QLocale.setDefault(_locale(language))
    _Display.language = language
    logger.info("Display language: %s", language)


def clear_language(app: QCoreApplication) -> None:
    """Remove our translators: the app shows the bare source English."""
    _remove_translators(app)
    QLocale.setDefault(QLocale.system())
    _Display.language = SOURCE_LANGUAGE


def current_language() -> str:
    """The code of the language in effect ("en" until one is applied)."""
    return _Display.language


def set_buddhist_era(shown: bool) -> None:
    """Show years on screen in the Buddhist era (CE + 543) or not."""
    _Display.buddhist_era = shown


def buddhist_era_shown() -> bool:
    """Whether years on screen are in the Buddhist era."""
    return _Display.buddhist_era


def _supported(code: str) -> str:
    if any(language.code == code for language in _LANGUAGES):
        return code
    logger.warning("Unknown display language %r; using English", code)
    return SOURCE_LANGUAGE


def _locale(language: str) -> QLocale:
    if language == "th":
        return QLocale(QLocale.Language.Thai, QLocale.Country.Thailand)
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def _remove_translators(app: QCoreApplication) -> None:
    for translator in app.findChildren(QTranslator, _TRANSLATOR_NAME):
        app.removeTranslator(translator)
        translator.setParent(None)


def _install(app: QCoreApplication, path: Path, *, required: bool) -> None:
    if not path.is_file():
        if required:
            logger.warning("No translation file %s; run scripts/translations", path)
        return
    translator = QTranslator(app)
    translator.setObjectName(_TRANSLATOR_NAME)
    if not translator.load(str(path)):
        logger.warning("Translation file %s could not be read", path)
        translator.setParent(None)
        return
    app.installTranslator(translator)
