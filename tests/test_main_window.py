"""The main window: dashboard rows from saved results, Test all in parallel, Fix…, sites, window state."""

from __future__ import annotations

import json
import time

import pytest
from PySide6.QtCore import QDateTime, QLocale, QTimer
from PySide6.QtWidgets import QLabel, QPushButton
from support.dialogs import Dialogs

from accessally_desktop.secrets import open_store
from accessally_desktop.settings import SavedResult, SettingsStore
from accessally_desktop.storage import Storage
from accessally_desktop.ui.main import AppController
from accessally_desktop.ui.wizard import PageId


@pytest.fixture
def no_dialogs(dialogs: Dialogs) -> Dialogs:
    """The shared scripted dialogs, answering Yes here: the window's questions confirm an action."""
    from PySide6.QtWidgets import QMessageBox

    dialogs.default = QMessageBox.StandardButton.Yes
    return dialogs


@pytest.fixture
def configured(serve):
    """A saved site using the license, Drip and Stripe, secrets in the (memory) keyring."""
    servers = {service_id: serve(service_id) for service_id in ("license", "drip", "stripe")}
    store = SettingsStore()
    settings = store.load().settings
    profile = settings.current()
    creds = {service_id: server.credentials() for service_id, server in servers.items()}
    profile.crm = "drip"
    profile.payments = ["stripe"]
    profile.site_url = creds["license"]["site_url"]
    profile.values = {"license": {"site_url": creds["license"]["site_url"], "email": creds["license"]["email"]},
                      "drip": {"account_id": creds["drip"]["account_id"]},
                      "stripe": {"test.publishable_key": creds["stripe"]["publishable_key"]}}
    profile.results = {
        "license": SavedResult("ok", "License accepted for https://members.example.com.", account_name="Jane Doe",
                               tested_at=1_700_000_000.0, extra={"latest_version": "7.4.2"}),
        "drip": SavedResult("invalid_credentials", "Drip did not accept this API token.", tested_at=1_700_000_000.0),
    }
    Storage(store, open_store().store).commit(settings, profile.name, {
        "license.license_key": creds["license"]["license_key"], "drip.api_token": creds["drip"]["api_token"],
        "stripe.test.secret_key": creds["stripe"]["secret_key"]})
    return servers


def start_app(qtbot) -> AppController:
    controller = AppController(test_timeout=10)
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.store_future.done(), timeout=5000)
    return controller


def row_text(controller: AppController, service_id: str) -> str:
    row = controller.window.dashboard.rows[service_id]
    return row.badge.text.text()


def test_dashboard_shows_saved_results_on_start(qtbot, configured, no_dialogs) -> None:
    controller = start_app(qtbot)
    dashboard = controller.window.dashboard
    assert list(dashboard.rows) == ["license", "drip", "stripe"]
    assert dashboard.objectName() == "dashboard"
    assert "License accepted for https://members.example.com" in row_text(controller, "license")
    license_row = dashboard.rows["license"]
    assert license_row.extra.text() == "Latest AccessAlly version: 7.4.2"
    day = QLocale.system().toString(QDateTime.fromSecsSinceEpoch(1_700_000_000).date(), QLocale.FormatType.ShortFormat)
    assert license_row.when.text().startswith(f"tested {day} at ")  # the desktop's own date format
    assert "Jane Doe" in license_row.account.text()
    assert row_text(controller, "drip").startswith("Credentials rejected")
    assert dashboard.rows["drip"].fix_button.isVisibleTo(controller.window)
    assert not license_row.fix_button.isVisibleTo(controller.window)
    assert "Not tested" in row_text(controller, "stripe")
    assert dashboard.rows["stripe"].mode.text() == "Mode: Test mode"
    assert controller.wizard is None  # configured: the wizard does not open by itself


def test_test_all_runs_in_parallel_and_rows_update_independently(qtbot, configured, no_dialogs) -> None:
    configured["drip"].inject("slow", delay=2.0)
    controller = start_app(qtbot)
    ticks = []
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start(16)
    test_all = controller.window.findChild(QPushButton, "test_all")
    test_all.click()
    rows = controller.window.dashboard.rows
    qtbot.waitUntil(lambda: not rows["license"].busy.isVisible() and not rows["stripe"].busy.isVisible(),
                    timeout=5000)
    assert rows["drip"].busy.isVisible(), "the slow service is still running while the others are done"
    assert "Latest AccessAlly version" in row_text(controller, "license")
    assert "Connected to Stripe" in row_text(controller, "stripe")
    qtbot.waitUntil(lambda: not rows["drip"].busy.isVisible(), timeout=10000)
    heartbeat.stop()
    assert row_text(controller, "drip").startswith("Connected to Drip")
    assert not rows["drip"].fix_button.isVisibleTo(controller.window)
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 20 and max(gaps) < 1.0, "the event loop kept running during the slow test"

    def saved_statuses() -> dict[str, str]:
        results = json.loads(SettingsStore().path.read_text())["sites"][controller.site]["results"]
        return {service_id: result["status"] for service_id, result in results.items()}

    qtbot.waitUntil(lambda: saved_statuses() == {"license": "ok", "drip": "ok", "stripe": "ok"}, timeout=5000)


