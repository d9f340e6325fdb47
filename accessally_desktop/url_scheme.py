"""Registering the app's own links (`accessally-desktop://…`) with the operating system, so that the
browser hands the answer of WordPress's Authorize Application page to the app (and undoing it).

Linux: a `.desktop` entry in $XDG_DATA_HOME/applications that claims `x-scheme-handler/accessally-desktop`,
made the default handler with `xdg-mime` (or, without it, in $XDG_CONFIG_HOME/mimeapps.list), then
`update-desktop-database` when present: `accessally-desktop --register-url-handler`. Windows: the
per-user keys under HKCU\\Software\\Classes\\accessally-desktop, written by the built app as it starts.
macOS: the built app's Info.plist (packaging/), nothing at run time. No Qt here.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

from . import APP_NAME
from .integrations.wordpress_authorize import SCHEME

MIME_TYPE = f"x-scheme-handler/{SCHEME}"
DESKTOP_FILE = "accessally-desktop-url-handler.desktop"
DEFAULTS_SECTION = "[Default Applications]"
ASSOCIATION_SECTIONS = (DEFAULTS_SECTION, "[Added Associations]")
WINDOWS_KEY = rf"Software\Classes\{SCHEME}"
WINDOWS_SUBKEYS = (r"shell\open\command", r"shell\open", "shell", "DefaultIcon")  # deleted in this order
TOOL_TIMEOUT = 20
UNDO = "accessally-desktop --unregister-url-handler"

Runner = Callable[..., subprocess.CompletedProcess]


class RegistrationError(Exception):
    """Registering or unregistering failed: the message says where and why."""


def app_command(frozen: bool | None = None) -> list[str]:
    """What starts this app from anywhere: the built executable, or this Python with the package."""
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        return [sys.executable]
    return [sys.executable, "-m", "accessally_desktop"]


# -- Linux ------------------------------------------------------------------------------------------

def desktop_entry(command: list[str], *, launcher: bool = False) -> str:
    """The `.desktop` entry that opens this app's links with `command`: hidden from menus, or (`launcher`,
    the one a system package installs) the app's menu entry as well."""
    if launcher:
        about = ["Comment=Connect and test your AccessAlly site's license, CRM and payments",
                 "Icon=accessally-desktop", "Categories=Office;Network;"]
    else:
        about = [f"# Written by accessally-desktop --register-url-handler; remove it with {UNDO}",
                 "Comment=Receives your WordPress site's answer when you connect it to AccessAlly Desktop",
                 "NoDisplay=true"]
    return "\n".join(["[Desktop Entry]", "Type=Application", f"Name={APP_NAME}", *about,
                      f"Exec={exec_line(command)} %u", f"MimeType={MIME_TYPE};", "Terminal=false", ""])


# The Desktop Entry specification's reserved characters: an argument holding one is quoted.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def exec_line(command: list[str]) -> str:
    """`command` as an Exec value: quoted where needed, `%` doubled, and backslashes escaped once more
    for the string value the line is (the specification's two escaping rules, in its order)."""
    def quoted(argument: str) -> str:
        argument = argument.replace("%", "%%")
        if not _RESERVED & set(argument):
            return argument
        inner = "".join("\\" + c if c in '"`$\\' else c for c in argument)
        return f'"{inner}"'

    return " ".join(quoted(argument) for argument in command).replace("\\", "\\\\")


def _xdg_dir(env: Mapping[str, str], name: str, default: str) -> Path:
    value = env.get(name, "")
    return Path(value) if os.path.isabs(value) else Path(env.get("HOME") or Path.home()) / default


def desktop_file_path(env: Mapping[str, str] = os.environ) -> Path:
    return _xdg_dir(env, "XDG_DATA_HOME", ".local/share") / "applications" / DESKTOP_FILE


def mimeapps_paths(env: Mapping[str, str] = os.environ) -> tuple[Path, Path]:
    """Where default handlers are kept: the current place, then the deprecated one older tools used."""
    return (_xdg_dir(env, "XDG_CONFIG_HOME", ".config") / "mimeapps.list",
            desktop_file_path(env).parent / "mimeapps.list")


def register_linux(command: list[str] | None = None, *, env: Mapping[str, str] = os.environ,
                   run: Runner = subprocess.run) -> list[str]:
    """Write the entry and make it the default for the app's links; returns what was done, one line each."""
    path = desktop_file_path(env)
    _write(path, desktop_entry(command or app_command()))
    done = [f"Wrote {path}, which starts this app for {SCHEME}:// links."]
    if _tool(env, run, "xdg-mime", "default", DESKTOP_FILE, MIME_TYPE):
        done.append(f"Made it the default for {SCHEME}:// links (xdg-mime default {DESKTOP_FILE} {MIME_TYPE}).")
    else:
        mimeapps = mimeapps_paths(env)[0]
        _edit_mimeapps(mimeapps, add=True)
        done.append(f"Made it the default for {SCHEME}:// links in {mimeapps} ({MIME_TYPE}={DESKTOP_FILE}).")
    done += _refresh_database(path.parent, env, run)
    return done


def unregister_linux(*, env: Mapping[str, str] = os.environ, run: Runner = subprocess.run) -> list[str]:
    """Undo `register_linux`: the entry and every default or association naming it."""
    path = desktop_file_path(env)
    done = []
    try:
        path.unlink()
        done.append(f"Removed {path}.")
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise RegistrationError(f"Could not remove {path}: {exc.strerror}.") from exc
    for mimeapps in mimeapps_paths(env):
        if _edit_mimeapps(mimeapps, add=False):
            done.append(f"Removed the {SCHEME}:// default from {mimeapps}.")
    if done:
        done += _refresh_database(path.parent, env, run)
    return done or [f"Nothing to undo: no {SCHEME}:// handler of this app was registered."]


