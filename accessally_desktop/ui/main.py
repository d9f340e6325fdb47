"""Start the Qt application: settings loaded, keyring opened off the GUI thread, wizard or home window.

A crash dialog replaces a dead process: an unexpected exception is logged and shown, and the
window stays usable.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from concurrent.futures import Future

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QApplication, QLabel, QMainWindow, QMessageBox, QPushButton, QVBoxLayout, QWidget)

from .. import APP_NAME, __version__
from ..integrations import registry
from ..secrets import OpenedStore, PendingStore, open_store
from ..settings import Settings, SettingsStore
from ..storage import Storage, secret_names
from .widgets import StatusBadge
from .wizard import SetupWizard
from .workers import submit

log = logging.getLogger(__name__)


NO_KEYRING_NOTE = "⚠ No system keyring: secrets are kept in memory for this session only."


class AppController:
    """Owns the settings, the secret store (opening in the background) and the windows."""

    def __init__(self, settings_store: SettingsStore | None = None) -> None:
        self.settings_store = settings_store or SettingsStore()
        loaded = self.settings_store.load()
        self.settings: Settings = loaded.settings
        self.settings.current()
        self.load_problem = loaded.problem
        self.store_future: Future[OpenedStore] = Future()
        self.storage = Storage(self.settings_store, PendingStore(self.store_future))
        self.home = HomeWindow(self)
        self.wizard: SetupWizard | None = None
        submit(open_store, self._store_opened, self._store_failed)

    @property
    def site(self) -> str:
        return self.settings.last_site

    def start(self) -> None:
        self.home.show()
        if self.load_problem:
            self.home.add_notice(self.load_problem, "settings_notice")
        if not self.settings.current().configured:
            self.open_wizard()

    def _store_opened(self, opened: OpenedStore) -> None:
        self.store_future.set_result(opened)
        self.home.show_storage(opened)
        if opened.problem:
            self.home.add_notice(opened.problem, "keyring_notice")
            if self.wizard is not None:
                self.wizard.storage_note = self.home.tr(NO_KEYRING_NOTE)

    def _store_failed(self, exc: Exception) -> None:
        from ..secrets import NO_KEYRING_HELP, MemoryStore

        self._store_opened(OpenedStore(MemoryStore(), NO_KEYRING_HELP))

    def open_wizard(self) -> None:
        """Open the wizard prefilled: secrets are read on a worker first (the keyring may be slow)."""
        if self.wizard is not None:
            self.wizard.raise_()
            self.wizard.activateWindow()
            return
        self.home.set_busy(self.home.tr("Loading your saved setup…"))
        site = self.site
        names = secret_names()
        submit(lambda: self.storage.read_secrets(site, names), self._show_wizard, self._secrets_unreadable,
               context=self.home)

    def _secrets_unreadable(self, exc: Exception) -> None:
        self.home.add_notice(f"{exc} The wizard opened without your saved secrets.", "secrets_notice")
        self._show_wizard({})

    def _show_wizard(self, secrets: dict[str, str]) -> None:
        self.home.set_busy("")
        note = ""
        if self.store_future.done() and not self.store_future.result().store.persistent:
            note = self.home.tr(NO_KEYRING_NOTE)
        wizard = SetupWizard(self.storage, self.settings, self.site, secrets, storage_note=note, parent=None)
        wizard.saved.connect(self._wizard_saved)
        wizard.finished.connect(lambda *_: self._wizard_closed())
        self.wizard = wizard
        wizard.show()

    def _wizard_saved(self, settings: Settings) -> None:
        self.settings = settings
        self.home.refresh()

    def _wizard_closed(self) -> None:
        if self.wizard is not None:
            self.wizard.deleteLater()
        self.wizard = None


class HomeWindow(QMainWindow):
    """The window behind the wizard: each service's last result and "Run Setup Wizard…"."""

    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.setObjectName("home")
        self.setWindowTitle(APP_NAME)
        central = QWidget()
        layout = QVBoxLayout(central)
        self.notices = QVBoxLayout()
        self.site_label = QLabel()
        self.rows = QVBoxLayout()
        self.storage_label = QLabel(self.tr("Opening the system keyring…"))
        self.storage_label.setObjectName("storage_label")
        self.storage_label.setWordWrap(True)
        self.busy = QLabel()
        self.run_wizard = QPushButton(self.tr("Run &Setup Wizard…"))
        self.run_wizard.setObjectName("run_wizard")
        self.run_wizard.clicked.connect(controller.open_wizard)
        layout.addLayout(self.notices)
        layout.addWidget(self.site_label)
        layout.addLayout(self.rows)
        layout.addStretch(1)
        layout.addWidget(self.storage_label)
        layout.addWidget(self.busy)
        layout.addWidget(self.run_wizard)
        self.setCentralWidget(central)
        self.resize(760, 520)
        self.refresh()

    def refresh(self) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        profile = self.controller.settings.current()
        self.site_label.setText(self.tr("<h2>%s</h2>") % profile.name)
        if not profile.configured:
            self.rows.addWidget(QLabel(self.tr("Nothing is set up yet. Run the Setup Wizard to begin.")))
            return
        for service_id in profile.services():
            saved = profile.results.get(service_id)
            badge = StatusBadge()
            badge.setObjectName(f"home_{service_id}")
            name = registry.get(service_id).name
            if saved is None:
                badge.set_status("untested", f"{name}: not tested yet")
            else:
                account = f" — {saved.account_name}" if saved.account_name else ""
                badge.set_status("untested" if saved.untested else saved.status, f"{name}: {saved.message}{account}")
            self.rows.addWidget(badge)

    def add_notice(self, text: str, name: str) -> None:
        """A warning banner at the top: it informs without blocking the window."""
        notice = StatusBadge()
        notice.setObjectName(name)
        notice.set_status("untested", text)
        notice.setStyleSheet("background: palette(alternate-base); padding: 6px;")
        self.notices.addWidget(notice)

    def show_storage(self, opened: OpenedStore) -> None:
        self.storage_label.setText(self.tr("Secrets: %s") % opened.store.description)

    def set_busy(self, text: str) -> None:
        self.busy.setText(text)
        self.run_wizard.setEnabled(not text)


def _install_excepthook(app: QApplication) -> None:
    def hook(kind, value, tb) -> None:
        log.error("unexpected error", exc_info=(kind, value, tb))
        details = "".join(traceback.format_exception(kind, value, tb))[-4000:]
        box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME,
                          "Something went wrong inside the app. Your saved setup is safe. "
                          "If it happens again, please send the details to support.")
        box.setDetailedText(details)
        box.exec()

    sys.excepthook = hook


def run_gui(args: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    _install_excepthook(app)
    controller = AppController()
    QTimer.singleShot(0, controller.start)
    return app.exec()
