"""``opn-desk sandbox``: run the Opn API emulator until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from filelock import FileLock, Timeout

from opn_desk.sandbox.config import SandboxConfig
from opn_desk.sandbox.control import HELP as CONTROL_HELP
from opn_desk.sandbox.server import SANDBOX_PUBLIC_KEY, SandboxServer, is_loopback
from opn_desk.sandbox.state import SandboxState
from opn_desk.sandbox.versions import LATEST, VERSIONS

logger = logging.getLogger(__name__)

# How long a sandbox waits for another to let go of its data file.
DATA_FILE_WAIT_S = 10.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opn-desk sandbox",
        description=(
            "Serve a local emulator of the Opn Payments API (version "
            "2019-05-29, and the older versions an Omise-Version header asks "
            "for) over loopback HTTP, with a demo merchant's charges, "
            "customers, refunds and balance. The vault's POST /tokens is served "
            "on the same port. The first line on stdout is "
            "'listening on http://HOST:PORT'."
        ),
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address to listen on (default: %(default)s); "
        "other addresses are refused",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port to listen on; 0 picks a free port (default: %(default)s)",
    )
    parser.add_argument(
        "--charges",
        type=int,
        default=5000,
        metavar="N",
        help="number of demo charges to seed (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="random seed; the same seed gives the same charges (default: %(default)s)",
    )
    parser.add_argument(
        "--data-file",
        type=Path,
        metavar="PATH",
        help="JSON data file: loaded if it exists, otherwise created from "
        "the seed or the fixtures; saved within about a second of every "
        "change and on shutdown. One sandbox at a time uses a data file: "
        f"another waits up to {DATA_FILE_WAIT_S:.0f} s for it, then stops",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        metavar="PATH",
        help="recorded API response file or folder to serve charges from "
        "instead of seeding (repeatable)",
    )
    parser.add_argument(
        "--api-version",
        choices=VERSIONS,
        metavar="VERSION",
        help="the account's default API version: requests without an "
        "Omise-Version header are answered in it, and events are kept in it "
        "(one of %(choices)s; default: the data file's, else "
        f"{LATEST})",
    )
    parser.add_argument(
        "--stop-with-stdin",
        action="store_true",
        help="stop (saving the data file) when standard input closes: the "
        "app ties the sandbox to its own life this way, so a sandbox never "
        "outlives an app that was killed",
    )
    return parser


def _epilog() -> str:
    settings = ", ".join(field.name for field in dataclasses.fields(SandboxConfig))
    lines = textwrap.wrap(settings, width=74)
    keys = (
        "keys: the secret key is printed at start (test mode, sandbox only); "
        f"the public key {SANDBOX_PUBLIC_KEY} reaches POST /tokens, "
        "GET /tokens/ID, POST /sources and GET /capability only."
    )
    return "\n".join(
        [
            CONTROL_HELP,
            "settings (GET/PATCH /__sandbox/config):",
            *(f"  {line}" for line in lines),
            "",
            *textwrap.wrap(keys, width=78),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"--host must be a loopback address, not {args.host!r}")
    if args.charges < 0:
        parser.error("--charges must be 0 or more")
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
        )
    data_lock = _lock_data_file(parser, args.data_file)
    try:
        state = _initial_state(args)
        if args.api_version is not None:
            state.set_api_version(args.api_version)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    stop = threading.Event()
    previous = _on_stop_signals(stop)
    if args.stop_with_stdin:
        _stop_when_stdin_closes(stop)
    server = SandboxServer(
        state, host=args.host, port=args.port, data_file=args.data_file
    )
    try:
        with server:
            _announce(server, state)
            while not stop.wait(0.2):
                pass
            logger.info("stopping the sandbox")
    finally:
        _restore_signals(previous)
    if args.data_file is not None:
        logger.info("saved %s", args.data_file)
    if data_lock is not None:
        data_lock.release()
    return 0


def _lock_data_file(
    parser: argparse.ArgumentParser, data_file: Path | None
) -> FileLock | None:
    """Hold the data file for this sandbox alone while it runs.

    Two sandboxes saving one file would each overwrite the other's
    changes. A sandbox left by an app that was killed stops when its
    standard input closes and saves; the wait covers that.
    """
    if data_file is None:
        return None
    data_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(data_file.with_name(data_file.name + ".lock"))
    try:
        lock.acquire(timeout=DATA_FILE_WAIT_S)
    except Timeout:
        parser.error(
            f"another sandbox is using {data_file}; stop it, or give this "
            "one another --data-file"
        )
    return lock


def _stop_when_stdin_closes(stop: threading.Event) -> None:
    def wait_for_end() -> None:
        for _line in sys.stdin:
            pass
        logger.info("standard input closed")
        stop.set()

    threading.Thread(target=wait_for_end, name="stdin-watch", daemon=True).start()


def _initial_state(args: argparse.Namespace) -> SandboxState:
    started = time.perf_counter()
    data_file: Path | None = args.data_file
    if data_file is not None and data_file.exists():
        state = SandboxState.load(data_file)
        source = str(data_file)
    elif args.fixtures:
        state = SandboxState.from_fixture_files(args.fixtures)
        source = "fixtures"
    else:
        state = SandboxState.seeded(charges=args.charges, seed=args.seed)
        source = f"seed {args.seed}"
    logger.info(
        "%s charges from %s in %.1f s",
        state.charge_count,
        source,
        time.perf_counter() - started,
    )
    if data_file is not None and not data_file.exists():
        state.save(data_file)
    return state


def _announce(server: SandboxServer, state: SandboxState) -> None:
    """The first stdout line is read by the app that started us."""
    out = sys.stdout
    out.write(f"listening on {server.base_url}\n")
    out.write(f"secret key: {server.secret_key} (test mode, sandbox only)\n")
    out.write(f"public key: {SANDBOX_PUBLIC_KEY} (for POST /tokens)\n")
    out.write(f"charges: {state.charge_count}\n")
    out.write("stop with Ctrl+C\n")
    out.flush()


def _on_stop_signals(stop: threading.Event) -> dict[int, Any]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, handle)
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
