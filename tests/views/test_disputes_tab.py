"""The Disputes tab driven as a clerk would: offline review, then submit.

The sandbox serves over loopback HTTP; the cache is a real SQLite file or
PostgreSQL database; "restarting the app" builds new widgets and a new
engine over the same database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import (
    QBuffer,
    QIODevice,
    QMimeData,
    QPointF,
    Qt,
    QTimer,
    QUrl,
)
from PySide6.QtGui import QColor, QDropEvent, QImage, QPainter, QPdfWriter
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QScrollArea,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from opn_desk.models.db import open_engine, session_scope
from opn_desk.sandbox import SANDBOX_PUBLIC_KEY, SandboxServer
from opn_desk.services import evidence, stores
from opn_desk.services.api import OpnClient
from opn_desk.services.api.disputes import parse_dispute
from opn_desk.services.disputes import DELIVERY_PROOF, DUPLICATE, WHAT_WAS_SOLD
from opn_desk.services.profiles import Profile
from opn_desk.services.sync import AccountSync
from opn_desk.services.workspace import Workspace
from opn_desk.views.disputes_tab import DisputesTab
from opn_desk.views.evidence_form import EvidenceForm, files_outcome
from opn_desk.views.tasks import TaskRunner

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
ZONE = "Asia/Bangkok"
NOT_RECEIVED = "goods_or_services_not_provided"


def real_png() -> bytes:
    """A real 40x30 PNG image, drawn by Qt."""
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(buffer.data().data())


def real_pdf(path: Path) -> bytes:
    """A real one-page PDF with a line of text, written by Qt."""
    writer = QPdfWriter(str(path))
    painter = QPainter(writer)
    painter.drawText(200, 200, "Delivery slip TH123")
    painter.end()
    return path.read_bytes()


def dispute_in(
    sandbox: Any,
    amount: int,
    currency: str,
    reason_code: str = NOT_RECEIVED,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Opens a dispute on a new Visa charge of ``amount`` ``currency``."""
    base, key = sandbox.base_url, sandbox.secret_key
    card = {
        "name": "MALEE DEE",
        "number": "4242424242424242",
        "expiration_month": 1,
        "expiration_year": 2032,
        "security_code": "999",
    }
    token = httpx.post(
        f"{base}/tokens", auth=(SANDBOX_PUBLIC_KEY, ""), json={"card": card}
    ).json()["id"]
    body = {
        "amount": amount,
        "currency": currency,
        "card": token,
        "metadata": metadata or {},
    }
    charge = httpx.post(f"{base}/charges", auth=(key, ""), json=body).json()
    assert charge["object"] == "charge", charge
    opened: dict[str, Any] = sandbox.open_dispute(charge["id"], reason_code)
    return opened


@pytest.fixture
def open_dispute(fresh_sandbox: Any) -> Callable[..., dict[str, Any]]:
    """Opens a dispute on a new ฿1,000.00 Visa charge with an order id."""

    def make(order_id: str, reason_code: str = NOT_RECEIVED) -> dict[str, Any]:
        metadata = {"order_id": order_id}
        return dispute_in(fresh_sandbox, 100000, "THB", reason_code, metadata)

    return make


_OPENED_ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    """Every engine a test opened is disposed of, even when the test fails."""
    yield
    while _OPENED_ENGINES:
        _OPENED_ENGINES.pop().dispose()


def synced_workspace(cache_url: str, base_url: str, secret_key: str) -> Workspace:
    engine = open_engine(cache_url)
    _OPENED_ENGINES.append(engine)
    profile = Profile(name="Shop", mode="test", clerk="Malee", timezone=ZONE)
    return Workspace(profile, engine, base_url, secret_key)


def sync(workspace: Workspace) -> None:
    with workspace.client() as client:
        AccountSync(client, workspace.engine).run()


def cache_disputes(workspace: Workspace) -> None:
    """Cache every dispute and its charge only: quicker than a whole sync."""
    at = datetime.now(UTC)
    with workspace.client() as client:
        disputes = list(client.iter_path("/disputes", parse_dispute))
        charges = [client.get_charge(d.charge_id) for d in disputes if d.charge_id]
        with session_scope(workspace.engine) as session:
            stores.store_charges(session, charges, at)
            stores.store_disputes(session, disputes, at)


