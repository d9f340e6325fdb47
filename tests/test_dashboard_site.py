"""The dashboard's row for the owner's website: what its last passing test found on the pages, kept
fresh as new results and CRM options arrive; while the site is not connected, a row that says what
connecting gives and opens the wizard (never tested, not part of Test all)."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QPushButton
from support.scanned_site import SITE_ID, saved_site
from support.site_pages import drip_tag, page
from test_main_window import configured, no_dialogs, start_app  # noqa: F401 - the fixtures below

from accessally_desktop.integrations import registry
from accessally_desktop.integrations.site_findings import WORDPRESS_PLACE
from accessally_desktop.sandbox.wordpress import WordPressSandbox
from accessally_desktop.secrets import open_store
from accessally_desktop.settings import SettingsStore
from accessally_desktop.storage import Storage
from accessally_desktop.ui.widgets import alt_letter

pytestmark = pytest.mark.usefixtures("configured", "no_dialogs")  # a saved site: license, Drip, Stripe

TRACKING = "Add the Drip tracking script to every page"  # the Drip toggle's words, as the row names it
GTM = "<script src='https://www.googletagmanager.com/gtm.js?id=GTM-K9ZZ12'></script>"


def with_scanned_site(pages: dict, wordpress=None) -> str:
    """Save a passing site test of these loopback pages in the configured site; its Drip account id.
    The site's values and password are the stand-in's (`wordpress`, when given: a new test can run)."""
    store = SettingsStore()
    settings = store.load().settings
    profile = settings.current()
    account = profile.values["drip"]["account_id"]
    profile.results[SITE_ID] = saved_site({path: answer(account) for path, answer in pages.items()}, time.time() - 120)
    creds = wordpress.credentials() if wordpress is not None else dict(WordPressSandbox.demo)
    profile.values[SITE_ID] = {"site_url": creds["site_url"], "username": creds["username"]}
    secrets = {f"{SITE_ID}.application_password": creds["application_password"]}
    Storage(store, open_store().store).commit(settings, profile.name, secrets)
    return account


def test_the_site_row_lists_its_findings_under_its_facts(qtbot) -> None:
    account = with_scanned_site({"/": lambda a: page(GTM + drip_tag(a)), "/about/": lambda a: page(drip_tag(a))})
    controller = start_app(qtbot)
    dashboard = controller.window.dashboard
    assert list(dashboard.rows)[0] == SITE_ID and not dashboard.unconnected
    findings = dashboard.rows[SITE_ID].findings
    assert findings.isVisibleTo(controller.window) and findings.heading.text().startswith("What the last test found")
    assert findings.texts() == [f"{TRACKING}: Found on 2 of 2 pages, account {account}.",
                                "Google Tag Manager (GTM-K9ZZ12) is on your site: scripts added by Google Tag "
                                "Manager run in the visitor's browser; this app cannot see them."]
    assert findings.lines[0].accessibleName().startswith("Matches: ")  # an icon, and the same in words
    assert findings.lines[1].accessibleName().startswith("Note: ")
    assert findings.lines[0].icon.isVisibleTo(controller.window)
    assert dashboard.rows["drip"].findings is None  # only the site's row has findings


def test_a_pass_that_no_longer_counts_shows_no_findings(qtbot) -> None:
    with_scanned_site({"/": lambda a: page(drip_tag(a))})
    store = SettingsStore()
    settings = store.load().settings
    del settings.current().values[SITE_ID]["username"]  # edited by hand: the next test cannot run
    store.save(settings)
    controller = start_app(qtbot)
    row = controller.window.dashboard.rows[SITE_ID]
    assert "Needs your" in row.badge.text.text()
    assert not row.findings.isVisibleTo(controller.window) and row.extra.text() == ""


def test_the_row_follows_the_crm_panels_apply(qtbot) -> None:
    account = with_scanned_site({"/": lambda a: page(drip_tag(a))})
    controller = start_app(qtbot)
    window = controller.window
    window.navigation.setCurrentIndex(1)
    window.crm_settings.findChild(QCheckBox, "drip_tracking").setChecked(False)
    findings = window.dashboard.rows[SITE_ID].findings
    assert findings.texts()[0] == f"{TRACKING}: Found on 1 of 1 page, account {account}."  # not applied yet
    window.crm_settings.apply()
    assert findings.texts()[0].startswith(f"{TRACKING}: Still on your site although it is off here")
    assert findings.lines[0].accessibleName().startswith("Differs: ")


def test_a_new_site_test_from_the_dashboard_refreshes_the_findings_there_and_in_the_panel(qtbot, serve) -> None:
    wordpress = serve(SITE_ID)  # its pages carry no tracking script
    account = with_scanned_site({"/": lambda a: page(drip_tag(a))}, wordpress)
    controller = start_app(qtbot)
    row = controller.window.dashboard.rows[SITE_ID]
    panel_line = controller.window.crm_settings.sections["drip"].site_lines["tracking"]  # the panel, built
    assert row.findings.texts()[0] == f"{TRACKING}: Found on 1 of 1 page, account {account}."
    assert panel_line.kind == "ok"
    row.test_button.click()
    qtbot.waitUntil(lambda: not row.busy.isVisible(), timeout=15000)
    assert row.badge.text.text().startswith("Connected to")
    assert row.findings.texts()[0] == f"{TRACKING}: Not on your site — turn it on in WordPress: {WORDPRESS_PLACE}."
    assert panel_line.kind == "warning" and "Not on your site — turn it on" in panel_line.text.text()


def test_a_site_not_connected_yet_has_a_row_that_opens_the_wizard(qtbot) -> None:
    controller = start_app(qtbot)
    window = controller.window
    window.show()
    qtbot.waitExposed(window)
    dashboard = window.dashboard
    row = dashboard.unconnected[SITE_ID]
    assert dashboard.rows_box.itemAt(0).widget() is row  # first, as a connected site's row is
    assert row.badge.text.text() == "Not connected yet: connect your website to check what it really does."
    assert not row.test_button.isVisibleTo(window) and not row.findings.isVisibleTo(window)
    assert not row.when.isVisibleTo(window)  # never tested: one line, no "never tested" under it
    connect = window.findChild(QPushButton, f"fix_{SITE_ID}")
    assert connect.isVisibleTo(window) and connect.text().replace("&", "") == (
        f"Connect {registry.display_name(SITE_ID)}…")
    assert SITE_ID not in dashboard.rows  # Test all tests the others
    with qtbot.waitSignal(dashboard.test_requested, timeout=1000) as tested:
        dashboard.test_all.click()
    assert tested.args == [["license", "drip", "stripe"]]
    buttons = [b for b in dashboard.findChildren(QPushButton) if b.isVisibleTo(window)]
    letters = [alt_letter(b.text()) for b in buttons]
    menus = {alt_letter(a.text()) for a in window.menuBar().actions()}
    assert all(letters) and len(set(letters)) == len(letters) and not set(letters) & menus, [b.text() for b in buttons]
    with qtbot.waitSignal(dashboard.fix_requested, timeout=1000) as fixing:
        QTimer.singleShot(0, connect.click)
    assert fixing.args == [SITE_ID]
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)  # the controller's fix opened it
    assert controller.wizard.currentPage().objectName() == "page_site"
    controller.wizard.close()


def test_a_site_test_from_the_dashboard_keeps_the_sites_canonical_address(qtbot, serve) -> None:
    """The license and Stripe's webhook check use the site's address: the one the site says is its own."""
    wordpress = serve(SITE_ID)
    canonical = wordpress.url.replace("127.0.0.1", "localhost")
    wordpress.switch(canonical=canonical)
    with_scanned_site({"/": lambda a: page()}, wordpress)
    settings = SettingsStore().load().settings
    settings.current().values[SITE_ID]["site_url"] = wordpress.url  # as typed: the address that redirects
    SettingsStore().save(settings)
    controller = start_app(qtbot)
    assert controller.profile.site_url != canonical
    row = controller.window.dashboard.rows[SITE_ID]
    row.test_button.click()
    qtbot.waitUntil(lambda: not row.busy.isVisible(), timeout=15000)
    assert row.badge.text.text().startswith("Connected to"), row.badge.text.text()
    assert controller.profile.site_url == canonical
    qtbot.waitUntil(lambda: SettingsStore().load().settings.current().site_url == canonical,
                    timeout=5000)  # the settings are written on a worker
