"""Nothing the owner points the app at, and nothing a worker waits for, keeps it from ending."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from accessally_desktop import transfer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_importing_a_pipe_is_refused_at_once_with_a_plain_message(tmp_path: Path) -> None:
    pipe = tmp_path / "export.json"
    os.mkfifo(pipe)
    outcome: list[Exception] = []
    reader = threading.Thread(target=lambda: outcome.append(_failure(pipe)), daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():
        with open(pipe, "wb"):  # let the stuck reader go before failing
            pass
        pytest.fail("importing a named pipe waited for a writer")
    assert isinstance(outcome[0], transfer.TransferError)
    assert "not an ordinary file" in str(outcome[0]) and "export.json" in str(outcome[0])


def test_importing_a_folder_is_refused_with_a_plain_message(tmp_path: Path) -> None:
    with pytest.raises(transfer.TransferError, match="folder"):
        transfer.read_export(tmp_path)


def _failure(path: Path) -> Exception:
    try:
        transfer.read_export(path)
    except Exception as exc:  # noqa: BLE001 - the test looks at what it was
        return exc
    return AssertionError("the pipe was read as an export")


ASK_THEN_QUIT = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])

def windows():
    return [w for w in app.topLevelWidgets() if w.isVisible() and hasattr(w, "controller")]

# the owner opens the wizard (its secrets are read from the keyring, which never answers), then quits
QTimer.singleShot(800, lambda: [w.controller.open_wizard() for w in windows()])
QTimer.singleShot(1500, lambda: [w.close() for w in windows()])
from accessally_desktop.app import main
sys.exit(main([]))
"""


def app_env(tmp_path: Path, backend: str, **extra: str) -> dict[str, str]:
    """The real app on its own folders, with a test keyring backend from tests/support."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND=backend,
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent / "support"), os.environ.get("PYTHONPATH", "")]),
               **extra)
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = str(tmp_path / name.lower())
    return env


def configured_site(tmp_path: Path) -> Path:
    folder = tmp_path / "config" / "AccessAlly Desktop"
    folder.mkdir(parents=True)
    (folder / "settings.json").write_text('{"version": 1, "last_site": "S", "sites": {"S": {"name": "S", '
                                          '"crm": "none", "payments_later": true, "values": '
                                          '{"license": {"email": "a@example.com"}}}}}')
    return folder


def test_quitting_while_a_keyring_call_never_returns_ends_the_process(tmp_path: Path) -> None:
    configured_site(tmp_path)
    app = subprocess.Popen([sys.executable, "-c", ASK_THEN_QUIT], env=app_env(tmp_path, "stuck_keyring.StuckKeyring"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err = app.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        app.kill()
        pytest.fail("the app was still running 15 s after the owner quit")
    assert "Traceback" not in err
    assert "keyring call did not finish" in err
    log = list(tmp_path.rglob("*.log"))
    assert any("keyring call did not finish" in f.read_text() for f in log)
