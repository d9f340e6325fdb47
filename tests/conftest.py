"""Shared fixtures: config dirs in tmp, an in-memory keyring, loopback service stand-ins."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from support.dialogs import Dialogs, answer_dialogs

from accessally_desktop.integrations import registry
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.sandbox import server_class
from accessally_desktop.sandbox.keyring import MemoryKeyring
from accessally_desktop.sandbox.server import SandboxServer


@pytest.fixture(autouse=True)
def _no_service_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits a URL override from the shell that started pytest."""
    for service_id in registry.SERVICE_IDS:
        monkeypatch.delenv(override_env_var(service_id), raising=False)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    """Every question, warning and input box is answered from a script (tests/support/dialogs.py):
    a real one would block the test run. Questions are answered Discard unless a test says otherwise."""
    return answer_dialogs(monkeypatch)


@pytest.fixture
def panel(qtbot) -> Iterator:
    """A shown CRM settings panel with a short fetch timeout; fetches still running at the end are cancelled.
    (Its modules load only for the tests that use it.)"""
    from PySide6.QtCore import QThreadPool
    from support.crm_panel import WAIT

    from accessally_desktop.ui.crm_settings import CrmSettingsPanel

    widget = CrmSettingsPanel(timeout=5)
    qtbot.addWidget(widget)
    widget.resize(720, 560)
    widget.show()
    yield widget
    widget.cancel_fetches()
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=WAIT)


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Start a service's stand-in on 127.0.0.1 and point the integration at it: serve("drip")."""
    started: list[SandboxServer] = []

    def start(service_id: str, **kwargs) -> SandboxServer:
        server = server_class(service_id)(**kwargs).start()
        started.append(server)
        monkeypatch.setenv(override_env_var(service_id), server.url)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Config, data, cache and state dirs under tmp, so no test touches the real ones."""
    dirs = {}
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        path = tmp_path / "xdg" / name.lower()
        path.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name}_HOME", str(path))
        dirs[name.lower()] = path
    return dirs


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """An in-memory keyring for every test; the real one is never touched."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def real_wordpress(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A real WordPress 6.1 for the whole session, with switchable conditions (tests/support/real_wordpress.py)."""
    from support.real_wordpress import start_or_skip

    site = start_or_skip(tmp_path_factory.mktemp("wordpress"))
    yield site
    site.stop()


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A real, unlocked GNOME Keyring on this test run's D-Bus session (see README's test command)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not shutil.which("gnome-keyring-daemon"):
        message = "needs dbus-run-session and gnome-keyring-daemon (README's test command provides both)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("keyring-home")
    env = {**os.environ, "HOME": str(home)}
    subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"], input=b"pw\n", env=env,
                   check=True, capture_output=True, timeout=30)
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    yield backend
