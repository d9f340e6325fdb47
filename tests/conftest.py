"""Shared fixtures: config dirs in tmp, an in-memory keyring, loopback service stand-ins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accessally_desktop.integrations import registry
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.sandbox import server_class
from accessally_desktop.sandbox.server import SandboxServer


@pytest.fixture(autouse=True)
def _no_service_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits a URL override from the shell that started pytest."""
    for service_id in registry.SERVICE_IDS:
        monkeypatch.delenv(override_env_var(service_id), raising=False)


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
