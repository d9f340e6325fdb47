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
from types import ModuleType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import APP_NAME, __version__
from ..logs import setup_logging
from ..secrets import MemoryStore
from ..settings import SettingsStore, config_dir
from .main import AppController
from .shutdown import finish_workers, quit_on_termination
from .single_instance import instance_lock
from .widgets import app_icon

log = logging.getLogger(__name__)

# The app's own links (ui/app_links.py) are taken this long after the window shows: their modules and
# QtNetwork are ~20 ms of a start. A copy started before then is told that one is already open.
LINKS_AFTER_MS = 300


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
        if sys.platform == "darwin":  # there the link that starts the app comes early, as an open event
            _app_links().receive_links(controller)
        QTimer.singleShot(LINKS_AFTER_MS, lambda: _app_links().take_links(controller, link,
                                                                          listen=lock.lock is not None))
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
        for window in app.topLevelWidgets():  # hidden while whole: a focused field losing focus as its window
            window.hide()                     # is destroyed runs its slots on half-deleted widgets (a crash)
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


def _exit_when_ready(app: QApplication, controller: AppController) -> None:
    """--exit-when-ready (a build's smoke test): exit 0 once a window is shown and the keyring opened."""
    if controller.window_shown() and controller.store_future.done():
        log.info("ready; secrets go to %s; exiting as asked", controller.store_future.result().store.description)
        app.exit(0)
    else:
        QTimer.singleShot(20, lambda: _exit_when_ready(app, controller))


def _app_links() -> ModuleType:
    from . import app_links

    return app_links


def _run_sandbox(app: QApplication, args: argparse.Namespace) -> int:
    """Every service played by a local stand-in; settings in their own folder, secrets in memory only."""
    from ..sandbox import Sandbox

    sandbox = Sandbox()
    os.environ.update(sandbox.env)
    try:
        controller = AppController(SettingsStore(config_dir() / "sandbox"), secret_store=MemoryStore(),
                                   sandbox=sandbox.demo_credentials())
        _app_links().plug_sandbox_site(sandbox, _app_links().receive_links(controller))
        return _run(app, controller, args)
    finally:
        sandbox.stop()
