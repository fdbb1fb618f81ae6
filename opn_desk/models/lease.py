"""The sync lease: one workstation at a time syncs a shared database.

On PostgreSQL the lease is a session-level advisory lock held on a
connection of its own for as long as the sync runs; if the process dies,
the server drops the connection and the lease with it. A SQLite cache
belongs to one workstation, so its lease is always granted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

logger = logging.getLogger(__name__)

# Any fixed 64-bit number will do, as long as every copy of opn-desk uses
# the same one: it names the lock, not a row.
SYNC_LEASE_KEY = 0x6F706E5F73796E63


class LeaseHeld(RuntimeError):
    """Another workstation holds the sync lease of this database."""


@contextmanager
def sync_lease(engine: Engine) -> Iterator[None]:
    """Hold the sync lease for the duration of the block.

    Raises:
        LeaseHeld: when another process holds it; nothing is waited for.
    """
    if engine.dialect.name != "postgresql":
        yield
        return

    with engine.connect() as connection:
        granted = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": SYNC_LEASE_KEY}
        ).scalar_one()
        connection.commit()
        if not granted:
            raise LeaseHeld()
        logger.info("Holding the sync lease")
        try:
            yield
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": SYNC_LEASE_KEY}
            )
            connection.commit()
            logger.info("Released the sync lease")