@pytest.fixture
def workspace(fresh_sandbox: Any, tmp_path: Path) -> Iterator[Workspace]:
    """A SQLite cache of the sandbox's disputes and their charges."""
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    opened = synced_workspace(url, fresh_sandbox.base_url, fresh_sandbox.secret_key)
    yield opened


def new_tab(qtbot: QtBot, runner: TaskRunner, workspace: Workspace) -> DisputesTab:
    tab = DisputesTab(runner, ZONE)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.counts_changed, timeout=10_000):
        tab.set_workspace(workspace)
    return tab


def open_case(qtbot: QtBot, tab: DisputesTab, term: str) -> EvidenceForm:
    tab.search_edit.setText(term)
    qtbot.keyClick(tab.search_edit, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    form = tab.form
    qtbot.waitUntil(lambda: form.draft is not None, timeout=10_000)
    return form


def shown_ids(tab: DisputesTab) -> list[str]:
    rows = (tab.model.row_at(i) for i in range(tab.model.rowCount()))
    return [row.id for row in rows if row is not None]


def drop_files(form: EvidenceForm, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    form.dropEvent(event)


def refused_sentence(qtbot: QtBot, form: EvidenceForm, path: Path) -> str:
    form.add_paths([path])
    qtbot.waitUntil(lambda: form.files_being_checked == 0, timeout=10_000)
    return form.message.text()


def pick_in_dialog(qtbot: QtBot, form: EvidenceForm, paths: list[Path]) -> None:
    """Click "Add files…" and pick ``paths`` at once in the file dialog."""

    def answer_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        dialog.setDirectory(str(paths[0].parent))
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        assert isinstance(name, QLineEdit)
        name.setText(" ".join(f'"{path.name}"' for path in paths))
        dialog.accept()

    QTimer.singleShot(200, answer_the_dialog)
    form.attach_button.click()


def answer_yes(qtbot: QtBot, form: EvidenceForm) -> QMessageBox:
    qtbot.waitUntil(lambda: form.confirmation is not None, timeout=10_000)
    box = form.confirmation
    assert box is not None
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    return box


def sandbox_dispute(state: Any, dispute_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        d for d in state.objects("dispute") if d["id"] == dispute_id
    )
    return found


def test_full_offline_review_then_submit(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    open_dispute: Callable[..., dict[str, Any]],
    cache_url: str,
    tmp_path: Path,
) -> None:
    case = open_dispute("TH-0042")
    other = open_dispute("TH-0043", "duplicate_processing")
    workspace = synced_workspace(
        cache_url, fresh_sandbox.base_url, fresh_sandbox.secret_key
    )
    sync(workspace)
    fresh_sandbox.stop()  # the network is cut from here on

    tab = new_tab(qtbot, runner, workspace)
    tab.status_combo.setCurrentIndex(tab.status_combo.findData("open"))
    tab.reason_combo.setCurrentIndex(tab.reason_combo.findData("duplicate_processing"))
    assert other["id"] in shown_ids(tab)
    assert case["id"] not in shown_ids(tab)
    tab.due_spin.setValue(3)  # opened just now: due in 7 days
    assert other["id"] not in shown_ids(tab)

    form = open_case(qtbot, tab, "th-0042")  # filtered out: filters clear
    assert form.dispute is not None and form.dispute.id == case["id"]
    assert tab.status_combo.currentData() is None
    assert "order never arrived" in form.facts.text()
    assert "customer communication" in form.missing_label.text()

    with qtbot.waitSignal(form.draft_saved, timeout=10_000):
        form.answer_edits[WHAT_WAS_SOLD].setPlainText("A rice cooker, 2 Dec")
        form.answer_edits[DELIVERY_PROOF].setPlainText("Kerry TH123, signed")
    real_pdf(tmp_path / "slip.pdf")
    png = real_png()
    (tmp_path / "photo.png").write_bytes(png)
    form.proves_combo.setCurrentIndex(form.proves_combo.findData(DELIVERY_PROOF))
    form.add_paths([tmp_path / "slip.pdf"])
    qtbot.waitUntil(lambda: form.files_list.count() == 1, timeout=10_000)
    form.proves_combo.setCurrentIndex(0)
    drop_files(form, [tmp_path / "photo.png"])
    qtbot.waitUntil(lambda: form.files_list.count() == 2, timeout=10_000)
    assert "a document for delivery proof" not in form.missing_label.text()
    form.files_list.setCurrentRow(1)
    qtbot.waitUntil(lambda: form.preview.shown_type == "image/png", timeout=10_000)
    form.files_list.setCurrentRow(0)
    pdf_shown = "application/pdf"
    qtbot.waitUntil(lambda: form.preview.shown_type == pdf_shown, timeout=10_000)
    with qtbot.waitSignal(form.draft_saved, timeout=10_000):
        form.ready_button.click()

    # Restart: new engine, new widgets, the same database.
    tab.close()
    workspace.engine.dispose()  # the app quits
    online = SandboxServer(fresh_sandbox.state, host="127.0.0.1", port=0)
    restarted = synced_workspace(cache_url, online.base_url, online.secret_key)
    tab = new_tab(qtbot, runner, restarted)
    form = open_case(qtbot, tab, case["id"])
    assert form.draft is not None
    assert form.draft.state == "ready_for_review"
    assert form.answer_edits[DELIVERY_PROOF].toPlainText() == "Kerry TH123, signed"
    kept = form.draft.files
    assert [f.filename for f in kept] == ["slip.pdf", "photo.png"]
    assert evidence.file_bytes(restarted.engine, kept[1].id) == png
    assert kept[0].question == DELIVERY_PROOF

    with online:  # the network is back
        form.submit_button.click()
        box = answer_yes(qtbot, form)
        assert "slip.pdf" in box.text() and "photo.png" in box.text()
        assert "A rice cooker, 2 Dec" in box.informativeText()
        with qtbot.waitSignal(form.settled, timeout=20_000):
            box.button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(
            lambda: form.dispute is not None and form.dispute.status == "pending",
            timeout=10_000,
        )

        held = sandbox_dispute(online.state, case["id"])
        names = [d["filename"] for d in held["documents"]["data"]]
        assert sorted(n.split("-", 1)[1] for n in names) == ["photo.png", "slip.pdf"]
        assert held["message"] == (
            "What was sold:\nA rice cooker, 2 Dec\n\n"
            "Proof of delivery:\nKerry TH123, signed"
        )
        assert held["status"] == "pending"
        assert "Sent to Opn: 2 document" in form.message.text()
        assert form.dispute is not None
        assert sorted(form.dispute.document_names) == sorted(names)
        assert not form.submit_button.isEnabled()


def test_each_refused_file_gets_its_sentence_and_nothing_is_kept(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    open_dispute: Callable[..., dict[str, Any]],
    workspace: Workspace,
    tmp_path: Path,
) -> None:
    case = open_dispute("TH-0050", "duplicate_processing")
    cache_disputes(workspace)
    tab = new_tab(qtbot, runner, workspace)
    form = open_case(qtbot, tab, case["id"])
    form.proves_combo.setCurrentIndex(form.proves_combo.findData(DUPLICATE))
    files = {
        "empty.pdf": b"",
        "big.pdf": b"%PDF-" + bytes(10_000_000 - 4),
        "invoice.pdf": b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64),
        "receipt.gif": b"GIF89a\x01\x00\x01\x00" + bytes(16),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    sentences = {name: refused_sentence(qtbot, form, tmp_path / name) for name in files}

    assert sentences["empty.pdf"].startswith("empty.pdf is empty.")
    assert "10,000,001 bytes" in sentences["big.pdf"]
    assert "at most 10 MB" in sentences["big.pdf"]
    assert "is a program, not a document" in sentences["invoice.pdf"]
    assert "image type Opn does not take" in sentences["receipt.gif"]
    assert form.files_list.count() == 0
    assert evidence.load_draft(workspace.engine, case["id"]).files == ()
    assert sandbox_dispute(fresh_sandbox.state, case["id"])["documents"]["data"] == []


MIXED_PICK = ["empty.pdf", "setup.pdf", "setup.png", "ok.png", "tiny.pdf"]


def mixed_files(folder: Path) -> list[Path]:
    """Two good files and three refused, as a clerk might pick them."""
    program = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)
    contents = [b"", program, program, real_png(), PDF]
    folder.mkdir()
    for name, data in zip(MIXED_PICK, contents, strict=True):
        (folder / name).write_bytes(data)
    return [folder / name for name in MIXED_PICK]


@pytest.mark.parametrize("how", ["picked", "dropped"])
def test_several_files_at_once_say_every_refusal_and_what_was_kept(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    open_dispute: Callable[..., dict[str, Any]],
    workspace: Workspace,
    tmp_path: Path,
    how: str,
) -> None:
    case = open_dispute("TH-0051", "duplicate_processing")
    cache_disputes(workspace)
    tab = new_tab(qtbot, runner, workspace)
    form = open_case(qtbot, tab, case["id"])
    paths = mixed_files(tmp_path / "evidence")

    if how == "picked":
        pick_in_dialog(qtbot, form, paths)
    else:
        drop_files(form, paths)
    qtbot.waitUntil(lambda: form.files_list.count() == 2, timeout=10_000)
    qtbot.waitUntil(lambda: form.files_being_checked == 0, timeout=10_000)

    lines = form.message.text().split("\n")
    assert len(lines) == 4
    assert lines[0] == "empty.pdf is empty. Choose the file that has the evidence."
    assert lines[1].startswith("setup.pdf is a program, not a document")
    assert lines[2].startswith("setup.png is a program, not a document")
    assert lines[3] == "Kept with the draft: ok.png, tiny.pdf."
    kept = evidence.load_draft(workspace.engine, case["id"]).files
    assert sorted(f.filename for f in kept) == ["ok.png", "tiny.pdf"]


def test_when_every_file_is_refused_the_form_says_none_was_kept() -> None:
    refusals = ["a.pdf is empty.", "b.gif is an image type Opn does not take."]

    assert files_outcome(refusals, []) == "\n".join(
        [*refusals, "None of these files was kept with the draft."]
    )
    assert files_outcome(refusals[:1], []) == refusals[0]
    assert files_outcome([], ["c.png"]) == "c.png is kept with the draft."


def test_a_dispute_closed_since_the_sync_is_refused_and_nothing_sent(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    open_dispute: Callable[..., dict[str, Any]],
    workspace: Workspace,
    tmp_path: Path,
) -> None:
    case = open_dispute("TH-0060")
    cache_disputes(workspace)
    tab = new_tab(qtbot, runner, workspace)
    form = open_case(qtbot, tab, case["id"])
    (tmp_path / "slip.pdf").write_bytes(PDF)
    form.add_paths([tmp_path / "slip.pdf"])
    qtbot.waitUntil(lambda: form.files_list.count() == 1, timeout=10_000)
    form.answer_edits[WHAT_WAS_SOLD].setPlainText("A rice cooker")
    fresh_sandbox.resolve_dispute(case["id"], "lost")  # the bank decided

    form.submit_button.click()
    box = answer_yes(qtbot, form)
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "only while a dispute is open" in form.message.text())

    held = sandbox_dispute(fresh_sandbox.state, case["id"])
    assert held["documents"]["data"] == [] and held["message"] is None
    assert "is now Lost" in form.message.text()


