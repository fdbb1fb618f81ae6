"""The ``opn-desk`` command: the desktop app, the sandbox, headless sync."""

from __future__ import annotations

import argparse
import logging
import sys

from opn_desk import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opn-desk",
        description=(
            "A back office for merchants on Opn Payments. Without a command, "
            "opens the desktop app (on the built-in sandbox until an account "
            "is connected)."
        ),
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--profile", help="open this profile instead of the last one")
    parser.add_argument("--debug", action="store_true", help="log in detail")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=(
            "start offscreen on a fresh sandbox, sync, draw every tab and "
            "exit 0 when all of it worked"
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "sandbox",
        help="run the local Opn API sandbox on its own",
        add_help=False,
    )
    sync = commands.add_parser("sync", help="sync a profile's cache without a window")
    sync.add_argument("--profile", dest="sync_profile", help="profile to sync")
    from opn_desk.report_cli import add_report_parser

    add_report_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["sandbox"]:
        from opn_desk.sandbox.cli import main as sandbox_main

        return sandbox_main(args_list[1:])

    args = build_parser().parse_args(args_list)
    if args.self_test:
        from opn_desk.views.self_test import prepare_self_test_environment

        home = prepare_self_test_environment()
    from opn_desk.services.logs import configure_logging

    configure_logging(logging.DEBUG if args.debug else logging.INFO)
    if args.self_test:
        from opn_desk.views.self_test import run_self_test

        return run_self_test(home)
    if args.command == "sync":
        from opn_desk.cli import run_sync

        return run_sync(args.sync_profile or args.profile)
    if args.command == "report":
        from opn_desk.report_cli import run_report_command

        return run_report_command(args, args.profile)

    from opn_desk.views.app import run_gui

    return run_gui(args.profile)


if __name__ == "__main__":
    sys.exit(main())
