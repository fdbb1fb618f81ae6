"""A whole working session with a real-looking secret key leaves no trace of it.

The session runs as a clerk's would, against the sandbox over loopback
HTTP, with its key taken from the keyring: sync, a refund, dispute evidence
uploaded, a report exported, a crash reported, all with debug logging on.
Then every file the app wrote under its home folder (cache database and its
WAL, logs, exports, settings, crash reports; the members of .xlsx files
too) is searched for the key in every form it could travel in.
"""

from __future__ import annotations

import base64
import importlib.util
import logging
import secrets
import string
import urllib.parse
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from reliability_figures import Figures
from write_checks import new_charge

from opn_desk.models.db import session_scope
from opn_desk.sandbox import SandboxServer, SandboxState
from opn_desk.services import evidence, paths
from opn_desk.services.credentials import store_secret_key
from opn_desk.services.export import ExportFormat
from opn_desk.services.logs import LOG_FILE_NAME, configure_logging
from opn_desk.services.profiles import Profile, ProfileBook, save_profiles
from opn_desk.services.refunds import RefundRequest, refund
from opn_desk.services.reports import (
    Period,
    ReportDefinition,
    export_report,
    run_report,
)
from opn_desk.services.sync import AccountSync
from opn_desk.services.workspace import Workspace, open_workspace

BANGKOK = ZoneInfo("Asia/Bangkok")
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
_ALPHABET = string.ascii_lowercase + string.digits


def realistic_test_key() -> str:
    """A key shaped like Opn's: ``skey_test_`` and 19 random characters."""
    suffix = "5" + "".join(secrets.choice(_ALPHABET) for _ in range(18))
    return f"skey_test_{suffix}"


def key_forms(secret_key: str) -> dict[str, bytes]:
    """Every form in which the key could be written down.

    The random part alone catches a key whose prefix was kept but whose
    secret part leaked; the base64 forms are the Basic authorization
    header (``key:`` with an empty password) and the key on its own.
    """
    suffix = secret_key.removeprefix("skey_test_")
    basic = base64.b64encode(f"{secret_key}:".encode()).decode()
    forms = {
        "plain": secret_key,
        "secret part": suffix,
        "url-encoded": urllib.parse.quote(secret_key, safe=""),
        "url-encoded with colon": urllib.parse.quote(f"{secret_key}:", safe=""),
        "basic auth": basic,
        "basic auth header": f"Basic {basic}",
        "base64": base64.b64encode(secret_key.encode()).decode(),
        "base64 url-safe": base64.urlsafe_b64encode(secret_key.encode()).decode(),
    }
    encoded = {name: text.encode() for name, text in forms.items()}
    encoded["utf-16"] = secret_key.encode("utf-16-le")
    return encoded


def file_contents(path: Path) -> Iterator[tuple[str, bytes]]:
    """The bytes of a file, and of each member when it is a zip (.xlsx)."""
    data = path.read_bytes()
    yield str(path), data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield f"{path}!{member}", archive.read(member)


def find_key(home: Path, secret_key: str) -> list[str]:
    """Where under ``home`` any form of the key is found."""
    forms = key_forms(secret_key)
    hits = []
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        for name, data in file_contents(path):
            for form, needle in forms.items():
                if needle in data or needle.lower() in data.lower():
                    hits.append(f"{name}: {form}")
    return hits


@pytest.fixture
def secret_key() -> str:
    return realistic_test_key()


@pytest.fixture
def keyed_sandbox(secret_key: str) -> Iterator[SandboxServer]:
    """A sandbox that accepts only the session's own key."""
    state = SandboxState.seeded(charges=80, seed=23)
    server = SandboxServer(state, secret_key=secret_key)
    with server:
        yield server


@pytest.fixture
def debug_logging(opn_home: Path) -> Iterator[None]:
    """The app's logging at debug level, HTTP libraries included."""
    root = logging.getLogger()
    level, handlers = root.level, set(root.handlers)
    noisy = [logging.getLogger(n) for n in ("httpx", "httpcore", "alembic")]
    noisy_levels = [logger.level for logger in noisy]
    configure_logging(logging.DEBUG)
    added = [handler for handler in root.handlers if handler not in handlers]
    for logger in noisy:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for handler in added:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
        for logger, noisy_level in zip(noisy, noisy_levels, strict=True):
            logger.setLevel(noisy_level)


def crash_report(exc: BaseException) -> None:
    """Report a crash the way the app does.

    With the crash dialog's ``crash_report_text`` the report is written
    where a clerk would save it; the app's log gets it in every case.
    """
    logging.getLogger("opn_desk").critical(
        "Unhandled exception", exc_info=(type(exc), exc, exc.__traceback__)
    )
    if importlib.util.find_spec("opn_desk.views.crash_dialog") is None:
        return
    from opn_desk.views import crash_dialog

    text = crash_dialog.crash_report_text(type(exc), exc, exc.__traceback__)
    folder = paths.log_dir() / "crash-reports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "crash-report.txt").write_text(text, encoding="utf-8")


