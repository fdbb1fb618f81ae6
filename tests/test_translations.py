"""Every user-facing string has a finished Thai translation that fits.

The messages come from lupdate run over the current source (as
scripts/translations runs it) into a copy of the Thai catalog, so a string
added to the code without a translation fails here by name.
"""

from __future__ import annotations

import ast
import re
import shutil
import xml.etree.ElementTree as ET
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
FOLDER = REPO / "resources" / "translations"
PLACEHOLDER = re.compile(r"%L?(?:n|\d)")


@pytest.fixture(scope="module")
def pipeline() -> ModuleType:
    loader = SourceFileLoader("translations_script", str(REPO / "scripts/translations"))
    module = ModuleType(loader.name)
    module.__file__ = loader.path
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def current_thai(
    pipeline: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> ET.Element:
    """The Thai catalog brought up to date with the source, in a temp copy."""
    ts_file = tmp_path_factory.mktemp("ts") / "opn_desk_th.ts"
    shutil.copy(FOLDER / "opn_desk_th.ts", ts_file)
    pipeline.update(ts_file, [])
    return ET.parse(ts_file).getroot()


def messages(root: ET.Element) -> list[tuple[str, ET.Element]]:
    return [
        (context.findtext("name") or "", message)
        for context in root.iter("context")
        for message in context.iter("message")
    ]


def translations(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    assert translation is not None
    forms = translation.findall("numerusform")
    return [form.text or "" for form in forms] if forms else [translation.text or ""]


def unfinished(root: ET.Element) -> list[str]:
    problems = []
    for context, message in messages(root):
        translation = message.find("translation")
        done = translation is not None and translation.get("type") is None
        if not done or not all(translations(message)):
            problems.append(f"{context}: {message.findtext('source')!r}")
    return problems


def placeholders_differ(root: ET.Element) -> list[str]:
    problems = []
    for context, message in messages(root):
        source = message.findtext("source") or ""
        wanted = sorted(set(PLACEHOLDER.findall(source)))
        for text in translations(message):
            if text and sorted(set(PLACEHOLDER.findall(text))) != wanted:
                problems.append(f"{context}: {source!r} -> {text!r}")
    return problems


def test_every_string_has_a_finished_thai_translation(current_thai: ET.Element) -> None:
    assert len(messages(current_thai)) > 500
    missing = unfinished(current_thai)
    assert not missing, (
        "Not translated into Thai (run scripts/translations, then translate "
        "in resources/translations/opn_desk_th.ts):\n" + "\n".join(missing)
    )


def test_thai_translations_keep_the_placeholders(current_thai: ET.Element) -> None:
    wrong = placeholders_differ(current_thai)
    assert not wrong, "Placeholders differ from the source:\n" + "\n".join(wrong)


def test_qt_standard_buttons_have_our_thai(pipeline: ModuleType) -> None:
    root = ET.parse(FOLDER / "qtbase_th.ts").getroot()
    theme = {
        message.findtext("source"): translations(message)[0]
        for context, message in messages(root)
        if context == "QPlatformTheme"
    }
    assert theme["OK"] == "ตกลง" and theme["Cancel"] == "ยกเลิก"
    assert not unfinished(root) and not placeholders_differ(root)


def test_english_plurals_have_both_forms(pipeline: ModuleType, tmp_path: Path) -> None:
    ts_file = tmp_path / "opn_desk_en.ts"
    shutil.copy(FOLDER / "opn_desk_en.ts", ts_file)
    pipeline.update(ts_file, ["-pluralonly"])
    root = ET.parse(ts_file).getroot()
    missing = unfinished(root)
    assert not missing, "English plural forms missing:\n" + "\n".join(missing)
    for _, message in messages(root):
        one, many = translations(message)
        assert "(s)" not in one + many, message.findtext("source")


def test_every_tr_call_has_a_context_the_app_uses(
    pipeline: ModuleType, current_thai: ET.Element
) -> None:
    """lupdate files ``widget.tr()`` under the variable's name, which the
    app never asks for; such strings would stay English on screen."""
    _, unresolved = pipeline.helper_calls()
    assert not unresolved, "tr() with no context:\n" + "\n".join(unresolved)
    known = runtime_contexts(REPO / "opn_desk")
    strays = sorted({context for context, _ in messages(current_thai)} - known)
    assert not strays, f"Contexts no class or translate() uses: {strays}"


def runtime_contexts(source: Path) -> set[str]:
    """Class names, ``_CONTEXT`` values and literal contexts in the code."""
    found: set[str] = set()
    for path in source.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef):
                found.add(node.name)
            elif isinstance(node, ast.Call) and node.args and _translating(node):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if any(getattr(t, "id", "") == "_CONTEXT" for t in node.targets):
                    found.add(str(node.value.value))
    return found


def _translating(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("translate", "QT_TRANSLATE_NOOP", "QT_TRANSLATE_NOOP3")


def test_helper_calls_reach_the_catalog(
    pipeline: ModuleType, current_thai: ET.Element
) -> None:
    """Strings passed to a module's ``_tr()`` are found though lupdate
    cannot see them (the script hands them over)."""
    calls, _ = pipeline.helper_calls()
    found = {(context, text) for context, text, _ in calls}
    assert ("errors", "The Opn API refused the request: %1") in found
    in_catalog = {
        (context, message.findtext("source"))
        for context, message in messages(current_thai)
    }
    assert found <= in_catalog, sorted(found - in_catalog)[:10]
