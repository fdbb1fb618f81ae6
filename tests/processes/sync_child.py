"""A sync process of its own, for tests that kill it or run two at once.

Usage: python sync_child.py BASE_URL SECRET_KEY DATABASE_URL WINDOW_HOURS

Prints one line per progress report and ``done`` at the end. Exits 3 when
another process holds the sync lease.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from opn_desk.models.db import open_engine
from opn_desk.services.api import OpnClient
from opn_desk.services.sync import ChargeSync, LeaseHeld, SyncProgress

LEASE_HELD_EXIT = 3


def main() -> int:
    base_url, key, database_url, window_hours = sys.argv[1:5]
    engine = open_engine(database_url)
    with OpnClient(key, base_url=base_url) as client:
        # A commit per page of 100 charges, not per 5,000: the test kills
        # this process after a number of commits, at many points.
        sync = ChargeSync(
            client,
            engine,
            window=timedelta(hours=float(window_hours)),
            commit_objects=100,
        )
        try:
            sync.run(_report)
        except LeaseHeld:
            sys.stdout.write("lease held\n")
            return LEASE_HELD_EXIT
    sys.stdout.write("done\n")
    return 0


def _report(progress: SyncProgress) -> None:
    sys.stdout.write(f"{progress.fetched} {progress.total}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
