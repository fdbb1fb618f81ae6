"""What the app loads to start: heavy modules wait until they are needed.

openpyxl (exports), Qt's chart module (the Reports tab) and Alembic
(migrating an old cache) each add a tenth of a second or more to a start;
bench/ui.py measures the start itself.
"""

from __future__ import annotations

import subprocess
import sys

DEFERRED = ("openpyxl", "PySide6.QtCharts", "alembic")


def test_the_main_window_loads_without_the_heavy_modules() -> None:
    program = (
        "import sys\n"
        "import opn_desk.views.app, opn_desk.views.main_window\n"
        f"print([name for name in {DEFERRED!r} if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
