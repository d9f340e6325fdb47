"""`accessally-desktop check`: test credentials headless, concurrently, as a table or JSON.

Exit codes: 0 every tested service is ok, 1 any is not, 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .integrations import DEFAULT_TIMEOUT, registry
from .integrations.redaction import redact, register_secret
from .integrations.status import STATUS_WORDS
from .secrets import KeyringLockedError, SecretStoreError
from .settings import NotAnOrdinaryFile, read_ordinary_file

if TYPE_CHECKING:
    from .integrations import CheckResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOCKED = "Your computer's password store is locked. Unlock it and run check again."


class UsageError(Exception):
    """Bad arguments or unreadable input: a message for stderr, exit 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--service", action="append", metavar="ID", default=[],
                        help=f"test only this service (repeatable): {', '.join(registry.SERVICE_IDS)}")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--credentials", metavar="FILE",
                        help='test the credentials in FILE ("-" for standard input), saving nothing: '
                             '{"<service id>": {"<field>": "<value>", ...}, ...}')
    parser.add_argument("--site", metavar="NAME",
                        help="without --credentials: test this saved site instead of the last used one")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds to wait for each service (default {DEFAULT_TIMEOUT:g})")


def run_in_sandbox(args: argparse.Namespace) -> int:
    """`--sandbox check`: every service against the built-in stand-ins on this computer; without
    --credentials, with their demo values. Nothing saved or in the keyring is read."""
    from .sandbox import Sandbox

    sandbox = Sandbox()
    try:
        os.environ.update(sandbox.env)
        return run(args, demo=sandbox.demo_credentials())
    finally:
        sandbox.stop()


def run(args: argparse.Namespace, stdin: TextIO | None = sys.stdin, stdout: TextIO | None = sys.stdout,
        stderr: TextIO = sys.stderr, demo: dict[str, dict[str, str]] | None = None) -> int:
    try:
        if stdout is None:
            raise UsageError("standard output is closed; nothing could be printed.")
        if not 0 < args.timeout <= 600:
            raise UsageError("--timeout must be between 0 and 600 seconds.")
        unknown = [s for s in args.service if s not in registry.SERVICE_IDS]
        if unknown:
            raise UsageError(f"Unknown service {', '.join(map(repr, unknown))}. "
                             f"Known services: {', '.join(registry.SERVICE_IDS)}.")
        if args.credentials is None and demo is not None:
            credentials = demo
        elif args.credentials is None:
            credentials = saved_credentials(args.site)
        else:
            credentials = read_credentials(args.credentials, stdin)
    except KeyringLockedError:
        warn(LOCKED, stderr)
        return EXIT_USAGE
    except (UsageError, SecretStoreError) as exc:
        warn(str(exc), stderr)
        return EXIT_USAGE
    register_secrets(credentials)
    selected = args.service or list(credentials)
    if not selected:
        warn("the credentials name no service to test.", stderr)
        return EXIT_USAGE
    jobs = [(service_id, credentials.get(service_id, {})) for service_id in dict.fromkeys(selected)]
    results = run_tests(jobs, timeout=args.timeout)
    if args.json:
        text = json.dumps([r.as_json() for r in results], indent=2, ensure_ascii=False) + "\n"
    else:
        text = format_table(results)
    try:
        stdout.write(text)
        stdout.flush()
    except (OSError, ValueError) as exc:  # a closed pipe, a full disk
        _discard_unwritten(stdout)
        reason = getattr(exc, "strerror", None) or str(exc)
        warn(f"the results could not be written to standard output ({reason}).", stderr)
        return EXIT_USAGE
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def warn(message: str, stderr: TextIO | None = None) -> None:
    """One line on stderr, redacted like the log: a keyring's or a file's problem may quote a secret."""
    print(f"accessally-desktop check: {redact(message)}", file=stderr or sys.stderr)


def register_secrets(credentials: Mapping[str, Mapping[str, str]]) -> None:
    """The secrets about to be tested are masked in every later warning and log line."""
    for service_id, values in credentials.items():
        for name in registry.get(service_id).secret_fields:
            register_secret(values.get(name))


