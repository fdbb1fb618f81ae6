"""Dispute documents: upload (multipart), list, retrieve, delete and download.

The evidence a merchant sends with an open dispute: PNG, JPEG or PDF, told
apart by the file's first bytes (not its name or declared type), at most
``document_max_bytes``. The list can only change while the dispute is open
(``documents_locked`` after). The dispute embeds its documents; each file's
bytes are kept as a private ``document_file`` object (base64), so they are
saved in the data file with everything else and survive a restart.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from opn_desk.sandbox import bodies
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.ids import new_base36
from opn_desk.sandbox.resources import disputes
from opn_desk.sandbox.resources.base import sub_list
from opn_desk.sandbox.router import Reply, Request, Router
from opn_desk.sandbox.times import iso
from opn_desk.sandbox.wire import encode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

FILE_KIND = "document_file"
# The first bytes of each accepted type, and the type it is served as.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)
_DOCUMENTS = r"/disputes/([^/]+)/documents"
# Form clients write '"', CR, LF (httpx: every control character) in a
# quoted filename as %XX; read those back so the name is the one sent.
_ESCAPED = re.compile(r"%(22|[01][0-9A-Fa-f])")
TOKEN_LENGTH = 16


def add_routes(router: Router) -> None:
    router.add("POST", _DOCUMENTS, upload_document)
    router.add("GET", _DOCUMENTS, list_documents)
    router.add("GET", rf"{_DOCUMENTS}/([^/]+)", get_document)
    router.add("DELETE", rf"{_DOCUMENTS}/([^/]+)", delete_document)
    router.add("GET", rf"{_DOCUMENTS}/([^/]+)/downloads/([^/]+)", download)


@dataclass(frozen=True, slots=True)
class Upload:
    """A checked evidence file: its name as sent, bytes and media type."""

    filename: str
    data: bytes
    content_type: str
    kind: str | None


def upload_document(state: SandboxState, request: Request) -> bytes:
    """``POST /disputes/{id}/documents``: the file in multipart field ``file``."""
    dispute = state.require("dispute", request.path_args[0])
    _check_open(dispute)
    upload = read_upload(request.parts(), state.config.document_max_bytes)
    document = _add_document(state, dispute, upload)
    return encode(document)


def read_upload(parts: list[bodies.Part], max_bytes: int) -> Upload:
    """The evidence file of a multipart body, checked. Raises ``ApiError``."""
    file_part = None
    kind = None
    for part in parts:
        if part.name == "file":
            file_part = part
        elif part.name == "kind":
            kind = part.text()
        else:
            raise ApiError.bad_request(
                f"{part.name} is not a parameter of this request"
            )
    if file_part is None or not file_part.filename:
        raise ApiError(400, "missing_file", "missing file or filename")
    data = file_part.data
    if len(data) > max_bytes:
        raise ApiError.bad_request(
            f"the file is {len(data)} bytes; a document can be at most "
            f"{max_bytes} bytes"
        )
    if not data:
        raise ApiError(400, "invalid_file_type", "invalid content-type: empty file")
    content_type = sniff(data)
    if content_type is None:
        raise ApiError(400, "invalid_file_type", "invalid content-type")
    return Upload(sent_filename(file_part.filename), data, content_type, kind)


def sniff(data: bytes) -> str | None:
    """``image/png``, ``image/jpeg`` or ``application/pdf`` from the first
    bytes of ``data``; None for anything else."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def sent_filename(parsed: str) -> str:
    """The filename the client meant, from the one the parser read."""
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), parsed)


def _add_document(
    state: SandboxState, dispute: dict[str, Any], upload: Upload
) -> dict[str, Any]:
    document_id = state.new_id("docu")
    location = f"{dispute['location']}/documents/{document_id}"
    token = new_base36(state.rng, TOKEN_LENGTH)
    created_at = iso(state.now())
    document = {
        "object": "document",
        "id": document_id,
        "livemode": False,
        "location": location,
        "created_at": created_at,
        "deleted": False,
        "filename": upload.filename,
        "download_uri": f"{location}/downloads/{token}",
        "kind": upload.kind,
    }
    stored_file = {
        "object": FILE_KIND,
        "id": document_id,
        "created_at": created_at,
        "dispute": dispute["id"],
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": len(upload.data),
        "token": token,
        "deleted": False,
        "data": base64.b64encode(upload.data).decode("ascii"),
    }
    listed = dispute["documents"]
    listed["data"].append(document)
    listed["total"] = len(listed["data"])
    listed["to"] = created_at
    with state.lock:
        state.put(FILE_KIND, stored_file)
        disputes.save_dispute(state, dispute, None)
    return document


def _check_open(dispute: dict[str, Any]) -> None:
    if dispute["status"] != disputes.OPEN:
        raise ApiError(400, "documents_locked", "documents list cannot be modified")


def list_documents(state: SandboxState, request: Request) -> bytes:
    (dispute_id,) = request.path_args
    dispute = state.require("dispute", dispute_id)
    items = dispute["documents"]["data"]
    return sub_list(state, request, items, f"/disputes/{dispute_id}/documents")


def get_document(state: SandboxState, request: Request) -> bytes:
    dispute_id, document_id = request.path_args
    dispute = state.require("dispute", dispute_id)
    return encode(_find(dispute, document_id))


def _find(dispute: dict[str, Any], document_id: str) -> dict[str, Any]:
    for document in dispute["documents"]["data"]:
        if document["id"] == document_id:
            return dict(document)
    raise ApiError.not_found("document", document_id)


def delete_document(state: SandboxState, request: Request) -> bytes:
    """``DELETE``: the document with ``deleted: true``, gone from the list.

    The file's bytes are dropped too; only a marker stays.
    """
    dispute_id, document_id = request.path_args
    dispute = state.require("dispute", dispute_id)
    document = _find(dispute, document_id)
    _check_open(dispute)
    listed = dispute["documents"]
    listed["data"] = [d for d in listed["data"] if d["id"] != document_id]
    listed["total"] = len(listed["data"])
    with state.lock:
        stored_file = state.require(FILE_KIND, document_id)
        stored_file.update(deleted=True, data="", size=0)
        state.put(FILE_KIND, stored_file)
        disputes.save_dispute(state, dispute, None)
    return encode({**document, "deleted": True})


def download(state: SandboxState, request: Request) -> Reply:
    """``GET`` of a ``download_uri``: the file as uploaded, with its type."""
    dispute_id, document_id, token = request.path_args
    stored_file = state.get(FILE_KIND, document_id)
    if (
        stored_file is None
        or stored_file["deleted"]
        or stored_file["dispute"] != dispute_id
        or stored_file["token"] != token
    ):
        raise ApiError.not_found("document", document_id)
    disposition = _attachment(stored_file["filename"])
    return Reply(
        base64.b64decode(stored_file["data"]),
        content_type=stored_file["content_type"],
        headers=(("Content-Disposition", disposition),),
    )


def _attachment(filename: str) -> str:
    """A Content-Disposition value in Latin-1 that keeps any filename."""
    plain = "".join(
        c if " " <= c < "\x7f" and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
