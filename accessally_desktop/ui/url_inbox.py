"""Where this app's own links (`accessally-desktop://…`) arrive, however they came: from a second copy
started by the browser (ui/handoff.py), from this copy's own command line, or on macOS as a
`QFileOpenEvent` on the application. One object per application; the UI connects to its signals.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QMetaMethod, QObject, Signal
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from ..integrations.wordpress_authorize import MAX_CALLBACK_LENGTH, carries_password, is_callback

log = logging.getLogger(__name__)

UNCLAIMED = ("Your site sent its answer to AccessAlly Desktop, but the app was not waiting for one (it was "
             "closed or the connection was cancelled after you clicked “Connect my site”), so nothing was "
             "saved. Click “Connect my site” again on the Your site page.")
UNUSED_PASSWORD = (" WordPress lists the password it made as “AccessAlly Desktop” in your profile, under "
                   "Application Passwords: you can revoke that one.")


class UrlInbox(QObject):
    """Signals: url_received(url) for each of the app's links (never any other), to whoever is waiting
    (ui.site_connect.SiteConnect connects while it waits); unclaimed(message) when a link arrives and
    nobody waits; raise_requested() when a second copy was started, to bring the window to the front."""

    url_received = Signal(str)
    unclaimed = Signal(str)
    raise_requested = Signal()
    _posted = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self.deliver)  # queued to this object's (the GUI) thread when posted from another

    def post(self, url: str) -> None:
        """`deliver`, from any thread (the sandbox's site stand-in answers on its own)."""
        self._posted.emit(url)

    def deliver(self, url: str) -> bool:
        """Pass on one of the app's links; anything else is dropped. Never logs the link: it holds a password."""
        if len(url) > MAX_CALLBACK_LENGTH or not is_callback(url):
            log.warning("ignored a link that is not one of this app's (%d characters)", len(url))
            return False
        if self.isSignalConnected(QMetaMethod.fromSignal(self.url_received)):
            log.info("a link from the owner's site arrived")
            self.url_received.emit(url)
        else:
            log.info("a link from the owner's site arrived while nothing was waiting for one")
            self.unclaimed.emit(UNCLAIMED + (UNUSED_PASSWORD if carries_password(url) else ""))
        self.raise_requested.emit()
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """macOS hands a link to the running app as a QFileOpenEvent on the application."""
        if isinstance(event, QFileOpenEvent) and event.url().scheme():
            # Encoded as it came: toString() would decode %20 and the like inside the values.
            self.deliver(bytes(event.url().toEncoded()).decode("ascii", "replace"))
            return True
        return False


def url_inbox() -> UrlInbox:
    """The application's inbox (made on first use, living as long as the QApplication)."""
    app = QApplication.instance()
    inbox = app.findChild(UrlInbox, "url_inbox")
    if inbox is None:
        inbox = UrlInbox(app)
        inbox.setObjectName("url_inbox")
    return inbox


def watch_file_open_events(inbox: UrlInbox) -> None:
    """Take links from macOS's open events (the app's Info.plist claims the scheme)."""
    QApplication.instance().installEventFilter(inbox)