def _discard_unwritten(stdout: TextIO) -> None:
    """Point the broken output at the null device, so Python's own flush at exit fails no more."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's StringIO): nothing to flush
        pass


def read_credentials(source: str, stdin: TextIO) -> dict[str, dict[str, str]]:
    """Parse and shape-check the credentials document. Raises UsageError with what is wrong."""
    from .transfer import MAX_FILE_BYTES

    where = "standard input" if source == "-" else source
    try:
        data = _read_stdin(stdin, MAX_FILE_BYTES + 1) if source == "-" else _read_regular_file(source, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"Cannot read {where}: {exc.strerror or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(f"{where} is too big for credentials (over {MAX_FILE_BYTES // 1024} KB; "
                         "a real credentials file is a few hundred bytes).")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise UsageError(f"{where} is not text in UTF-8.") from None
    except RecursionError:
        raise UsageError(f"{where} is nested too deeply to be credentials.") from None
    except ValueError as exc:
        raise UsageError(f"{where} is not valid JSON ({exc}).") from None
    if not isinstance(document, dict):
        raise UsageError('The credentials must be a JSON object: {"<service id>": {"<field>": "<value>"}}.')
    unknown = [key for key in document if key not in registry.SERVICE_IDS]
    if unknown:
        raise UsageError(f"Unknown service {', '.join(map(repr, unknown))} in the credentials. "
                         f"Known services: {', '.join(registry.SERVICE_IDS)}.")
    credentials: dict[str, dict[str, str]] = {}
    for service_id, fields in document.items():
        if not isinstance(fields, dict):
            raise UsageError(f'"{service_id}" must map to an object of fields, e.g. {{"api_key": "…"}}.')
        credentials[service_id] = {name: _as_text(service_id, name, value) for name, value in fields.items()}
    return credentials


def _read_stdin(stdin: TextIO | None, limit: int) -> bytes:
    if stdin is None:
        raise UsageError("standard input is closed; pass the credentials on it or with --credentials FILE.")
    try:
        buffer = getattr(stdin, "buffer", None)
        return buffer.read(limit) if buffer is not None else stdin.read(limit).encode("utf-8")
    except ValueError:  # a closed file object
        raise UsageError("standard input is closed; pass the credentials on it or with --credentials FILE.") from None


def _read_regular_file(path: str, limit: int) -> bytes:
    """An ordinary file of at most about `limit` bytes; a FIFO, a device or a folder is refused without waiting."""
    try:
        if os.stat(path).st_size > limit:
            return bytes(limit)  # too big: said by the caller, without reading it
        return read_ordinary_file(Path(path))
    except (NotAnOrdinaryFile, IsADirectoryError):
        raise UsageError(f"{path} is not an ordinary file; pass a .json file, or \"-\" for standard input.") from None


def saved_credentials(site: str | None) -> dict[str, dict[str, str]]:
    """The saved configuration of a site (default: the last used one), secrets from the keyring."""
    from .secrets import open_store
    from .settings import SettingsStore
    from .storage import Storage, secret_names, values_for

    loaded = SettingsStore().load()
    if loaded.problem:
        warn(loaded.problem)
    settings = loaded.settings
    if site is not None and site not in settings.sites:
        known = ", ".join(map(repr, settings.sites)) or "none"
        raise UsageError(f"No saved site named {site!r}. Saved sites: {known}.")
    name = site if site is not None else settings.last_site
    profile = settings.sites.get(name)
    if profile is None or not profile.configured:
        raise UsageError("Nothing is configured yet. Run the app's setup wizard, "
                         "or pass --credentials FILE to test credentials without saving them.")
    opened = open_store()
    if opened.problem:
        warn(opened.problem)
    storage = Storage(SettingsStore(), opened.store)
    if storage.journal.path.exists():  # only the app finishes or undoes it: it may be saving right now
        warn("A save of the app was interrupted or is in progress, so the saved keys may be half old, half new. "
             "Open the app once: it finishes or undoes the save at start.")
    services = profile.services()
    secrets = storage.read_secrets(name, secret_names(services))
    return {service_id: values_for(profile, service_id, secrets) for service_id in services}


def _as_text(service_id: str, name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(f'"{service_id}.{name}" must be a string.')
    return str(value)


def run_tests(jobs: list[tuple[str, Mapping[str, str]]], *, timeout: float) -> list[CheckResult]:
    """Run every test at once; results come back in the order asked. Ctrl-C cancels them all."""
    from .integrations import Attempt

    attempts = [Attempt(timeout) for _ in jobs]
    with ThreadPoolExecutor(max_workers=max(1, len(jobs)), thread_name_prefix="check") as pool:
        futures = [pool.submit(registry.get(service_id).test, values, attempt=attempt)
                   for (service_id, values), attempt in zip(jobs, attempts)]
        try:
            return [future.result() for future in futures]
        except KeyboardInterrupt:
            for attempt in attempts:
                attempt.cancel()
            raise


def format_table(results: list[CheckResult], width: int | None = None) -> str:
    """A table in the app's own words ("Credentials rejected"), the result column wrapped to the
    terminal's width, and a last line that says how many connections work."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    rows = [("Service", "Status", "Time", "Result")]
    for r in results:
        account = r.account.name or r.account.id
        message = r.message if not account or account in r.message else f"{r.message} ({account})"
        rows.append((registry.display_name(r.service), STATUS_WORDS.get(r.status, str(r.status)),
                     f"{r.elapsed_ms / 1000:.1f}s", message))
        rows.extend(("", "", "", f"warning: {w}") for w in r.warnings)
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    indent = sum(widths) + 2 * len(widths)
    lines = []
    for row in rows:
        wrapped = textwrap.wrap(row[3], max(30, width - indent - 1)) or [""]
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + wrapped[0])
        lines += [" " * indent + more for more in wrapped[1:]]
    lines += ["", _summary(sum(r.ok for r in results), len(results))]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _summary(working: int, tested: int) -> str:
    if tested == 1:
        return "The connection works." if working else "The connection does not work."
    return f"All {tested} connections work." if working == tested else f"{working} of {tested} connections work."
