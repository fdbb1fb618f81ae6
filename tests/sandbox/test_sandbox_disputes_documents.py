"""Dispute documents over loopback HTTP: one test per upload rule, downloads,
a dropped answer, a restart of the sandbox, and the official library.

What a clerk would check: which files are on the dispute, under which
names, and that the file downloaded is the file sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from opn_desk.sandbox import SANDBOX_PUBLIC_KEY, SANDBOX_SECRET_KEY, SandboxServer

REPO_ROOT = Path(__file__).resolve().parents[2]
START = "from opn_desk.sandbox.cli import main; raise SystemExit(main())"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(255, -1, -1)) * 4
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\r\n%%EOF\n"
TEN_MB = 10_000_000

Dispute = dict[str, Any]


@pytest.fixture
def open_dispute(
    api: httpx.Client, make_charge: Callable[..., dict[str, Any]]
) -> Callable[[], Dispute]:
    """Opens a dispute on a new paid charge."""

    def make() -> Dispute:
        charge = make_charge()
        response = api.post(f"/charges/{charge['id']}/disputes")
        assert response.status_code == 200, response.text
        dispute: Dispute = response.json()
        return dispute

    return make


def _upload(
    api: httpx.Client,
    dispute_id: str,
    filename: str,
    data: bytes,
    content_type: str = "application/octet-stream",
) -> httpx.Response:
    files = {"file": (filename, data, content_type)}
    return api.post(f"/disputes/{dispute_id}/documents", files=files)


def _filenames(api: httpx.Client, dispute_id: str) -> list[str]:
    listed = api.get(f"/disputes/{dispute_id}/documents").json()
    return [document["filename"] for document in listed["data"]]


def _refused(response: httpx.Response, code: str) -> str:
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["object"] == "error" and error["code"] == code
    message: str = error["message"]
    return message


# -- the good path -------------------------------------------------------------


def test_upload_list_retrieve_and_download_each_accepted_type(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    sent = [
        ("receipt.png", PNG, "image/png"),
        ("parcel photo.jpg", JPEG, "image/jpeg"),
        ("tracking.pdf", PDF, "application/pdf"),
    ]
    documents_path = f"/disputes/{dispute['id']}/documents"

    uploaded = [
        _upload(api, dispute["id"], name, data).json() for name, data, _ in sent
    ]
    listed = api.get(documents_path).json()
    embedded = api.get(f"/disputes/{dispute['id']}").json()["documents"]
    on_charge = api.get(f"/charges/{dispute['charge']}").json()["dispute"]

    assert [d["filename"] for d in uploaded] == [name for name, _, _ in sent]
    for document, (_, data, content_type) in zip(uploaded, sent, strict=True):
        assert document["id"].startswith("docu_test_")
        assert document["location"] == f"{documents_path}/{document['id']}"
        assert document["deleted"] is False
        assert api.get(document["location"]).json() == document
        download = api.get(document["download_uri"])
        assert download.status_code == 200
        assert download.headers["content-type"] == content_type
        assert download.content == data
    assert listed["data"] == uploaded and listed["total"] == 3
    assert listed["location"] == documents_path
    assert embedded["data"] == uploaded and embedded["total"] == 3
    assert on_charge["documents"]["total"] == 3


def test_documents_take_list_parameters(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    names = [f"page-{n}.pdf" for n in range(5)]
    for name in names:
        _upload(api, dispute["id"], name, PDF)

    page = api.get(
        f"/disputes/{dispute['id']}/documents",
        params={"limit": "2", "offset": "1", "order": "reverse_chronological"},
    ).json()

    assert page["total"] == 5 and page["limit"] == 2
    assert [d["filename"] for d in page["data"]] == ["page-3.pdf", "page-2.pdf"]


def test_the_filename_is_kept_exactly_as_sent(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    names = [
        "ใบเสร็จรับเงิน ครั้งที่ 2.pdf",
        'invoice "final" (1); copy.pdf',
        "op-7f3a9c_2025-03-20 10:07:40.pdf",
        "100% refund request.pdf",
        "tab\there.pdf",
    ]

    for name in names:
        assert _upload(api, dispute["id"], name, PDF).status_code == 200

    assert _filenames(api, dispute["id"]) == names
    document = api.get(f"/disputes/{dispute['id']}/documents").json()["data"][0]
    download = api.get(document["download_uri"])
    assert "filename*=UTF-8''%E0%B9%83" in download.headers["content-disposition"]


def test_deleting_a_document_takes_it_off_the_dispute(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    kept = _upload(api, dispute["id"], "kept.png", PNG).json()
    wrong = _upload(api, dispute["id"], "wrong file.pdf", PDF).json()

    deleted = api.delete(wrong["location"])

    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {**wrong, "deleted": True}
    assert _filenames(api, dispute["id"]) == ["kept.png"]
    embedded = api.get(f"/disputes/{dispute['id']}").json()["documents"]
    assert [d["id"] for d in embedded["data"]] == [kept["id"]]
    assert embedded["total"] == 1
    assert api.get(wrong["location"]).status_code == 404
    assert api.get(wrong["download_uri"]).status_code == 404
    assert api.delete(wrong["location"]).status_code == 404
    assert api.get(kept["download_uri"]).content == PNG


def test_a_download_needs_the_secret_key_and_the_right_link(
    live: SandboxServer, api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    document = _upload(api, dispute["id"], "proof.pdf", PDF).json()
    forged = document["download_uri"].rsplit("/", 1)[0] + "/0000000000000000"

    with httpx.Client(base_url=live.base_url, auth=(SANDBOX_PUBLIC_KEY, "")) as public:
        assert public.get(document["download_uri"]).status_code == 401
    assert api.get(forged).status_code == 404


# -- one test per upload rule --------------------------------------------------


def _assert_no_documents(api: httpx.Client, dispute: Dispute) -> None:
    assert _filenames(api, dispute["id"]) == []
    assert api.get(f"/disputes/{dispute['id']}").json() == dispute


def test_an_empty_file_is_refused(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()

    response = _upload(api, dispute["id"], "empty.pdf", b"", "application/pdf")

    assert "empty" in _refused(response, "invalid_file_type")
    _assert_no_documents(api, dispute)


def test_a_file_just_over_10_mb_is_refused(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    too_big = PDF + b"\0" * (TEN_MB + 1 - len(PDF))

    response = _upload(api, dispute["id"], "scan.pdf", too_big, "application/pdf")

    assert "at most 10000000 bytes" in _refused(response, "bad_request")
    _assert_no_documents(api, dispute)


def test_the_size_limit_is_inclusive_and_a_setting(
    live: SandboxServer, api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    live.update_config(document_max_bytes=2000)
    dispute = open_dispute()
    at_limit = PDF + b" " * (2000 - len(PDF))

    accepted = _upload(api, dispute["id"], "at-limit.pdf", at_limit)
    refused = _upload(api, dispute["id"], "over.pdf", at_limit + b" ")

    assert accepted.status_code == 200, accepted.text
    _refused(refused, "bad_request")
    assert _filenames(api, dispute["id"]) == ["at-limit.pdf"]


def test_an_executable_renamed_to_pdf_is_refused(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"This program cannot be run"

    response = _upload(api, dispute["id"], "invoice.pdf", program, "application/pdf")

    assert _refused(response, "invalid_file_type") == "invalid content-type"
    _assert_no_documents(api, dispute)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00"),
        ("photo.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"),
        ("photo.png", b"GIF87a disguised as a PNG by its name"),
    ],
)
def test_an_unsupported_image_type_is_refused(
    api: httpx.Client,
    open_dispute: Callable[[], Dispute],
    filename: str,
    data: bytes,
) -> None:
    dispute = open_dispute()

    response = _upload(api, dispute["id"], filename, data, "image/png")

    assert _refused(response, "invalid_file_type") == "invalid content-type"
    _assert_no_documents(api, dispute)


@pytest.mark.parametrize("status", ["pending", "won", "lost"])
def test_documents_are_locked_once_the_dispute_is_no_longer_open(
    live: SandboxServer,
    api: httpx.Client,
    open_dispute: Callable[[], Dispute],
    status: str,
) -> None:
    dispute = open_dispute()
    document = _upload(api, dispute["id"], "before.pdf", PDF).json()
    api.patch(f"/disputes/{dispute['id']}", json={"message": "See the evidence"})
    if status != "pending":
        live.resolve_dispute(dispute["id"], status)

    upload = _upload(api, dispute["id"], "after.pdf", PDF)
    delete = api.delete(document["location"])

    for response in (upload, delete):
        message = _refused(response, "documents_locked")
        assert message == "documents list cannot be modified"
    assert _filenames(api, dispute["id"]) == ["before.pdf"]
    assert api.get(document["download_uri"]).content == PDF


def test_a_malformed_upload_is_refused(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    path = f"/disputes/{dispute['id']}/documents"

    wrong_field = api.post(path, files={"document": ("a.pdf", PDF)})
    no_filename = api.post(path, files={"file": (None, PDF)})
    extra_field = api.post(path, files={"file": ("a.pdf", PDF)}, data={"note": "x"})
    not_multipart = api.post(path, json={"file": "a.pdf"})
    unknown = api.post(
        "/disputes/dspt_test_nope/documents", files={"file": ("a.pdf", PDF)}
    )

    assert "document is not a parameter" in _refused(wrong_field, "bad_request")
    assert "missing file" in _refused(no_filename, "missing_file")
    assert "note is not a parameter" in _refused(extra_field, "bad_request")
    assert "multipart" in _refused(not_multipart, "bad_request")
    assert unknown.status_code == 404
    _assert_no_documents(api, dispute)


def test_an_upload_without_the_file_part_is_missing_file(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()

    response = api.post(
        f"/disputes/{dispute['id']}/documents",
        files={"kind": (None, "details_of_purchase")},
    )

    assert _refused(response, "missing_file") == "missing file or filename"
    _assert_no_documents(api, dispute)


def test_kind_is_kept_when_given(
    api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()

    document = api.post(
        f"/disputes/{dispute['id']}/documents",
        files={"file": ("order.pdf", PDF), "kind": (None, "details_of_purchase")},
    ).json()
    plain = _upload(api, dispute["id"], "plain.pdf", PDF).json()

    assert document["kind"] == "details_of_purchase"
    assert plain["kind"] is None


# -- a lost answer ---------------------------------------------------------------


def test_an_upload_whose_answer_is_lost_leaves_exactly_one_document(
    live: SandboxServer, api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    live.add_fault("drop_after", method="POST", path="/documents$", count=1)

    with pytest.raises(httpx.TransportError):
        _upload(api, dispute["id"], "op-4711 delivery proof.pdf", PDF)

    # The app looks the file up by its name instead of sending it again.
    assert _filenames(api, dispute["id"]) == ["op-4711 delivery proof.pdf"]
    assert _upload(api, dispute["id"], "next.pdf", PDF).status_code == 200
    assert len(_filenames(api, dispute["id"])) == 2


def test_an_upload_dropped_before_it_runs_leaves_none(
    live: SandboxServer, api: httpx.Client, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = open_dispute()
    live.add_fault("drop_before", method="POST", path="/documents$", count=1)

    with pytest.raises(httpx.TransportError):
        _upload(api, dispute["id"], "proof.pdf", PDF)

    assert _filenames(api, dispute["id"]) == []


# -- shape, restart, the official library ------------------------------------


def test_documents_have_the_recorded_shape(
    api: httpx.Client, open_dispute: Callable[[], Dispute], fixtures_dir: Path
) -> None:
    recorded_dispute = json.loads(
        (
            fixtures_dir / "swift/api.omise.co/disputes/"
            "dspt_test_5fqcgl9si4xqs3fi4hp-get.json"
        ).read_text()
    )
    recorded = recorded_dispute["documents"]["data"][0]
    dispute = open_dispute()

    served = _upload(api, dispute["id"], "Omise_Fractureme.png", PNG).json()

    # `kind` is documented (REFERENCE.md 4.6) but absent from this recording.
    assert set(served) == set(recorded) | {"kind"}
    for key, value in recorded.items():
        if value is not None:
            assert type(served[key]) is type(value), key
    assert isinstance(served["download_uri"], str)
    with_documents = api.get(f"/disputes/{dispute['id']}").json()
    assert set(with_documents["documents"]) == set(recorded_dispute["documents"])


@contextmanager
def _cli(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", START, *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield process, line.removeprefix("listening on ").strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _paid_charge(api: httpx.Client) -> str:
    token = api.post(
        "/tokens",
        data={
            "card[number]": "4242424242424242",
            "card[name]": "PRANEE SUKSAWAT",
            "card[expiration_month]": "9",
            "card[expiration_year]": "2032",
        },
    ).json()["id"]
    body = {"amount": 64000, "currency": "THB", "card": token}
    charge_id: str = api.post("/charges", json=body).json()["id"]
    return charge_id


def test_documents_survive_a_restart_of_the_sandbox(tmp_path: Path) -> None:
    data_file = tmp_path / "demo.json"
    args = ("--charges", "20", "--seed", "4", "--data-file", str(data_file))
    scan = JPEG + os.urandom(300_000)
    with _cli(*args) as (process, url):
        with httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as api:
            dispute = api.post(f"/charges/{_paid_charge(api)}/disputes").json()
            kept = _upload(api, dispute["id"], "สลิปโอนเงิน.jpg", scan).json()
            dropped = _upload(api, dispute["id"], "draft.pdf", PDF).json()
            api.delete(dropped["location"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0

    with _cli(*args) as (process, url):
        with httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as api:
            listed = api.get(f"/disputes/{dispute['id']}/documents").json()
            download = api.get(kept["download_uri"])
            gone = api.get(dropped["download_uri"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0

    assert listed["data"] == [kept]
    assert download.content == scan
    assert download.headers["content-type"] == "image/jpeg"
    assert gone.status_code == 404


@pytest.fixture
def omise(live: SandboxServer) -> Iterator[ModuleType]:
    import omise as library

    saved = {
        name: getattr(library, name)
        for name in ("api_secret", "api_public", "api_main", "api_vault")
    }
    library.api_secret = live.secret_key
    library.api_public = SANDBOX_PUBLIC_KEY
    library.api_main = live.base_url
    library.api_vault = live.base_url
    try:
        yield library
    finally:
        for name, value in saved.items():
            setattr(library, name, value)


def test_the_official_library_answers_a_dispute(
    omise: Any, open_dispute: Callable[[], Dispute], tmp_path: Path
) -> None:
    evidence = tmp_path / "delivery note.pdf"
    evidence.write_bytes(PDF)
    dispute = omise.Dispute.retrieve(open_dispute()["id"])

    with evidence.open("rb") as file:
        document = dispute.upload_document({"file": file})
    fetched = omise.Document.retrieve(dispute.id, document.id)
    listed = [d.filename for d in dispute.list_documents()]
    dispute.update(message="Delivered on 3 March; signed note attached")
    pending = omise.Dispute.retrieve(dispute.id)
    dispute.accept()

    assert document.filename == "delivery note.pdf"
    assert fetched.id == document.id and listed == ["delivery note.pdf"]
    assert pending.status == "pending" and pending.documents.total == 1
    assert dispute.status == "lost" and dispute.closed_at is not None
    assert dispute.id in [d.id for d in omise.Dispute.list_closed_disputes()]


def test_the_official_library_deletes_a_document_and_hears_the_lock(
    omise: Any, open_dispute: Callable[[], Dispute]
) -> None:
    dispute = omise.Dispute.retrieve(open_dispute()["id"])
    first = dispute.upload_document({"file": ("one.png", PNG)})
    second = dispute.upload_document({"file": ("two.jpg", JPEG)})

    first.destroy()
    dispute.update(message="Answered")

    assert first.destroyed
    assert [d.id for d in dispute.list_documents()] == [second.id]
    with pytest.raises(omise.errors.BaseError, match="cannot be modified"):
        second.destroy()
    with pytest.raises(omise.errors.BaseError, match="invalid content-type"):
        open_one = omise.Dispute.retrieve(open_dispute()["id"])
        open_one.upload_document({"file": ("notes.txt", b"plain text")})
