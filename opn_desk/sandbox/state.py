"""The sandbox's data: every API object, the events, the clock and settings.

Objects of every kind are kept encoded in an ``ObjectStore``; events in an
``EventLog`` whose entries share an object's bytes while it is unchanged.
One re-entrant lock guards everything: an endpoint that changes objects
holds it for the whole change, so each request is applied atomically.
Timers registered by resource modules fire as the clock passes their time.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from opn_desk.sandbox import charges as ch
from opn_desk.sandbox import datafile, resources, schedule_seed, versions
from opn_desk.sandbox.clock import SandboxClock, TimerQueue
from opn_desk.sandbox.config import SandboxConfig
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.fixtures import load_charges
from opn_desk.sandbox.ids import new_id
from opn_desk.sandbox.listing import ListQuery
from opn_desk.sandbox.resources.account import demo_account
from opn_desk.sandbox.seed import seed_history
from opn_desk.sandbox.store import Event, EventLog, ObjectStore, decode
from opn_desk.sandbox.times import epoch_of_iso, epoch_s, iso, parse_iso, utc_now
from opn_desk.sandbox.wire import encode

logger = logging.getLogger(__name__)

# hook(state, object_id, due moment): what a timer does when it falls due.
TimerHook = Callable[["SandboxState", str, datetime], None]


class SandboxState:
    """Everything the sandbox serves. Safe to use from several threads."""

    def __init__(
        self,
        account: dict[str, Any],
        *,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        config: SandboxConfig | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.rng = rng if rng is not None else random.Random()
        self.config = config if config is not None else SandboxConfig()
        self.store = ObjectStore()
        self.events = EventLog()
        self.clock = SandboxClock(clock)
        self.timers = TimerQueue()
        self.timer_hooks: dict[str, TimerHook] = resources.timer_hooks()
        # JSON-able data a resource module keeps between requests (saved).
        self.module_data: dict[str, Any] = {}
        # Bumped by every change; ``saved_revision`` is the one last saved
        # (-1: never), so the autosaver knows when the file is behind.
        self.revision = 0
        self.saved_revision = -1
        self._account = encode(account)
        self._api_version = str(account.get("api_version") or versions.LATEST)

    # -- building ------------------------------------------------------------

    @classmethod
    def seeded(
        cls, charges: int = 5000, seed: int = 1, now: datetime | None = None
    ) -> SandboxState:
        """A demo merchant with ``charges`` charges over the last 120 days.

        The same (charges, seed, now) always gives the same data. Without
        ``now`` (so the clock agrees with the seed), a few of the charges
        come from demo charge schedules, which go on running.
        """
        moment = (now or utc_now()).replace(microsecond=0)
        rng = random.Random(f"sandbox-state-{seed}")
        state = cls(demo_account(rng, moment - timedelta(days=400)), rng=rng)
        scheduled = schedule_seed.demo_charges(charges) if now is None else 0
        history = seed_history(charges - scheduled, seed, moment, state.config)
        with state.lock:
            for kind, rows in history.objects.items():
                for object_id, created_s, data in sorted(rows, key=_by_time):
                    state.store.put(kind, object_id, created_s, data)
            for event in sorted(history.events, key=lambda e: e.at):
                current = state.store.get(event.kind, event.object_id)
                event_data = event.data or current
                assert event_data is not None, event.object_id
                state._add_event(
                    event.event_id, event.key, event.at, event.kind,
                    event.object_id, event_data,
                )  # fmt: skip
            for due, hook, object_id in history.timers:
                state.timers.add(due, hook, object_id)
            state.module_data.update(history.module_data)
            if scheduled:
                schedule_seed.add_demo_schedules(state, moment)
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
        with state.lock:
            for charge in found:
                data = state.put("charge", charge)
                created_at = parse_iso(charge["created_at"])
                state._add_event(
                    state.new_id("evnt"), "charge.create", created_at, "charge",
                    charge["id"], data,
                )  # fmt: skip
                state._put_embedded_refunds(charge)
        logger.info("loaded %s charges from fixtures", len(found))
        return state

    def _put_embedded_refunds(self, charge: dict[str, Any]) -> None:
        refunds = charge.get("refunds")
        items = refunds.get("data") if isinstance(refunds, dict) else None
        for refund in items or []:
            if (
                isinstance(refund, dict)
                and refund.get("id")
                and refund.get("created_at")
            ):
                self.put("refund", refund)

    # -- time ----------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's current time (UTC, whole seconds)."""
        return self.clock.now()

    def advance_clock(self, seconds: int) -> datetime:
        """Move the clock ``seconds`` forward, firing due timers on the way."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self.lock:
            target = self.clock.unpinned_now() + timedelta(seconds=seconds)
            return self.set_clock(target)

    def set_clock(self, moment: datetime) -> datetime:
        """Move the clock to ``moment`` (not the past), firing due timers."""
        with self.lock:
            if moment < self.clock.unpinned_now():
                raise ValueError("the sandbox clock only moves forward")
            self._fire_until(moment)
            self.clock.move_to(moment)
            self.revision += 1
            return self.now()

    def catch_up(self) -> None:
        """Fire every timer the clock has passed ("process all due by now")."""
        with self.lock:
            self._fire_until(self.clock.unpinned_now())

    def schedule(self, due: datetime, hook: str, object_id: str) -> None:
        """Run the timer hook ``hook`` for ``object_id`` once ``due`` passes."""
        with self.lock:
            self.timers.add(due, hook, object_id)
            self.revision += 1

    def _fire_until(self, until: datetime) -> None:
        while (timer := self.timers.pop_due(until)) is not None:
            self.revision += 1
            hook = self.timer_hooks.get(timer.hook)
            if hook is None:
                logger.warning("no timer hook %s; dropping its timer", timer.hook)
                continue
            due = datetime.fromtimestamp(timer.due_s, UTC)
            with self.pinned_clock(due):
                try:
                    hook(self, timer.object_id, due)
                except Exception:
                    logger.exception("timer %s failed", timer.hook)

    @contextmanager
    def pinned_clock(self, moment: datetime) -> Iterator[None]:
        """Hold ``now()`` at ``moment`` (a timer's due time) inside the block."""
        self.clock.pin(moment)
        try:
            yield
        finally:
            self.clock.pin(None)

    # -- objects -------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh test-mode id such as ``chrg_test_...``."""
        return new_id(prefix, self.rng)

    def get_json(self, kind: str, object_id: str) -> bytes | None:
        with self.lock:
            return self.store.get(kind, object_id)

    def get(self, kind: str, object_id: str) -> dict[str, Any] | None:
        data = self.get_json(kind, object_id)
        return decode(data) if data is not None else None

    def require(self, kind: str, object_id: str) -> dict[str, Any]:
        """The object, or ``ApiError`` 404 "<kind> <id> was not found"."""
        found = self.get(kind, object_id)
        if found is None:
            raise ApiError.not_found(kind, object_id)
        return found

    def put(self, kind: str, obj: dict[str, Any]) -> bytes:
        """Store ``obj`` (it needs ``id`` and ``created_at``); its bytes."""
        data = encode(obj)
        with self.lock:
            created_s = epoch_of_iso(obj["created_at"])
            self.store.put(kind, obj["id"], created_s, data)
            self.revision += 1
        return data

    def remove(self, kind: str, object_id: str) -> None:
        """Forget an object: it is 404 and left out of lists from now on."""
        with self.lock:
            self.store.remove(kind, object_id)
            self.revision += 1

    def record(
        self, key: str, kind: str, object_id: str, data: bytes | None = None
    ) -> str:
        """Record event ``key`` about an object, now; ``data`` defaults to
        the object as stored. Returns the event id.

        The event keeps ``data`` serialized at the account's API version
        of this moment, never again (REFERENCE.md section 1.4).
        """
        with self.lock:
            if data is None:
                data = self.store.get(kind, object_id)
                if data is None:
                    raise KeyError(f"{kind} {object_id}")
            data = versions.render(data, self._api_version)
            event_id = self.new_id("evnt")
            self._add_event(event_id, key, self.now(), kind, object_id, data)
            self.revision += 1
            return event_id

    def emit(self, key: str, kind: str, obj: dict[str, Any]) -> bytes:
        """Store ``obj`` and record event ``key`` about it; its bytes."""
        with self.lock:
            data = self.put(kind, obj)
            self.record(key, kind, obj["id"], data)
            return data

    def count(self, kind: str) -> int:
        with self.lock:
            return self.store.count(kind)

    def page(self, kind: str, query: ListQuery) -> tuple[int, list[bytes]]:
        """(total in the window, encoded objects of the page) of ``kind``."""
        with self.lock:
            return self.store.page(kind, query)

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Every object of ``kind``, oldest first, decoded."""
        with self.lock:
            encoded = [data for _, data in self.store.in_order(kind)]
        return [decode(data) for data in encoded]

    def _add_event(
        self,
        event_id: str,
        key: str,
        at: datetime,
        kind: str,
        object_id: str,
        data: bytes,
    ) -> None:
        event = Event(event_id, key, iso(at), kind, object_id, data)
        self.events.add(event, epoch_s(at))

    # -- reading (the first part's interface) ----------------------------------

    @property
    def charge_count(self) -> int:
        return self.count("charge")

    def account_json(self) -> bytes:
        return self._account

    def account(self) -> dict[str, Any]:
        return decode(self._account)

    @property
    def api_version(self) -> str:
        """The account's default API version (its ``api_version``)."""
        return self._api_version

    def set_api_version(self, version: str) -> None:
        """Change the account's default API version, as the dashboard does.

        Answers to requests without ``Omise-Version`` and the events made
        from now on use it. Raises ``ValueError`` for an unknown version.
        """
        if not versions.is_known(version):
            known = ", ".join(versions.VERSIONS)
            raise ValueError(f"{version} is not an API version; use one of {known}")
        with self.lock:
            account = self.account()
            account["api_version"] = version
            account["last_updated_api_version"] = self.now().date().isoformat()
            self._account = encode(account)
            self._api_version = version
            self.revision += 1

    def charge_json(self, charge_id: str) -> bytes | None:
        return self.get_json("charge", charge_id)

    def event_json(self, event_id: str) -> bytes | None:
        with self.lock:
            event = self.events.events.get(event_id)
        return event.encode() if event is not None else None

    def charge_page(self, query: ListQuery) -> tuple[int, list[bytes]]:
        return self.page("charge", query)

    def event_page(self, query: ListQuery) -> tuple[int, list[bytes]]:
        with self.lock:
            return self.events.page(query)

    def charges_sorted(self) -> list[dict[str, Any]]:
        """Every charge as the API serves it, oldest first."""
        return self.objects("charge")

    def events_sorted(self) -> list[dict[str, Any]]:
        """Every event as the API serves it, oldest first."""
        with self.lock:
            events = list(self.events.in_order())
        return [decode(event.encode()) for event in events]

    # -- changing (the first part's interface) ---------------------------------

    def add_charge(self, charge: dict[str, Any]) -> dict[str, Any]:
        """Add ``charge`` (missing fields get defaults); records charge.create.

        Without an ``id`` a new one is drawn; without ``created_at`` it is
        created now. Returns the charge as stored. No money moves: use
        ``POST /charges`` for a charge with its transaction.
        """
        with self.lock:
            charge_id = charge.get("id") or self.new_id("chrg")
            if self.store.get("charge", charge_id) is not None:
                raise ValueError(f"charge {charge_id} already exists")
            created_at = charge.get("created_at") or iso(self.now())
            template = ch.new_charge(
                charge_id,
                parse_iso(created_at),
                int(charge.get("amount", 10000)),
                str(charge.get("currency", "THB")),
            )
            stored = {**template, **charge, "id": charge_id, "created_at": created_at}
            return decode(self.emit("charge.create", "charge", stored))

    def update_charge(self, charge_id: str, **fields: Any) -> dict[str, Any]:
        """Change top-level fields of a charge; records charge.update.

        Raises ``KeyError`` for an unknown id. Returns the charge as stored.
        """
        with self.lock:
            data = self.store.get("charge", charge_id)
            if data is None:
                raise KeyError(charge_id)
            current = decode(data)
            current.update(fields)
            self.emit("charge.update", "charge", current)
            return current

    # -- files ---------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write everything to ``path`` atomically (temp file + rename)."""
        datafile.save(self, Path(path))

    @classmethod
    def load(cls, path: Path) -> SandboxState:
        """A state saved by ``save``. Raises ``ValueError`` for other files."""
        return datafile.load(cls, Path(path))


def _by_time(row: tuple[str, int, bytes]) -> int:
    return row[1]
