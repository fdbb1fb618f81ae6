"""Where the sandbox keeps API objects: encoded JSON per kind, indexed by time.

Every kind (``charge``, ``refund``, ``customer``...) is a table of encoded
objects next to an index sorted by (created time, insertion number, id), so a
list page is a bisect and a join. Events live in an ``EventLog`` that also
knows which events touched each object. Neither class locks: the state's
lock guards them.
"""

from __future__ import annotations

import json
from bisect import insort
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from opn_desk.sandbox.listing import ListQuery
from opn_desk.sandbox.wire import encode

# (created_at in epoch seconds, insertion number, object id)
Entry = tuple[int, int, str]


@dataclass(slots=True)
class KindTable:
    """The objects of one kind and their time index."""

    objects: dict[str, bytes] = field(default_factory=dict)
    index: list[Entry] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)


class ObjectStore:
    """Encoded objects of every kind; ``put`` adds or replaces one."""

    def __init__(self) -> None:
        self._tables: dict[str, KindTable] = {}
        self._sequence = 0

    def kinds(self) -> list[str]:
        return list(self._tables)

    def table(self, kind: str) -> KindTable:
        table = self._tables.get(kind)
        if table is None:
            table = self._tables[kind] = KindTable()
        return table

    def get(self, kind: str, object_id: str) -> bytes | None:
        table = self._tables.get(kind)
        return table.objects.get(object_id) if table is not None else None

    def count(self, kind: str) -> int:
        table = self._tables.get(kind)
        return len(table.objects) if table is not None else 0

    def put(self, kind: str, object_id: str, created_s: int, data: bytes) -> None:
        """Store ``data``; a new object joins the index at ``created_s``."""
        table = self.table(kind)
        known = table.entries.get(object_id)
        if known is None or known[0] != created_s:
            if known is not None:
                table.index.remove(known)
            self._sequence += 1
            entry = (created_s, self._sequence, object_id)
            table.entries[object_id] = entry
            if table.index and entry < table.index[-1]:
                insort(table.index, entry)
            else:
                table.index.append(entry)
        table.objects[object_id] = data

    def remove(self, kind: str, object_id: str) -> None:
        """Forget an object (a deleted customer); unknown ids are ignored."""
        table = self._tables.get(kind)
        entry = table.entries.pop(object_id, None) if table is not None else None
        if table is None or entry is None:
            return
        table.index.remove(entry)
        del table.objects[object_id]

    def page(self, kind: str, query: ListQuery) -> tuple[int, list[bytes]]:
        """(total in the window, encoded objects of the page)."""
        table = self.table(kind)
        total, entries = query.page(table.index)
        return total, [table.objects[entry[2]] for entry in entries]

    def in_order(self, kind: str) -> Iterator[tuple[str, bytes]]:
        """(id, encoded object) of ``kind``, oldest first."""
        table = self.table(kind)
        for entry in table.index:
            yield entry[2], table.objects[entry[2]]


class Event(NamedTuple):
    """An event; ``data`` is the object as it was when the event happened."""

    event_id: str
    key: str
    created_at: str
    object_kind: str
    object_id: str
    data: bytes

    def encode(self) -> bytes:
        head = {
            "object": "event",
            "id": self.event_id,
            "livemode": False,
            "location": f"/events/{self.event_id}",
            "webhook_deliveries": [],
        }
        tail = {"key": self.key, "created_at": self.created_at}
        return b"".join(
            (encode(head)[:-1], b',"data":', self.data, b",", encode(tail)[1:])
        )


class EventLog:
    """Every event, indexed by time and by the object it is about."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.index: list[Entry] = []
        self.by_object: dict[str, list[str]] = {}

    def add(self, event: Event, created_s: int) -> None:
        self.events[event.event_id] = event
        entry = (created_s, len(self.index), event.event_id)
        if self.index and entry < self.index[-1]:
            insort(self.index, entry)
        else:
            self.index.append(entry)
        self.by_object.setdefault(event.object_id, []).append(event.event_id)

    def page(self, query: ListQuery) -> tuple[int, list[bytes]]:
        total, entries = query.page(self.index)
        return total, [self.events[entry[2]].encode() for entry in entries]

    def of_object(self, object_id: str) -> list[Event]:
        """The events about ``object_id``, oldest first."""
        events = [self.events[i] for i in self.by_object.get(object_id, [])]
        return sorted(events, key=lambda event: event.created_at)

    def in_order(self) -> Iterator[Event]:
        for entry in self.index:
            yield self.events[entry[2]]


def decode(data: bytes) -> dict[str, Any]:
    """An encoded object back as a dict."""
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("a stored object is not a JSON object")
    return value
