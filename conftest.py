"""Root test setup: Qt must be told it has no screen before anything imports it."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
