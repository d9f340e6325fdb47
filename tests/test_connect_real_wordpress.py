"""“Connect my site” against a real WordPress 6.1 (tests/support/real_wordpress.py), end to end: the app
opens the Authorize Application page its REST index names, the admin approves, the browser starts a
second copy of the app with the answer, the running copy's controller connects, and the password it got
really opens the REST API."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from queue import Queue

import httpx
import pytest

# The running app, with the "Your site" page's controller waiting for the site: it prints the address it
# would open in the browser, then what the controller says.
WAITING_APP = r"""
import os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])

def connect():
    from accessally_desktop.ui.site_connect import SiteConnect
    global controller
    controller = SiteConnect(open_url=lambda url: print("OPEN", url, flush=True) or True)
    controller.connected.connect(lambda site, user, password: print("CONNECTED", site, user, password, flush=True))
    controller.failed.connect(lambda message: print("FAILED", message, flush=True))
    controller.start(os.environ["ENDPOINT"], os.environ["SITE"])

QTimer.singleShot(0, connect)
from accessally_desktop.app import main
sys.exit(main([]))
"""


def route(site, path: str) -> str:
    """A REST route in the query, as plain permalinks need (rest_index ends in "?rest_route=/")."""
    return site.rest_index.replace("rest_route=/", f"rest_route={path}")


def endpoint_of(site) -> str:
    """The authorize page as the site's REST index names it (never built by hand)."""
    index = httpx.get(site.rest_index, timeout=30).json()
    return index["authentication"]["application-passwords"]["endpoints"]["authorization"]


class App:
    def __init__(self, home: Path, site) -> None:
        self.env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ENDPOINT=endpoint_of(site), SITE=site.url,
                        PYTHON_KEYRING_BACKEND="accessally_desktop.sandbox.keyring.MemoryKeyring")
        for name in ("CONFIG", "DATA", "CACHE", "STATE"):
            self.env[f"XDG_{name}_HOME"] = str(home / name.lower())
        self.config = home / "config" / "AccessAlly Desktop"
        self.process = subprocess.Popen([sys.executable, "-c", WAITING_APP], env=self.env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: Queue[str] = Queue()
        threading.Thread(target=lambda: [self.lines.put(line.rstrip("\n")) for line in self.process.stdout],
                         daemon=True).start()

    def said(self, word: str) -> str:
        line = self.lines.get(timeout=30)
        assert line.startswith(f"{word} "), line
        return line[len(word) + 1:]

    def wait_listening(self, qtbot) -> None:
        from accessally_desktop.ui.handoff import socket_name

        def listening() -> bool:
            assert self.process.poll() is None, "the app ended before it listened"
            return Path(socket_name(self.config)).exists()

        qtbot.waitUntil(listening, timeout=30000)

    def browser_opens(self, link: str) -> subprocess.CompletedProcess:
        """What the system does with the app's link: start the app with it."""
        return subprocess.run([sys.executable, "-m", "accessally_desktop", link], env=self.env,
                              capture_output=True, text=True, timeout=60)

    def stop(self) -> None:
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        assert "Traceback" not in err, err[-2000:]


@pytest.fixture
def app(real_wordpress, tmp_path: Path):
    running = App(tmp_path, real_wordpress)
    yield running
    running.stop()


@pytest.mark.skipif(sys.platform == "win32", reason="the running copy is ended with SIGTERM")
def test_approving_in_the_browser_connects_the_app_with_a_working_password(qtbot, real_wordpress, app: App) -> None:
    from accessally_desktop.integrations.wordpress_authorize import APP_ID, APP_NAME

    opened = app.said("OPEN")
    with contextlib.closing(real_wordpress.login(real_wordpress.admin)) as browser:
        approval = real_wordpress.approve(browser, opened)
    assert approval.location and approval.location.startswith("accessally-desktop://wordpress-connected?state=")
    app.wait_listening(qtbot)
    second = app.browser_opens(approval.location)
    assert second.returncode == 0 and "Traceback" not in second.stderr, second.stderr
    site, user, password = app.said("CONNECTED").split(" ", 2)
    assert user == real_wordpress.admin.login and site == real_wordpress.url
    me = httpx.get(route(real_wordpress, "/wp/v2/users/me&context=edit"), auth=(user, password), timeout=30)
    assert me.status_code == 200 and me.json()["username"] == real_wordpress.admin.login
    # WordPress keeps the app's name and fixed id with the password, so the owner can tell it apart.
    mine = httpx.get(route(real_wordpress, f"/wp/v2/users/{me.json()['id']}/application-passwords"),
                     auth=(user, password), timeout=30).json()
    assert any(entry["name"].startswith(f"{APP_NAME} on ") and entry["app_id"] == APP_ID for entry in mine)


@pytest.mark.skipif(sys.platform == "win32", reason="the running copy is ended with SIGTERM")
def test_rejecting_in_the_browser_says_what_to_click(qtbot, real_wordpress, app: App) -> None:
    opened = app.said("OPEN")
    with contextlib.closing(real_wordpress.login(real_wordpress.admin)) as browser:
        location = real_wordpress.reject(browser, opened)
    app.wait_listening(qtbot)
    assert app.browser_opens(location).returncode == 0
    assert "Yes, I approve of this connection" in app.said("FAILED")
