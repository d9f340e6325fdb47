"""The site's findings survive a restart: the site test's scan is saved with its result, and the
CRM panel and the dashboard read them back from the settings file (`site_report`)."""

from __future__ import annotations

from support.site_pages import SitePages, drip_tag, page

from accessally_desktop.integrations import Account, CheckResult, Status
from accessally_desktop.integrations.site_findings import WORDPRESS_PLACE
from accessally_desktop.integrations.site_scan import SCAN_TIMEOUT, TRACKING, scan
from accessally_desktop.integrations.transport import Attempt
from accessally_desktop.settings import Settings, SettingsStore, SiteProfile
from accessally_desktop.site_report import site_report
from accessally_desktop.storage import saved_result


def _site_result(pages: dict) -> CheckResult:
    site = SitePages(pages).start()
    try:
        found = scan(Attempt(SCAN_TIMEOUT), site.url + "/", site.pages_list([p for p in pages if p != "/"]))
    finally:
        site.stop()
    return CheckResult("wordpress", Status.OK, "Connected.", account=Account(name="Shop"),
                       facts={TRACKING: found.as_details()})


def _reloaded(profile: SiteProfile, tmp_path) -> SiteProfile:
    store = SettingsStore(tmp_path)
    store.save(Settings(sites={profile.name: profile}, last_site=profile.name))
    loaded = store.load()
    assert loaded.problem == ""
    return loaded.settings.sites[profile.name]


def test_a_saved_scan_gives_the_same_findings_after_a_restart(tmp_path) -> None:
    profile = SiteProfile("Shop", crm="drip", values={"drip": {"account_id": "1234567"}})
    profile.results["wordpress"] = saved_result(_site_result({"/": page(), "/about/": page(drip_tag("1234567"))}), 1e9)
    report = site_report(_reloaded(profile, tmp_path))
    assert report is not None and report.tested_at == 1e9
    finding = report.for_option("tracking")
    assert finding is not None and finding.ok is False
    assert finding.text.startswith("Found on 1 of 2 pages, account 1234567; not on ")


def test_the_panel_holds_the_site_against_its_choices_before_apply(tmp_path) -> None:
    profile = SiteProfile("Shop", crm="drip", values={"drip": {"account_id": "1234567"}})
    profile.results["wordpress"] = saved_result(_site_result({"/": page()}), 1e9)
    assert site_report(profile).for_option("tracking").text == (
        f"Not on your site — turn it on in WordPress: {WORDPRESS_PLACE}.")
    assert site_report(profile, {"tracking": False}).for_option("tracking").ok is True


def test_no_report_without_a_passing_site_test(tmp_path) -> None:
    profile = SiteProfile("Shop", crm="drip")
    assert site_report(profile) is None
    profile.results["wordpress"] = saved_result(_site_result({"/": page()}), 1e9)
    profile.results["wordpress"].status = "invalid_credentials"
    assert site_report(profile) is None


def test_a_site_without_a_crm_still_gets_its_site_wide_notes(tmp_path) -> None:
    gtm = "<script src='https://www.googletagmanager.com/gtm.js?id=GTM-K9ZZ12'></script>"
    profile = SiteProfile("Shop", crm="none")
    profile.results["wordpress"] = saved_result(_site_result({"/": page(gtm)}), 1e9)
    report = site_report(_reloaded(profile, tmp_path))
    assert [f.option for f in report.findings] == [""] and "Google Tag Manager (GTM-K9ZZ12)" in report.findings[0].text
