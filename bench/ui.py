"""Benchmark: how the desktop app feels, first paint and GUI-thread stalls.

Three figures, each from a fresh child process running offscreen
(``QT_QPA_PLATFORM=offscreen``) in a home folder of its own:

* first paint: the time from the child's start (taken by the parent just
  before it starts the process) to the first paint of the Transactions
  table showing charges, with the million-charge cache of
  ``bench/query.py`` (built there first if missing) opened through the
  app's own start-up path (``MainWindow.open_profile``);
* sync stall: the longest gap of a 10 ms QTimer heartbeat on the GUI
  thread while the main window syncs 100,000 charges from the sandbox
  (run as its own process, its data file kept under bench/.data) into a
  new cache;
* export stall: the same heartbeat while a report over about 100,000
  charges of the million-charge cache is exported to .xlsx by the app's
  exporter on the TaskRunner's database worker, with its progress shown
  on the GUI thread as the Reports tab does.

A watchdog thread notes where the GUI thread was whenever the heartbeat
is late by more than 100 ms, so a stall comes with its cause.

An idle window's heartbeat over 20 s is measured too (``--only idle``):
on a shared machine it shows how late beats are with no app work at all.

Usage: .venv/bin/python bench/ui.py [--only idle paint sync export]
"""

from __future__ import annotations

import argparse
import faulthandler
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / ".data"
CACHE_CHARGES = 1_000_000
SYNC_CHARGES = 100_000
EXPORT_ROWS = 100_000
HEARTBEAT_MS = 10
STALL_MS = 100
IDLE_S = 20
SWITCH_ENV = "OPN_DESK_BENCH_SWITCH_MS"
DUMP_ENV = "OPN_DESK_BENCH_DUMP_STACKS"
SECRET_KEY = "skey_test_5sandbox7opndesk9ky"
# The newest day of bench/query.py's cache.
LAST_CACHED_DAY = date(2026, 11, 30)
ZONE_NAME = "Asia/Bangkok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", default=["paint", "sync", "export"],
        choices=["idle", "paint", "sync", "export"],
    )  # fmt: skip
    parser.add_argument("--paint-runs", type=int, default=3)
    parser.add_argument(
        "--switch-ms", type=float, default=None,
        help="the children's GIL switch interval, instead of the app's "
        "1 ms (Python's default is 5 ms)",
    )  # fmt: skip
    parser.add_argument(
        "--dump-stacks", action="store_true",
        help="in a stall, also write every thread's stack from faulthandler's "
        "thread (it reads them without the GIL and has crashed a child)",
    )  # fmt: skip
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args.child)
    if args.switch_ms is not None:
        os.environ[SWITCH_ENV] = str(args.switch_ms)
    if args.dump_stacks:
        os.environ[DUMP_ENV] = "1"

    cache = DATA_DIR / f"query-{CACHE_CHARGES}.db"
    if {"paint", "export"} & set(args.only):
        ensure_cache(cache)
    if "paint" in args.only:
        runs = [child_run("paint", str(cache)) for _ in range(args.paint_runs)]
        for figures in runs:
            say(
                f"first paint of Transactions ({CACHE_CHARGES:,} cached): "
                f"{figures['first_paint_s']:.2f} s, {figures['cpu_s']:.2f} s of "
                f"CPU (imports done at {figures['imported_s']:.2f} s, window "
                f"shown at {figures['shown_s']:.2f} s)"
            )
        best = min(r["first_paint_s"] for r in runs)
        say(f"first paint, best of {len(runs)}: {best:.2f} s")
    if "idle" in args.only:
        figures = child_run("idle")
        report_stall("idle window, baseline", figures)
    if "sync" in args.only:
        figures = sync_stall()
        report_stall(f"sync of {figures['charges']:,.0f} charges", figures)
    if "export" in args.only:
        figures = child_run("export", str(cache))
        report_stall(f"export of {figures['rows']:,.0f} rows", figures)
    return 0


# The parent ------------------------------------------------------------------


def load_bench(name: str) -> ModuleType:
    """Another benchmark of this folder, as a module (its helpers reused)."""
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", ROOT / "bench" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_cache(path: Path) -> None:
    """The million-charge cache of bench/query.py, built by it when missing."""
    if not path.exists():
        load_bench("query").build_cache(path, CACHE_CHARGES).dispose()


