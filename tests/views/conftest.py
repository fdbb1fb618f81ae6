"""Fixtures shared by the view tests: a synced cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from opn_desk.models.db import open_engine
from opn_desk.services.api import OpnClient
from opn_desk.services.sync import ChargeSync


@pytest.fixture
def charges_engine(sandbox: Any, tmp_path: Path) -> Iterator[Engine]:
    """A SQLite cache in the test's folder holding the shared sandbox's
    charges."""
    engine = open_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    with OpnClient(sandbox.secret_key, base_url=sandbox.base_url) as client:
        ChargeSync(client, engine).run()
    yield engine
    engine.dispose()