def failing_call(secret_key: str) -> None:
    """Code that dies with the key in its message and in a local name."""
    credentials = {"secret_key": secret_key}
    raise RuntimeError(f"could not use {credentials['secret_key']!s}")


def run_session(workspace: Workspace, server: SandboxServer, home: Path) -> None:
    now = datetime.now(UTC)
    with workspace.client() as client:
        AccountSync(client, workspace.engine).run()
        journal = workspace.journal(client, "Somchai")

        paid = new_charge(server.base_url, server.secret_key, amount=150_000)
        request = RefundRequest(paid["id"], 50_000, "requested_by_customer", "")
        refund(journal, client, request, now)

        disputed = new_charge(server.base_url, server.secret_key)
        dispute = server.open_dispute(disputed["id"])
        evidence.save_draft(
            workspace.engine,
            dispute["id"],
            dispute.get("reason_code"),
            {"what_was_sold": "A rice cooker"},
            clerk="Somchai",
            now=now,
        )
        evidence.add_file(workspace.engine, dispute["id"], None, "slip.pdf", PDF, now)
        evidence.submit_evidence(workspace.engine, journal, client, dispute["id"], now)

        AccountSync(client, workspace.engine).run()

    definition = ReportDefinition(
        period=Period.CUSTOM,
        first_day=date.today() - timedelta(days=200),
        last_day=date.today() + timedelta(days=1),
        group_by=("payment_method",),
    )
    with session_scope(workspace.engine) as session:
        result = run_report(session, definition, BANGKOK, date.today())
    exports = home / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    for export_format, name in (
        (ExportFormat.XLSX, "r.xlsx"),
        (ExportFormat.CSV, "r.csv"),
    ):
        export_report(
            workspace.engine,
            result,
            exports / name,
            export_format,
            BANGKOK,
            date.today(),
        )

    try:
        failing_call(workspace.secret_key)
    except RuntimeError as exc:
        crash_report(exc)


@pytest.mark.usefixtures("memory_keyring", "debug_logging")
def test_a_whole_session_writes_the_key_nowhere(
    opn_home: Path,
    secret_key: str,
    keyed_sandbox: SandboxServer,
    figures: Figures,
) -> None:
    profile = Profile("Shop test", "test", base_url=keyed_sandbox.base_url)
    book = ProfileBook()
    book.put(profile)
    save_profiles(book)
    store_secret_key(profile.name, secret_key)

    workspace = open_workspace(profile)
    try:
        assert workspace.secret_key == secret_key
        run_session(workspace, keyed_sandbox, opn_home)
    finally:
        workspace.close()
    for handler in logging.getLogger().handlers:
        handler.flush()

    written = sorted(
        p.relative_to(opn_home) for p in opn_home.rglob("*") if p.is_file()
    )
    folders = {path.parts[0] for path in written}
    assert {"config", "data", "logs", "exports"} <= folders, written
    log_text = (paths.log_dir() / LOG_FILE_NAME).read_text(encoding="utf-8")
    assert "DEBUG" in log_text and "Unhandled exception" in log_text
    assert "could not use skey_" in log_text  # the crash was logged, masked

    hits = find_key(opn_home, secret_key)
    for path in written:
        figures.add("secrets", f"files searched in {path.parts[0]}/")
    figures.add("secrets", "key forms searched", len(key_forms(secret_key)))
    figures.add("secrets", "found", len(hits))
    assert hits == []


def test_the_scan_finds_a_key_wherever_it_is_written(
    tmp_path: Path, secret_key: str
) -> None:
    """The search itself must be able to fail: each form is found."""
    basic = base64.b64encode(f"{secret_key}:".encode())
    (tmp_path / "plain.log").write_text(f"key={secret_key}\n")
    (tmp_path / "header.txt").write_bytes(b"Authorization: Basic " + basic)
    (tmp_path / "suffix.txt").write_text(secret_key[-19:])
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/sharedStrings.xml", f"<t>{secret_key}</t>" * 20)

    hits = find_key(tmp_path, secret_key)

    assert any(hit.startswith(f"{tmp_path / 'plain.log'}:") for hit in hits)
    assert f"{tmp_path / 'header.txt'}: basic auth header" in hits
    assert f"{tmp_path / 'suffix.txt'}: secret part" in hits
    assert any("book.xlsx!xl/sharedStrings.xml" in hit for hit in hits)