def test_accept_asks_for_a_reason_and_confirmation(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    open_dispute: Callable[..., dict[str, Any]],
    workspace: Workspace,
) -> None:
    case = open_dispute("TH-0070")
    cache_disputes(workspace)
    tab = new_tab(qtbot, runner, workspace)
    form = open_case(qtbot, tab, case["id"])

    form.accept_button.click()
    assert form.confirmation is None
    assert "Say why you accept" in form.message.text()
    form.accept_reason_edit.setText("The parcel was lost by the carrier")
    form.accept_button.click()
    box = answer_yes(qtbot, form)
    assert "The parcel was lost by the carrier" in box.text()
    with qtbot.waitSignal(tab.counts_changed, timeout=20_000) as counted:
        box.button(QMessageBox.StandardButton.Yes).click()

    assert sandbox_dispute(fresh_sandbox.state, case["id"])["status"] == "lost"
    assert counted.args[0]["lost"] >= 1
    qtbot.waitUntil(lambda: form.dispute is not None and form.dispute.status == "lost")


def test_counts_per_status_and_the_deadline_policy(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    open_dispute: Callable[..., dict[str, Any]],
    workspace: Workspace,
) -> None:
    case = open_dispute("TH-0080")
    cache_disputes(workspace)
    with OpnClient(fresh_sandbox.secret_key, base_url=fresh_sandbox.base_url) as api:
        statuses = [d.status for d in api.list_disputes(limit=100).data]
    tab = DisputesTab(runner, ZONE)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.counts_changed, timeout=10_000) as counted:
        tab.set_workspace(workspace)

    assert counted.args[0] == {s: statuses.count(s) for s in counted.args[0]}
    row = tab.model.row_of(case["id"])
    assert row is not None
    text = tab.model.index(row, 0).data()
    assert "6 d 23 h left" in text
    tab.set_deadline_days(1)
    one_day = tab.model.index(row, 0).data()
    assert "(23 h " in one_day and " d " not in one_day


