"""The sandbox's data file: one JSON document, one object per line.

Version 2 writes each stored object as ``[kind, id, created_s, object]`` and
each event as ``[id, key, created_at, created_s, kind, object_id, data]`` on
a line of its own (``data`` null = the object as stored). The file stays
valid JSON, yet loading reads the id and time off each line's head and
keeps the object's bytes as they are, without decoding them. Version 1 files
(charges and events only) are still read, more slowly.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox.clock import TimerQueue
from opn_desk.sandbox.config import SandboxConfig
from opn_desk.sandbox.resources import payments
from opn_desk.sandbox.store import Event
from opn_desk.sandbox.times import epoch_of_iso, iso
from opn_desk.sandbox.wire import encode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

FILE_FORMAT = "opn-desk-sandbox"
FILE_VERSION = 2

_OBJECTS_START = b'"objects":['
_EVENTS_START = b'"events":['
_VERSION = re.compile(rb'"version"\s*:\s*(\d+)')
_OBJECT_LINE = re.compile(rb'\["([^"\\]+)","([^"\\]+)",(-?\d+),(.*)\]\Z', re.S)


def save(state: SandboxState, path: Path) -> None:
    """Write ``state`` to ``path`` atomically (temp file, fsync, rename).

    Only references are taken under the state's lock; the file is written
    after it is released, so requests go on meanwhile.
    """
    with state.lock:
        snapshot = _snapshot(state)
        revision = state.revision
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(handle, "wb") as file:
            file.writelines(_pieces(*snapshot))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    state.saved_revision = revision


_Snapshot = tuple[bytes, list[tuple[str, int, str, bytes]], list[tuple[Event, bool]]]


def _snapshot(state: SandboxState) -> _Snapshot:
    meta = {
        "account": json.loads(state.account_json()),
        "config": state.config.to_dict(),
        "clock_offset_s": state.clock.offset_s,
        "timers": state.timers.to_list(),
        "module_data": state.module_data,
        "saved_at": iso(state.now()),
    }
    objects = []
    for kind in state.store.kinds():
        table = state.store.table(kind)
        for created_s, _, object_id in table.index:
            objects.append((kind, created_s, object_id, table.objects[object_id]))
    events = [
        (event, state.store.get(event.object_kind, event.object_id) is event.data)
        for event in state.events.in_order()
    ]
    return encode(meta), objects, events


def _pieces(
    meta: bytes,
    objects: list[tuple[str, int, str, bytes]],
    events: list[tuple[Event, bool]],
) -> Iterator[bytes]:
    """The file's bytes, one line at a time."""
    yield encode({"format": FILE_FORMAT, "version": FILE_VERSION})[:-1]
    yield b',\n"meta":' + meta + b",\n" + _OBJECTS_START
    separator = b"\n"
    for kind, created_s, object_id, data in objects:
        yield separator + f'["{kind}","{object_id}",{created_s},'.encode()
        yield data + b"]"
        separator = b",\n"
    yield b"\n],\n" + _EVENTS_START
    separator = b"\n"
    for event, is_current in events:
        yield separator + _event_head(event)
        yield (b"null" if is_current else event.data) + b"]"
        separator = b",\n"
    yield b"\n]}\n"


def _event_head(event: Event) -> bytes:
    head = [
        event.event_id,
        event.key,
        event.created_at,
        epoch_of_iso(event.created_at),
        event.object_kind,
        event.object_id,
    ]
    return encode(head)[:-1] + b","


def load(cls: type[SandboxState], path: Path) -> SandboxState:
    """The state saved in ``path``. Raises ``ValueError`` for other files."""
    raw = path.read_bytes()
    head = raw[:200]
    version = _VERSION.search(head)
    if FILE_FORMAT.encode() not in head or version is None:
        raise ValueError(f"{path} is not an opn-desk sandbox data file")
    if version.group(1) == b"1":
        return _load_version_1(cls, path, raw)
    if version.group(1) != b"2":
        raise ValueError(
            f"{path} was written by a newer opn-desk (data file version "
            f"{version.group(1).decode()}); upgrade opn-desk or start the "
            "sandbox with another --data-file"
        )
    return _load_version_2(cls, path, raw)


