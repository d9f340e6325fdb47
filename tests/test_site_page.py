"""The wizard's "Your site" page against the WordPress stand-in over real HTTP: Connect my site (the
browser approval, its refusal and the copy-paste fallback), leaving it for later, and the site's
address carried to the license and saved as the canonical one."""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QWizard
from test_wizard import edit, go_next, make_wizard, next_enabled, run_test, to_license, type_into

from accessally_desktop.sandbox import wordpress as sandbox_wordpress
from accessally_desktop.sandbox.wordpress_authorize import authorize_page
from accessally_desktop.settings import SettingsStore
from accessally_desktop.ui.url_inbox import url_inbox


@pytest.fixture
def site(serve, monkeypatch):
    """The site's stand-in, its Authorize page answering into this app's inbox, as in --sandbox."""
    monkeypatch.setattr(sandbox_wordpress.WordPressSandbox, "authorize_page", authorize_page(url_inbox().post))
    return serve("wordpress")


class Browser:
    """Opens nothing; the test clicks the page's buttons as the owner would, over HTTP."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, url: str) -> bool:
        self.opened.append(url)
        return True

    def click(self, button: str) -> httpx.Response:
        return httpx.get(f"{self.opened[-1]}&{button}=1", timeout=10)  # the page's form, its fields kept


def on_site_page(qtbot):
    wizard = make_wizard(qtbot)
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_site"
    browser = Browser()
    row = wizard.website.connect_rows["wordpress"]
    row.connector.open_url = browser.open
    return wizard, row, browser


def test_connect_my_site_opens_the_approval_page_and_a_yes_fills_in_and_tests_the_connection(qtbot, site) -> None:
    wizard, row, browser = on_site_page(qtbot)
    assert not next_enabled(wizard)
    type_into(qtbot, wizard, {"site_url": site.url}, "wordpress")
    qtbot.mouseClick(row.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.opened), timeout=10000)
    assert "success_url=accessally-desktop" in browser.opened[0] and "app_name=AccessAlly" in browser.opened[0]
    assert "Waiting for you to approve" in row.status.text.text() and row.stop_button.isVisible()
    assert browser.click("approve").status_code == 200
    box = wizard.box("wordpress")
    qtbot.waitUntil(lambda: box.passed(), timeout=10000)
    demo = site.credentials()
    assert edit(wizard, "wordpress.username").text() == demo["username"]
    assert edit(wizard, "wordpress.application_password").text().replace(" ", "") == \
        demo["application_password"].replace(" ", "")
    assert box.panel.badge.text.text().startswith("Connected to “")
    assert not row.stop_button.isVisible() and next_enabled(wizard)
    go_next(qtbot, wizard)
    assert edit(wizard, "license.site_url").text() == demo["site_url"]  # the license uses the site's address


def test_no_is_said_plainly_and_connect_can_be_clicked_again(qtbot, site) -> None:
    wizard, row, browser = on_site_page(qtbot)
    type_into(qtbot, wizard, {"site_url": site.url}, "wordpress")
    qtbot.mouseClick(row.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.opened), timeout=10000)
    browser.click("reject")
    qtbot.waitUntil(lambda: row.connect_button.isEnabled(), timeout=10000)
    assert "did not approve" in row.status.text.text().lower() or "not approve" in row.status.text.text()
    assert not wizard.box("wordpress").passed() and not next_enabled(wizard)


def test_copy_the_password_instead_opens_the_page_without_the_way_back(qtbot, site) -> None:
    wizard, row, browser = on_site_page(qtbot)
    type_into(qtbot, wizard, {"site_url": site.url}, "wordpress")
    qtbot.mouseClick(row.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(browser.opened), timeout=10000)
    assert "success_url" not in browser.opened[0]
    assert "paste it under Application password" in row.status.text.text() and row.connect_button.isEnabled()
    assert not row.connector.waiting()


def test_without_an_address_connect_says_what_to_enter(qtbot, site) -> None:
    wizard, row, browser = on_site_page(qtbot)
    qtbot.mouseClick(row.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.connect_button.isEnabled(), timeout=10000)
    assert "Site address" in row.status.text.text() and browser.opened == []


def test_esc_while_waiting_for_the_browser_stops_waiting_and_does_not_close(qtbot, site, dialogs) -> None:
    wizard, row, browser = on_site_page(qtbot)
    type_into(qtbot, wizard, {"site_url": site.url}, "wordpress")
    qtbot.mouseClick(row.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.connector.waiting(), timeout=10000)
    qtbot.keyClick(wizard.focusWidget(), Qt.Key.Key_Escape)
    assert not row.connector.waiting() and row.connect_button.isEnabled()
    assert wizard.isVisible() and dialogs.asked == []
    assert "Stopped" in row.status.text.text()


def test_the_site_can_be_left_for_later_and_stays_so_when_the_wizard_runs_again(qtbot, serve) -> None:
    license_server = serve("license")
    wizard = make_wizard(qtbot)
    to_license(qtbot, wizard)
    type_into(qtbot, wizard, license_server.credentials(), "license")
    run_test(qtbot, wizard, "license")
    go_next(qtbot, wizard)
    wizard.crm.choice.set_value("none")
    go_next(qtbot, wizard)
    wizard.payments.later.setChecked(True)
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_summary"
    assert wizard.findChild(type(wizard.summary.where), "summary_site").text() == "Connect later"
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    profile = SettingsStore().load().settings.current()
    assert "wordpress" not in profile.values and "wordpress" not in profile.services()
    again = make_wizard(qtbot)
    go_next(qtbot, again)
    assert again.findChild(QCheckBox, "site_later").isChecked() and next_enabled(again)


def test_looking_at_the_site_page_and_closing_does_not_ask_to_discard_anything(qtbot, dialogs) -> None:
    wizard = make_wizard(qtbot)
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_site"
    wizard.close()
    assert not wizard.isVisible() and dialogs.asked == []
