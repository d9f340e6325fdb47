"""The app's controller: settings, the keyring (opened off the GUI thread), windows, live tests.

`AppController` owns the data flow — which site, its settings, its secrets, the live tests and
saving their results; the windows only show and ask. `run` starts the application around it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from .. import APP_NAME, __version__, integrations
from ..integrations import DEFAULT_TIMEOUT, Status, registry
from ..secrets import (
    KeyringLockedError,
    MemoryStore,
    OpenedStore,
    PendingStore,
    SecretStore,
    no_keyring_help,
    open_store,
)
from ..settings import Settings, SettingsStore, SiteProfile, site_name_problem
from ..storage import (
    SaveError,
    SettingsWriter,
    Storage,
    saved_result,
    secret_names,
    settings_renamed,
    settings_without,
    values_for,
)
from .pages import PageId, page_for
from .shutdown import confirm_forgetting
from .workers import LiveTest, submit, warm_up

if TYPE_CHECKING:
    from ..integrations import CheckResult
    from .main_window import MainWindow
    from .wizard import SetupWizard

log = logging.getLogger(__name__)

NO_KEYRING_NOTE = "⚠ This computer has no password store: your keys are kept in memory for this session only."


class AppController(QObject):
    """Signals: site_changed() when the current site or its saved data changed; notice(text, name)."""

    site_changed = Signal()
    notice = Signal(str, str)
    result_arrived = Signal(str)  # a service's saved result was updated

    def __init__(self, settings_store: SettingsStore | None = None, *,
                 test_timeout: float = DEFAULT_TIMEOUT, secret_store: SecretStore | None = None,
                 sandbox: dict[str, dict[str, str]] | None = None) -> None:
        super().__init__()
        self.settings_store = settings_store or SettingsStore()
        loaded = self.settings_store.load()
        self.settings_store.remove_leftovers()  # before this copy writes anything: no save of ours to race
        self.settings: Settings = loaded.settings
        self.settings.current()
        self.test_timeout = test_timeout
        self.sandbox = sandbox  # demo credentials, in sandbox mode
        self.store_future: Future[OpenedStore] = Future()
        self.storage = Storage(self.settings_store, PendingStore(self.store_future))
        self.writer = SettingsWriter(self.settings_store)
        self.wizard: SetupWizard | None = None  # while it is open
        self.running: dict[str, LiveTest] = {}
        self.notices: dict[str, str] = {}  # name -> text: warnings the main window shows, even one built later
        if loaded.problem:
            self.say(loaded.problem, "settings_notice")
        self._window: MainWindow | None = None
        self._given_store = secret_store

    @property
    def window(self) -> MainWindow:
        """The main window, built when first needed: a first start opens the setup wizard alone."""
        if self._window is None:
            from .main_window import MainWindow

            self._window = MainWindow(self)
            self._window.dashboard.keys_lost = lambda service_id: self.storage.keys_lost(self.profile, service_id)
        return self._window

    # -- start ---------------------------------------------------------------------------------------

    @property
    def site(self) -> str:
        return self.settings.last_site

    @property
    def profile(self) -> SiteProfile:
        return self.settings.current()

    def start(self) -> None:
        if self.profile.configured or self.notices:  # a notice needs the main window to be seen
            self.show_window()
        if self._given_store is not None:
            self._store_opened(OpenedStore(self._given_store))
        else:
            # Keyring discovery imports every backend (~160 ms of CPU): after the window is up.
            QTimer.singleShot(0, lambda: submit(open_store, self._store_opened, self._store_failed, context=self))
        if not self.profile.configured:
            self.open_wizard()

    def show_window(self) -> None:
        """Show the main window where it was last left (the first time it is shown)."""
        window = self.window
        if not window.isVisible():
            window.restore_state()
            window.show()

    def window_shown(self) -> bool:
        """The app is on screen: its main window, or on a first start the wizard."""
        return any(w is not None and w.isVisible() for w in (self._window, self.wizard))

    def say(self, text: str, name: str) -> None:
        """A warning for the main window (replacing an earlier one of the same name)."""
        self.notices[name] = text
        self.notice.emit(text, name)

    def _store_opened(self, opened: OpenedStore) -> None:
        log.info("%s %s started; secrets go to %s", APP_NAME, __version__, opened.store.description)
        self.store_future.set_result(opened)
        submit(self._recover, lambda notice: notice and self.say(notice, "recovery_notice"), context=self)
        services = self.profile.services()  # whatever a first test would load, loaded before it
        warm_up(services, self)
        if self._window is not None:
            self._window.show_storage(opened)
            self._window.dashboard.show_saved(self.profile)  # a key that was kept in memory is gone now
        if opened.problem:
            self.say(opened.problem, "keyring_notice")
            if self.wizard is not None:
                self.wizard.storage_note = self.tr(NO_KEYRING_NOTE)
                self.wizard.welcome.show_storage(opened.problem)

    def _recover(self) -> str:
        """A save cut short by a crash, kill or logout is finished or undone before anything else."""
        return self.storage.recover()

    def _store_failed(self, exc: Exception) -> None:
        self._store_opened(OpenedStore(MemoryStore(), no_keyring_help()))

    def may_quit(self) -> bool:
        """Ask first when quitting forgets keys kept in memory; never in the sandbox, where that is the point."""
        return self.sandbox is not None or confirm_forgetting(self._window, self.storage.secrets)

    # -- saving ------------------------------------------------------------------------------------

    def save_settings(self) -> None:
        """Write the settings in the background, newest wins; a failure is said, never lost silently."""
        submit(self.writer.snapshot(self.settings), lambda _: None, self._save_failed, context=self)

    def _save_failed(self, exc: Exception) -> None:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        self.say(self.tr("Your settings could not be saved to %s (%s).") % (self.settings_store.directory, reason),
                 "save_notice")

    # -- sites -------------------------------------------------------------------------------------

    def switch_site(self, name: str) -> None:
        if name == self.site or name not in self.settings.sites:
            return
        self.cancel_tests()
        self.settings.last_site = name
        self.save_settings()
        self.site_changed.emit()
        if not self.profile.configured:
            self.open_wizard()

    def add_site(self, name: str) -> str | None:
        """Create a site profile and switch to it; returns a problem to show, or None."""
        name = name.strip()
        problem = site_name_problem(name, self.settings.sites)
        if problem:
            return problem
        self.settings.sites[name] = SiteProfile(name)
        self.switch_site(name)
        return None

    def rename_site(self, old: str, new: str, on_done: Callable[[str | None], None]) -> None:
        """Rename a site: its keyring entries move with it, all or nothing (on a worker)."""
        if self.wizard is not None:  # its Finish saves the site under the name it opened with
            on_done(self.tr("Finish or close the setup wizard first, then rename the site."))
            return
        new = new.strip()
        problem = site_name_problem(new, self.settings.sites)
        if problem:
            on_done(problem)
            return
        renamed = settings_renamed(self.settings, old, new)
        names = secret_names()

        def move() -> None:  # one save: a crash half-way leaves no secret under a name no site has
            secrets = self.storage.read_secrets(old, names)
            self.storage.commit_sites(renamed, {new: secrets, old: {name: None for name in secrets}})

        def done(_: object) -> None:
            self.settings = renamed
            self.site_changed.emit()
            on_done(None)

        submit(move, done, lambda exc: on_done(str(exc) if isinstance(exc, SaveError) else repr(exc)), context=self)

    def remove_site(self, name: str, on_done: Callable[[str | None], None]) -> None:
        """Remove a site and every secret it had (on a worker)."""
        if self.wizard is not None:  # its Finish would bring the site back, without its secrets
            on_done(self.tr("Finish or close the setup wizard first, then remove the site."))
            return
        remaining = settings_without(self.settings, name)
        remaining.current()

        def done(_: object) -> None:
            self.settings = remaining
            self.site_changed.emit()
            on_done(None)

        submit(lambda: self.storage.delete_site(self.settings, name), done,
               lambda exc: on_done(str(exc)), context=self)

    # -- the wizard --------------------------------------------------------------------------------

    def open_wizard(self, start: PageId = PageId.WELCOME, needed: frozenset[str] = frozenset()) -> None:
        """Open the wizard prefilled: secrets are read on a worker first (the keyring may be slow).

        `needed` names fields to point out ("stripe.secret_key"); the wizard then starts at the first.
        """
        if self.wizard is not None:
            self.wizard.raise_()
            self.wizard.activateWindow()
            return
        site = self.site
        if not self.profile.configured:
            self._show_wizard(site, {}, start, needed)  # nothing saved yet: no keyring to wait for
            return
        self.window.set_busy(self.tr("Loading your saved setup…"))
        submit(lambda: self.storage.read_secrets(site, secret_names()),
               lambda secrets: self._show_wizard(site, secrets, start, needed),
               lambda exc: self._secrets_unreadable(site, exc, start, needed), context=self)

    def fix(self, service_id: str) -> None:
        """Open the service's page, pointing out any required value the saved settings lack."""
        from .dashboard import needed_fields

        needed = frozenset(f"{service_id}.{f.name}" for f in needed_fields(service_id, self.profile))
        self.open_wizard(page_for(service_id), needed)

    def _secrets_unreadable(self, site: str, exc: Exception, start: PageId, needed: frozenset[str]) -> None:
        self.say(self.tr("%s The wizard opened without your saved secrets.") % exc, "secrets_notice")
        self._show_wizard(site, None, start, needed)

    def _show_wizard(self, site: str, secrets: dict[str, str] | None, start: PageId,
                     needed: frozenset[str] = frozenset()) -> None:
        """`secrets` None: the keyring could not be read, so Finish must not touch what it never saw."""
        if self._window is not None:
            self._window.set_busy("")
        if site != self.site or self.wizard is not None:
            return
        note = problem = ""
        if self.store_future.done() and not self.store_future.result().store.persistent:
            note, problem = self.tr(NO_KEYRING_NOTE), self.store_future.result().problem
        from .wizard import SetupWizard  # a configured site starts on the main window: ~10 ms it need not pay

        wizard = SetupWizard(self.storage, self.settings, site, secrets or {}, storage_note=note,
                             test_timeout=self.test_timeout, start=start, sandbox=self.sandbox, needed=needed,
                             secrets_known=secrets is not None, current=lambda: self.settings, parent=None)
        if problem:
            wizard.welcome.show_storage(problem)
        wizard.saved.connect(self._wizard_saved)
        wizard.finished.connect(lambda *_: self._wizard_closed())
        self.wizard = wizard
        wizard.show()

    def _wizard_saved(self, settings: Settings) -> None:
        self.settings = settings
        self.site_changed.emit()

    def _wizard_closed(self) -> None:
        if self.wizard is not None:
            self.wizard.deleteLater()
        self.wizard = None
        self.show_window()  # after a first start's wizard, finished or not, the main window takes over

    # -- live tests from the dashboard -----------------------------------------------------------

    def credentials(self, service_id: str) -> Callable[[], dict[str, str]]:
        """A call (for a worker) that returns the service's saved values, secrets from the keyring."""
        profile, site = self.profile, self.site
        return lambda: values_for(profile, service_id, self.storage.read_secrets(site, secret_names([service_id])))

    def test(self, service_ids: list[str]) -> None:
        """Test the services at the same time; each row updates as its answer arrives."""
        services = [s for s in service_ids if s not in self.running and s in self.profile.services()]
        if not services:
            return
        site = self.site
        for service_id in services:
            self.window.dashboard.rows[service_id].set_running(True)
        names = secret_names(services)
        submit(lambda: self.storage.read_secrets(site, names),
               lambda secrets: self._start_tests(site, services, secrets),
               lambda exc: self._tests_failed(services, exc), context=self)

    def _start_tests(self, site: str, services: list[str], secrets: dict[str, str]) -> None:
        if site != self.site:
            return
        profile = self.profile
        for service_id in services:
            values = values_for(profile, service_id, secrets)
            integration = registry.get(service_id)
            test = LiveTest(service_id, lambda attempt, i=integration, v=values: i.test(v, attempt=attempt),
                            timeout=self.test_timeout, parent=self)
            test.finished.connect(lambda result, t=test, v=values: self._tested(site, t, v, result))
            self.running[service_id] = test

    def _tests_failed(self, services: list[str], exc: Exception) -> None:
        if isinstance(exc, KeyringLockedError):  # says nothing of the services: no result is recorded
            self.window.dashboard.show_locked(services)
            return
        for service_id in services:
            self._record(self.site, integrations.CheckResult(service_id, Status.BAD_RESPONSE,
                                                             self.tr("Your saved secrets could not be read: %s") % exc))

    def _tested(self, site: str, test: LiveTest, values: dict[str, str], result: CheckResult) -> None:
        test.deleteLater()
        if self.running.get(result.service) is not test:
            return
        del self.running[result.service]
        if result.status == Status.CANCELLED:
            self._show_row(result.service)
            return
        self._record(site, result)
        if result.ok and self.profile.site_url:
            self._follow_up(site, result.service, values)

    def _follow_up(self, site: str, service_id: str, values: dict[str, str]) -> None:
        """The service's second check after a pass (Stripe's webhook), when it declares one."""
        integration, site_url = registry.get(service_id), self.profile.site_url
        if not integration.follows_up:
            return
        test = LiveTest(service_id, lambda attempt: integration.follow_up(values, site_url, attempt=attempt),
                        timeout=self.test_timeout, parent=self)
        test.finished.connect(lambda result: self._followed_up(site, service_id, test, result))

    def _followed_up(self, site: str, service_id: str, test: LiveTest, result: CheckResult) -> None:
        """The facts the follow-up found join the saved pass (a failed one changes nothing)."""
        test.deleteLater()
        saved = self.settings.sites.get(site, SiteProfile(site)).results.get(service_id)
        if saved is None or not result.ok or not result.account.extra:
            return
        saved.extra.update({k: str(v) for k, v in result.account.extra.items()})
        self.save_settings()
        if site == self.site:
            self._show_row(service_id)

    def _record(self, site: str, result: CheckResult) -> None:
        profile = self.settings.sites.get(site)
        if profile is None:
            return
        profile.keep_result(result.service, saved_result(result, time.time()))
        self.save_settings()
        if site == self.site:
            self._show_row(result.service)
        self.result_arrived.emit(result.service)

    def _show_row(self, service_id: str) -> None:
        row = self.window.dashboard.rows.get(service_id)
        if row is not None:
            row.set_running(False)
            row.show_saved(self.profile.results.get(service_id), self.profile)

    def remember_window(self) -> None:
        """Write where the main window is now, at once (the app is ending). Not while the wizard's
        Finish is saving: its save writes the settings, and this older copy must not overwrite them."""
        if self._window is None or not self._window.isVisible():
            return
        if self.wizard is not None and self.wizard.saving:
            log.info("quitting while the wizard saves: the window's place is not written")
            return
        self.settings.window = self._window.state()
        self.writer.snapshot(self.settings)()

    def quit(self) -> None:
        """Quit without asking anything (SIGTERM): a save in progress finishes while the app ends."""
        log.info("asked to end (SIGTERM); quitting")
        self.cancel_tests()
        self.remember_window()
        QApplication.instance().exit(0)  # quit() would first close each window, and the wizard's asks

    def cancel_tests(self) -> None:
        for test in self.running.values():
            test.cancel()
        self.running.clear()
