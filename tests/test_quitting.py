"""Nothing the owner points the app at, and nothing a worker waits for, keeps it from ending."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
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


SAVE_THEN_QUIT = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
app = QApplication(sys.argv[:1])
controller = None

def step():
    global controller
    shown = [w for w in app.topLevelWidgets() if w.isVisible() and hasattr(w, "controller")]
    if controller is None and shown:
        controller = shown[0].controller
        controller.open_wizard()
    elif controller is not None and controller.wizard is not None:
        wizard = controller.wizard
        wizard.license.ensure_built()
        wizard.findChild(QLineEdit, "license.license_key").setText("AA-NEW-SERIAL-0002")
        wizard.accept()  # the owner clicks Finish: the keyring takes 1 s a write
        QTimer.singleShot(300, {quit})
        return
    QTimer.singleShot(100, step)

QTimer.singleShot(300, step)
from accessally_desktop.app import main
sys.exit(main([]))
"""
WIZARD_CLOSED = "wizard.close"  # the owner quits (the wizard's close button, Ctrl+Q, the dock) while it saves
TERMINATED = "lambda: __import__('os').kill(__import__('os').getpid(), __import__('signal').SIGTERM)"


@pytest.mark.parametrize("how", [WIZARD_CLOSED, TERMINATED], ids=["quit", "SIGTERM"])
def test_quitting_while_finish_saves_waits_for_the_save_then_ends(tmp_path: Path, how: str) -> None:
    sys.path.insert(0, str(Path(__file__).parent / "support"))
    from file_keyring import FileKeyring

    from accessally_desktop.settings import SettingsStore

    folder = configured_site(tmp_path)
    ring = FileKeyring(tmp_path / "keyring.json", delay=0)
    ring.set_password("AccessAlly Desktop", "S/license.license_key", "AA-OLD-SERIAL-0001")
    env = app_env(tmp_path, "file_keyring.FileKeyring", ACCESSALLY_TEST_KEYRING_FILE=str(ring.path),
                  ACCESSALLY_TEST_KEYRING_DELAY="1")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", SAVE_THEN_QUIT.replace("{quit}", how)], env=env,
                          capture_output=True, text=True, timeout=30)
    assert time.monotonic() - started < 15
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert ring.get_password("AccessAlly Desktop", "S/license.license_key") == "AA-NEW-SERIAL-0002"
    assert not (folder / "pending-save.json").exists()  # nothing left for the next start to finish or undo
    assert "AA-NEW-SERIAL" not in (folder / "settings.json").read_text()
    assert SettingsStore(folder).load().settings.current().configured


def test_sigterm_while_idle_ends_cleanly_and_keeps_the_windows_place(tmp_path: Path) -> None:
    folder = configured_site(tmp_path)
    script = ("import os, signal, sys\nfrom PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication\n"
              "app = QApplication(sys.argv[:1])\n"
              "QTimer.singleShot(1500, lambda: os.kill(os.getpid(), signal.SIGTERM))\n"
              "from accessally_desktop.app import main\nsys.exit(main([]))\n")
    done = subprocess.run([sys.executable, "-c", script], env=app_env(tmp_path, "slow_keyring.SlowKeyring"),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert '"geometry"' in (folder / "settings.json").read_text()


TYPED_THEN_TERMINATED = r"""
import os, signal, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
app = QApplication(sys.argv[:1])

def type_then_terminate():
    wizard = next((w for w in app.topLevelWidgets() if w.objectName() == "setup_wizard" and w.isVisible()), None)
    if wizard is None:
        QTimer.singleShot(100, type_then_terminate)
        return
    wizard.next()  # the site's page: the wizard puts the cursor in its first field
    field = wizard.findChild(QLineEdit, "wordpress.site_url")
    if TYPED:
        field.setText("https://members.example.com")  # not saved: closing would ask to discard it
    print("focused" if app.focusWidget() is field else "not focused", flush=True)
    QTimer.singleShot(300, lambda: os.kill(os.getpid(), signal.SIGTERM))

QTimer.singleShot(500, type_then_terminate)
TYPED = sys.argv[1] == "typed"
from accessally_desktop.app import main
sys.exit(main(["--sandbox"]))
"""


@pytest.mark.parametrize("typed", ["typed", "arrived"])
def test_sigterm_with_the_wizard_open_ends_at_once_without_asking_or_crashing(tmp_path: Path, typed: str) -> None:
    """SIGTERM quits without questions (the wizard's "Discard what you typed?" used to hold the app open
    for ever), and the windows end whole (a focused field losing focus as its window was destroyed crashed)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-c", TYPED_THEN_TERMINATED, typed],
                          env=app_env(tmp_path, "slow_keyring.SlowKeyring"), capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.split()[-1:] == ["focused"], done.stdout
    assert done.returncode == 0 and "Fatal Python error" not in done.stderr, done.stderr[-2000:]
    assert time.monotonic() - started < 20