def test_stripe_row_tells_whether_the_site_has_a_webhook(qtbot, configured, no_dialogs) -> None:
    controller = start_app(qtbot)
    controller.test(["stripe"])
    row = controller.window.dashboard.rows["stripe"]
    qtbot.waitUntil(lambda: "ebhook" in row.extra.text(), timeout=10000)
    assert row.extra.text()


def test_a_failing_row_offers_fix_which_opens_the_wizard_at_that_page(qtbot, configured, no_dialogs) -> None:
    configured["stripe"].inject("status", code=401, body={"error": {"message": "Invalid API Key provided: sk_test_****",
                                                                     "type": "invalid_request_error"}})
    controller = start_app(qtbot)
    controller.test(["stripe"])
    row = controller.window.dashboard.rows["stripe"]
    qtbot.waitUntil(lambda: not row.busy.isVisible(), timeout=10000)
    assert row_text(controller, "stripe").startswith("Credentials rejected")
    assert "Fix" in row.next_step.text() and row.fix_button.isVisibleTo(controller.window)
    row.fix_button.click()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    assert controller.wizard.currentId() == PageId.PAYMENTS
    assert controller.wizard.field("stripe.secret_key") == configured["stripe"].credentials()["secret_key"]
    controller.wizard.close()


def test_wizard_opens_by_itself_on_an_unconfigured_site(qtbot, no_dialogs) -> None:
    controller = start_app(qtbot)
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    assert controller.wizard.currentPage().objectName() == "page_welcome"
    assert controller.window.dashboard.empty.isVisibleTo(controller.window)
    controller.wizard.close()


def test_window_remembers_size_position_and_page(qtbot, configured, no_dialogs) -> None:
    controller = start_app(qtbot)
    controller.window.resize(760, 590)
    controller.window.navigation.setCurrentIndex(1)
    controller.window.close()
    again = start_app(qtbot)
    assert again.window.navigation.currentIndex() == 1
    assert again.window.pages.currentWidget().objectName() == "settings_crm"
    assert (again.window.width(), again.window.height()) == (760, 590)


def test_the_sections_switch_from_the_keyboard(qtbot, configured, no_dialogs) -> None:
    from PySide6.QtCore import Qt

    window = start_app(qtbot).window
    window.activateWindow()
    window.navigation.setFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Right)
    assert window.pages.currentWidget().objectName() == "settings_crm"
    qtbot.keyClick(window.navigation, Qt.Key.Key_Left)
    assert window.pages.currentWidget() is window.dashboard


def test_sites_can_be_added_renamed_and_removed_with_confirmation(qtbot, configured, no_dialogs) -> None:
    asked, answers = no_dialogs.asked, no_dialogs.answers
    controller = start_app(qtbot)
    window = controller.window
    first = controller.site
    answers.append("Second site")
    window.ask_add_site()
    assert controller.site == "Second site"
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)  # a new site starts in the wizard
    controller.wizard.close()
    assert [window.site_switcher.itemText(i) for i in range(window.site_switcher.count())] == [first, "Second site"]
    controller.switch_site(first)
    assert list(window.dashboard.rows) == ["license", "drip", "stripe"]
    answers.append("Renamed site")
    window.ask_rename_site()
    qtbot.waitUntil(lambda: controller.site == "Renamed site", timeout=5000)
    store = open_store().store
    assert store.get("Renamed site", "drip.api_token") == configured["drip"].credentials()["api_token"]
    assert store.get(first, "drip.api_token") is None
    from PySide6.QtWidgets import QMessageBox

    answers.append(QMessageBox.StandardButton.Cancel)
    window.ask_remove_site()
    assert "Renamed site" in controller.settings.sites
    answers.append(QMessageBox.StandardButton.Yes)
    window.ask_remove_site()
    qtbot.waitUntil(lambda: "Renamed site" not in controller.settings.sites, timeout=5000)
    assert any("cannot be undone" in text for text in asked)
    assert store.get("Renamed site", "drip.api_token") is None
    assert controller.site == "Second site"
    assert "Renamed site" not in json.loads(SettingsStore().path.read_text())["sites"]


def test_keyring_notice_is_shown_in_the_window(qtbot, no_dialogs) -> None:
    import keyring
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())
    controller = start_app(qtbot)
    qtbot.waitUntil(lambda: controller.window.findChild(QLabel, "storage_label").text() == "Keys kept in this app's memory, for this session only",
                    timeout=5000)
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    controller.wizard.close()


