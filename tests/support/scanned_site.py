"""A site test's saved result with a real page scan of a loopback site, for the findings the CRM panel
and the dashboard show (as `tests/test_site_report.py` builds one)."""

from __future__ import annotations

from support.site_pages import Answer, SitePages

from accessally_desktop.integrations import Account, CheckResult, Status, registry
from accessally_desktop.integrations.site_scan import SCAN_TIMEOUT, TRACKING, scan
from accessally_desktop.integrations.transport import Attempt
from accessally_desktop.settings import SavedResult
from accessally_desktop.storage import saved_result

SITE_ID = registry.SITE_IDS[0]


def scanned_result(pages: dict[str, Answer]) -> CheckResult:
    """A passing site test whose scan read these pages ("/" is the home page) from 127.0.0.1."""
    site = SitePages(pages).start()
    try:
        found = scan(Attempt(SCAN_TIMEOUT), site.url + "/", site.pages_list([p for p in pages if p != "/"]))
    finally:
        site.stop()
    return CheckResult(SITE_ID, Status.OK, "Connected.", account=Account(name="Shop"),
                       facts={TRACKING: found.as_details()})


def saved_site(pages: dict[str, Answer], tested_at: float) -> SavedResult:
    """The same, as the settings keep it."""
    return saved_result(scanned_result(pages), tested_at)
