"""Every form, fed impossible and edge values by the dozen.

Each value must be refused in the form with a sentence (never an
exception, never a silent drop) and nothing may be sent or kept: the
sandbox's events, which record every change, stay as they were, and the
settings file, the evidence draft and the saved reports are as before.
The forms are the refund, capture, schedule, evidence, settings and
report forms. The values are what a clerk's keyboard, a paste from a
spreadsheet, a wrong file or a slip of the finger produce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from reliability_figures import Figures

from opn_desk.models.db import open_engine, session_scope
from opn_desk.services import evidence
from opn_desk.services.disputes import load_dispute_rows
from opn_desk.services.profiles import (
    Profile,
    ProfileBook,
    load_profiles,
    profiles_file,
    save_profiles,
)
from opn_desk.services.reports import Period, saved_report_names
from opn_desk.services.settings import buddhist_era_shown, chosen_language
from opn_desk.services.sync import AccountSync
from opn_desk.services.workspace import Workspace
from opn_desk.views.capture_dialog import CaptureDialog
from opn_desk.views.evidence_form import EvidenceForm
from opn_desk.views.refund_dialog import RefundDialog
from opn_desk.views.reports_tab import ReportsTab
from opn_desk.views.schedule_form import ScheduleForm
from opn_desk.views.settings_dialog import SettingsDialog
from opn_desk.views.tasks import TaskRunner

# Texts no amount field of a ฿1,000.00 charge may take.
BAD_AMOUNTS = (
    "",
    "   ",
    "0",
    "0.00",
    "-1",
    "-0.01",
    "--5",
    "+5",
    "0.001",
    "12.345",
    ".5",
    "1e3",
    "1E-2",
    "NaN",
    "inf",
    "-inf",
    "twelve",
    "0x10",
    "1_000",
    "1.2.3",
    "¥5",
    "\u200b5",
    "5\u0000",
    "1000.01",
    "1,000.01",
    "9" * 40,
    "๑๐๐๐.๐๑",  # Thai digits, one satang too many
    "１００１",  # full-width digits
)
BAD_YEN = ("10.5", "0.5", "1,000.1", "¥-3")
BAD_METADATA = ("branch", "=Siam", "branch=Siam; campaign", " ; =x")
# A schedule outside Opn's THB limits (฿20 to ฿150,000).
BAD_SCHEDULE_AMOUNTS = (*BAD_AMOUNTS[:-5], "19.99", "150,000.01", "9" * 40)


ZONE = "Asia/Bangkok"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
# Files no dispute takes, by name, with their bytes (None: no such file).
BAD_FILES: dict[str, bytes | None] = {
    "empty.pdf": b"",
    "big.pdf": b"%PDF-" + bytes(10_000_000 - 4),
    "setup.exe": b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64),
    "invoice.pdf": b"\x7fELF\x02\x01\x01" + bytes(64),
    "receipt.jpg": b"#!/bin/sh\necho receipt\n",
    "receipt.gif": b"GIF89a\x01\x00\x01\x00" + bytes(16),
    "scan.bmp": b"BM" + bytes(40),
    "scan.tif": b"II*\x00" + bytes(40),
    "photo.webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24),
    "photo.heic": b"\x00\x00\x00\x18ftypheic" + bytes(24),
    "notes.txt": b"The parcel was delivered on Monday.",
    "page.html": b"<html><body>Delivered</body></html>",
    "letter.docx": b"PK\x03\x04\x14\x00" + bytes(40),
    "shifted.pdf": b" " + PDF,
    "gone.pdf": None,
}
BLANK_ANSWERS = ("", "   ", "\n\t\n", "\u3000")
BAD_TIMEZONES = (
    "",
    "Asia/Bangkk",
    "Bangkok",
    "UTC+7",
    "GMT+07:00",
    "+07:00",
    "/etc/localtime",
    "../../etc/passwd",
    "Europe/Atlantis",
    "Asia/Bangkok; DROP TABLE profiles",
    "9" * 40,
)
BAD_CLERKS = ("Somchai\nJaidee", "Somchai\tJaidee", "Malee\x00", "\x1b[31m", "ก" * 81)
BAD_SQLITE_PATHS = ("", "   ", "cache.db", "./cache.db", "data/cache.db")
# Team databases that cannot hold a cache: another kind, no address, no
# server there.
BAD_DATABASES = (
    "mysql://opndesk@127.0.0.1/opndesk",
    "oracle://scott@127.0.0.1/orcl",
    "not a database address",
    "postgresql://opndesk@127.0.0.1:1/opndesk",
    "postgresql://opndesk@127.0.0.1:99999/opndesk",
)
BAD_REPORT_RANGES = (
    (date(2026, 3, 2), date(2026, 3, 1)),
    (date(2026, 1, 1), date(2025, 12, 31)),
    (date(2030, 1, 1), date(2000, 1, 1)),
)
# Custom ranges with more time steps than a report shows.
TOO_LONG_REPORTS = (
    ("day", date(2000, 1, 1), date(2012, 12, 31)),
    ("week", date(1900, 1, 1), date(2026, 12, 31)),
)
BLANK_REPORT_NAMES = ("", "   ", "\t", "\n")


@pytest.fixture
def workspace(fresh_sandbox: Any, tmp_path: Path) -> Iterator[Workspace]:
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    profile = Profile(name="Shop", mode="test", clerk="Malee")
    workspace = Workspace(
        profile, engine, fresh_sandbox.base_url, fresh_sandbox.secret_key
    )
    yield workspace
    engine.dispose()


def events(sandbox: Any) -> int:
    return len(sandbox.state.objects("event"))


def refused_each(
    values: tuple[str, ...],
    type_in: Callable[[str], None],
    send: Callable[[], None],
    message: QLabel,
    asked: Callable[[], object],
) -> list[str]:
    """Type each value and send; the values that got no sentence or that
    went as far as a confirmation."""
    slipped = []
    for value in values:
        message.clear()
        type_in(value)
        send()
        said = message.text()
        if not _a_sentence(said) or asked() is not None:
            slipped.append(value)
    return slipped


def _a_sentence(text: str) -> bool:
    """Words a clerk can read: not empty, not a bare code like
    ``too_many_decimals``, ending as a sentence does."""
    return " " in text.strip() and text.rstrip().endswith((".", ")"))


def test_the_refund_form_refuses_every_impossible_amount(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Callable[..., dict[str, Any]],
    fresh_sandbox: Any,
    figures: Figures,
) -> None:
    for charge, values in (
        (make_charge(), BAD_AMOUNTS),
        (make_charge(amount=100000, currency="JPY"), BAD_YEN),
    ):
        dialog = RefundDialog(runner, workspace, charge["id"], "Malee")
        qtbot.addWidget(dialog)
        dialog.open()
        dialog.start()
        qtbot.waitUntil(lambda d=dialog: d.terms is not None, timeout=10_000)
        dialog.partial_choice.setChecked(True)
        before = events(fresh_sandbox)

        slipped = refused_each(
            values,
            dialog.amount_edit.setText,
            dialog.refund_button.click,
            dialog.message,
            lambda d=dialog: d.confirmation,
        )

        assert slipped == []
        assert events(fresh_sandbox) == before
        figures.add("bad inputs", "refund form", len(values))


def test_the_capture_form_refuses_every_impossible_amount(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    make_charge: Callable[..., dict[str, Any]],
    fresh_sandbox: Any,
    figures: Figures,
) -> None:
    charge = make_charge(capture=False, authorization_type="pre_auth")
    dialog = CaptureDialog(runner, workspace, charge["id"], "Malee")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.terms is not None, timeout=10_000)
    dialog.partial_choice.setChecked(True)
    before = events(fresh_sandbox)

    slipped = refused_each(
        BAD_AMOUNTS,
        dialog.amount_edit.setText,
        dialog.capture_button.click,
        dialog.message,
        lambda: dialog.confirmation,
    )

    assert slipped == []
    assert events(fresh_sandbox) == before
    assert fresh_sandbox.state.get("charge", charge["id"])["capturable"]
    figures.add("bad inputs", "capture form", len(BAD_AMOUNTS))


def test_the_schedule_form_refuses_bad_amounts_and_metadata(
    qtbot: QtBot,
    runner: TaskRunner,
    workspace: Workspace,
    fresh_sandbox: Any,
    figures: Figures,
) -> None:
    with workspace.client() as client:
        AccountSync(client, workspace.engine).run()
    form = ScheduleForm(runner, workspace, "Malee")
    qtbot.addWidget(form)
    form.show()
    form.start()
    qtbot.waitUntil(lambda: form.customers is not None, timeout=10_000)
    start = form.today() + timedelta(days=2)
    form.start_edit.setDate(start)
    form.end_edit.setDate(start + timedelta(days=90))
    form.period_combo.setCurrentIndex(0)
    before = events(fresh_sandbox)

    slipped = refused_each(
        BAD_SCHEDULE_AMOUNTS,
        form.amount_edit.setText,
        form.create_button.click,
        form.message,
        lambda: form.confirmation,
    )
    form.amount_edit.setText("1,250.00")
    slipped += refused_each(
        BAD_METADATA,
        form.metadata_edit.setText,
        form.create_button.click,
        form.message,
        lambda: form.confirmation,
    )

    assert slipped == []
    assert events(fresh_sandbox) == before
    figures.add("bad inputs", "schedule form", len(BAD_SCHEDULE_AMOUNTS))
    figures.add("bad inputs", "schedule form", len(BAD_METADATA))


def test_the_evidence_form_refuses_bad_files_and_empty_answers(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    workspace: Workspace,
    make_charge: Callable[..., dict[str, Any]],
    fresh_sandbox: Any,
    tmp_path: Path,
    figures: Figures,
) -> None:
    dispute = fresh_sandbox.open_dispute(make_charge()["id"])
    with workspace.client() as client:
        evidence.refresh_cached_dispute(
            workspace.engine, client, dispute["id"], datetime.now(UTC)
        )
    with session_scope(workspace.engine) as session:
        (row,) = load_dispute_rows(session)
    form = EvidenceForm(runner, ZONE)
    qtbot.addWidget(form)
    kept.append(form)
    form.set_workspace(workspace)
    form.show_dispute(row)
    qtbot.waitUntil(lambda: form.draft is not None, timeout=10_000)
    for name, data in BAD_FILES.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
    before = events(fresh_sandbox)

    slipped = []
    for name in BAD_FILES:
        form.add_paths([tmp_path / name])
        qtbot.waitUntil(lambda: form.files_being_checked == 0, timeout=10_000)
        if not _a_sentence(form.message.text()):
            slipped.append(name)
    slipped += submitted_blank(qtbot, form)
    slipped += accepted_without_reason(form)

    assert slipped == []
    assert evidence.load_draft(workspace.engine, dispute["id"]).files == ()
    assert form.files_list.count() == 0
    held = fresh_sandbox.state.get("dispute", dispute["id"])
    assert held["status"] == "open" and held["message"] is None
    assert held["documents"]["data"] == []
    assert events(fresh_sandbox) == before
    figures.add("bad inputs", "evidence form", len(BAD_FILES))
    figures.add("bad inputs", "evidence form", 2 * len(BLANK_ANSWERS))


def submitted_blank(qtbot: QtBot, form: EvidenceForm) -> list[str]:
    """Submit with every answer blank; the blanks that got no sentence."""
    slipped = []
    for blank in BLANK_ANSWERS:
        for edit in form.answer_edits.values():
            edit.setPlainText(blank)
        form.message.clear()
        form.submit_button.click()
        qtbot.waitUntil(lambda: form.message.text() != "", timeout=10_000)
        if not _a_sentence(form.message.text()) or form.confirmation is not None:
            slipped.append(repr(blank))
    return slipped


def accepted_without_reason(form: EvidenceForm) -> list[str]:
    """Accept the dispute with a blank reason; the blanks that went through."""
    slipped = []
    for blank in BLANK_ANSWERS:
        form.message.clear()
        form.accept_reason_edit.setText(blank)
        form.accept_button.click()
        if not _a_sentence(form.message.text()) or form.confirmation is not None:
            slipped.append(repr(blank))
    return slipped


def test_the_settings_form_refuses_bad_values_and_keeps_nothing(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    opn_home: Path,
    figures: Figures,
) -> None:
    shop = Profile(name="Siam shop", mode="test", base_url="http://127.0.0.1:9")
    save_profiles(ProfileBook(profiles=[shop], active=shop.name))
    before = profiles_file().read_bytes()
    language, era = chosen_language(), buddhist_era_shown()
    book = load_profiles()
    assert book is not None and book.get(shop.name) == shop
    dialog = SettingsDialog(runner, shop)
    qtbot.addWidget(dialog)
    kept.append(dialog)
    dialog.open()
    dialog.buddhist_era_check.setChecked(not era)

    def saved_with(change: Callable[[], None]) -> bool:
        """Whether a change, saved, got a sentence and kept the dialog."""
        dialog.message.clear()
        change()
        dialog.save()
        qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=20_000)
        said = dialog.message.text()
        return _a_sentence(said) and dialog.profile is None and dialog.isVisible()

    slipped = [
        zone
        for zone in BAD_TIMEZONES
        if not saved_with(lambda z=zone: dialog.timezone_combo.setCurrentText(z))
    ]
    dialog.timezone_combo.setCurrentText(ZONE)
    slipped += [
        clerk
        for clerk in BAD_CLERKS
        if not saved_with(lambda c=clerk: dialog.clerk_edit.setText(c))
    ]
    dialog.clerk_edit.setText("Malee")
    slipped += [
        path
        for path in BAD_SQLITE_PATHS
        if not saved_with(lambda p=path: dialog.sqlite_path_edit.setText(p))
    ]
    dialog.postgres_choice.setChecked(True)
    slipped += [
        url
        for url in BAD_DATABASES
        if not saved_with(lambda u=url: dialog.postgres_url_edit.setText(u))
    ]

    assert slipped == []
    assert profiles_file().read_bytes() == before
    assert (chosen_language(), buddhist_era_shown()) == (language, era)
    counted = (BAD_TIMEZONES, BAD_CLERKS, BAD_SQLITE_PATHS, BAD_DATABASES)
    figures.add("bad inputs", "settings form", sum(len(c) for c in counted))


def test_the_report_form_refuses_impossible_reports_and_saves_none(
    qtbot: QtBot,
    runner: TaskRunner,
    kept: list[object],
    workspace: Workspace,
    figures: Figures,
) -> None:
    tab = ReportsTab(runner, ZONE)
    qtbot.addWidget(tab)
    kept.append(tab)
    tab.set_engine(workspace.engine)
    tab.period_combo.setCurrentIndex(tab.period_combo.findData(Period.CUSTOM))

    def refused(first: date, last: date, group: str | None = None) -> bool:
        tab.message.clear()
        tab.first_day_edit.setDate(QDate(first.year, first.month, first.day))
        tab.last_day_edit.setDate(QDate(last.year, last.month, last.day))
        tab.group_combo.setCurrentIndex(tab.group_combo.findData(group))
        tab.run_button.click()
        qtbot.waitUntil(lambda: tab.run_button.isEnabled(), timeout=10_000)
        return _a_sentence(tab.message.text())

    slipped = [str(days) for days in BAD_REPORT_RANGES if not refused(*days)]
    slipped += [
        f"{group} {first} {last}"
        for group, first, last in TOO_LONG_REPORTS
        if not refused(first, last, group)
    ]
    for name in BLANK_REPORT_NAMES:
        tab.message.clear()
        tab.save_definition(name)
        qtbot.waitUntil(lambda: tab.message.text() != "", timeout=10_000)
        if not _a_sentence(tab.message.text()):
            slipped.append(repr(name))

    assert slipped == []
    assert not tab.export_button.isEnabled()
    with session_scope(workspace.engine) as session:
        assert saved_report_names(session) == []
    counted = (BAD_REPORT_RANGES, TOO_LONG_REPORTS, BLANK_REPORT_NAMES)
    figures.add("bad inputs", "report form", sum(len(c) for c in counted))
