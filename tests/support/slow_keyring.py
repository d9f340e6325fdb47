"""A keyring backend that takes a second to open, like a Secret Service waking up over D-Bus.

Selected with PYTHON_KEYRING_BACKEND=slow_keyring.SlowKeyring (this folder on PYTHONPATH).
"""

from __future__ import annotations

import time

from keyring.backend import KeyringBackend


class SlowKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        time.sleep(1.0)
        super().__init__()
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._values.pop((service, username), None)
