"""The running app's side of its own links (`accessally-desktop://…`): what the inbox's signals do to
the windows, the hand-off listener for copies started later, and, for the built app on Windows, the
registration of the links. Loaded after the window shows (see run.LINKS_AFTER_MS)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from .. import APP_NAME, url_scheme
from .handoff import HandoffServer
from .url_inbox import UrlInbox, url_inbox, watch_file_open_events

if TYPE_CHECKING:
    from ..sandbox import Sandbox
    from .main import AppController

log = logging.getLogger(__name__)


def receive_links(controller: AppController) -> UrlInbox:
    """The inbox, told (once) to bring the owner's window forward for each link, and to say so over it
    when a link arrives that nothing waits for."""
    inbox = url_inbox()
    if inbox.property("shows_over_windows"):
        return inbox
    inbox.setProperty("shows_over_windows", True)
    inbox.unclaimed.connect(lambda text: QTimer.singleShot(0, lambda: _tell(controller, text)))
    inbox.raise_requested.connect(lambda: _bring_to_front(controller))
    if sys.platform == "darwin":
        watch_file_open_events(inbox)
    return inbox


def take_links(controller: AppController, link: str | None, *, listen: bool) -> None:
    """After the window shows: listen for copies started later (when this copy holds the lock), register
    the links where the built app does that itself, then pass on the link this copy was started with."""
    inbox = receive_links(controller)
    if listen:
        server = HandoffServer(inbox)
        if server.listen():
            QApplication.instance().aboutToQuit.connect(server.close)
    try:
        for line in url_scheme.register_at_start():
            log.info("%s", line)
    except url_scheme.RegistrationError as exc:
        log.warning("links from the owner's site will not reach the app: %s", exc)
    if link is not None:  # the browser started this copy: nothing waits for it yet, as the inbox will say
        inbox.deliver(link)


def plug_sandbox_site(sandbox: Sandbox, inbox: UrlInbox) -> None:
    """In --sandbox, the site's stand-in approves "Connect my site" in one click, straight into this copy."""
    from ..sandbox.wordpress_authorize import authorize_page

    for server in sandbox.servers.values():
        if hasattr(server, "authorize_page"):  # the site's stand-in has the hook
            type(server).authorize_page = authorize_page(inbox.post)


def _front_window(controller: AppController) -> QWidget:
    return QApplication.activeModalWidget() or controller.wizard or controller.window


def _bring_to_front(controller: AppController) -> None:
    """Show the window the owner is working in (a dialog, the wizard, the main window)."""
    window = _front_window(controller)
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()


def _tell(controller: AppController, text: str) -> None:
    """Say it over the window the owner works in. (Never from inside the hand-off's read: the second
    copy waits for its answer.)"""
    QMessageBox.information(_front_window(controller), APP_NAME, text)
