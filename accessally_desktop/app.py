"""Entry point: `accessally-desktop` opens the window; `accessally-desktop check …` tests headless;
`accessally-desktop accessally-desktop://…` (as the browser starts it) hands a link from the owner's site
to the copy already open."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from . import APP_NAME, __version__, cli


def build_parser() -> argparse.ArgumentParser:
    from .integrations.wordpress_authorize import SCHEME  # with arguments only: see NO_ARGUMENTS

    parser = argparse.ArgumentParser(prog="accessally-desktop",
                                     description=f"{APP_NAME}: connect your site's license, CRM and payments.",
                                     epilog=f"A {SCHEME}://… link as the only argument (as your browser passes "
                                            "it) goes to the copy of the app already open.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--sandbox", action="store_true",
                        help="try the app against built-in stand-ins for every service, with demo credentials; "
                             "nothing touches your real sites, settings or keyring")
    # For packaging/smoke_test.py: start normally, exit 0 once the windows are up and the keyring opened.
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    handler = parser.add_mutually_exclusive_group()
    handler.add_argument("--register-url-handler", action="store_true",
                         help=f"Linux: let your browser give {SCHEME}:// links (your site's answer when you "
                              "connect it) to this app; prints what it writes")
    handler.add_argument("--unregister-url-handler", action="store_true",
                         help="undo --register-url-handler")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser("check", help="test credentials without opening the window",
                                description="Test credentials live, all services at once.")
    cli.add_arguments(check)
    return parser


# What the parser gives for no arguments (tests/test_startup.py holds the two equal). A start without
# arguments, as from the desktop or the start menu, skips building the parser: ~2 % of the start-up.
NO_ARGUMENTS = argparse.Namespace(sandbox=False, exit_when_ready=False, register_url_handler=False,
                                  unregister_url_handler=False, command=None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    links: list[str] = []
    if argv:  # a link, as the browser passes it, goes to the window; it is no option
        from .integrations.wordpress_authorize import is_callback

        links = [argument for argument in argv if is_callback(argument)]
        argv = [argument for argument in argv if not is_callback(argument)]
    args = build_parser().parse_args(argv) if argv else NO_ARGUMENTS
    if args.command == "check":
        try:
            return cli.run_in_sandbox(args) if args.sandbox else cli.run(args)
        except KeyboardInterrupt:
            print("accessally-desktop check: cancelled.", file=sys.stderr)
            return 130
    if args.register_url_handler or args.unregister_url_handler:
        return url_handler(register=args.register_url_handler)
    return load_gui().run_gui(args, link=links[0] if links else None)


def url_handler(*, register: bool) -> int:
    """--register-url-handler / --unregister-url-handler: say exactly what was written or removed."""
    from . import url_scheme
    from .integrations.wordpress_authorize import SCHEME

    if not sys.platform.startswith("linux"):
        print(f"accessally-desktop: --{'un' * (not register)}register-url-handler is for Linux. The built app "
              f"registers {SCHEME}:// links itself: on Windows when it starts, on macOS through its Info.plist.",
              file=sys.stderr)
        return 2
    try:
        done = url_scheme.register_linux() if register else url_scheme.unregister_linux()
    except url_scheme.RegistrationError as exc:
        print(f"accessally-desktop: {exc}", file=sys.stderr)
        return 1
    print("\n".join(done))
    if register:
        print(f"To undo all of it: {url_scheme.UNDO}")
    return 0


def load_gui() -> ModuleType:
    """The window's module, loaded only for a window: `check` runs without Qt."""
    from .ui import run as ui

    return ui