def test_a_first_start_opens_the_wizard_alone_and_the_main_window_after_it(qtbot, no_dialogs) -> None:
    """What is said while only the wizard is up (no keyring here) waits in the main window that follows."""
    import keyring
    import keyring.backends.fail
    from PySide6.QtWidgets import QApplication

    from accessally_desktop.ui.main_window import MainWindow
    from accessally_desktop.ui.widgets import StatusBadge

    keyring.set_keyring(keyring.backends.fail.Keyring())
    controller = AppController()
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None and controller.store_future.done(), timeout=5000)
    assert controller.wizard.isVisible() and controller.window_shown()
    assert not any(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets())  # not even built
    controller.wizard.close()  # untouched: closes without asking
    window = controller.window
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    notice = window.findChild(StatusBadge, "keyring_notice")
    assert notice is not None and "this session only" in notice.text.text()
    assert window.findChild(QLabel, "storage_label").text() == "Keys kept in this app's memory, for this session only"


def test_crm_settings_apply_is_saved_and_leaving_unapplied_asks(qtbot, configured, no_dialogs) -> None:
    from PySide6.QtWidgets import QCheckBox, QMessageBox

    controller = start_app(qtbot)
    window = controller.window
    window.navigation.setCurrentIndex(1)
    tracking = window.crm_settings.findChild(QCheckBox, "drip_tracking")
    assert tracking.isChecked()  # default on
    tracking.setChecked(False)
    no_dialogs.answers.append(QMessageBox.StandardButton.Cancel)
    window.navigation.setCurrentIndex(0)
    assert no_dialogs.asked and window.pages.currentWidget() is window.crm_settings  # Cancel keeps the page
    window.crm_settings.apply()

    def saved_tracking():
        options = json.loads(SettingsStore().path.read_text())["sites"][controller.site]["options"]
        return options.get("drip", {}).get("tracking")

    qtbot.waitUntil(lambda: saved_tracking() is False, timeout=5000)
    window.navigation.setCurrentIndex(0)
    assert window.pages.currentWidget() is window.dashboard


def test_a_second_copy_is_told_the_app_is_already_open(qtbot, dialogs) -> None:
    import argparse

    from accessally_desktop.ui.run import run_gui
    from accessally_desktop.ui.single_instance import instance_lock

    first = instance_lock()
    assert first.lock is not None and not first.open_elsewhere
    assert run_gui(argparse.Namespace()) == 0
    assert dialogs.told and "already open" in dialogs.told[0]
    first.release()
    again = instance_lock()
    assert again.lock is not None and not again.open_elsewhere, "the lock is free once the first copy is gone"
    again.release()


def test_about_names_the_version_and_bundled_libraries_with_licences(qtbot, no_dialogs) -> None:
    from PySide6.QtWidgets import QMessageBox

    from accessally_desktop import __version__

    controller = start_app(qtbot)
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    controller.wizard.close()
    controller.window.show_about()
    box = controller.window.findChild(QMessageBox, "about_box")
    assert __version__ in box.text()
    assert "PySide6-Essentials" in box.informativeText() and "LGPL" in box.informativeText()
    assert "stripe" in box.informativeText() and "MIT" in box.informativeText()
    box.close()


def test_a_license_saved_without_its_email_asks_for_it_and_fix_marks_the_field(qtbot, configured, no_dialogs) -> None:
    """Settings saved by the version that checked the license with a key and an address only."""
    store = SettingsStore()
    settings = store.load().settings
    del settings.current().values["license"]["email"]
    store.save(settings)
    controller = start_app(qtbot)
    row = controller.window.dashboard.rows["license"]
    assert "Needs your license e-mail" in row_text(controller, "license")
    assert row.fix_button.isVisibleTo(controller.window) and row.extra.text() == ""
    row.fix_button.click()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    wizard = controller.wizard
    assert wizard.currentId() == PageId.LICENSE
    note = wizard.findChild(QLabel, "note_license_email")
    assert "Needed: enter it here." in note.text() and "passwords" not in note.text()
    wizard.close()


def test_every_dashboard_button_has_its_own_alt_letter_apart_from_the_menus(qtbot, configured, no_dialogs) -> None:
    from accessally_desktop.ui.widgets import alt_letter

    controller = start_app(qtbot)
    window = controller.window
    window.show()
    qtbot.waitExposed(window)
    buttons = [b for b in window.dashboard.findChildren(QPushButton) if b.isVisibleTo(window)]
    fix = window.dashboard.rows["drip"].fix_button
    assert fix in buttons and len(buttons) >= 5  # Test all, three Tests, Drip's Fix
    letters = [alt_letter(b.text()) for b in buttons]
    menus = {alt_letter(a.text()) for a in window.menuBar().actions()}
    assert all(letters), [b.text() for b in buttons]
    assert len(set(letters)) == len(letters) and not set(letters) & menus, [b.text() for b in buttons]
    assert fix.text().replace("&", "") == "Fix Drip…"
