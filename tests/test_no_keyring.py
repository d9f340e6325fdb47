"""No usable keyring, or a locked one: said before anything is typed, on quit, on the next start's
dashboard, and in `check`, in plain words; the sandbox's memory-only store is by design and silent."""

from __future__ import annotations

import argparse
import io

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QLabel
from support.dialogs import Dialogs
from support.locked_keyring import LockedKeyring

from accessally_desktop import cli
from accessally_desktop.secrets import MemoryStore, open_store
from accessally_desktop.settings import SavedResult, SettingsStore
from accessally_desktop.storage import Storage
from accessally_desktop.ui.main import AppController
from accessally_desktop.ui.widgets import StatusBadge

LOCKED = "Your computer's password store is locked. Unlock it and click Test again"
LICENSE = {"site_url": "https://members.example.com", "email": "jane@example.com"}
LICENSE_KEY = "0123456789abcdef0123456789abcdef"


def save_site(tested_ok: bool = True) -> None:
    """A site with the license set up (its key in the current keyring) and, if asked, a saved pass."""
    store = SettingsStore()
    settings = store.load().settings
    profile = settings.current()
    profile.crm, profile.payments, profile.site_url = "none", [], LICENSE["site_url"]
    profile.values = {"license": dict(LICENSE)}
    if tested_ok:
        profile.results = {"license": SavedResult("ok", "License accepted for https://members.example.com.",
                                                  tested_at=1_700_000_000.0)}
    Storage(store, open_store().store).commit(settings, profile.name, {"license.license_key": LICENSE_KEY})


def start(qtbot, **kwargs) -> AppController:
    controller = AppController(test_timeout=10, **kwargs)
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.store_future.done(), timeout=5000)
    return controller


def words(controller: AppController, service_id: str) -> str:
    return controller.window.dashboard.rows[service_id].badge.text.text()


@pytest.mark.parametrize(("desktop", "named"), [("GNOME", "GNOME Keyring"), ("KDE", "KWallet")])
def test_the_welcome_page_says_there_is_no_password_store_before_anything_is_typed(
        qtbot, monkeypatch, dialogs: Dialogs, desktop: str, named: str) -> None:
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", desktop)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    controller = AppController()
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None and controller.store_future.done(), timeout=5000)
    welcome = controller.wizard.welcome
    assert controller.wizard.currentPage() is welcome
    note = welcome.findChild(QLabel, "welcome_storage")
    qtbot.waitUntil(lambda: "no password store that this app can use" in note.text(), timeout=5000)
    shown = " ".join(label.text() for label in welcome.findChildren(QLabel) if label.isVisibleTo(welcome))
    assert named in shown
    assert "system keyring" not in shown and "sudo" not in shown and "apt" not in shown
    controller.wizard.close()
    qtbot.addWidget(controller.window)  # the main window takes over: closed when the test ends
    banner = controller.window.findChild(StatusBadge, "keyring_notice")
    assert banner is not None and "sudo" not in banner.text.text() and named in banner.text.text()


def test_the_welcome_page_promises_the_password_store_when_there_is_one(qtbot, dialogs: Dialogs) -> None:
    controller = AppController()
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None and controller.store_future.done(), timeout=5000)
    note = controller.wizard.welcome.findChild(QLabel, "welcome_storage")
    assert "password store" in note.text() and "no password store" not in note.text()
    controller.wizard.close()
    qtbot.addWidget(controller.window)


def test_quitting_asks_before_the_keys_typed_this_session_are_forgotten(qtbot, dialogs: Dialogs) -> None:
    from PySide6.QtWidgets import QMessageBox

    keyring.set_keyring(keyring.backends.fail.Keyring())
    save_site()
    controller = start(qtbot)
    controller.show_window()
    controller.storage.commit(controller.settings, controller.site, {"license.license_key": LICENSE_KEY})  # as Finish does
    dialogs.answers = [QMessageBox.StandardButton.Cancel]
    controller.window.close()
    assert any("forget" in text for text in dialogs.asked)
    assert controller.window.isVisible()  # Cancel: the app stays open, keys still there
    dialogs.answers = [QMessageBox.StandardButton.Discard]
    controller.window.close()
    assert not controller.window.isVisible()


