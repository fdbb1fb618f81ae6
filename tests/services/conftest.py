"""Fixtures for the service tests: a migrated cache and a client of the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from opn_desk.models.db import open_engine
from opn_desk.services.api import OpnClient


@pytest.fixture
def engine(cache_url: str) -> Iterator[Engine]:
    """A migrated cache: a SQLite file, then a PostgreSQL database."""
    engine = open_engine(cache_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(sandbox: Any) -> Iterator[OpnClient]:
    """A client of the session's shared (read-only) sandbox."""
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        yield client