def sync_stall() -> dict[str, Any]:
    sync_bench = load_bench("sync")
    sandbox, base_url = sync_bench.start_sandbox(SYNC_CHARGES)
    try:
        sync_bench.set_latency(base_url, 0)
        return child_run("sync", base_url)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=60)


def child_run(kind: str, *args: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OPN_DESK_HOME": home}
        started = time.monotonic()
        command = [sys.executable, __file__, "--child", kind, str(started), *args]
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, env=env
        )
    if result.returncode != 0:
        raise SystemExit(
            f"{kind} run failed (exit {result.returncode}):\n{result.stderr[-4000:]}"
        )
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def report_stall(label: str, figures: dict[str, Any]) -> None:
    say(
        f"{label} in {figures['seconds']:.1f} s: longest GUI stall "
        f"{figures['max_gap_ms']:.0f} ms, {figures['late_beats']} beats late "
        f"by over {STALL_MS} ms; beat gaps p50 {figures['p50_gap_ms']:.0f} ms, "
        f"p99 {figures['p99_gap_ms']:.0f} ms; the process used "
        f"{figures['cpu_per_wall']:.2f} CPU; load average "
        f"{figures['load'][0]:.1f} -> {figures['load'][1]:.1f}"
    )
    for where in figures["stalls"][:2]:
        say(f"  stalled {where['gap_ms']:.0f} ms in:\n{where['stack']}")
    say("  where the other threads were during stalls (count):")
    for frame, count in figures["held_by"]:
        say(f"    {count:>4}  {frame}")


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# The children ----------------------------------------------------------------


def run_child(argv: list[str]) -> int:
    kind, started, *rest = argv
    imported_at = _import_app()
    runs: dict[str, Callable[..., dict[str, Any]]] = {
        "idle": child_idle,
        "paint": child_first_paint,
        "sync": child_sync,
        "export": child_export,
    }
    figures = runs[kind](float(started), imported_at, *rest)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


def _import_app() -> float:
    sys.path.insert(0, str(ROOT))
    import opn_desk.views.app  # noqa: F401

    return time.monotonic()


def _profile(name: str, base_url: str, database_url: str) -> Any:
    from opn_desk.services.profiles import Profile

    return Profile(
        name=name, mode="test", base_url=base_url, database_url=database_url,
        timezone=ZONE_NAME,
    )  # fmt: skip