def _load_version_2(cls: type[SandboxState], path: Path, raw: bytes) -> SandboxState:
    lines = raw.split(b"\n")
    try:
        meta = json.loads(lines[1].removeprefix(b'"meta":').rstrip(b","))
        state = _empty_state(cls, meta)
        objects_at = lines.index(_OBJECTS_START)
        events_at = lines.index(_EVENTS_START, objects_at)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is damaged: {exc}") from None
    number = objects_at
    try:
        with state.lock:
            for number in range(objects_at + 1, events_at - 1):
                _load_object(state, lines[number].rstrip(b","))
            for number in range(events_at + 1, len(lines)):
                if lines[number].startswith(b"]"):
                    break
                _load_event(state, lines[number].rstrip(b","))
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is damaged at line {number + 1}: {exc}") from None
    state.saved_revision = state.revision
    return state


def _empty_state(cls: type[SandboxState], meta: dict[str, Any]) -> SandboxState:
    state = cls(meta["account"], config=SandboxConfig.from_dict(meta["config"]))
    state.clock.offset_s = int(meta["clock_offset_s"])
    state.timers = TimerQueue.from_list(meta["timers"])
    state.module_data.update(meta["module_data"])
    return state


def _load_object(state: SandboxState, line: bytes) -> None:
    match = _OBJECT_LINE.match(line)
    if match is None:
        kind, object_id, created_s, obj = json.loads(line)
        state.store.put(kind, object_id, int(created_s), encode(obj))
        return
    kind, object_id, created_s, data = match.groups()
    state.store.put(kind.decode(), object_id.decode(), int(created_s), data)


def _load_event(state: SandboxState, line: bytes) -> None:
    # The head fields hold no commas or quotes (ids, keys, times, numbers).
    parts = line[1:-1].split(b",", 6)
    if len(parts) != 7 or not parts[0].startswith(b'"'):
        parts = _event_parts(line)
    event_id, key, created_at, _, kind, object_id = (
        part.strip(b'"').decode() for part in parts[:6]
    )
    data = parts[6]
    if data == b"null":
        current = state.store.get(kind, object_id)
        if current is None:
            raise ValueError(f"event {event_id} is about a missing {kind}")
        data = current
    event = Event(event_id, key, created_at, kind, object_id, data)
    state.events.add(event, int(parts[3]))


def _event_parts(line: bytes) -> list[bytes]:
    """The fields of an event line written by hand (slow path)."""
    row = json.loads(line)
    head = [json.dumps(value).encode() for value in row[:6]]
    return [*head, b"null" if row[6] is None else encode(row[6])]


def _load_version_1(cls: type[SandboxState], path: Path, raw: bytes) -> SandboxState:
    """A first-part file: charges and events only, every value decoded."""
    document = json.loads(raw)
    if not isinstance(document, dict) or "charges" not in document:
        raise ValueError(f"{path} is not an opn-desk sandbox data file")
    state = cls(document["account"])
    now = state.now()
    with state.lock:
        for charge in document["charges"]:
            state.put("charge", charge)
            state._put_embedded_refunds(charge)
            for due, hook, object_id in payments.timers_for(charge, state.config, now):
                state.timers.add(due, hook, object_id)
        for record in document["events"]:
            if record.get("data_is_current"):
                kind = "charge"
                data = state.store.get(kind, record["object_id"])
            else:
                kind = str(record["data"].get("object", "charge"))
                data = encode(record["data"])
            assert data is not None, record["object_id"]
            object_id = record["object_id"]
            if kind != "charge":
                object_id = str(record["data"].get("id", object_id))
            event = Event(
                record["id"], record["key"], record["created_at"], kind,
                object_id, data,
            )  # fmt: skip
            state.events.add(event, epoch_of_iso(record["created_at"]))
    return state
