"""The words the CRM panel and the dashboard show: what the live site does (scanned over real HTTP
from loopback sites) against what the app has set for the CRM."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from support.site_pages import Answer, SitePages, drip_tag, ontraport_tag, page

from accessally_desktop.integrations.site_fetch import BUST_PARAM
from accessally_desktop.integrations.site_findings import WORDPRESS_PLACE, SiteFinding, findings
from accessally_desktop.integrations.site_scan import SCAN_TIMEOUT, SiteScan, scan
from accessally_desktop.integrations.transport import Attempt

DRIP = {"account_id": "1234567"}


@pytest.fixture
def site_scan() -> Iterator:
    """Scan a loopback site made of these pages (the first is the home page)."""
    started: list[SitePages] = []

    def run(pages: dict) -> SiteScan:
        site = SitePages({"/": pages.pop("/"), **pages}).start()
        started.append(site)
        return scan(Attempt(SCAN_TIMEOUT), site.url + "/", site.pages_list(list(pages)))

    yield run
    for site in started:
        site.stop()


def tracking(found: tuple[SiteFinding, ...]) -> SiteFinding:
    return next(f for f in found if f.option == "tracking")


def test_found_on_every_page_for_the_tested_account(site_scan) -> None:
    result = site_scan({"/": page(ontraport_tag("27875_3_2")), "/about/": page(ontraport_tag("27875"))})
    assert tracking(findings(result, "ontraport", {}, {}, "27875")) == SiteFinding(
        "tracking", True, "Found on 2 of 2 pages, account 27875.")


def test_ontraport_without_a_passing_test_says_how_to_compare(site_scan) -> None:
    result = site_scan({"/": page(ontraport_tag("27875"))})
    finding = tracking(findings(result, "ontraport", {"tracking": True}, {}, ""))
    assert finding.ok is True
    assert finding.text == ("Found on 1 of 1 page, account 27875. Test the Ontraport connection so this app can tell "
                            "whether that is your account.")


def test_on_here_but_not_on_the_site(site_scan) -> None:
    result = site_scan({"/": page(), "/about/": page()})
    assert tracking(findings(result, "drip", {}, DRIP)) == SiteFinding(
        "tracking", False, f"Not on your site — turn it on in WordPress: {WORDPRESS_PLACE}.")


def test_not_found_with_tag_manager_says_what_cannot_be_seen(site_scan) -> None:
    gtm = "<script src='https://www.googletagmanager.com/gtm.js?id=GTM-K9ZZ12'></script>"
    found = findings(site_scan({"/": page(gtm)}), "drip", {}, DRIP)
    assert tracking(found).text.endswith("(If Google Tag Manager adds it: scripts added by Google Tag Manager run "
                                         "in the visitor's browser; this app cannot see them.)")
    assert SiteFinding("", None, "Google Tag Manager (GTM-K9ZZ12) is on your site: scripts added by Google Tag "
                                 "Manager run in the visitor's browser; this app cannot see them.") in found


def test_off_here_but_still_on_the_site(site_scan) -> None:
    result = site_scan({"/": page(drip_tag("1234567")), "/about/": page(drip_tag("1234567"))})
    assert tracking(findings(result, "drip", {"tracking": False}, DRIP)) == SiteFinding(
        "tracking", False, "Still on your site although it is off here (account 1234567 on 2 of 2 pages) — turn it "
                           f"off in WordPress: {WORDPRESS_PLACE}.")


def test_off_here_and_off_on_the_site(site_scan) -> None:
    result = site_scan({"/": page(), "/about/": page()})
    assert tracking(findings(result, "drip", {"tracking": False}, DRIP)) == SiteFinding(
        "tracking", True, "Not on your site, as set here (2 pages checked).")


def test_another_account_on_the_site(site_scan) -> None:
    result = site_scan({"/": page(drip_tag("999"))})
    assert tracking(findings(result, "drip", {}, DRIP)) == SiteFinding(
        "tracking", False, "On your site, but for account 999 on 1 of 1 page instead of 1234567 — set your Drip "
                           f"account in WordPress: {WORDPRESS_PLACE}.")


def test_where_the_expected_account_comes_from_is_each_crms_declaration(site_scan) -> None:
    result = site_scan({"/": page(drip_tag("1234567") + ontraport_tag("27875"))})
    # Drip's is its account_id field, whatever its last test returned; Ontraport's is its last test's
    assert not tracking(findings(result, "drip", {}, {"account_id": "999"}, "1234567")).ok
    assert tracking(findings(result, "drip", {}, DRIP, "999")).ok
    assert not tracking(findings(result, "ontraport", {}, {"account_id": "27875"}, "999")).ok
    assert tracking(findings(result, "ontraport", {}, {}, "27875")).ok


def test_delayed_by_a_speed_plugin(site_scan) -> None:
    delayed = "<script type='rocketlazyloadscript'>var _dcs = {}; _dcs.account = '1234567';</script>"
    finding = tracking(findings(site_scan({"/": page(delayed)}), "drip", {}, DRIP))
    assert finding.ok is False
    assert finding.text.startswith("Found, but a speed plugin (WP Rocket) delays it until the visitor interacts")


def test_delayed_on_some_pages_only_says_on_how_many(site_scan) -> None:
    delayed = "<script type='litespeed/javascript'>var _dcs = {}; _dcs.account = '1234567';</script>"
    result = site_scan({"/": page(drip_tag("1234567")), "/about/": page(delayed)})
    assert tracking(findings(result, "drip", {}, DRIP)).text.startswith(
        "Found, but on 1 of 2 pages a speed plugin (LiteSpeed Cache) delays it")


def test_waiting_for_cookie_consent_is_a_note_naming_the_category(site_scan) -> None:
    consent = ("<script type='text/plain' data-cookieconsent='marketing'>var _dcs = {}; _dcs.account = '1234567';"
               "</script>")
    assert tracking(findings(site_scan({"/": page(consent)}), "drip", {}, DRIP)) == SiteFinding(
        "tracking", None, "Found on 1 of 1 page, account 1234567; it waits until the visitor accepts cookies "
                          "(category “marketing”), as your cookie banner asks.")


def test_missing_on_some_pages_names_them(site_scan) -> None:
    result = site_scan({"/": page(drip_tag("1234567")), "/shop/": page()})
    finding = tracking(findings(result, "drip", {}, DRIP))
    assert finding.ok is False
    assert finding.text.startswith("Found on 1 of 2 pages, account 1234567; not on http://127.0.0.1:")
    assert finding.text.endswith("/shop/.")


def test_a_stale_page_cache_is_said_once_for_the_site(site_scan) -> None:
    def home(path: str, query: str) -> Answer:
        if BUST_PARAM in query:
            return page(drip_tag("1234567"))
        return Answer(page().body, headers={"Content-Type": "text/html", "X-Cache": "HIT", "Age": "3600"})

    found = findings(site_scan({"/": home}), "drip", {}, DRIP)
    assert tracking(found).ok is True  # the site does it now ...
    stale = [f for f in found if f.option == "" and f.ok is False]  # ... visitors get an older copy
    assert len(stale) == 1
    assert stale[0].text.startswith("Your site's page cache serves an older copy: clear the cache")
    assert stale[0].text.endswith("(its answer said age: 3600, x-cache: HIT).")


def test_nothing_readable_says_why_instead_of_not_on_your_site(site_scan) -> None:
    found = findings(site_scan({"/": Answer("down", 503)}), "drip", {}, DRIP)
    finding = tracking(found)
    assert finding.ok is None
    assert finding.text.startswith("Could not check your site: http://127.0.0.1:")
    assert finding.text.endswith("/: The site had an error showing it (HTTP 503).")


def test_failed_pages_are_one_note(site_scan) -> None:
    result = site_scan({"/": page(drip_tag("1234567")), "/gone/": Answer("", 404)})
    notes = [f.text for f in findings(result, "drip", {}, DRIP) if f.option == ""]
    assert len(notes) == 1
    assert notes[0].startswith("1 of 2 pages could not be checked — http://127.0.0.1:")
    assert notes[0].endswith("/gone/: Not found (HTTP 404).")


def test_a_crm_without_a_tracking_script_has_only_the_site_notes(site_scan) -> None:
    result = site_scan({"/": page(drip_tag("1234567"))})
    assert findings(result, "activecampaign", {}, {}) == ()


def test_a_kept_scan_says_the_same_when_read_back(site_scan) -> None:
    def home(path: str, query: str) -> Answer:
        if BUST_PARAM in query:
            return page(drip_tag("1234567") + "<script src='https://www.googletagmanager.com/gtm.js?id=GTM-K9ZZ12'>"
                        "</script>")
        return Answer(page().body, headers={"Content-Type": "text/html", "X-Cache": "HIT"})

    delayed = "<script type='rocketlazyloadscript'>_mri = \"27875\";</script>"
    result = site_scan({"/": home, "/a/": page(delayed + drip_tag("999")), "/gone/": Answer("", 404)})
    kept = SiteScan.from_details(json.loads(json.dumps(result.as_details())))
    for crm, values, tested in (("drip", DRIP, ""), ("ontraport", {}, "27875"), ("drip", {"account_id": "999"}, "")):
        for chosen in ({}, {"tracking": False}):
            assert findings(kept, crm, chosen, values, tested) == findings(result, crm, chosen, values, tested)


@pytest.mark.parametrize("kept", [None, "text", {"pages": "x"}, {"pages": [{"url": 5, "found": [7]}], "stopped": 3},
                                  {"pages": [{"found": [{"crm": "drip", "account": "1234567", "how": "runs"}]}]}])
def test_a_damaged_kept_scan_reads_as_nothing_checked(kept) -> None:
    finding = tracking(findings(SiteScan.from_details(kept), "drip", {}, DRIP))
    assert finding.ok is None and finding.text.startswith("Could not check your site")
