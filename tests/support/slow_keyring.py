"""A keyring backend that takes a second to open, like a Secret Service waking up over D-Bus.

Selected with PYTHON_KEYRING_BACKEND=slow_keyring.SlowKeyring (this folder on PYTHONPATH).
"""

from __future__ import annotations

import time

from accessally_desktop.sandbox.keyring import MemoryKeyring


class SlowKeyring(MemoryKeyring):
    def __init__(self) -> None:
        time.sleep(1.0)
        super().__init__()
