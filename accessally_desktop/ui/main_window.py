"""The main window: navigation (Connections, Settings > Payment > CRM Integration), menus, toolbar,
the site-profile switcher; it remembers its size, position and last page."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabBar,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..diagnostics import diagnostics_text
from ..integrations import registry
from ..logs import recent_lines
from ..secrets import OpenedStore
from .dashboard import Dashboard
from .screen_fit import clamp_to_screen, fit_to_screen
from .widgets import StatusBadge, alt_letter, plain_text, set_by_key, window_title

if TYPE_CHECKING:
    from .main import AppController

PAGES = ("Connections", "Settings › Payment › CRM Integration")


class MainWindow(QMainWindow):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.setObjectName("main_window")
        self.setWindowTitle(APP_NAME)
        self.dashboard = Dashboard()
        self.dashboard.reserved_letters = lambda: [alt_letter(a.text()) for a in self.menuBar().actions()]
        self._crm_panel = None  # built when first shown: most starts never open it
        # Tabs over the pages: Tab reaches them and the arrow keys switch between the two sections.
        self.navigation = QTabBar()
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName(self.tr("Sections"))
        self.navigation.setDocumentMode(True)
        self.navigation.setExpanding(False)
        for page in PAGES:
            self.navigation.addTab(self.tr(page))
        self.pages = QStackedWidget()
        self.pages.addWidget(self.dashboard)
        self.pages.addWidget(QWidget())  # stands in for the CRM panel until it is first shown
        self.navigation.currentChanged.connect(self._navigate)

        self.notices = QVBoxLayout()
        self.busy = plain_text(QLabel())
        self.busy.setObjectName("busy_label")
        self.storage_label = plain_text(QLabel(self.tr("Opening the system keyring…")))  # may quote a keyring's error
        self.storage_label.setObjectName("storage_label")
        body = QWidget()
        column = QVBoxLayout(body)
        column.addLayout(self.notices)
        column.addWidget(self.navigation)
        column.addWidget(self.pages, 1)
        self.setCentralWidget(body)
        self.statusBar().addWidget(self.busy, 1)
        self.statusBar().addPermanentWidget(self.storage_label)

        self._make_actions()
        self.dashboard.test_requested.connect(controller.test)
        self.dashboard.fix_requested.connect(controller.fix)
        controller.site_changed.connect(self.refresh)
        controller.result_arrived.connect(self._result_arrived)
        controller.notice.connect(self.add_notice)
        for name, text in controller.notices.items():  # said before this window was built
            self.add_notice(text, name)
        if controller.store_future.done():
            self.show_storage(controller.store_future.result())
        fit_to_screen(self, 980, 680)
        self.refresh()

    # -- building ---------------------------------------------------------------------------------

    @property
    def crm_settings(self):
        """The Settings > Payment > CRM Integration panel, built (and loaded) on first use."""
        if self._crm_panel is None:
            self._crm_panel = self._make_crm_settings()
            placeholder = self.pages.widget(1)
            self.pages.insertWidget(1, self._crm_panel)
            self.pages.removeWidget(placeholder)
            placeholder.deleteLater()
            self._load_crm_settings()
        return self._crm_panel

    def _crm_panel_with_changes(self) -> bool:
        """Unapplied CRM settings exist (only possible once the panel was built)."""
        return self._crm_panel is not None and self._crm_panel.has_unapplied_changes()

    def _load_crm_settings(self) -> None:
        profile = self.controller.profile
        crm = profile.crm
        self._crm_panel.load(profile, self.controller.credentials(crm) if crm in registry.CRM_IDS else dict)

    def _make_crm_settings(self) -> QWidget:
        from .crm_settings import CrmSettingsPanel

        panel = CrmSettingsPanel(timeout=self.controller.test_timeout)
        panel.values_applied.connect(self._crm_values_applied)
        panel.applied.connect(self._crm_options_applied)
        panel.setup_wizard_requested.connect(lambda: self.controller.open_wizard())
        return panel

    def _action(self, text: str, slot: Callable[..., object], *, name: str = "", shortcut: str = "",
                tip: str = "") -> QAction:
        """One of the window's actions. Its shortcut is set from text, by Qt's property system: PySide's
        `QKeySequence` class (and its 70 standard keys) would otherwise load at start-up (see set_by_key)."""
        action = QAction(text, self)
        if name:
            action.setObjectName(name)
        if shortcut:
            set_by_key(action, "shortcut", shortcut)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        controller = self.controller
        self.run_wizard_action = self._action(self.tr("Run &Setup Wizard…"), lambda: controller.open_wizard(),
                                              name="run_wizard", shortcut="Ctrl+Shift+W")
        self.test_all_action = self._action(self.tr("&Test all connections"),
                                            lambda: controller.test(list(self.dashboard.rows)),
                                            name="test_all_action", shortcut="Ctrl+T")
        quit_action = self._action(self.tr("&Quit"), self.close, shortcut="Ctrl+Q")  # Cmd+Q on macOS
        self.add_site_action = self._action(self.tr("&Add site…"), self.ask_add_site)
        self.rename_site_action = self._action(self.tr("&Rename site…"), self.ask_rename_site)
        self.remove_site_action = self._action(self.tr("Re&move site…"), self.ask_remove_site)
        about = self._action(self.tr("&About %s") % APP_NAME, self.show_about)
        self.copy_diagnostics_action = self._action(
            self.tr("&Copy diagnostics"), self.copy_diagnostics, name="copy_diagnostics",
            tip=self.tr("Copy versions, last results and recent log lines (never a secret) for a support request"))
        self.export_action = self._action(
            self.tr("&Export Site Settings…"), self.export_site, name="export_site", shortcut="Ctrl+Shift+E",
            tip=self.tr("Save this site's settings to a file for another computer (never a password or API key)"))
        self.import_action = self._action(self.tr("&Import Site Settings…"), self.import_site, name="import_site",
                                          shortcut="Ctrl+Shift+I")

        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.run_wizard_action)
        file_menu.addAction(self.test_all_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.site_menu = self.menuBar().addMenu(self.tr("&Site"))
        self.site_group = QActionGroup(self)
        self.help_menu = help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.copy_diagnostics_action)
        help_menu.addAction(about)
        help_menu.aboutToShow.connect(self._add_help_links)

        toolbar = QToolBar(self.tr("Main"))
        toolbar.setObjectName("main_toolbar")
        set_by_key(toolbar, "toolButtonStyle", "ToolButtonTextOnly")
        toolbar.addAction(self.run_wizard_action)
        toolbar.addAction(self.test_all_action)
        toolbar.addSeparator()
        site_label = QLabel(self.tr(" S&ite: "))
        self.site_switcher = QComboBox()
        self.site_switcher.setObjectName("site_switcher")
        self.site_switcher.setAccessibleName(self.tr("Site"))
        self.site_switcher.setMinimumContentsLength(16)
        site_label.setBuddy(self.site_switcher)
        self.site_switcher.activated.connect(lambda i: self.switch_site(self.site_switcher.itemText(i)))
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(site_label)
        row.addWidget(self.site_switcher)
        toolbar.addWidget(holder)
        self.addToolBar(toolbar)

    # -- showing -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the current site: switcher, site menu, dashboard rows, CRM options."""
        settings = self.controller.settings
        profile = self.controller.profile
        sandbox = "SANDBOX (demo services, nothing real) — " if self.controller.sandbox else ""
        self.setWindowTitle(window_title(f"{sandbox}{profile.name}"))
        self.refresh_switcher()
        self.site_menu.clear()
        for name in settings.sites:
            action = QAction(name, self.site_group)
            action.setCheckable(True)
            action.setChecked(name == profile.name)
            action.triggered.connect(lambda _=False, n=name: self.switch_site(n))
            self.site_menu.addAction(action)
        self.site_menu.addSeparator()
        self.site_menu.addActions([self.add_site_action, self.rename_site_action, self.remove_site_action])
        self.remove_site_action.setEnabled(len(settings.sites) > 1)
        self.dashboard.set_profile(profile)
        self.test_all_action.setEnabled(bool(self.dashboard.rows))
        if self._crm_panel is not None:
            self._load_crm_settings()

    def refresh_switcher(self) -> None:
        self.site_switcher.blockSignals(True)
        self.site_switcher.clear()
        self.site_switcher.addItems(list(self.controller.settings.sites))
        self.site_switcher.setCurrentText(self.controller.site)
        self.site_switcher.blockSignals(False)

    def _navigate(self, index: int) -> None:
        if index < 0 or index == self.pages.currentIndex():
            return
        if self._crm_panel_with_changes() and not self._crm_panel.confirm_leave():
            self.navigation.blockSignals(True)
            self.navigation.setCurrentIndex(self.pages.currentIndex())
            self.navigation.blockSignals(False)
            return
        if index == 1:
            self.crm_settings  # noqa: B018 - builds the panel on first view
        self.pages.setCurrentIndex(index)

    def _crm_values_applied(self, service_id: str, values: dict[str, str]) -> None:
        """A changed non-secret value (Drip's account): its last test was for the old one."""
        profile = self.controller.profile
        changed = profile.values.get(service_id) != values
        profile.values[service_id] = dict(values)
        previous = profile.results.get(service_id)
        if previous is not None and changed:
            previous.untested = True
            previous.message = self.tr("The account changed in Settings; test it again.")
        self.dashboard.set_profile(profile)

    def _crm_options_applied(self, options) -> None:
        self.controller.profile.options = options
        self.controller.save_settings()
        self.dashboard.show_findings(self.controller.profile)  # the site is held against the new options

    def _result_arrived(self, _service_id: str) -> None:
        """A new result of the site (its pages) or of its CRM (the account id expected there) changes the
        site's findings on both pages."""
        self.dashboard.show_findings(self.controller.profile)
        if self._crm_panel is not None:
            self._crm_panel.show_site_findings()

    def add_notice(self, text: str, name: str) -> None:
        """A warning banner at the top: it informs without blocking the window."""
        old = self.findChild(StatusBadge, name)
        if old is not None:
            old.deleteLater()
        notice = StatusBadge()
        notice.setObjectName(name)
        notice.set_status("untested", text)
        notice.setStyleSheet("background: palette(alternate-base); padding: 6px;")
        self.notices.addWidget(notice)

    def show_storage(self, opened: OpenedStore) -> None:
        where = opened.store.shown_as
        self.storage_label.setText(self.tr("Keys kept in your %s") % where if opened.store.persistent
                                   else self.tr("Keys kept in %s") % where)

    def set_busy(self, text: str) -> None:
        self.busy.setText(text)
        self.run_wizard_action.setEnabled(not text)

    # -- site profiles -------------------------------------------------------------------------------

    def switch_site(self, name: str) -> None:
        """Switch sites, asking first about unapplied CRM settings of the current one."""
        if self._crm_panel_with_changes() and not self._crm_panel.confirm_leave():
            self.refresh_switcher()
            return
        self.controller.switch_site(name)

    def ask_add_site(self) -> None:
        from . import site_dialogs

        name = site_dialogs.ask_site_name(self, self.tr("Add site"), self.tr("&Name of the new site:"),
                                          self.controller.settings.sites, accept_text=self.tr("&Add site"))
        if name is not None:
            problem = self.controller.add_site(name)
            if problem:
                QMessageBox.warning(self, self.tr("Add site"), problem)

    def ask_rename_site(self) -> None:
        from . import site_dialogs

        old = self.controller.site
        name = site_dialogs.ask_site_name(self, self.tr("Rename site"), self.tr("&New name for “%s”:") % old,
                                          self.controller.settings.sites, name=old, accept_text=self.tr("&Rename"))
        if name is not None and name != old:
            self.controller.rename_site(old, name, self._site_change_done)

    def ask_remove_site(self) -> None:
        from . import site_dialogs

        name = self.controller.site
        if site_dialogs.confirm_remove(self, name):
            self.controller.remove_site(name, self._site_change_done)

    def _site_change_done(self, problem: str | None) -> None:
        if problem:
            QMessageBox.warning(self, APP_NAME, problem)

    def export_site(self) -> None:
        from .transfer_export import export_site  # loaded when first used: ~40 ms of the start-up

        export_site(self)

    def import_site(self) -> None:
        from .transfer_import import import_site

        import_site(self)

    def copy_diagnostics(self) -> None:
        future = self.controller.store_future
        where = future.result().store.description if future.done() else "still opening"
        text = diagnostics_text(self.controller.settings, where, recent_lines(200))
        QApplication.clipboard().setText(text)
        self.statusBar().showMessage(self.tr("Diagnostics copied to the clipboard (no secrets included)."), 8000)

    def _add_help_links(self) -> None:
        """Once, when the Help menu first opens: the links load every service's module."""
        from .help import add_help_links

        self.help_menu.aboutToShow.disconnect(self._add_help_links)
        add_help_links(self.help_menu, before=self.copy_diagnostics_action)

    def show_about(self) -> None:
        from .help import show_about

        show_about(self)

    # -- window state -------------------------------------------------------------------------------

    def restore_state(self) -> None:
        state = self.controller.settings.window
        geometry = state.get("geometry")
        if isinstance(geometry, str) and geometry.isascii():  # base64 text; the settings load says of any other
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
            clamp_to_screen(self)  # remembered on a bigger screen, or at a smaller scale
        page = state.get("page", 0)
        self.navigation.setCurrentIndex(page if isinstance(page, int) and 0 <= page < len(PAGES) else 0)

    def state(self) -> dict[str, object]:
        """Where the window is and which page it shows, for the settings file."""
        return {"geometry": bytes(self.saveGeometry().toBase64()).decode("ascii"), "page": self.pages.currentIndex()}

    def closeEvent(self, event) -> None:
        if self._crm_panel_with_changes() and not self._crm_panel.confirm_leave():
            event.ignore()
            return
        if not self.controller.may_quit():  # keys kept in memory only would be forgotten
            event.ignore()
            return
        self.controller.cancel_tests()
        self.controller.remember_window()  # on exit, written before the process ends
        wizard = self.controller.wizard
        if wizard is not None:
            wizard.close()
        event.accept()
        QApplication.instance().quit()
