"""“Connect my site”: open the site's Authorize Application page in the owner's browser and wait for the
site's answer, which comes back as one of the app's own links (ui/url_inbox.py).

The "Your site" page makes one `SiteConnect`, calls `start(endpoint, site_url)` with the authorization
endpoint from the site's REST index, and listens to `connected` / `failed`. `copy_paste_instead()`
opens the same page without a way back, so that WordPress shows the password for copying.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from ..integrations.wordpress_authorize import (
    APPROVE_BUTTON,
    Approval,
    authorize_url,
    new_state,
    read_callback,
)
from .url_inbox import UrlInbox, url_inbox

log = logging.getLogger(__name__)

WAIT_SECONDS = 10 * 60  # logging in, maybe a two-factor code, reading the page, approving
COPY_PASTE = "Copy the password instead"  # the page's fallback button (ui/wizard_pages.py)


def open_in_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url, QUrl.ParsingMode.StrictMode))


class SiteConnect(QObject):
    """Signals: connected(site_url, user_login, password) once the site approved this request;
    failed(message) — refused, timed out, a wrong answer or no browser — in words for the owner.
    One request at a time; a new `start` replaces the one before."""

    connected = Signal(str, str, str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, open_url: Callable[[str], bool] = open_in_browser,
                 inbox: UrlInbox | None = None, wait_seconds: float = WAIT_SECONDS) -> None:
        super().__init__(parent)
        self.open_url = open_url
        self.inbox = inbox or url_inbox()
        self.site = ""
        self._state: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(wait_seconds * 1000))
        self._timer.timeout.connect(self._timed_out)

    def waiting(self) -> bool:
        return self._state is not None

    def start(self, endpoint: str, site_url: str) -> bool:
        """Open the Authorize Application page, the way back included; False (and `failed`) if it cannot."""
        self._stop()
        self.site = urlsplit(site_url).hostname or site_url
        self._state = new_state()  # waiting before the browser opens: its answer can be quick
        self.inbox.url_received.connect(self._received)
        if not self._open(endpoint, self._state):
            self._stop()
            return False
        self._timer.start()
        log.info("connect: waiting for %s to approve", self.site)
        return True

    def copy_paste_instead(self, endpoint: str) -> bool:
        """Open the page without the way back: WordPress then shows the new password to copy and paste."""
        self._stop()
        return self._open(endpoint, None)

    def cancel(self) -> None:
        if self.waiting():
            log.info("connect: cancelled")
        self._stop()

    def _open(self, endpoint: str, state: str | None) -> bool:
        try:
            url = authorize_url(endpoint, state)
        except ValueError as exc:
            self.failed.emit(str(exc))
            return False
        if not self.open_url(url):
            self.failed.emit(f"The app could not open your web browser. Open this address in your browser, "
                             f"log in if asked and click “{APPROVE_BUTTON}”: {url}")
            return False
        return True

    def _received(self, url: str) -> None:
        answer = read_callback(url, self._state or "")
        self._stop()
        if isinstance(answer, Approval):
            log.info("connect: %s approved for user %s", answer.site_url, answer.user_login)
            self.connected.emit(answer.site_url, answer.user_login, answer.password)
        else:
            log.info("connect: the answer was refused: %s", answer.message)
            self.failed.emit(answer.message)

    def _timed_out(self) -> None:
        log.info("connect: no answer from %s in time", self.site)
        self._stop()
        self.failed.emit(
            f"No answer came back from {self.site}. In the browser tab that opened, log in if asked and click "
            f"“{APPROVE_BUTTON}”, then click “Connect my site” here again. If you approved and nothing came back, "
            f"or the browser could not open AccessAlly Desktop, click “{COPY_PASTE}”.")

    def _stop(self) -> None:
        if self._state is not None:
            self.inbox.url_received.disconnect(self._received)
        self._state = None
        self._timer.stop()
