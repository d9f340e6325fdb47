"""A test-only keyring backend kept in a JSON file, so two processes share it and a process killed
mid-save leaves exactly what it had written. Each write waits ACCESSALLY_TEST_KEYRING_DELAY seconds,
as a real Secret Service over D-Bus takes its time (0.1-0.2 s a write). Never a runtime backend.

Selected with PYTHON_KEYRING_BACKEND=file_keyring.FileKeyring (this folder on PYTHONPATH) and
ACCESSALLY_TEST_KEYRING_FILE=<path>.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import keyring.backend
import keyring.errors


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, path: str | os.PathLike[str] | None = None, delay: float | None = None) -> None:
        super().__init__()
        self.path = Path(path or os.environ["ACCESSALLY_TEST_KEYRING_FILE"])
        self.delay = float(os.environ.get("ACCESSALLY_TEST_KEYRING_DELAY", "0") if delay is None else delay)

    def entries(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}

    def _write(self, entries: dict[str, str]) -> None:
        time.sleep(self.delay)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(entries))
        os.replace(temp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._write({**self.entries(), f"{service}\n{username}": password})

    def delete_password(self, service: str, username: str) -> None:
        entries = self.entries()
        if entries.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._write(entries)