def test_the_amount_range_is_read_in_the_chosen_currency(
    qtbot: QtBot, runner: TaskRunner, fresh_sandbox: Any, workspace: Workspace
) -> None:
    baht = dispute_in(fresh_sandbox, 150_000, "THB")  # ฿1,500.00
    yen = dispute_in(fresh_sandbox, 1_500, "JPY")  # ¥1,500
    cache_disputes(workspace)
    tab = new_tab(qtbot, runner, workspace)
    currencies = [
        tab.currency_combo.itemData(i) for i in range(tab.currency_combo.count())
    ]
    assert currencies[0] is None and {"THB", "JPY"} <= set(currencies[1:])

    qtbot.keyClicks(tab.min_amount_edit, "1,500")
    qtbot.keyClicks(tab.max_amount_edit, "1,500")
    qtbot.keyClick(tab.max_amount_edit, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    assert "Choose the currency of the amount range" in tab.message.text()

    tab.currency_combo.setCurrentIndex(tab.currency_combo.findData("JPY"))
    assert yen["id"] in shown_ids(tab)
    assert baht["id"] not in shown_ids(tab)
    assert {
        row.currency
        for row in map(tab.model.row_at, range(tab.model.rowCount()))
        if row
    } == {"JPY"}

    tab.currency_combo.setCurrentIndex(tab.currency_combo.findData("THB"))
    assert baht["id"] in shown_ids(tab)
    assert yen["id"] not in shown_ids(tab)

    tab.max_amount_edit.setText("1,500.5")
    tab.currency_combo.setCurrentIndex(tab.currency_combo.findData("JPY"))
    assert "Enter the amounts in JPY as numbers, like 1,500," in tab.message.text()

    tab.clear_filters()
    assert tab.currency_combo.currentData() is None
    assert {baht["id"], yen["id"]} <= set(shown_ids(tab))


def test_the_closed_filter_shows_won_and_lost(
    qtbot: QtBot,
    runner: TaskRunner,
    fresh_sandbox: Any,
    open_dispute: Callable[..., dict[str, Any]],
    workspace: Workspace,
) -> None:
    won = open_dispute("TH-0091")
    still_open = open_dispute("TH-0092")
    fresh_sandbox.resolve_dispute(won["id"], "won")
    cache_disputes(workspace)
    tab = new_tab(qtbot, runner, workspace)

    tab.status_combo.setCurrentIndex(tab.status_combo.findData("closed"))

    shown = shown_ids(tab)
    assert won["id"] in shown and still_open["id"] not in shown
    rows = [tab.model.row_at(i) for i in range(tab.model.rowCount())]
    assert {row.status for row in rows if row} <= {"won", "lost"}


def test_the_evidence_form_fits_beside_the_inbox_without_sideways_scrolling(
    qtbot: QtBot,
    runner: TaskRunner,
    open_dispute: Callable[..., dict[str, Any]],
    workspace: Workspace,
) -> None:
    case = open_dispute("TH-0080", reason_code=NOT_RECEIVED)
    cache_disputes(workspace)
    tab = new_tab(qtbot, runner, workspace)
    tab.resize(1366, 700)  # the tab on a 1366 x 768 screen
    tab.show()
    form = open_case(qtbot, tab, case["id"])

    scroll = form.findChild(QScrollArea)
    assert scroll is not None
    qtbot.waitUntil(lambda: scroll.widget().isVisible())
    assert form.answer_edits  # the questions of the reason are shown
    assert scroll.horizontalScrollBar().maximum() == 0
    assert scroll.widget().width() <= scroll.viewport().width()
