"""Entry point: `accessally-desktop` opens the window; `accessally-desktop check …` tests headless."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from . import APP_NAME, __version__, cli


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
    check = commands.add_parser("check", help="test credentials without opening the window",
                                description="Test credentials live, all services at once.")
    cli.add_arguments(check)
    return parser


# What the parser gives for no arguments (tests/test_startup.py holds the two equal). A start without
# arguments, as from the desktop or the start menu, skips building the parser: ~2 % of the start-up.
NO_ARGUMENTS = argparse.Namespace(sandbox=False, exit_when_ready=False, command=None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv) if argv else NO_ARGUMENTS
    if args.command == "check":
        try:
            return cli.run_in_sandbox(args) if args.sandbox else cli.run(args)
        except KeyboardInterrupt:
            print("accessally-desktop check: cancelled.", file=sys.stderr)
            return 130
    return load_gui().run_gui(args)


def load_gui() -> ModuleType:
    """The window's module, loaded only for a window: `check` runs without Qt."""
    from .ui import run as ui

    return ui
