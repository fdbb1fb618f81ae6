"""What the Search API reads of each object: its text, its filter fields, links.

A search scans every object of a kind. Decoding 100,000 stored charges on
every request would take seconds, so each object is read once into a small
``Row`` and kept until the object's stored bytes change (the store replaces
the bytes on every change, so an identity check finds changed objects).
The rows live next to the state, outside its saved data.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, count
from operator import is_not, itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState
    from opn_desk.sandbox.store import ObjectStore

# A link to another object whose text a query also searches: (kind, id).
Link = tuple[str, str]


class Row(NamedTuple):
    """One object as search sees it."""

    object_id: str
    created_s: int
    # Lower-cased searchable text, one field per line.
    text: str
    # The kind's filter fields, in the order of its ``Reader.fields``.
    values: tuple[Any, ...]
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class Reader:
    """How to read the objects of one kind."""

    fields: tuple[str, ...]
    # obj -> (searchable text pieces, field values, links)
    read: Callable[[dict[str, Any]], tuple[list[Any], tuple[Any, ...], list[Link]]]

    def position(self, field: str) -> int:
        return self.fields.index(field)


def _metadata_values(metadata: Any) -> Iterator[Any]:
    """Every scalar value inside ``metadata``, nested ones included."""
    if isinstance(metadata, dict):
        for value in metadata.values():
            yield from _metadata_values(value)
    elif isinstance(metadata, list):
        for value in metadata:
            yield from _metadata_values(value)
    elif metadata is not None:
        yield metadata


def _read_charge(
    charge: dict[str, Any],
) -> tuple[list[Any], tuple[Any, ...], list[Link]]:
    card = charge.get("card") or {}
    customer = charge.get("customer")
    text = [
        charge["id"],
        charge.get("description"),
        card.get("name"),
        card.get("last_digits"),
        customer,
        *_metadata_values(charge.get("metadata")),
    ]
    values = (
        (charge.get("amount", 0), charge.get("currency", "")),
        bool(charge.get("authorized")),
        bool(charge.get("paid")),
        bool(charge.get("refunded_amount")),
        bool(charge.get("reversed")),
        bool(charge.get("voided")),
        charge.get("dispute") is not None,
        charge.get("currency"),
        charge.get("status"),
        card.get("last_digits"),
        charge.get("failure_code"),
        customer is not None,
    )
    links = [("customer", customer)] if isinstance(customer, str) else []
    return text, values, links


CHARGE = Reader(
    fields=(
        "amount",
        "authorized",
        "paid",
        "refunded",
        "reversed",
        "voided",
        "disputed",
        "currency",
        "status",
        "card_last_digits",
        "failure_code",
        "customer_present",
    ),  # fmt: skip
    read=_read_charge,
)


def _read_refund(
    refund: dict[str, Any],
) -> tuple[list[Any], tuple[Any, ...], list[Link]]:
    charge_id = refund.get("charge")
    text = [refund["id"], charge_id, *_metadata_values(refund.get("metadata"))]
    values = (
        (refund.get("amount", 0), refund.get("currency", "")),
        bool(refund.get("voided")),
        refund.get("currency"),
    )
    links = [("charge", charge_id)] if isinstance(charge_id, str) else []
    return text, values, links


REFUND = Reader(fields=("amount", "voided", "currency"), read=_read_refund)


def _read_dispute(
    dispute: dict[str, Any],
) -> tuple[list[Any], tuple[Any, ...], list[Link]]:
    charge = dispute.get("charge")
    charge_id = charge.get("id") if isinstance(charge, dict) else charge
    text = [
        dispute["id"],
        charge_id,
        dispute.get("message"),
        dispute.get("reason_code"),
        *_metadata_values(dispute.get("metadata")),
    ]
    values = (
        (dispute.get("amount", 0), dispute.get("currency", "")),
        dispute.get("status"),
        dispute.get("currency"),
    )
    links = [("charge", charge_id)] if isinstance(charge_id, str) else []
    return text, values, links


DISPUTE = Reader(fields=("amount", "status", "currency"), read=_read_dispute)


def _read_customer(
    customer: dict[str, Any],
) -> tuple[list[Any], tuple[Any, ...], list[Link]]:
    cards = (customer.get("cards") or {}).get("data") or []
    text = [
        customer["id"],
        customer.get("email"),
        customer.get("description"),
        *_metadata_values(customer.get("metadata")),
    ]
    for card in cards:
        text.extend((card.get("name"), card.get("last_digits")))
    return text, (customer.get("email"),), []


CUSTOMER = Reader(fields=("email",), read=_read_customer)


def _read_schedule(
    schedule: dict[str, Any],
) -> tuple[list[Any], tuple[Any, ...], list[Link]]:
    charge = schedule.get("charge") or {}
    transfer = schedule.get("transfer") or {}
    customer = charge.get("customer")
    text = [
        schedule["id"],
        charge.get("description"),
        customer,
        charge.get("card"),
        transfer.get("recipient"),
        *_metadata_values(charge.get("metadata")),
    ]
    values = (
        schedule.get("status"),
        schedule.get("period"),
        bool(schedule.get("charge")),
        bool(schedule.get("transfer")),
    )
    links = [("customer", customer)] if isinstance(customer, str) else []
    return text, values, links


SCHEDULE = Reader(
    fields=("status", "period", "of_charge", "of_transfer"), read=_read_schedule
)


def _read_other(obj: dict[str, Any]) -> tuple[list[Any], tuple[Any, ...], list[Link]]:
    text = [obj["id"], obj.get("description"), obj.get("email"), obj.get("name")]
    text.extend(_metadata_values(obj.get("metadata")))
    values = (
        bool(obj.get("used")),
        bool(obj.get("active")),
        obj.get("currency"),
        (obj.get("amount", 0), obj.get("currency", "")),
    )
    return text, values, []


# Links, recipients and transfers: the sandbox makes none, but a search of
# their scopes answers like the real API's for an account that has none.
OTHER = Reader(fields=("used", "active", "currency", "amount"), read=_read_other)

READERS: dict[str, Reader] = {
    "charge": CHARGE,
    "refund": REFUND,
    "dispute": DISPUTE,
    "customer": CUSTOMER,
    "schedule": SCHEDULE,
    "link": OTHER,
    "recipient": OTHER,
    "transfer": OTHER,
}


def searchable_text(pieces: Iterable[Any]) -> str:
    """The pieces that are present, lower-cased, one per line."""
    return "\n".join(str(p) for p in pieces if p is not None and p != "").casefold()


@dataclass(slots=True)
class _Snapshot:
    """A kind's rows as last read, with the ids and bytes they were read from."""

    ids: list[str]
    data: list[bytes]
    rows: list[Row]


