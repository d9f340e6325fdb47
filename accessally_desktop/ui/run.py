"""Start the Qt application and run it around an `AppController`; a crash dialog replaces a dead
process, and quitting always ends it (see `shutdown`)."""

from __future__ import annotations

import argparse
import linecache
import logging
import os
import sys
import threading
import traceback

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from .. import APP_NAME, __version__
from ..logs import setup_logging
from ..secrets import MemoryStore
from ..settings import SettingsStore, config_dir
from .main import AppController
from .shutdown import finish_workers, quit_on_termination
from .single_instance import instance_lock
from .url_inbox import UrlInbox, url_inbox, watch_file_open_events
from .widgets import app_icon

log = logging.getLogger(__name__)

# The hand-off listener (and, on Windows, the registration of the app's links) start this long after the
# window: QtNetwork is ~15 ms of a start. A copy started before then is told that one is already open.
LISTEN_AFTER_MS = 300


def _install_excepthook() -> None:
    def hook(kind, value, tb) -> None:
        log.error("unexpected error", exc_info=(kind, value, tb))
        if QApplication.instance() is None or threading.current_thread() is not threading.main_thread():
            return  # a dialog needs the GUI thread and a live app: the log has it
        details = "".join(traceback.format_exception(kind, value, tb))[-4000:]
        box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME,
                          "Something went wrong inside the app. Your saved setup is safe. "
                          "If it happens again, please send the details to support.")
        box.setDetailedText(details)
        box.exec()

    sys.excepthook = hook


def run_gui(args: argparse.Namespace, link: str | None = None) -> int:
    """The window; `link` is one of the app's own links the browser started this copy with."""
    # PySide6 reads the source of each module imported after it (looking for `from __feature__`),
    # and linecache keeps it all, ~3 MB by now; a traceback reads what it needs again.
    linecache.clearcache()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    setup_logging()  # its first line says the app started, once the keyring is open (see _store_opened)
    _install_excepthook()
    if getattr(args, "sandbox", False):
        return _run_sandbox(app, args)
    lock = instance_lock()
    if lock.open_elsewhere:
        from .handoff import hand_off

        if hand_off(link):  # the running copy has the link, or comes to the front
            return 0
        QMessageBox.information(None, APP_NAME, "AccessAlly Desktop is already open on this computer. "
                                "Switch to that window: two copies could overwrite each other's settings.")
        return 0
    try:
        controller = AppController()
        if lock.problem:
            controller.say(lock.problem, "lock_notice")
        inbox = url_inbox()
        inbox.unclaimed.connect(lambda text: QTimer.singleShot(0, lambda: _tell(controller, text)))
        inbox.raise_requested.connect(lambda: _bring_to_front(controller))
        if sys.platform == "darwin":
            watch_file_open_events(inbox)
        if lock.lock is not None:
            QTimer.singleShot(LISTEN_AFTER_MS, lambda: _listen(inbox))
        if link is not None:  # the browser started this copy: nothing waits for it, as the inbox will say
            QTimer.singleShot(LISTEN_AFTER_MS, lambda: inbox.deliver(link))
        return _run(app, controller, args)
    finally:
        lock.release()


def _run(app: QApplication, controller: AppController, args: argparse.Namespace) -> int:
    """Start the controller once the event loop runs; when it ends, stop the live tests and give
    workers (a save, a keyring call) a bounded time to finish, then end (see shutdown)."""
    QTimer.singleShot(0, lambda: _start(app, controller))
    if getattr(args, "exit_when_ready", False):
        QTimer.singleShot(0, lambda: _exit_when_ready(app, controller))
    quit_on_termination(app, controller.quit)
    app.commitDataRequest.connect(lambda _: controller.remember_window())  # the desktop session is ending
    code = 1
    try:
        code = app.exec()
        return code
    finally:
        controller.cancel_tests()
        finish_workers(code)


def _start(app: QApplication, controller: AppController) -> None:
    """Start; should that fail, show the crash dialog and end, rather than run on with no window
    (holding the instance lock, so that every later start would say the app is already open)."""
    try:
        controller.start()
    except Exception:  # noqa: BLE001 - whatever it was, the dialog and the log say it
        sys.excepthook(*sys.exc_info())
        if not controller.window_shown():
            app.exit(1)


def _listen(inbox: UrlInbox) -> None:
    """Take links and "come to the front" from copies started later (see handoff); on Windows, the
    built app's first start registers its links."""
    from .. import url_scheme
    from .handoff import HandoffServer

    server = HandoffServer(inbox)
    if server.listen():
        QApplication.instance().aboutToQuit.connect(server.close)
    try:
        for line in url_scheme.register_at_start():
            log.info("%s", line)
    except url_scheme.RegistrationError as exc:
        log.warning("links from the owner's site will not reach the app: %s", exc)


def _front_window(controller: AppController) -> QWidget:
    return QApplication.activeModalWidget() or controller.wizard or controller.window


def _bring_to_front(controller: AppController) -> None:
    """A second copy was started: show the window the owner is working in (a dialog, the wizard, the main window)."""
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


def _exit_when_ready(app: QApplication, controller: AppController) -> None:
    """--exit-when-ready (a build's smoke test): exit 0 once a window is shown and the keyring opened."""
    if controller.window_shown() and controller.store_future.done():
        log.info("ready; secrets go to %s; exiting as asked", controller.store_future.result().store.description)
        app.exit(0)
    else:
        QTimer.singleShot(20, lambda: _exit_when_ready(app, controller))


def _run_sandbox(app: QApplication, args: argparse.Namespace) -> int:
    """Every service played by a local stand-in; settings in their own folder, secrets in memory only."""
    from ..sandbox import Sandbox

    sandbox = Sandbox()
    os.environ.update(sandbox.env)
    try:
        return _run(app, AppController(SettingsStore(config_dir() / "sandbox"), secret_store=MemoryStore(),
                                       sandbox=sandbox.demo_credentials()), args)
    finally:
        sandbox.stop()
