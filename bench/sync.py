"""Benchmark: a full charge backfill from the sandbox, next to the omise library.

Starts the sandbox as its own process with N charges (the data file is kept
under bench/.data so later runs skip the seeding), then for each added
latency per request:

* runs opn-desk's backfill into a new SQLite cache in a child process,
  printing charges per second and the child's peak memory;
* runs the official ``omise`` Python library, in a child process, paging
  sequentially through the same charges.

The machine is often shared, so wall-clock rates move with its load. Each
run also prints the CPU time its process used per 1,000 charges (user and
system, every thread), the sandbox's CPU time per 1,000 charges served
(Linux only), and the load average around the run.

Usage: .venv/bin/python bench/sync.py [--charges 100000] [--latency-ms 0 50]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / ".data"
SECRET_KEY = "skey_test_5sandbox7opndesk9ky"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charges", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 50])
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--skip-omise", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args.child)

    sandbox, base_url = start_sandbox(args.charges)
    try:
        for latency_ms in args.latency_ms:
            set_latency(base_url, latency_ms)
            ours = child_run("opn-desk", base_url, sandbox.pid, str(args.in_flight))
            report("opn-desk backfill", latency_ms, ours)
            if not args.skip_omise:
                theirs = child_run("omise", base_url, sandbox.pid)
                report("omise library, sequential", latency_ms, theirs)
                ratio = ours["per_s"] / theirs["per_s"]
                say(f"    opn-desk / omise at {latency_ms} ms: {ratio:.1f}x")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=60)
    return 0


def start_sandbox(charges: int) -> tuple[subprocess.Popen[str], str]:
    """The sandbox as its own process, its data kept under bench/.data
    (seeded on the first run only), and its base URL."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    data_file = DATA_DIR / f"sandbox-{charges}.json"
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "opn_desk",
        "sandbox",
        "--port",
        "0",
        "--charges",
        str(charges),
        "--data-file",
        str(data_file),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("listening on "):
        process.kill()
        raise SystemExit(f"the sandbox did not start: {line!r}")
    up_s = time.monotonic() - started
    say(f"sandbox with {charges:,} charges up in {up_s:.1f} s")
    return process, line.removeprefix("listening on ")


def set_latency(base_url: str, latency_ms: int) -> None:
    auth = (SECRET_KEY, "")
    httpx.delete(f"{base_url}/__sandbox/faults", auth=auth).raise_for_status()
    if latency_ms:
        rule = {"kind": "latency", "delay_ms": latency_ms}
        reply = httpx.post(f"{base_url}/__sandbox/faults", json=rule, auth=auth)
        reply.raise_for_status()


def child_run(
    kind: str, base_url: str, sandbox_pid: int, *extra: str
) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind, base_url, *extra]
    load_before = os.getloadavg()[0]
    sandbox_before = process_cpu_s(sandbox_pid)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{result.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    sandbox_s = process_cpu_s(sandbox_pid) - sandbox_before
    figures["sandbox_ms_per_1000"] = sandbox_s * 1000 / figures["count"] * 1000
    figures["load"] = max(load_before, os.getloadavg()[0])
    return figures


def process_cpu_s(pid: int) -> float:
    """User and system CPU seconds of another process so far (Linux), or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    # utime and stime, the 14th and 15th fields, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(argv: list[str]) -> int:
    kind, base_url, *rest = argv
    cpu_before = own_cpu_s()
    started = time.monotonic()
    if kind == "opn-desk":
        count = backfill_with_opn_desk(base_url, int(rest[0]))
    else:
        count = page_with_omise(base_url)
    seconds = time.monotonic() - started
    cpu_s = own_cpu_s() - cpu_before
    figures = {
        "count": count,
        "seconds": seconds,
        "per_s": count / seconds,
        "cpu_ms_per_1000": cpu_s * 1000 / count * 1000,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backfill_with_opn_desk(base_url: str, in_flight: int) -> int:
    from opn_desk.models.db import open_engine
    from opn_desk.services.api import OpnClient
    from opn_desk.services.sync import ChargeSync

    with tempfile.TemporaryDirectory() as folder:
        engine = open_engine(f"sqlite:///{folder}/cache.db")
        with OpnClient(SECRET_KEY, base_url=base_url) as client:
            result = ChargeSync(client, engine, in_flight=in_flight).run()
        engine.dispose()
    return result.fetched


def page_with_omise(base_url: str) -> int:
    import omise

    omise.api_secret = SECRET_KEY
    omise.api_main = base_url
    return sum(1 for _ in omise.Charge.list())


def report(label: str, latency_ms: int, figures: dict[str, float]) -> None:
    say(
        f"{label:<28} latency {latency_ms:>3} ms: {figures['count']:>8,.0f} charges "
        f"in {figures['seconds']:6.1f} s = {figures['per_s']:>7,.0f}/s, "
        f"peak {figures['peak_mb']:,.0f} MB"
    )
    say(
        f"{'':<28} CPU {figures['cpu_ms_per_1000']:,.0f} ms per 1,000 charges "
        f"(sandbox {figures['sandbox_ms_per_1000']:,.0f} ms), "
        f"load average up to {figures['load']:.1f} on {os.cpu_count()} cores"
    )


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
