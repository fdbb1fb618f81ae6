"""List endpoints: their query parameters, the window they select, the envelope.

Objects are kept pre-serialized, so a page is written by joining their JSON
bytes into the envelope instead of encoding them again.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.times import EPOCH, epoch_s, iso, parse_iso

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
ORDERS = ("chronological", "reverse_chronological")

# An index entry starts with the created time in epoch seconds; the rest of
# the tuple only breaks ties.
IndexEntry = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The window and page a list request asks for."""

    start: datetime
    end: datetime
    offset: int
    limit: int
    order: str

    @classmethod
    def parse(cls, params: dict[str, str], now: datetime) -> ListQuery:
        """Read ``from``, ``to``, ``offset``, ``limit``, ``order``.

        Raises ``ApiError`` (400 ``bad_request``) naming the bad parameter.
        """
        limit = _integer(params, "limit", DEFAULT_LIMIT, minimum=1)
        order = params.get("order", "chronological")
        if order not in ORDERS:
            raise ApiError.bad_request(
                "order must be chronological or reverse_chronological"
            )
        return cls(
            start=_datetime(params, "from", EPOCH),
            end=_datetime(params, "to", now),
            offset=_integer(params, "offset", 0, minimum=0),
            limit=min(limit, MAX_LIMIT),
            order=order,
        )

    def page(self, index: Sequence[IndexEntry]) -> tuple[int, list[IndexEntry]]:
        """(total in the window, the entries of this page) from a sorted index."""
        low = bisect_left(index, (epoch_s(self.start),))
        high = bisect_left(index, (epoch_s(self.end) + 1,))
        total = max(high - low, 0)
        if self.order == "chronological":
            first = low + self.offset
            return total, list(index[first : min(first + self.limit, high)])
        last = high - self.offset
        if last <= low:
            return total, []
        return total, list(index[max(last - self.limit, low) : last])[::-1]

    def envelope(self, location: str, total: int, items: list[bytes]) -> bytes:
        """The list object around the already-encoded ``items``."""
        tail = {
            "limit": self.limit,
            "offset": self.offset,
            "total": total,
            "location": location,
            "order": self.order,
            "from": iso(self.start),
            "to": iso(self.end),
        }
        return b"".join(
            (
                b'{"object":"list","data":[',
                b",".join(items),
                b"],",
                json.dumps(tail, separators=(",", ":")).encode()[1:],
            )
        )


def _integer(params: dict[str, str], name: str, default: int, *, minimum: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ApiError.bad_request(f"{name} must be an integer of at least {minimum}")
    return value


def _datetime(params: dict[str, str], name: str, default: datetime) -> datetime:
    text = params.get(name)
    if text is None:
        return default
    try:
        return parse_iso(text)
    except ValueError:
        raise ApiError.bad_request(
            f"{name} must be an ISO 8601 datetime such as 2025-03-20T10:07:40Z"
        ) from None
