"""`accessally-desktop check`: test credentials headless, concurrently, as a table or JSON.

Exit codes: 0 every tested service is ok, 1 any is not, 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TextIO

from .integrations import DEFAULT_TIMEOUT, registry
from .secrets import SecretStoreError

if TYPE_CHECKING:
    from .integrations import CheckResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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


def run(args: argparse.Namespace, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
        stderr: TextIO = sys.stderr) -> int:
    try:
        if not 0 < args.timeout <= 600:
            raise UsageError("--timeout must be between 0 and 600 seconds.")
        unknown = [s for s in args.service if s not in registry.SERVICE_IDS]
        if unknown:
            raise UsageError(f"Unknown service {', '.join(map(repr, unknown))}. "
                             f"Known services: {', '.join(registry.SERVICE_IDS)}.")
        if args.credentials is None:
            credentials = saved_credentials(args.site)
        else:
            credentials = read_credentials(args.credentials, stdin)
    except (UsageError, SecretStoreError) as exc:
        print(f"accessally-desktop check: {exc}", file=stderr)
        return EXIT_USAGE
    selected = args.service or list(credentials)
    if not selected:
        print("accessally-desktop check: the credentials name no service to test.", file=stderr)
        return EXIT_USAGE
    jobs = [(service_id, credentials.get(service_id, {})) for service_id in dict.fromkeys(selected)]
    results = run_tests(jobs, timeout=args.timeout)
    if args.json:
        json.dump([r.as_json() for r in results], stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
    else:
        stdout.write(format_table(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def read_credentials(source: str, stdin: TextIO) -> dict[str, dict[str, str]]:
    """Parse and shape-check the credentials document. Raises UsageError with what is wrong."""
    try:
        if source == "-":
            text = stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"Cannot read {source}: {getattr(exc, 'strerror', None) or exc}.") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        where = "standard input" if source == "-" else source
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


def saved_credentials(site: str | None) -> dict[str, dict[str, str]]:
    """The saved configuration of a site (default: the last used one), secrets from the keyring."""
    from .secrets import open_store
    from .settings import SettingsStore
    from .storage import Storage, secret_names

    loaded = SettingsStore().load()
    if loaded.problem:
        print(f"accessally-desktop check: {loaded.problem}", file=sys.stderr)
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
        print(f"accessally-desktop check: {opened.problem}", file=sys.stderr)
    storage = Storage(SettingsStore(), opened.store)
    services = profile.services()
    secrets = storage.read_secrets(name, secret_names(services))
    return {service_id: storage.values_for(profile, service_id, secrets) for service_id in services}


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


def format_table(results: list[CheckResult]) -> str:
    rows = [("Service", "Status", "Time", "Result")]
    for r in results:
        account = r.account.name or r.account.id
        message = r.message if not account or account in r.message else f"{r.message} ({account})"
        rows.append((registry.display_name(r.service), str(r.status), f"{r.elapsed_ms / 1000:.1f}s", message))
        rows.extend(("", "", "", f"warning: {w}") for w in r.warnings)
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"