def _dead_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def child_first_paint(started: float, imported_at: float, cache: str) -> dict[str, Any]:
    """Open the cache as the app does and wait for the table's first paint."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    from opn_desk.views.app import create_application
    from opn_desk.views.main_window import MainWindow
    from opn_desk.views.tasks import TaskRunner

    app = create_application(sys.argv[:1])
    runner = TaskRunner(app)
    # No network: the window's first sync fails at once and shows offline.
    profile = _profile("Bench", _dead_url(), f"sqlite:///{cache}")
    window = MainWindow(runner, profile)
    painted: list[float] = []
    cpu_at_paint: list[float] = []

    def note_paint() -> None:
        if not painted:
            painted.append(time.monotonic())
            cpu_at_paint.append(time.process_time())

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            model = window.transactions_model
            ready = model.rowCount() > 0 and model.item_at(0) is not None
            if event.type() == QEvent.Type.Paint and ready and not painted:
                QTimer.singleShot(0, note_paint)
            return False

    window.show()
    shown_at = time.monotonic()
    watch = PaintWatch()
    window.transactions_tab.table.viewport().installEventFilter(watch)
    window.open_profile(SECRET_KEY)
    _spin_until(app, lambda: bool(painted), timeout_s=120)
    rows = window.transactions_model.rowCount()
    window.close()
    runner.shutdown(wait=True)
    return {
        "first_paint_s": painted[0] - started,
        "cpu_s": cpu_at_paint[0],
        "imported_s": imported_at - started,
        "shown_s": shown_at - started,
        "rows": rows,
    }


def child_idle(started: float, imported_at: float) -> dict[str, Any]:
    """The heartbeat alone for a while: what the machine itself adds."""
    from PySide6.QtWidgets import QLabel

    from opn_desk.views.app import create_application

    app = create_application(sys.argv[:1])
    label = QLabel("idle")
    label.show()
    heartbeat = Heartbeat(app)
    began = time.monotonic()
    _spin_until(app, lambda: time.monotonic() - began > IDLE_S, timeout_s=60)
    heartbeat.stop()
    return {"seconds": time.monotonic() - began, **heartbeat.figures()}


def child_sync(started: float, imported_at: float, base_url: str) -> dict[str, Any]:
    """Sync the sandbox into a new cache through the main window."""
    from opn_desk.services import paths
    from opn_desk.views.app import create_application
    from opn_desk.views.main_window import MainWindow
    from opn_desk.views.tasks import TaskRunner

    app = create_application(sys.argv[:1])
    runner = TaskRunner(app)
    cache = paths.data_dir() / "sync.db"
    cache.parent.mkdir(parents=True, exist_ok=True)
    window = MainWindow(runner, _profile("Bench", base_url, f"sqlite:///{cache}"))
    window.show()
    outcome: list[object] = []
    window.sync.finished.connect(outcome.append)
    window.sync.failed.connect(outcome.append)
    heartbeat = Heartbeat(app)
    began = time.monotonic()
    window.open_profile(SECRET_KEY)
    _spin_until(app, lambda: bool(outcome), timeout_s=1800)
    seconds = time.monotonic() - began
    heartbeat.stop()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    window.close()
    runner.shutdown(wait=True)
    return {
        "charges": _count_charges(f"sqlite:///{cache}"),
        "seconds": seconds,
        **heartbeat.figures(),
    }


def _count_charges(url: str) -> int:
    from sqlalchemy import func, select

    from opn_desk.models.charges import ChargeRecord
    from opn_desk.models.db import open_engine, session_scope

    engine = open_engine(url)
    with session_scope(engine) as session:
        count = session.scalar(select(func.count()).select_from(ChargeRecord))
    engine.dispose()
    return int(count or 0)


def child_export(started: float, imported_at: float, cache: str) -> dict[str, Any]:
    """Export a report over about 100,000 charges from the DB worker."""
    from zoneinfo import ZoneInfo

    from PySide6.QtWidgets import QLabel

    from opn_desk.models.charge_filter import local_day_bounds
    from opn_desk.models.db import open_engine, session_scope
    from opn_desk.models.report_queries import count_report_charges
    from opn_desk.services.export import ExportFormat
    from opn_desk.services.reports import (
        Period,
        ReportDefinition,
        export_report,
        run_report,
    )
    from opn_desk.views.app import create_application
    from opn_desk.views.tasks import TaskRunner

    app = create_application(sys.argv[:1])
    runner = TaskRunner(app)
    zone = ZoneInfo(ZONE_NAME)
    engine = open_engine(f"sqlite:///{cache}")
    first = LAST_CACHED_DAY - timedelta(days=109)
    definition = ReportDefinition(
        period=Period.CUSTOM, first_day=first, last_day=LAST_CACHED_DAY,
        group_by=("payment_method",), detail_keys=("branch", "order_id"),
    )  # fmt: skip
    start, end = local_day_bounds(first, LAST_CACHED_DAY, zone)
    with session_scope(engine) as session:
        rows = count_report_charges(session, start, end)
        result = run_report(session, definition, zone, LAST_CACHED_DAY)

    label = QLabel()
    label.show()
    done: list[object] = []
    folder = tempfile.mkdtemp()
    path = Path(folder) / "report.xlsx"

    def progress(written: int, total: int | None) -> None:
        runner.post(lambda: label.setText(f"{written:,} of {total or 0:,}"))

    def work() -> list[Path]:
        return export_report(
            engine, result, path, ExportFormat.XLSX, zone, LAST_CACHED_DAY, progress
        )

    heartbeat = Heartbeat(app)
    began = time.monotonic()
    runner.run_db(work, done.append, done.append)
    _spin_until(app, lambda: bool(done), timeout_s=1800)
    seconds = time.monotonic() - began
    heartbeat.stop()
    if isinstance(done[0], BaseException):
        raise done[0]
    size_mb = path.stat().st_size / 1e6
    runner.shutdown(wait=True)
    engine.dispose()
    return {"rows": rows, "seconds": seconds, "size_mb": size_mb, **heartbeat.figures()}


def _spin_until(app: Any, done: Callable[[], bool], timeout_s: float) -> None:
    """Run the event loop, as ``app.exec()`` would, until ``done()``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    failed: list[str] = []

    def poll() -> None:
        if time.monotonic() > deadline:
            failed.append("timeout")
        if done() or failed:
            loop.quit()

    poller = QTimer()
    poller.timeout.connect(poll)
    poller.start(5)
    loop.exec()
    poller.stop()
    if failed:
        raise TimeoutError("the benchmark step did not finish in time")


