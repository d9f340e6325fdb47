"""One secret-store interface: the OS keyring, or memory for this session only.

Nothing else touches the keyring. Secrets are stored one entry per site and field, under the
service name "AccessAlly Desktop" and the user name "<site>/<service>.<field>". When no usable
keyring exists (common on a bare Linux box), `open_store` says so and hands back a memory
store; it never falls back to a plaintext file. Opening the keyring costs ~160 ms of backend
discovery and may block on an unlock prompt, so the UI calls it off the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from . import APP_NAME

log = logging.getLogger(__name__)

KEYRING_SERVICE = APP_NAME

NO_KEYRING_HELP = (
    "No system keyring was found, so secrets will be kept in memory for this session only and "
    "you will need to enter them again next time. To keep them safely: on Linux install and "
    "unlock a Secret Service keyring (GNOME Keyring or KWallet, e.g. `sudo apt install "
    "gnome-keyring`) and sign in to a desktop session; on Windows and macOS the system keyring "
    "is used automatically."
)


class SecretStoreError(Exception):
    """A keyring read or write failed; the message is fit to show the owner."""


class SecretStore(Protocol):
    """Where secrets go. `persistent` is False for the session-only memory store."""

    persistent: bool
    description: str

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


class KeyringStore:
    """The OS keyring through `keyring`; every failure becomes a SecretStoreError."""

    persistent = True

    def __init__(self, backend) -> None:
        self._backend = backend
        self.description = f"system keyring ({type(backend).__module__.rsplit('.', 1)[-1]}.{type(backend).__name__})"

    def get(self, site: str, name: str) -> str | None:
        try:
            return self._backend.get_password(KEYRING_SERVICE, entry_name(site, name))
        except Exception as exc:
            raise SecretStoreError(_failure("read", name, exc)) from None

    def set(self, site: str, name: str, value: str) -> None:
        try:
            self._backend.set_password(KEYRING_SERVICE, entry_name(site, name), value)
        except Exception as exc:
            raise SecretStoreError(_failure("save", name, exc)) from None

    def delete(self, site: str, name: str) -> None:
        import keyring.errors

        try:
            self._backend.delete_password(KEYRING_SERVICE, entry_name(site, name))
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: already the wanted state
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
        return OpenedStore(MemoryStore(), NO_KEYRING_HELP)
    if isinstance(backend, fail.Keyring) or _is_plaintext(backend):
        return OpenedStore(MemoryStore(), NO_KEYRING_HELP)
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

    def get(self, site: str, name: str) -> str | None:
        return self._store().get(site, name)

    def set(self, site: str, name: str, value: str) -> None:
        self._store().set(site, name, value)

    def delete(self, site: str, name: str) -> None:
        self._store().delete(site, name)
