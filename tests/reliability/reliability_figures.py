"""The tally behind the README's Reliability figures, kept across tests.

Each test adds what it tried and what it found (bad inputs by kind, faults
by kind, secrets found...); ``conftest`` writes the totals to a JSON file
when ``OPN_DESK_RELIABILITY_FIGURES`` names one.
"""

from __future__ import annotations

from collections import Counter

TALLY: dict[str, Counter[str]] = {}


class Figures:
    """Counts under one heading: ``figures.add("bad inputs", "wrong type")``."""

    def add(self, heading: str, kind: str, count: int = 1) -> None:
        TALLY.setdefault(heading, Counter())[kind] += count

    def totals(self) -> dict[str, dict[str, int]]:
        return {
            heading: dict(sorted(counts.items()))
            for heading, counts in sorted(TALLY.items())
        }
