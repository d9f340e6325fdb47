"""Entry point: `accessally-desktop` opens the window; `accessally-desktop check …` tests headless."""

from __future__ import annotations

import argparse
import sys

from . import APP_NAME, __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accessally-desktop",
                                     description=f"{APP_NAME}: connect your site's license, CRM and payments.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--sandbox", action="store_true",
                        help="try the app against built-in stand-ins for every service, with demo credentials; "
                             "nothing touches your real sites, settings or keyring")
    # For packaging/smoke_test.py: start normally, exit 0 once the windows are up and the keyring opened.
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    from . import cli

    check = commands.add_parser("check", help="test credentials without opening the window",
                                description="Test credentials live, all services at once.")
    cli.add_arguments(check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check":
        from . import cli

        try:
            return cli.run(args)
        except KeyboardInterrupt:
            print("accessally-desktop check: cancelled.", file=sys.stderr)
            return 130
    from .ui.main import run_gui

    return run_gui(args)