class RowCache:
    """The rows of one state's objects, read again only for changed objects.

    Use it under the state's lock (every endpoint runs under it). A repeat
    scan compares the stored bytes with the ones read last time by identity,
    in bulk, so an unchanged kind costs a few milliseconds per 100,000.
    """

    def __init__(self, store: ObjectStore) -> None:
        self._store = store
        # kind -> id -> (the stored bytes the row was read from, row)
        self._by_id: dict[str, dict[str, tuple[bytes, Row]]] = {}
        self._snapshots: dict[str, _Snapshot] = {}

    def rows(self, kind: str) -> list[Row]:
        """Every object of ``kind`` as a row, oldest first (do not change it)."""
        if self._store.count(kind) == 0:
            return []  # (asking the store for its table would make one)
        table = self._store.table(kind)
        ids = list(map(itemgetter(2), table.index))
        data = list(map(table.objects.__getitem__, ids))
        known = self._snapshots.get(kind)
        if known is not None and known.ids == ids:
            changed = compress(count(), map(is_not, data, known.data))
            for position in changed:
                known.rows[position] = self._row_of(kind, ids[position], data[position])
            known.data = data
            return known.rows
        rows = [self._row_of(kind, i, d) for i, d in zip(ids, data, strict=True)]
        self._snapshots[kind] = _Snapshot(ids, data, rows)
        return rows

    def row(self, kind: str, object_id: str) -> Row | None:
        """The row of one object, or None when it does not exist."""
        data = self._store.get(kind, object_id)
        return None if data is None else self._row_of(kind, object_id, data)

    def count(self, kind: str) -> int:
        return self._store.count(kind)

    def encoded(self, kind: str, object_id: str) -> bytes:
        return self._store.table(kind).objects[object_id]

    def _row_of(self, kind: str, object_id: str, data: bytes) -> Row:
        by_id = self._by_id.setdefault(kind, {})
        known = by_id.get(object_id)
        if known is None or known[0] is not data:
            created_s = self._store.table(kind).entries[object_id][0]
            known = by_id[object_id] = (
                data,
                _read(READERS[kind], object_id, created_s, data),
            )
        return known[1]


def _read(reader: Reader, object_id: str, created_s: int, data: bytes) -> Row:
    text, values, links = reader.read(orjson.loads(data))
    return Row(object_id, created_s, searchable_text(text), values, tuple(links))


_CACHES: weakref.WeakKeyDictionary[SandboxState, RowCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_of(state: SandboxState) -> RowCache:
    """The row cache of ``state`` (made on first use, gone with the state)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(state)
        if cache is None:
            cache = _CACHES[state] = RowCache(state.store)
        return cache
