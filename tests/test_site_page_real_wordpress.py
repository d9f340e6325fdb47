"""The wizard's "Your site" page against a REAL WordPress 6.1 (tests/support/real_wordpress.py): Connect
my site, the admin approving in the browser (a cookie session), the site's answer arriving as the app's
link, the box testing at once with the issued password, and after Finish the CRM panel saying what the
live pages do about the tracking script."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from support.crm_panel import child, load
from test_wizard import edit, make_wizard, type_into

from accessally_desktop.settings import SavedResult, SettingsStore, SiteProfile
from accessally_desktop.storage import secret_names
from accessally_desktop.ui.option_widgets import StatusLine
from accessally_desktop.ui.pages import PageId
from accessally_desktop.ui.url_inbox import url_inbox

DRIP_ACCOUNT = "1234567"


def a_site_using_drip() -> None:
    """A site set up before the site page existed: Drip with its tracking script on, the license untested."""
    store = SettingsStore()
    settings = store.load().settings
    profile = settings.sites["My site"] = SiteProfile("My site", crm="drip", payments_later=True,
                                                      values={"drip": {"account_id": DRIP_ACCOUNT}})
    profile.results = {s: SavedResult("untested", "Saved without a passing test.", untested=True)
                       for s in ("license", "drip")}
    settings.last_site = profile.name
    store.save(settings)


def test_connect_my_site_in_the_wizard_and_the_panel_shows_what_the_live_site_does(
        qtbot, real_wordpress, memory_keyring, panel) -> None:
    a_site_using_drip()
    wizard = make_wizard(qtbot)
    wizard.setStartId(PageId.SITE)
    wizard.restart()
    assert wizard.website.later.isChecked()  # an older site: its website was never connected
    wizard.website.later.setChecked(False)
    opened: list[str] = []
    row = wizard.website.connect_rows["wordpress"]
    row.connector.open_url = lambda url: opened.append(url) or True
    type_into(qtbot, wizard, {"site_url": real_wordpress.url}, "wordpress")
    qtbot.mouseClick(row.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.connector.waiting(), timeout=20000)
    with contextlib.closing(real_wordpress.login(real_wordpress.admin)) as browser:
        approval = real_wordpress.approve(browser, opened[0])
    assert approval.location and url_inbox().deliver(approval.location)  # what the second copy hands over
    box = wizard.box("wordpress")
    with real_wordpress.conditions(tracking={"drip": DRIP_ACCOUNT}):
        qtbot.waitUntil(lambda: not box.running and box.current_result() is not None, timeout=60000)
    assert box.passed(), box.panel.badge.text.text()
    assert edit(wizard, "wordpress.username").text() == real_wordpress.admin.login
    assert "(Administrator)" in box.panel.badge.text.text()
    with qtbot.waitSignal(wizard.saved, timeout=10000):
        wizard.accept()
    profile = SettingsStore().load().settings.current()
    assert profile.results["wordpress"].status == "ok" and profile.site_url == real_wordpress.home
    password = memory_keyring.entries[("AccessAlly Desktop", "My site/wordpress.application_password")]
    assert password and password not in SettingsStore().path.read_text()
    secrets = wizard.storage.read_secrets(profile.name, secret_names())
    load(qtbot, panel, profile, {k.split(".", 1)[1]: v for k, v in secrets.items() if k.startswith("drip.") and v})
    line = child(panel, StatusLine, "site_tracking")
    assert line.kind == "ok", line.text.text()
    assert f"Found on 10 of 10 pages, account {DRIP_ACCOUNT}." in line.text.text()
