"""The sandbox's clock and the timers it fires as time passes.

The clock runs with the wall clock plus an offset, so it can be moved
forward (never back) for tests and demos. A ``TimerQueue`` holds what falls
due at a moment: an authorization that lapses, a source charge that
expires, later a schedule's next run. The state fires due timers in time
order, each with the clock pinned to its due moment.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opn_desk.sandbox.times import epoch_s, utc_now


class SandboxClock:
    """Wall-clock time plus an offset in whole seconds; moves only forward."""

    def __init__(
        self, base: Callable[[], datetime] = utc_now, offset_s: int = 0
    ) -> None:
        self._base = base
        self.offset_s = offset_s
        self._pinned: datetime | None = None

    def now(self) -> datetime:
        if self._pinned is not None:
            return self._pinned
        return (self._base() + timedelta(seconds=self.offset_s)).replace(microsecond=0)

    def unpinned_now(self) -> datetime:
        return (self._base() + timedelta(seconds=self.offset_s)).replace(microsecond=0)

    def pin(self, moment: datetime | None) -> None:
        """Hold ``now()`` at ``moment`` while timers run; None releases it."""
        self._pinned = moment

    def move_to(self, moment: datetime) -> None:
        """Set the offset so that now is ``moment``. Raises for the past."""
        current = self.unpinned_now()
        if moment < current:
            raise ValueError("the sandbox clock only moves forward")
        self.offset_s += int((moment - current).total_seconds())


@dataclass(frozen=True, order=True, slots=True)
class Timer:
    """``hook`` runs for ``object_id`` once the clock reaches ``due_s``."""

    due_s: int
    sequence: int
    hook: str
    object_id: str


class TimerQueue:
    """Timers ordered by due time, then by when they were added."""

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, due: datetime, hook: str, object_id: str) -> None:
        self._sequence += 1
        heapq.heappush(self._heap, Timer(epoch_s(due), self._sequence, hook, object_id))

    def pop_due(self, until: datetime) -> Timer | None:
        """The earliest timer due at or before ``until``, removed; else None."""
        if self._heap and self._heap[0].due_s <= epoch_s(until):
            return heapq.heappop(self._heap)
        return None

    def to_list(self) -> list[list[Any]]:
        return [[t.due_s, t.hook, t.object_id] for t in sorted(self._heap)]

    @classmethod
    def from_list(cls, rows: list[list[Any]]) -> TimerQueue:
        queue = cls()
        for due_s, hook, object_id in rows:
            queue._sequence += 1
            timer = Timer(int(due_s), queue._sequence, str(hook), str(object_id))
            queue._heap.append(timer)
        heapq.heapify(queue._heap)
        return queue
