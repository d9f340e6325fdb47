"""Root test setup, run before anything imports Qt or keyring."""

import os

# Qt aborts the whole process without a display unless told to draw offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# keyring's backend discovery would otherwise probe (and D-Bus-activate) the developer's real
# keyring; tests pick their backend explicitly (tests/conftest.py).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
