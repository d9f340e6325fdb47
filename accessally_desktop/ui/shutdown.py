"""Ending the app within seconds, whatever a worker is waiting for, and on SIGTERM as on Quit;
asking first when quitting would forget keys kept in memory only.

A worker can wait forever (a keyring unlock prompt nobody answers), and Qt's thread pool would
keep the process alive for it after the window is gone. So quitting waits a bounded time for
workers (a save in progress usually finishes in it), says what did not finish, and ends the
process outright if threads are still stuck.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from .. import APP_NAME
from ..secrets import SecretStore
from .workers import pool

log = logging.getLogger(__name__)

WORKER_WAIT_MS = 5000  # a journaled save takes well under a second, even on a slow keyring
UNFINISHED = ("A keyring call did not finish within {seconds} seconds (it may be waiting for an unlock prompt); "
              "your last change may not be saved. The app closed anyway.")

FORGET_ON_QUIT = ("Quit and forget your keys?\n\nThis computer has no password store, so the keys you entered are "
                  "kept only while the app is open. Next time you will need to enter them again.")


def confirm_forgetting(parent: QWidget | None, store: SecretStore) -> bool:
    """True to quit: nothing would be forgotten, or Discard (forget the keys); Cancel stays open."""
    if store.persistent or not getattr(store, "holds_secrets", False):
        return True
    Button = QMessageBox.StandardButton
    return QMessageBox.question(parent, APP_NAME, FORGET_ON_QUIT, Button.Discard | Button.Cancel,
                                Button.Cancel) == Button.Discard


def finish_workers(exit_code: int) -> int:
    """Wait a bounded time for the pool; if a worker is still stuck, say so and end the process now."""
    if pool().waitForDone(WORKER_WAIT_MS):
        return exit_code
    message = UNFINISHED.format(seconds=WORKER_WAIT_MS // 1000)
    log.warning(message)
    print(f"AccessAlly Desktop: {message}", file=sys.stderr, flush=True)
    logging.shutdown()  # flush the log files: os._exit skips every cleanup
    os._exit(exit_code)


def quit_on_termination(app: QApplication, quit_cleanly: Callable[[], None]) -> None:
    """SIGTERM (a logout, `kill`, a service manager) quits through the event loop, as Quit does.

    Python runs a signal handler only when the interpreter gets control; a short timer gives it
    that while Qt waits for events. The handler only schedules: the quit runs as a normal event.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, lambda *_: QTimer.singleShot(0, quit_cleanly))
    ticker = QTimer(app, interval=200)
    ticker.timeout.connect(lambda: None)
    ticker.start()

