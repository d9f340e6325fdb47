"""The text "Help > Copy diagnostics" puts on the clipboard, for a support request.

It is built only from things that are not secret (versions, the keyring's name, each service's last
status and message, the log's last lines), and the whole text goes through `redaction.redact` anyway,
so a secret that slipped into a message or a log line still comes out as "••••".

No Qt import at module level: the Qt version is read only if PySide6 is installed.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
import time
from typing import TYPE_CHECKING

from . import APP_NAME, __version__
from .integrations.redaction import redact
from .logs import log_path

if TYPE_CHECKING:
    from .settings import Settings


def qt_versions() -> str:
    """"PySide6 6.7.2, Qt 6.7.2", or why there is none."""
    if importlib.util.find_spec("PySide6") is None:
        return "PySide6 not installed"
    try:
        import PySide6
        from PySide6 import QtCore
    except Exception as exc:  # noqa: BLE001 - a broken Qt install is a diagnostic, not a crash
        return f"PySide6 present but not importable ({type(exc).__name__}: {exc})"
    return f"PySide6 {getattr(PySide6, '__version__', '?')}, Qt {QtCore.qVersion()}"


def _when(epoch: float) -> str:
    if not epoch:
        return "never"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(epoch))
    except (OverflowError, OSError, ValueError):
        return f"(unreadable time {epoch!r})"


def _service_name(service_id: str) -> str:
    try:
        from .integrations import registry

        return registry.display_name(service_id)
    except Exception:  # noqa: BLE001 - an unknown id from an old settings file is still listed
        return service_id


def diagnostics_text(settings: Settings, secret_store_description: str, recent: list[str]) -> str:
    """Versions, platform, keyring, every site's last results and the recent log, redacted."""
    lines = [
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()}, {sys.executable})",
        f"Qt: {qt_versions()}",
        f"OS: {platform.platform()} ({platform.machine() or 'unknown machine'})",
        f"Keyring: {secret_store_description or 'unknown'}",
        f"Log file: {log_path() or 'not written (console only)'}",
        f"Generated: {_when(time.time())}",
        "",
    ]
    if not settings.sites:
        lines.append("Sites: none set up yet")
    for name, site in settings.sites.items():
        current = " (last used)" if name == settings.last_site else ""
        used = ", ".join(_service_name(s) for s in site.services())
        lines.append(f"Site {name!r}{current}: {used}")
        if not site.results:
            lines.append("  no tests yet")
        for service_id, result in site.results.items():
            untested = ", continued without a passing test" if result.untested else ""
            mode = f", {result.mode}" if result.mode else ""
            lines.append(f"  {_service_name(service_id)}: {result.status}{mode}{untested} "
                         f"({result.elapsed_ms} ms, tested {_when(result.tested_at)})")
            lines.append(f"    {result.message}")
    lines += ["", f"Recent log ({len(recent)} lines):"]
    lines += [f"  {line}" for line in recent] or ["  (empty)"]
    return redact("\n".join(lines)) + "\n"


# What the app ships with, for About and diagnostics: distribution names as pip knows them.
BUNDLED = ("PySide6-Essentials", "shiboken6", "httpx", "httpcore", "h11", "anyio", "certifi", "idna", "stripe",
           "keyring", "SecretStorage", "jeepney", "platformdirs")


def bundled_libraries() -> list[tuple[str, str, str]]:
    """(name, version, licence) of each bundled library that is installed, read from its metadata."""
    from importlib import metadata

    found = []
    for name in BUNDLED:
        try:
            meta = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        licence = meta.get("License-Expression") or ""
        if not licence:
            classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
            licence = classifiers[0] if classifiers else (meta.get("License") or "see its package")[:40]
        found.append((name, meta.get("Version", "?"), licence))
    return found

