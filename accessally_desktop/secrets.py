"""One secret-store interface: the OS keyring, or memory for this session only.

Nothing else touches the keyring. Secrets are stored one entry per site and field, under the
service name "AccessAlly Desktop" and the user name "<site>/<service>.<field>". When no usable
keyring exists (common on a bare Linux box), `open_store` says so and hands back a memory
store; it never falls back to a plaintext file. Opening the keyring costs ~160 ms of backend
discovery and may block on an unlock prompt, so the UI calls it off the GUI thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from . import APP_NAME

log = logging.getLogger(__name__)

KEYRING_SERVICE = APP_NAME

LOCKED = "Your computer's password store is locked. Unlock it and try again."


def no_keyring_help(desktop: str | None = None, platform: str = sys.platform) -> str:
    """Why keys will be forgotten, and what to install, named for this desktop: plain words, no commands."""
    lead = ("This computer has no password store that this app can use, so your keys are kept in memory for "
            "this session only: you will need to enter them again each time you open the app. ")
    if platform == "win32":
        return lead + "Windows Credential Manager could not be reached; signing out and back in usually fixes it."
    if platform == "darwin":
        return lead + "The macOS Keychain could not be reached; signing out and back in usually fixes it."
    desktop = (os.environ.get("XDG_CURRENT_DESKTOP", "") if desktop is None else desktop).upper()
    if "KDE" in desktop:
        store = "KWallet"
    elif any(name in desktop for name in GNOME_KEYRING_DESKTOPS):
        store = "GNOME Keyring"
    else:
        store = "GNOME Keyring or KWallet"
    return lead + (f"To keep them safely, install {store} from your software centre, then sign out and back "
                   "in, and open this app again.")


GNOME_KEYRING_DESKTOPS = ("GNOME", "UNITY", "CINNAMON", "BUDGIE", "PANTHEON", "MATE", "XFCE", "LXDE", "LXQT")


_STORE_NAMES = {"SecretService": "GNOME Keyring or another Secret Service", "kwallet": "KWallet",
                "macOS": "the macOS Keychain", "Windows": "Windows Credential Manager"}


def _shown_as(backend_module: str) -> str:
    """The password store as an owner knows it, from the keyring backend's module (keyring.backends.macOS)."""
    name = _STORE_NAMES.get(backend_module.rsplit(".", 1)[-1])
    return f"computer's password store ({name})" if name else "computer's password store"


class SecretStoreError(Exception):
    """A keyring read or write failed; the message is fit to show the owner."""


class KeyringLockedError(SecretStoreError):
    """The keyring is locked (its unlock prompt was cancelled): unlocking it is the whole fix."""


class SecretStore(Protocol):
    """Where secrets go. `persistent` is False for the session-only memory store."""

    persistent: bool
    description: str  # for the log and diagnostics: which keyring backend, by its Python name
    shown_as: str  # for the owner: "your computer's password store (GNOME Keyring)"

    def get(self, site: str, name: str) -> str | None: ...

    def set(self, site: str, name: str, value: str) -> None: ...

    def delete(self, site: str, name: str) -> None: ...


def entry_name(site: str, name: str) -> str:
    """The keyring user name of one secret: "<site>/<service>.<field>"."""
    return f"{site}/{name}"


class MemoryStore:
    """Secrets for this session only (tests, or when no keyring is usable)."""

    persistent = False
    description = "memory (this session only)"
    shown_as = "this app's memory, for this session only"

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, site: str, name: str) -> str | None:
        with self._lock:
            return self._values.get(entry_name(site, name))

    def set(self, site: str, name: str, value: str) -> None:
        with self._lock:
            self._values[entry_name(site, name)] = value

    def delete(self, site: str, name: str) -> None:
        with self._lock:
            self._values.pop(entry_name(site, name), None)

    @property
    def holds_secrets(self) -> bool:
        """Something entered this session would be forgotten on quit."""
        with self._lock:
            return bool(self._values)


class KeyringStore:
    """The OS keyring through `keyring`; every failure becomes a SecretStoreError."""

    persistent = True

    def __init__(self, backend) -> None:
        self._backend = backend
        self.description = f"system keyring ({type(backend).__module__.rsplit('.', 1)[-1]}.{type(backend).__name__})"
        self.shown_as = _shown_as(type(backend).__module__)

    def get(self, site: str, name: str) -> str | None:
        import keyring.errors

        try:
            return self._backend.get_password(KEYRING_SERVICE, entry_name(site, name))
        except keyring.errors.KeyringLocked:
            raise KeyringLockedError(LOCKED) from None
        except Exception as exc:
            raise SecretStoreError(_failure("read", name, exc)) from None

    def set(self, site: str, name: str, value: str) -> None:
        import keyring.errors

        try:
            self._backend.set_password(KEYRING_SERVICE, entry_name(site, name), value)
        except keyring.errors.KeyringLocked:
            raise KeyringLockedError(LOCKED) from None
        except Exception as exc:
            raise SecretStoreError(_failure("save", name, exc)) from None

    def delete(self, site: str, name: str) -> None:
        import keyring.errors

        try:
            self._backend.delete_password(KEYRING_SERVICE, entry_name(site, name))
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: already the wanted state
        except keyring.errors.KeyringLocked:
            raise KeyringLockedError(LOCKED) from None
        except Exception as exc:
            raise SecretStoreError(_failure("delete", name, exc)) from None


def _failure(action: str, name: str, exc: Exception) -> str:
    # exc's text comes from the backend and never contains the secret value itself.
    return f"The system keyring refused to {action} the {name.replace('.', ' ').replace('_', ' ')} ({type(exc).__name__})."


@dataclass(frozen=True)
class OpenedStore:
    store: SecretStore
    problem: str = ""  # shown to the owner when secrets cannot be kept across sessions


def open_store() -> OpenedStore:
    """The OS keyring if a safe one is usable, else memory plus an explanation. Slow: not on the GUI thread."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring config must not stop the app
        log.warning("keyring discovery failed: %s", type(exc).__name__)
        return OpenedStore(MemoryStore(), no_keyring_help())
    if isinstance(backend, fail.Keyring) or _is_plaintext(backend):
        return OpenedStore(MemoryStore(), no_keyring_help())
    return OpenedStore(KeyringStore(backend))


def _is_plaintext(backend) -> bool:
    """keyrings.alt's file backends write secrets to disk in the clear (or nearly): refuse them."""
    backends = getattr(backend, "backends", None) or [backend]
    return any(type(b).__module__.startswith("keyrings.alt") for b in backends)


class PendingStore:
    """The store `open_store` is still finding, used as if it were there: calls wait for it.

    The GUI starts `open_store` on a worker at launch and hands this to whatever needs secrets;
    only workers call it, so the wait never happens on the GUI thread.
    """

    def __init__(self, future: Future[OpenedStore]) -> None:
        self.future = future

    def _store(self) -> SecretStore:
        return self.future.result().store

    @property
    def persistent(self) -> bool:
        """Assumed until known, so asking never waits."""
        return not self.future.done() or self._store().persistent

    @property
    def description(self) -> str:
        return self._store().description if self.future.done() else "system keyring (still opening)"

    @property
    def shown_as(self) -> str:
        return self._store().shown_as if self.future.done() else "computer's password store"

    @property
    def holds_secrets(self) -> bool:
        return self.future.done() and getattr(self._store(), "holds_secrets", False)

    def get(self, site: str, name: str) -> str | None:
        return self._store().get(site, name)

    def set(self, site: str, name: str, value: str) -> None:
        self._store().set(site, name, value)

    def delete(self, site: str, name: str) -> None:
        self._store().delete(site, name)