@dataclass
class Heartbeat:
    """A 10 ms timer on the GUI thread, recording how late each beat is.

    A watchdog thread takes the GUI thread's stack while a beat is late by
    more than ``STALL_MS``, so the longest stalls come with where they were.
    """

    app: Any
    last: float = field(default_factory=time.perf_counter)
    gaps_ms: list[float] = field(default_factory=list)
    max_gap_s: float = 0.0
    late_beats: int = 0
    stalls: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        if SWITCH_ENV in os.environ:  # instead of the app's own interval
            sys.setswitchinterval(float(os.environ[SWITCH_ENV]) / 1000)
        self._gui_thread = threading.get_ident()
        self._began = (time.perf_counter(), time.process_time(), os.getloadavg()[0])
        self._running = True
        self._stack_seen: str | None = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._beat)
        self.timer.start()
        self._watchdog = threading.Thread(target=self._watch, daemon=True)
        self._watchdog.start()
        # With --dump-stacks, faulthandler's own thread, which needs no
        # GIL, writes every thread's stack when a beat is late by more than
        # STALL_MS, so a stall in which no Python thread can run still
        # shows who held the GIL. It reads running threads' frames without
        # the GIL, which crashed an export child (SIGSEGV in its dump), so
        # a plain run leaves it off.
        self._dumps = tempfile.TemporaryFile("w+")
        self._dumping = DUMP_ENV in os.environ
        self._arm_dump()

    def stop(self) -> None:
        self._running = False
        self.timer.stop()
        if self._dumping:
            faulthandler.cancel_dump_traceback_later()
        self._watchdog.join()

    def figures(self) -> dict[str, Any]:
        stalls = sorted(self.stalls, key=lambda s: -s["gap_ms"])
        gaps = sorted(self.gaps_ms) or [0.0]
        wall_s = time.perf_counter() - self._began[0]
        cpu_s = time.process_time() - self._began[1]
        return {
            "p50_gap_ms": gaps[len(gaps) // 2],
            "p99_gap_ms": gaps[int(len(gaps) * 0.99)],
            "cpu_per_wall": cpu_s / wall_s,
            "load": [self._began[2], os.getloadavg()[0]],
            "max_gap_ms": self.max_gap_s * 1000,
            "late_beats": self.late_beats,
            "stalls": stalls[:5],
            "held_by": self._gil_holders(),
        }

    def _gil_holders(self) -> list[tuple[str, int]]:
        """The innermost frames of the other threads in the stall dumps,
        most frequent first."""
        self._dumps.seek(0)
        counts: dict[str, int] = {}
        for dump in self._dumps.read().split("Thread 0x")[1:]:
            lines = [line.strip() for line in dump.splitlines()[1:] if line.strip()]
            if lines and "ui.py" not in dump:
                counts[lines[0]] = counts.get(lines[0], 0) + 1
        return sorted(counts.items(), key=lambda item: -item[1])[:8]

    def _beat(self) -> None:
        now = time.perf_counter()
        gap = now - self.last
        self.last = now
        self.max_gap_s = max(self.max_gap_s, gap)
        self.gaps_ms.append(gap * 1000)
        if gap * 1000 > STALL_MS + HEARTBEAT_MS:
            self.late_beats += 1
            self.stalls.append(
                {"gap_ms": gap * 1000, "stack": self._stack_seen or "(not caught)"}
            )
        self._stack_seen = None
        self._arm_dump()

    def _arm_dump(self) -> None:
        if self._dumping:
            faulthandler.dump_traceback_later(STALL_MS / 1000, file=self._dumps)

    def _watch(self) -> None:
        while self._running:
            time.sleep(0.02)
            late_ms = (time.perf_counter() - self.last) * 1000
            if late_ms > STALL_MS and self._stack_seen is None:
                frame = sys._current_frames().get(self._gui_thread)
                if frame is not None:
                    lines = traceback.format_stack(frame)[-6:]
                    self._stack_seen = "".join(lines)


if __name__ == "__main__":
    sys.exit(main())
