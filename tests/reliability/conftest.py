"""Fixtures of the reliability tests, and where their figures are written.

Run the folder with ``OPN_DESK_RELIABILITY_FIGURES=<file.json>`` to have
the tally of every test (``reliability_figures``) written there when the
session ends; the README's Reliability section quotes it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reliability_figures import Figures

FIGURES_ENV = "OPN_DESK_RELIABILITY_FIGURES"


@pytest.fixture
def figures() -> Figures:
    return Figures()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(FIGURES_ENV)
    totals = Figures().totals()
    if target and totals:
        text = json.dumps(totals, indent=2, sort_keys=True)
        Path(target).write_text(text + "\n", encoding="utf-8")
