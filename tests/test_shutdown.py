"""Closing the app at any moment ends it cleanly: no crash while a worker is still busy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLOSE_SOON = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
# the owner closes what is on screen: on a first start the wizard, then the main window that follows it
closer = QTimer(interval=100)
closer.timeout.connect(lambda: [w.close() for w in app.topLevelWidgets() if w.isVisible()])
QTimer.singleShot(300, closer.start)
from accessally_desktop.app import main
sys.exit(main([]))
"""


@pytest.mark.parametrize("configured", [False, True], ids=["first start", "configured site"])
def test_closing_while_the_keyring_is_still_opening_exits_cleanly(tmp_path: Path, configured: bool) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent / "support"), os.environ.get("PYTHONPATH", "")]),
               PYTHON_KEYRING_BACKEND="slow_keyring.SlowKeyring")  # opening it takes 1 s; windows close from 0.3 s
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = str(tmp_path / name.lower())
    if configured:
        folder = tmp_path / "config" / "AccessAlly Desktop"
        folder.mkdir(parents=True)
        (folder / "settings.json").write_text('{"version": 1, "last_site": "S", "sites": {"S": {"name": "S", '
                                              '"crm": "none", "payments_later": true}}}')
    done = subprocess.run([sys.executable, "-c", CLOSE_SOON], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Error calling Python override" not in done.stderr
