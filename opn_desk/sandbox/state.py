"""The sandbox's data: account, charges and events, thread-safe, saved as JSON.

Charges and events are kept as encoded JSON (``bytes``) next to an index
sorted by creation time, so a list page is a bisect and a join, and an event
whose data is a charge's unchanged state shares that charge's bytes. One lock
guards everything.
"""

from __future__ import annotations

import json
import logging
import os
import random
import tempfile
import threading
from bisect import insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox.fixtures import load_charges
from opn_desk.sandbox.ids import new_base36, new_id
from opn_desk.sandbox.listing import ListQuery
from opn_desk.sandbox.seed import seed_history
from opn_desk.sandbox.times import epoch_of_iso, iso, parse_iso, utc_now
from opn_desk.sandbox.wire import encode

logger = logging.getLogger(__name__)

FILE_FORMAT = "opn-desk-sandbox"
FILE_VERSION = 1


@dataclass(frozen=True, slots=True)
class _Event:
    event_id: str
    key: str
    created_at: str
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


class SandboxState:
    """Everything the sandbox serves. Safe to use from several threads."""

    def __init__(
        self,
        account: dict[str, Any],
        *,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._account = encode(account)
        self._charges: dict[str, bytes] = {}
        self._charge_index: list[tuple[int, str]] = []
        self._events: dict[str, _Event] = {}
        self._event_index: list[tuple[int, int, str]] = []

    # -- building ------------------------------------------------------------

    @classmethod
    def seeded(
        cls, charges: int = 5000, seed: int = 1, now: datetime | None = None
    ) -> SandboxState:
        """A demo merchant with ``charges`` charges over the last 120 days.

        The same (charges, seed, now) always gives the same data.
        """
        moment = (now or utc_now()).replace(microsecond=0)
        rng = random.Random(f"sandbox-state-{seed}")
        state = cls(demo_account(rng, moment - timedelta(days=400)), rng=rng)
        history = seed_history(charges, seed, moment)
        with state._lock:
            encoded = {
                charge_id: state._put_encoded(charge_id, created_at, data)
                for charge_id, created_at, data in history.charges
            }
            events = sorted(history.events, key=lambda e: e.at)
            for event in events:
                data = event.data or encoded[event.charge_id]
                state._record(
                    event.key, iso(event.at), event.charge_id, data, event.event_id
                )
        return state

    @classmethod
    def from_fixture_files(cls, paths: Iterable[Path]) -> SandboxState:
        """The charges recorded in the files and folders ``paths``."""
        found = load_charges([Path(p) for p in paths])
        found.sort(key=lambda c: (epoch_of_iso(c["created_at"]), c["id"]))
        rng = random.Random()
        first = epoch_of_iso(found[0]["created_at"]) if found else None
        opened = datetime.fromtimestamp(first, UTC) if first else utc_now()
        state = cls(demo_account(rng, opened), rng=rng)
        with state._lock:
            for charge in found:
                data = state._put_charge(charge)
                state._record("charge.create", charge["created_at"], charge["id"], data)
        logger.info("loaded %s charges from fixtures", len(found))
        return state

    # -- reading -------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's current time (UTC)."""
        return self._clock()

    @property
    def charge_count(self) -> int:
        with self._lock:
            return len(self._charges)

    def account_json(self) -> bytes:
        return self._account

    def charge_json(self, charge_id: str) -> bytes | None:
        with self._lock:
            return self._charges.get(charge_id)

    def event_json(self, event_id: str) -> bytes | None:
        with self._lock:
            event = self._events.get(event_id)
        return event.encode() if event is not None else None

    def charge_page(self, query: ListQuery) -> tuple[int, list[bytes]]:
        """(total in the window, encoded charges of the page)."""
        with self._lock:
            total, entries = query.page(self._charge_index)
            return total, [self._charges[charge_id] for _, charge_id in entries]

    def event_page(self, query: ListQuery) -> tuple[int, list[bytes]]:
        """(total in the window, encoded events of the page)."""
        with self._lock:
            total, entries = query.page(self._event_index)
            events = [self._events[event_id] for _, _, event_id in entries]
        return total, [event.encode() for event in events]

    def charges_sorted(self) -> list[dict[str, Any]]:
        """Every charge as the API serves it, oldest first."""
        with self._lock:
            return [json.loads(self._charges[cid]) for _, cid in self._charge_index]

    def events_sorted(self) -> list[dict[str, Any]]:
        """Every event as the API serves it, oldest first."""
        with self._lock:
            events = [self._events[eid] for _, _, eid in self._event_index]
        return [json.loads(event.encode()) for event in events]

    # -- changing ------------------------------------------------------------

    def add_charge(self, charge: dict[str, Any]) -> dict[str, Any]:
        """Add ``charge`` (missing fields get defaults); records charge.create.

        Without an ``id`` a new one is drawn; without ``created_at`` it is
        created now. Returns the charge as stored.
        """
        with self._lock:
            now = self.now()
            charge_id = charge.get("id") or new_id("chrg", self._rng)
            if charge_id in self._charges:
                raise ValueError(f"charge {charge_id} already exists")
            created_at = charge.get("created_at") or iso(now)
            template = ch.new_charge(
                charge_id,
                parse_iso(created_at),
                int(charge.get("amount", 10000)),
                str(charge.get("currency", "THB")),
            )
            stored = {**template, **charge, "id": charge_id, "created_at": created_at}
            data = self._put_charge(stored)
            self._record("charge.create", iso(now), charge_id, data)
            return json.loads(data)  # type: ignore[no-any-return]

    def update_charge(self, charge_id: str, **fields: Any) -> dict[str, Any]:
        """Change top-level fields of a charge; records charge.update.

        Raises ``KeyError`` for an unknown id. Returns the charge as stored.
        """
        with self._lock:
            current = json.loads(self._charges[charge_id])
            current.update(fields)
            data = self._put_charge(current)
            self._record("charge.update", iso(self.now()), charge_id, data)
            return current  # type: ignore[no-any-return]

    def _put_charge(self, charge: dict[str, Any]) -> bytes:
        return self._put_encoded(charge["id"], charge["created_at"], encode(charge))

    def _put_encoded(self, charge_id: str, created_at: str, data: bytes) -> bytes:
        entry = (epoch_of_iso(created_at), charge_id)
        previous = self._charges.get(charge_id)
        if previous is not None:
            old_time = epoch_of_iso(json.loads(previous)["created_at"])
            if old_time != entry[0]:
                self._charge_index.remove((old_time, charge_id))
                insort(self._charge_index, entry)
        elif self._charge_index and entry < self._charge_index[-1]:
            insort(self._charge_index, entry)
        else:
            self._charge_index.append(entry)
        self._charges[charge_id] = data
        return data

    def _record(
        self,
        key: str,
        created_at: str,
        object_id: str,
        data: bytes,
        event_id: str | None = None,
    ) -> None:
        event_id = event_id or new_id("evnt", self._rng)
        event = _Event(event_id, key, created_at, object_id, data)
        self._events[event_id] = event
        entry = (epoch_of_iso(created_at), len(self._event_index), event_id)
        if self._event_index and entry < self._event_index[-1]:
            insort(self._event_index, entry)
        else:
            self._event_index.append(entry)

    # -- files ---------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write everything to ``path`` as JSON, atomically (temp + rename)."""
        path = Path(path)
        with self._lock:
            chunks = self._file_chunks()
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        try:
            with os.fdopen(handle, "wb") as file:
                file.writelines(chunks)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def _file_chunks(self) -> list[bytes]:
        header = {"format": FILE_FORMAT, "version": FILE_VERSION}
        chunks = [encode(header)[:-1], b',\n"account":', self._account]
        chunks.append(b',\n"charges":[\n')
        charges = [self._charges[cid] for _, cid in self._charge_index]
        chunks.append(b",\n".join(charges))
        chunks.append(b'\n],\n"events":[\n')
        events = [self._events[eid] for _, _, eid in self._event_index]
        chunks.append(b",\n".join(self._event_record(e) for e in events))
        chunks.append(b"\n]}\n")
        return chunks

    def _event_record(self, event: _Event) -> bytes:
        fields: dict[str, Any] = {
            "id": event.event_id,
            "key": event.key,
            "created_at": event.created_at,
            "object_id": event.object_id,
        }
        if self._charges.get(event.object_id) is event.data:
            fields["data_is_current"] = True
            return encode(fields)
        return encode(fields)[:-1] + b',"data":' + event.data + b"}"

    @classmethod
    def load(cls, path: Path) -> SandboxState:
        """A state saved by ``save``. Raises ``ValueError`` for other files."""
        document = json.loads(Path(path).read_bytes())
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ValueError(f"{path} is not an opn-desk sandbox data file")
        state = cls(document["account"])
        with state._lock:
            for charge in document["charges"]:
                state._put_charge(charge)
            for record in document["events"]:
                if record.get("data_is_current"):
                    data = state._charges[record["object_id"]]
                else:
                    data = encode(record["data"])
                state._record(
                    record["key"],
                    record["created_at"],
                    record["object_id"],
                    data,
                    record["id"],
                )
        return state


def demo_account(rng: random.Random, created_at: datetime) -> dict[str, Any]:
    """The account object of the sandbox's demo merchant (test mode, TH)."""
    return {
        "object": "account",
        "id": new_id("account", rng),
        "team": f"acct_{new_base36(rng, 19)}",
        "livemode": False,
        "location": "/account",
        "country": "TH",
        "currency": "THB",
        "email": "demo-shop@example.co.th",
        "created_at": iso(created_at),
        "supported_currencies": [
            "THB",
            "JPY",
            "USD",
            "EUR",
            "GBP",
            "SGD",
            "AUD",
            "CHF",
            "CNY",
            "DKK",
            "HKD",
            "MYR",
        ],  # fmt: skip
        "api_version": "2019-05-29",
        "auto_activate_recipients": False,
        "chain_enabled": False,
        "zero_interest_installments": False,
        "chain_return_uri": None,
        "webhook_uri": None,
        "metadata_export_keys": {
            "charge": ["branch", "campaign", "order_id"],
            "transfer": [],
            "refund": [],
            "dispute": [],
        },
        "chaining_allowed": False,
        "last_updated_api_version": iso(created_at)[:10],
        "transfer_config": {
            "min_transfer_amount": "30.00",
            "max_transfer_amount": "2000000.00",
            "same_bank_max_transfer_amount": "2000000.00",
            "is_payout_enabled": True,
            "fee": "30.00",
            "provider": "",
            "merchant_id": "OPNK",
            "transfer_service_availability": None,
            "max_active_realtime_transfer_schedules": None,
        },
    }
