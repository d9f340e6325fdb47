"""A keyring backend whose every read and write waits forever, like an unlock prompt nobody answers.

Selected with PYTHON_KEYRING_BACKEND=stuck_keyring.StuckKeyring (this folder on PYTHONPATH).
"""

from __future__ import annotations

import threading

from accessally_desktop.sandbox.keyring import MemoryKeyring


class StuckKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        threading.Event().wait()
        return None

    set_password = delete_password = get_password  # type: ignore[assignment]
