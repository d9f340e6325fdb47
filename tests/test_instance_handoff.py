"""A second copy hands what it came for to the copy already open — the browser's link from the owner's
site, or "come to the front" — and exits at once; links arrive as one signal on the app's inbox."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from accessally_desktop.integrations.wordpress_authorize import CALLBACK_URL

LINK = f"{CALLBACK_URL}?state=S1&site_url=https%3A%2F%2Fexample.com&user_login=owner&password=abcd%20EFGH%20ijkl"

# The app as the command starts it, on its own folders, printing what its inbox passes on.
FIRST = r"""
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from accessally_desktop.ui.url_inbox import url_inbox
from PySide6.QtWidgets import QMessageBox
inbox = url_inbox()
if "--nothing-waits" in sys.argv:  # as when no "Your site" page waits for the site's answer
    sys.argv.remove("--nothing-waits")
else:
    inbox.url_received.connect(lambda url: print("LINK", url, flush=True))
inbox.raise_requested.connect(lambda: print("RAISED", flush=True))
QMessageBox.information = lambda parent, title, text, *a: print("TOLD", text, flush=True)
from accessally_desktop.app import main
sys.exit(main(sys.argv[1:]))
"""


def app_env(home: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="accessally_desktop.sandbox.keyring.MemoryKeyring",
               )
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    return env


class RunningApp:
    """The first copy, started as a subprocess; its printed lines are read as they come."""

    def __init__(self, home: Path, *args: str) -> None:
        self.env = app_env(home)
        self.config = home / "config" / "AccessAlly Desktop"
        self.process = subprocess.Popen([sys.executable, "-c", FIRST, *args], env=self.env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_listening(self, qtbot) -> None:
        name = Path(self.socket_name())

        def listening() -> bool:
            assert self.process.poll() is None, self.process.stderr.read()
            return name.exists()

        qtbot.waitUntil(listening, timeout=30000)

    def socket_name(self) -> str:
        from accessally_desktop.ui.handoff import socket_name

        return socket_name(self.config)

    def next_line(self, timeout: float = 20) -> str:
        return self.lines.get(timeout=timeout)

    def second_copy(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "accessally_desktop", *args], env=self.env,
                              capture_output=True, text=True, timeout=60)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.communicate(timeout=20)[1]
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("the first copy did not end")


@pytest.fixture
def first_copy(tmp_path: Path):
    app = RunningApp(tmp_path)
    yield app
    err = app.stop()
    assert "Traceback" not in err, err[-2000:]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM ends the first copy here")
def test_a_second_copy_with_a_link_hands_it_over_and_exits_without_a_window(qtbot, first_copy: RunningApp) -> None:
    first_copy.wait_listening(qtbot)
    second = first_copy.second_copy(LINK)
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    assert first_copy.next_line() == f"LINK {LINK}"  # exactly as the browser passed it
    assert first_copy.next_line() == "RAISED"  # and the window the owner works in comes to the front
    assert first_copy.process.poll() is None  # the first copy runs on


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM ends the first copy here")
def test_a_second_copy_without_a_link_brings_the_first_to_the_front(qtbot, first_copy: RunningApp) -> None:
    first_copy.wait_listening(qtbot)
    second = first_copy.second_copy()
    assert second.returncode == 0 and "Traceback" not in second.stderr, second.stderr
    assert first_copy.next_line() == "RAISED"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM ends the first copy here")
def test_the_listener_passes_on_only_the_apps_own_links(qtbot, first_copy: RunningApp) -> None:
    from PySide6.QtNetwork import QLocalSocket

    from accessally_desktop.ui.handoff import MAX_MESSAGE, hand_off

    first_copy.wait_listening(qtbot)
    assert hand_off("https://attacker.example/?state=S1", first_copy.socket_name())  # answered, dropped
    overlong = QLocalSocket()
    overlong.connectToServer(first_copy.socket_name())
    assert overlong.waitForConnected(2000)
    overlong.write(b"link " + LINK.encode() + b"&x=" + b"a" * MAX_MESSAGE)  # never ends its line
    overlong.waitForBytesWritten(2000)
    assert overlong.waitForDisconnected(5000), "an overlong message was not cut off"
    assert hand_off(LINK, first_copy.socket_name())
    assert first_copy.next_line() == f"LINK {LINK}"  # the first thing passed on is the good link


def test_a_copy_started_with_a_link_and_nothing_waiting_says_so(tmp_path: Path) -> None:
    """The owner closed the app before approving: the browser starts it with the link, nobody waits."""
    app = RunningApp(tmp_path, "--nothing-waits", LINK)
    try:
        lines = [app.next_line(), app.next_line()]
        told = next(line for line in lines if line.startswith("TOLD "))
        assert "was not waiting" in told and "Connect my site" in told and "RAISED" in lines
        assert "you can revoke that one" in told  # the password WordPress made for it is named
    finally:
        app.stop()


def test_with_nobody_listening_a_second_copy_says_the_app_is_open(qtbot, dialogs) -> None:
    """A lock held but no listener (a copy from before the hand-off, or one still starting): as before."""
    import argparse

    from accessally_desktop.ui.run import run_gui
    from accessally_desktop.ui.single_instance import instance_lock

    first = instance_lock()
    try:
        assert run_gui(argparse.Namespace(), link=LINK) == 0
    finally:
        first.release()
    assert dialogs.told and "already open" in dialogs.told[0]


def test_a_socket_file_of_another_user_is_never_connected_to(tmp_path: Path) -> None:
    from accessally_desktop.ui import handoff

    not_a_socket = tmp_path / "instance.sock"
    not_a_socket.write_text("")
    assert not handoff._ours(str(not_a_socket))
    assert not handoff.hand_off(LINK, str(not_a_socket))


def test_the_socket_is_per_config_folder_and_short_enough(tmp_path: Path) -> None:
    from accessally_desktop.ui.handoff import MAX_UNIX_SOCKET_PATH, socket_name

    near = socket_name(tmp_path / "a")
    assert near != socket_name(tmp_path / "b")
    deep = socket_name(tmp_path / ("x" * 120))
    assert len(os.fsencode(deep)) <= MAX_UNIX_SOCKET_PATH + 60 and deep == socket_name(tmp_path / ("x" * 120))
    assert deep != socket_name(tmp_path / ("y" * 120))


def test_a_link_from_a_mac_open_event_arrives_like_any_other(qapp, qtbot) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from accessally_desktop.ui.url_inbox import UrlInbox, watch_file_open_events

    inbox = UrlInbox()
    watch_file_open_events(inbox)
    try:
        with qtbot.waitSignal(inbox.url_received, timeout=1000) as received:
            QApplication.sendEvent(qapp, QFileOpenEvent(QUrl(LINK)))
    finally:
        qapp.removeEventFilter(inbox)
    assert received.args == [LINK]  # still %-encoded: "abcd%20EFGH" is not turned into spaces


def test_an_unclaimed_reject_does_not_mention_a_password(qtbot) -> None:
    from accessally_desktop.ui.url_inbox import UrlInbox

    inbox = UrlInbox()
    with qtbot.waitSignal(inbox.unclaimed) as told:
        inbox.deliver(f"{CALLBACK_URL}?state=S1&success=false")
    assert "was not waiting" in told.args[0] and "password" not in told.args[0]


def test_the_inbox_never_passes_on_another_scheme(qtbot) -> None:
    from accessally_desktop.ui.url_inbox import UrlInbox

    inbox = UrlInbox()
    got: list[str] = []
    inbox.url_received.connect(got.append)
    for other in ("https://example.com/?password=x", "file:///etc/passwd", "javascript:alert(1)",
                  LINK + "&pad=" + "a" * 9000):
        assert not inbox.deliver(other)
    assert got == []
    with qtbot.waitSignal(inbox.url_received):
        assert inbox.deliver(LINK.replace("accessally-desktop:", "AccessAlly-Desktop:"))
