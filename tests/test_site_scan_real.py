"""The site check against a real WordPress 6.1 (tests/support/real_wordpress.py): the tracking tags
as AccessAlly prints them, rewritten as speed plugins and cookie banners do, behind a stale page
cache, beside Google Tag Manager, with pretty and plain permalinks and a canonical-host redirect."""

from __future__ import annotations

import pytest

from accessally_desktop.integrations.site_findings import WORDPRESS_PLACE, findings
from accessally_desktop.integrations.site_html import Running
from accessally_desktop.integrations.site_scan import SCAN_TIMEOUT, SiteScan, scan
from accessally_desktop.integrations.transport import Attempt

ONTRAPORT, DRIP = "27875_3_2", "1234567"
BOTH = {"ontraport": ONTRAPORT, "drip": DRIP}
SAMPLED = 10  # the home page and 9 of the fixture's 12 pages


def scan_site(site) -> SiteScan:
    """Scan the fixture as the wordpress service will: its home, and the anonymous REST list of pages."""
    home = site.home
    return scan(Attempt(SCAN_TIMEOUT), home + "/", f"{home}/?rest_route=/wp/v2/pages&_fields=link&per_page=10")


def tracking(result: SiteScan, crm: str, **kw) -> tuple[bool | None, str]:
    values = {"account_id": DRIP} if crm == "drip" else {}
    found = findings(result, crm, kw.get("options", {}), values, "27875")
    return next((f.ok, f.text) for f in found if f.option == "tracking")


@pytest.mark.parametrize("permalinks", ["pretty", "plain"])
def test_the_tags_accessally_prints_are_found_on_every_sampled_page(real_wordpress, permalinks: str) -> None:
    with real_wordpress.conditions(tracking=BOTH, permalinks=permalinks):
        result = scan_site(real_wordpress)
    assert len(result.sampled) == SAMPLED and not result.failed and not result.notes
    assert result.accounts("ontraport") == {"27875": SAMPLED}
    assert result.accounts("drip") == {DRIP: SAMPLED}
    assert tracking(result, "ontraport") == (True, f"Found on {SAMPLED} of {SAMPLED} pages, account 27875.")
    assert tracking(result, "drip") == (True, f"Found on {SAMPLED} of {SAMPLED} pages, account {DRIP}.")


def test_no_tags_while_the_option_is_on_here(real_wordpress) -> None:
    with real_wordpress.conditions(tracking={}):
        result = scan_site(real_wordpress)
    assert len(result.sampled) == SAMPLED
    assert tracking(result, "drip") == (False, f"Not on your site — turn it on in WordPress: {WORDPRESS_PLACE}.")
    assert tracking(result, "drip", options={"tracking": False}) == (
        True, f"Not on your site, as set here ({SAMPLED} pages checked).")


def test_tags_still_printed_while_the_option_is_off_here(real_wordpress) -> None:
    with real_wordpress.conditions(tracking={"drip": DRIP}):
        result = scan_site(real_wordpress)
    ok, text = tracking(result, "drip", options={"tracking": False})
    assert ok is False and text.startswith("Still on your site although it is off here")


def test_accessally_inactive_prints_nothing(real_wordpress) -> None:
    with real_wordpress.conditions(tracking=BOTH, accessally="inactive"):
        result = scan_site(real_wordpress)
    assert result.accounts("ontraport") == {} and result.accounts("drip") == {}


def test_another_account_on_the_site(real_wordpress) -> None:
    with real_wordpress.conditions(tracking={"drip": "999"}):
        result = scan_site(real_wordpress)
    ok, text = tracking(result, "drip")
    assert ok is False and text.startswith(f"On your site, but for account 999 on {SAMPLED} of {SAMPLED} pages "
                                           f"instead of {DRIP}")


@pytest.mark.parametrize(("style", "expected"), [
    ("rocket", Running("delayed", "WP Rocket")),
    ("litespeed", Running("delayed", "LiteSpeed Cache")),
    ("cloudflare", Running("delayed", "Cloudflare Rocket Loader")),
    ("consent", Running("consent", "marketing")),
])
def test_speed_plugins_and_consent_banners_are_named(real_wordpress, style: str, expected: Running) -> None:
    with real_wordpress.conditions(tracking=BOTH, script_style=style):
        result = scan_site(real_wordpress)
    assert result.running("drip", DRIP) == {expected}
    assert result.accounts("drip") == {DRIP: SAMPLED}
    ok, text = tracking(result, "drip")
    if expected.how == "delayed":
        assert ok is False and text.startswith(f"Found, but a speed plugin ({expected.by}) delays it")
    else:
        assert ok is None and "waits until the visitor accepts cookies (category “marketing”)" in text


def test_aggregated_inline_code_is_found_in_the_cache_file(real_wordpress) -> None:
    with real_wordpress.conditions(tracking=BOTH, script_style="aggregated"):
        result = scan_site(real_wordpress)
    assert result.accounts("drip") == {DRIP: SAMPLED}
    assert result.accounts("ontraport") == {"27875": SAMPLED}
    files = {find.file for _, find in result.finds("drip")}
    assert len(files) == 1 and "/wp-content/cache/min/1/" in files.pop()


def test_a_stale_page_cache_is_flagged(real_wordpress) -> None:
    with real_wordpress.conditions(tracking=BOTH, page_cache=True, permalinks="pretty"):  # caches skip ?page_id=
        result = scan_site(real_wordpress)
    assert len(result.stale_pages) == SAMPLED
    assert "x-cache: HIT" in result.stale_pages[0].cache_headers
    assert tracking(result, "drip")[0] is True  # the site prints it now ...
    stale = [f for f in findings(result, "drip", {}, {"account_id": DRIP}) if f.option == "" and f.ok is False]
    assert stale and stale[0].text.startswith("Your site's page cache serves an older copy")  # ... visitors don't get it


def test_google_tag_manager_is_noted(real_wordpress) -> None:
    with real_wordpress.conditions(gtm="GTM-T3ST42"):
        result = scan_site(real_wordpress)
    assert result.tag_manager == {"GTM-T3ST42"}
    assert any("Google Tag Manager (GTM-T3ST42) is on your site" in f.text
               for f in findings(result, "drip", {}, {"account_id": DRIP}))


def test_the_canonical_address_is_scanned_and_the_other_one_redirects(real_wordpress) -> None:
    with real_wordpress.conditions(tracking=BOTH, canonical_host="localhost"):
        canonical = scan_site(real_wordpress)
        other = scan(Attempt(SCAN_TIMEOUT), real_wordpress.url + "/")
    assert canonical.accounts("drip") == {DRIP: SAMPLED}
    assert other.pages[0].problem == "It sends visitors to another site (localhost)."


def test_an_https_site_is_scanned_over_verified_tls(real_wordpress, monkeypatch) -> None:
    real_wordpress.trust_tls(monkeypatch)
    with real_wordpress.conditions(tracking=BOTH, force_https=True):
        result = scan_site(real_wordpress)
    assert result.home_url.startswith("https://")
    assert result.accounts("drip") == {DRIP: SAMPLED} and not result.failed