def test_the_sandbox_forgets_its_keys_without_a_warning(qtbot, dialogs: Dialogs) -> None:
    memory = MemoryStore()
    memory.set("Default", "license.license_key", LICENSE_KEY)
    save_site()
    controller = start(qtbot, secret_store=memory, sandbox={"license": {"license_key": LICENSE_KEY, **LICENSE}})
    controller.show_window()
    controller.window.close()
    assert dialogs.asked == [] and not controller.window.isVisible()
    assert controller.window.findChild(StatusBadge, "keyring_notice") is None


def test_a_row_whose_key_was_forgotten_needs_it_again_instead_of_its_old_pass(qtbot, dialogs: Dialogs) -> None:
    save_site()  # the last session's keyring had the key; this one has none
    keyring.set_keyring(keyring.backends.fail.Keyring())
    controller = start(qtbot)
    controller.show_window()
    row = controller.window.dashboard.rows["license"]
    qtbot.waitUntil(lambda: "Needs your key again" in words(controller, "license"), timeout=5000)
    assert "License accepted" not in words(controller, "license")
    assert row.fix_button.isVisibleTo(controller.window)
    assert "Fix…" in row.next_step.text()


def test_a_locked_keyring_says_to_unlock_it_on_the_dashboard(qtbot, dialogs: Dialogs) -> None:
    save_site(tested_ok=False)
    keyring.set_keyring(LockedKeyring())
    controller = start(qtbot)
    controller.show_window()
    controller.window.dashboard.rows["license"].test_button.click()
    qtbot.waitUntil(lambda: LOCKED in words(controller, "license"), timeout=5000)
    shown = words(controller, "license") + controller.window.dashboard.rows["license"].next_step.text()
    assert "KeyringLocked" not in shown and "Unexpected answer" not in shown and "address" not in shown
    assert "license" not in controller.profile.results  # a locked keyring says nothing about the license


def test_a_locked_keyring_is_said_when_the_wizard_opens(qtbot, dialogs: Dialogs) -> None:
    save_site()
    keyring.set_keyring(LockedKeyring())
    controller = start(qtbot)
    controller.show_window()
    controller.open_wizard()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    notice = controller.window.findChild(StatusBadge, "secrets_notice")
    assert notice is not None and "password store is locked" in notice.text.text()
    assert "KeyringLocked" not in notice.text.text()
    controller.wizard.close()


def test_check_says_a_locked_keyring_is_locked(capsys) -> None:
    save_site()
    keyring.set_keyring(LockedKeyring())
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    stderr = io.StringIO()
    code = cli.run(parser.parse_args([]), stdout=io.StringIO(), stderr=stderr)
    assert code == cli.EXIT_USAGE
    assert "Your computer's password store is locked. Unlock it" in stderr.getvalue()
    assert "KeyringLocked" not in stderr.getvalue()


def test_a_locked_keyring_says_to_unlock_it_in_the_crm_panel(qtbot, dialogs: Dialogs) -> None:
    from PySide6.QtWidgets import QLabel

    store = SettingsStore()
    settings = store.load().settings
    profile = settings.current()
    profile.crm, profile.values = "drip", {"drip": {"account_id": "1234567"}}
    profile.results = {"drip": SavedResult("ok", "Connected.", account_id="1234567", tested_at=1_700_000_000.0)}
    store.save(settings)
    keyring.set_keyring(LockedKeyring())
    controller = start(qtbot)
    controller.show_window()
    controller.window.navigation.setCurrentIndex(1)  # Settings › Payment › CRM Integration
    shown = lambda: " ".join(label.text() for label in controller.window.findChildren(QLabel))  # noqa: E731
    qtbot.waitUntil(lambda: "password store is locked" in shown(), timeout=5000)
    assert "Unlock it, then click Refresh" in shown() and "KeyringLocked" not in shown()