def linux_registered(command: list[str] | None = None, env: Mapping[str, str] = os.environ) -> bool:
    """Whether the entry on disk is exactly the one `register_linux(command)` writes."""
    try:
        return desktop_file_path(env).read_text(encoding="utf-8") == desktop_entry(command or app_command())
    except (OSError, UnicodeError):
        return False


def _tool(env: Mapping[str, str], run: Runner, name: str, *arguments: str) -> bool:
    """Run a desktop tool when it is installed; False when it is missing or fails."""
    program = shutil.which(name, path=env.get("PATH", os.defpath))
    if program is None:
        return False
    try:
        return run([program, *arguments], env=dict(env), capture_output=True, timeout=TOOL_TIMEOUT,
                   check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _refresh_database(folder: Path, env: Mapping[str, str], run: Runner) -> list[str]:
    if _tool(env, run, "update-desktop-database", str(folder)):
        return [f"Updated the desktop's list of handlers in {folder} (update-desktop-database)."]
    return []


def _edit_mimeapps(path: Path, *, add: bool) -> bool:
    """Make our entry the default for the scheme (`add`), or take it out of every line naming it.
    Every other line, comment and section stays as it was. Returns whether the file changed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    except (OSError, UnicodeError) as exc:
        raise RegistrationError(f"Could not read {path}: {getattr(exc, 'strerror', None) or exc}.") from exc
    edited, section = [], ""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section in ASSOCIATION_SECTIONS and stripped.split("=", 1)[0].strip() == MIME_TYPE:
            if add and section == DEFAULTS_SECTION:
                continue  # replaced by ours below
            handlers = [h.strip() for h in stripped.split("=", 1)[-1].split(";")]
            kept = [h for h in handlers if h and h != DESKTOP_FILE]
            if kept:
                edited.append(f"{MIME_TYPE}={';'.join(kept)};")
            continue
        edited.append(line)
    if add:
        ours = f"{MIME_TYPE}={DESKTOP_FILE};"
        headers = [i for i, line in enumerate(edited) if line.strip() == DEFAULTS_SECTION]
        if headers:
            edited.insert(headers[0] + 1, ours)
        else:
            edited += ([""] if edited and edited[-1].strip() else []) + [DEFAULTS_SECTION, ours]
    if edited == lines:
        return False
    _write(path, "\n".join(edited) + "\n")
    return True


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a desktop reading the file meanwhile never sees half of it."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise RegistrationError(f"Could not write {path}: {exc.strerror}.") from exc


# -- Windows ----------------------------------------------------------------------------------------

def windows_command(command: list[str]) -> str:
    """The registry's open command: the app, then the link Windows puts in place of %1."""
    return f'{subprocess.list2cmdline(command)} "%1"'


def register_windows(command: list[str] | None = None, *, registry: ModuleType | None = None) -> list[str]:
    """Write HKCU\\Software\\Classes\\accessally-desktop (no administrator rights needed)."""
    winreg = registry or importlib.import_module("winreg")
    command = command or app_command()
    values = {WINDOWS_KEY: (("", f"URL:{APP_NAME}"), ("URL Protocol", "")),
              rf"{WINDOWS_KEY}\DefaultIcon": (("", f"{subprocess.list2cmdline(command[:1])},0"),),
              rf"{WINDOWS_KEY}\shell\open\command": (("", windows_command(command)),)}
    try:
        for path, pairs in values.items():
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, path) as key:
                for name, value in pairs:
                    winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)
    except OSError as exc:
        raise RegistrationError(f"Could not write HKEY_CURRENT_USER\\{WINDOWS_KEY}: {exc}.") from exc
    return [f"Wrote HKEY_CURRENT_USER\\{WINDOWS_KEY}, which starts this app for {SCHEME}:// links."]


def unregister_windows(*, registry: ModuleType | None = None) -> list[str]:
    winreg = registry or importlib.import_module("winreg")
    removed = False
    for path in [rf"{WINDOWS_KEY}\{sub}" for sub in WINDOWS_SUBKEYS] + [WINDOWS_KEY]:
        try:
            winreg.DeleteKey(winreg.HKEY_CURRENT_USER, path)
            removed = True
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise RegistrationError(f"Could not remove HKEY_CURRENT_USER\\{path}: {exc}.") from exc
    if not removed:
        return [f"Nothing to undo: no {SCHEME}:// handler of this app was registered."]
    return [f"Removed HKEY_CURRENT_USER\\{WINDOWS_KEY}."]


def windows_registered(command: list[str] | None = None, *, registry: ModuleType | None = None) -> bool:
    """Whether the registry's open command is the one `register_windows(command)` writes."""
    winreg = registry or importlib.import_module("winreg")
    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, rf"{WINDOWS_KEY}\shell\open\command") as key:
            return winreg.QueryValueEx(key, "")[0] == windows_command(command or app_command())
    except OSError:
        return False


def register_at_start(*, platform: str = sys.platform, frozen: bool | None = None,
                      registry: ModuleType | None = None) -> list[str]:
    """The built app on Windows registers its links as it starts, when they do not reach this copy yet
    (its first start, or after its folder moved). A source install registers on request instead."""
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    command = app_command(frozen)
    if not frozen or platform != "win32" or windows_registered(command, registry=registry):
        return []
    return register_windows(command, registry=registry)
