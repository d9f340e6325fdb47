"""Settings › Payment › CRM Integration says, under each option the site can be checked for, what the
owner's website does about it (from the site test's saved scan of real loopback pages), as the
choices shown now stand; Apply's note names a difference; without a passing site test, how to get one."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton
from support.crm_panel import child, click, load
from support.scanned_site import SITE_ID, saved_site
from support.site_pages import drip_tag, ontraport_tag, page

from accessally_desktop.integrations.site_findings import WORDPRESS_PLACE
from accessally_desktop.settings import SavedResult, SiteProfile
from accessally_desktop.ui.option_widgets import StatusLine

ONTRAPORT_ACCOUNT = "27875"
DRIP_ACCOUNT = "1234567"
GTM = "<script src='https://www.googletagmanager.com/gtm.js?id=GTM-K9ZZ12'></script>"


def ontraport_site(pages: dict) -> SiteProfile:
    profile = SiteProfile("Shop", crm="ontraport")
    profile.results["ontraport"] = SavedResult("ok", "Connected.", account_id=ONTRAPORT_ACCOUNT, tested_at=1.7e9)
    profile.results[SITE_ID] = saved_site(pages, time.time() - 300)
    return profile


def drip_site(pages: dict) -> SiteProfile:
    profile = SiteProfile("Shop", crm="drip", values={"drip": {"account_id": DRIP_ACCOUNT}})
    profile.results[SITE_ID] = saved_site(pages, time.time() - 300)
    return profile


def site_line(panel) -> tuple[str, str]:
    """The shown CRM's line under its tracking toggle: its kind and words ("" when hidden)."""
    line = child(panel, StatusLine, "site_tracking")  # the shown section's (each CRM's is so named)
    return line.kind, line.text.text() if line.isVisible() else ""


def test_found_on_every_page_shows_ok_with_when_the_site_was_checked(qtbot, panel) -> None:
    tag = ontraport_tag(ONTRAPORT_ACCOUNT)
    load(qtbot, panel, ontraport_site({"/": page(tag), "/about/": page(tag)}), {})
    kind, words = site_line(panel)
    assert kind == "ok"
    assert words == f"Your site, checked 5 minutes ago: Found on 2 of 2 pages, account {ONTRAPORT_ACCOUNT}."
    assert panel.sections["ontraport"].site_lines["tracking"].icon.isVisible()  # an icon and words
    assert panel.sections["ontraport"].site_notes.texts() == []  # nothing about the whole site


def test_unticking_a_script_that_is_on_the_site_says_it_is_still_there_and_apply_says_so(qtbot, panel) -> None:
    tag = ontraport_tag(ONTRAPORT_ACCOUNT)
    load(qtbot, panel, ontraport_site({"/": page(tag), "/about/": page(tag)}), {})
    click(qtbot, child(panel, QCheckBox, "ontraport_tracking"))  # off, not applied yet
    kind, words = site_line(panel)
    assert kind == "warning"
    assert "Still on your site although it is off here" in words and WORDPRESS_PLACE in words
    click(qtbot, child(panel, QPushButton, "apply_crm"))
    note = child(panel, QLabel, "crm_saved_note").text()
    assert note.startswith("Saved in this app, which does not change your website.")
    assert "Still on your site although it is off here" in note and f"turn it off in WordPress: {WORDPRESS_PLACE}" in note
    assert not panel.saved_note_fades.isActive()  # what is left to do in WordPress stays until the next edit
    assert site_line(panel)[0] == "warning"
    click(qtbot, child(panel, QCheckBox, "ontraport_tracking"))  # on again: matches the site
    assert site_line(panel)[0] == "ok" and child(panel, QLabel, "crm_saved_note").text() == ""


def test_a_drip_script_not_on_the_site_says_where_to_turn_it_on_and_unticking_matches(qtbot, panel) -> None:
    load(qtbot, panel, drip_site({"/": page(), "/about/": page()}), {})
    kind, words = site_line(panel)
    assert kind == "warning"
    assert words == f"Your site, checked 5 minutes ago: Not on your site — turn it on in WordPress: {WORDPRESS_PLACE}."
    click(qtbot, child(panel, QCheckBox, "drip_tracking"))
    assert site_line(panel) == ("ok", "Your site, checked 5 minutes ago: Not on your site, as set here "
                                      "(2 pages checked).")
    click(qtbot, child(panel, QPushButton, "apply_crm"))
    note = child(panel, QLabel, "crm_saved_note").text()
    assert note.startswith("Saved in this app. It does not change your website") and "Your site" not in note


def test_a_drip_script_for_another_account_differs(qtbot, panel) -> None:
    load(qtbot, panel, drip_site({"/": page(drip_tag("7654321"))}), {})
    kind, words = site_line(panel)
    assert kind == "warning" and f"for account 7654321 on 1 of 1 page instead of {DRIP_ACCOUNT}" in words


def test_site_wide_notes_show_once_at_the_top_of_the_section(qtbot, panel) -> None:
    load(qtbot, panel, drip_site({"/": page(GTM + drip_tag(DRIP_ACCOUNT))}), {})
    notes = panel.sections["drip"].site_notes
    assert len(notes.texts()) == 1 and "Google Tag Manager (GTM-K9ZZ12) is on your site" in notes.texts()[0]
    assert notes.lines[0].kind == "info" and notes.texts()[0].startswith("Your site, checked 5 minutes ago: ")
    assert site_line(panel)[0] == "ok"


def test_without_a_site_test_one_calm_line_says_how_to_have_the_site_checked(qtbot, panel) -> None:
    load(qtbot, panel, SiteProfile("Shop", crm="drip", values={"drip": {"account_id": DRIP_ACCOUNT}}), {})
    assert site_line(panel)[1] == ""
    notes = panel.sections["drip"].site_notes
    assert notes.lines[0].kind == "info"
    assert notes.texts() == ["Connect your site in the Setup Wizard (Your site) and test it: this app then checks "
                             "whether your website really does this."]
    failed = drip_site({"/": page()})
    failed.results[SITE_ID].status = "invalid_credentials"  # connected, but its last test did not pass
    load(qtbot, panel, failed, {})
    assert site_line(panel)[1] == ""
    assert notes.texts()[0].startswith("Test your site on the Connections page")
