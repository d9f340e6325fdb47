"""The site check, over real HTTP against small loopback sites: which tracking scripts a visitor's
pages carry and how they run, fetched anonymously, a few at a time over reused connections."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from support.site_pages import Answer, SitePages, drip_tag, ontraport_tag, page

from accessally_desktop.integrations import Field, Integration, registry
from accessally_desktop.integrations.options import Toggle, TrackingScript
from accessally_desktop.integrations.site_fetch import BUST_PARAM, SCRIPT_BODY_LIMIT
from accessally_desktop.integrations.site_html import Running
from accessally_desktop.integrations.site_scan import SCAN_TIMEOUT, SiteScan, scan
from accessally_desktop.integrations.transport import Attempt

JS = {"Content-Type": "application/javascript"}


@pytest.fixture
def sites() -> Iterator:
    """Start loopback sites: sites({"/": page(...)}, delay=0); all stopped at the end."""
    started: list[SitePages] = []

    def start(answers: dict, **kw) -> SitePages:
        site = SitePages(answers, **kw).start()
        started.append(site)
        return site

    yield start
    for site in started:
        site.stop()


def run(site: SitePages, links: list[str] | None = None, *, timeout: float = SCAN_TIMEOUT, **kw) -> SiteScan:
    pages_url = site.pages_list(links) if links is not None else None
    return scan(Attempt(timeout), site.url + "/", pages_url, **kw)


def how(result: SiteScan, crm: str, account: str) -> set[Running]:
    return result.running(crm, account)


# -- finding each script, however it is written ------------------------------------------------------

def test_the_apps_own_snippets_are_found_by_account_and_run(sites) -> None:
    site = sites({"/": page(ontraport_tag("27875_3_2") + drip_tag("1234567"))})
    result = run(site)
    assert result.accounts("ontraport") == {"27875": 1}  # the id, without Ontraport's suffixes
    assert result.accounts("drip") == {"1234567": 1}
    assert how(result, "ontraport", "27875") == {Running("runs")}
    assert how(result, "drip", "1234567") == {Running("runs")}


def test_ontraport_loader_and_account_in_separate_tags(sites) -> None:
    head = ("<script src='https://optassets.ontraport.com/tracking.js' async></script>"
            "<script>var _mri = \"27875_3_2\", _mr_domain = \"27875.ontraport.com\"; mrtracking();</script>")
    assert run(sites({"/": page(head)})).accounts("ontraport") == {"27875": 1}


@pytest.mark.parametrize(("tag", "expected"), [
    ('<script type="rocketlazyloadscript">{code}</script>', Running("delayed", "WP Rocket")),
    ('<script type="litespeed/javascript">{code}</script>', Running("delayed", "LiteSpeed Cache")),
    ('<script type="text/rocketscript">{code}</script>', Running("delayed", "Cloudflare Rocket Loader")),
    ('<script type="4b0e1c2d3e4f5a6b7c8d9e0f-text/javascript">{code}</script>',
     Running("delayed", "Cloudflare Rocket Loader")),
    ('<script type="pmdelayedscript" data-perfmatters-type="text/javascript">{code}</script>',
     Running("delayed", "Perfmatters")),
    ('<script type="text/plain" data-cookieconsent="marketing">{code}</script>', Running("consent", "marketing")),
    ('<script type="text/plain" data-category="statistics" class="cmplz-script">{code}</script>',
     Running("consent", "statistics")),
    ('<script type="text/plain" data-iub-purposes="5">{code}</script>', Running("consent", "")),
    ('<script type="text/plain">{code}</script>', Running("never")),
    ('<script type="text/javascript">{code}</script>', Running("runs")),
])
def test_each_script_style_is_named(sites, tag: str, expected: Running) -> None:
    code = "var _dcq = _dcq || []; var _dcs = _dcs || {}; _dcs.account = '7654321';"
    result = run(sites({"/": page(tag.format(code=code))}))
    assert how(result, "drip", "7654321") == {expected}


def test_an_aggregated_same_origin_file_is_read_and_inherits_its_tag(sites) -> None:
    bundle = "/wp-content/cache/min/1/abc123.js"
    site = sites({"/": page(f'<script type="rocketlazyloadscript" data-rocket-src="{bundle}"></script>'),
                  bundle: Answer("(function(){var _dcs={};_dcs.account=\"1234567\";})();", headers=JS)})
    result = run(site)
    assert how(result, "drip", "1234567") == {Running("delayed", "WP Rocket")}
    assert result.finds("drip")[0][1].file == site.url + bundle


def test_script_files_of_other_origins_and_of_wordpress_core_are_never_fetched(sites) -> None:
    other = sites({"/t.js": Answer("_dcs.account = '1234567';", headers=JS)})
    site = sites({"/": page(f'<script src="{other.url}/t.js"></script>'
                            '<script src="/wp-includes/js/jquery/jquery.min.js"></script>')})
    result = run(site)
    assert other.seen == []
    assert "/wp-includes/js/jquery/jquery.min.js" not in site.paths_seen()
    assert result.accounts("drip") == {}


def test_a_script_file_over_its_cap_is_skipped_with_a_note_and_the_page_still_counts(sites) -> None:
    big = "/wp-content/cache/big.js"
    site = sites({"/": page(f'<script src="{big}"></script>' + ontraport_tag("27875")),
                  big: Answer("x" * (SCRIPT_BODY_LIMIT + 10), headers=JS)})
    result = run(site)
    assert result.accounts("ontraport") == {"27875": 1}
    assert any(big in note and "larger" in note for note in result.notes), result.notes


def test_a_script_file_that_fails_or_no_address_leaves_the_page_counted(sites) -> None:
    site = sites({"/": page('<script src="/wp-content/cache/broken.js"></script><script src="http://["></script>'
                            + drip_tag("1234567")),
                  "/wp-content/cache/broken.js": Answer("oops", 500)})
    result = run(site)
    assert result.accounts("drip") == {"1234567": 1}
    assert result.notes == (f"The script file {site.url}/wp-content/cache/broken.js could not be read: The site had "
                            "an error showing it (HTTP 500).",)


def test_google_tag_manager_is_noted_as_out_of_sight(sites) -> None:
    gtm = ("<script>(function(w,d,s,l,i){var f=d.getElementsByTagName(s)[0],j=d.createElement(s);"
           "j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);"
           "})(window,document,'script','dataLayer','GTM-AB12CD');</script>")
    result = run(sites({"/": page(gtm)}))
    assert result.tag_manager == {"GTM-AB12CD"}
    assert result.as_details()["google_tag_manager"] == ["GTM-AB12CD"]


# -- sampling the site ----------------------------------------------------------------------------

def test_pages_come_from_the_list_on_the_sites_own_host_only(sites) -> None:
    site = sites({"/": page(), "/about/": page(drip_tag("1234567")), "/x/": page()})
    other = sites({"/x/": page()})
    port = site.url.rsplit(":", 1)[1]
    result = run(site, ["/about/", f"http://localhost:{port}/x/", f"http://user:pw@127.0.0.1:{port}/x/",
                        f"{other.url}/x/", "https://elsewhere.example/", "/about/#team", "http://["])
    assert [p.url for p in result.pages] == [site.url + "/", site.url + "/about/"]
    assert "/x/" not in site.paths_seen() and other.seen == []
    assert result.accounts("drip") == {"1234567": 1}


def test_limit_counts_the_home_page_and_each_page_is_fetched_plain_and_busted(sites) -> None:
    paths = [f"/p{i}/" for i in range(12)]
    site = sites({"/": page(), **{p: page() for p in paths}})
    result = run(site, paths)
    assert len(result.pages) == 10
    seen = [s for s in site.seen if s.path != "/wp-json/wp/v2/pages"]
    assert len(seen) == 20
    for path in ["/", *paths[:9]]:
        queries = sorted(s.query for s in seen if s.path == path)
        assert queries[0] == "" and queries[1].startswith(f"{BUST_PARAM}="), (path, queries)


def test_no_credentials_and_no_cookies_ever_reach_the_site(sites) -> None:
    cookie = {"Content-Type": "text/html", "Set-Cookie": "wordpress_logged_in=abc; Path=/"}
    site = sites({"/": Answer(page().body, headers=cookie), "/a/": Answer(page().body, headers=cookie),
                  "/b/": Answer("", 302, {"Location": "/a/", "Set-Cookie": "session=1; Path=/"})})
    run(site, ["/a/", "/b/"], at_once=1)  # one connection: every later request could carry the cookie
    assert len(site.seen) >= 7
    for request in site.seen:
        assert "authorization" not in request.headers and "cookie" not in request.headers, request


def test_at_most_at_once_requests_over_as_many_reused_connections(sites) -> None:
    paths = [f"/p{i}/" for i in range(9)]
    site = sites({"/": page(), **{p: page() for p in paths}}, delay=0.2)
    run(site, paths, at_once=3)
    assert site.most_in_flight == 3
    assert site.connections <= 3
    assert len(site.seen) == 21


def test_a_failing_page_is_listed_with_why_and_the_rest_still_count(sites) -> None:
    site = sites({"/": page(drip_tag("1234567")), "/gone/": Answer("nope", 404),
                  "/members/": Answer("", 302, {"Location": "/wp-login.php?redirect_to=%2Fmembers%2F"}),
                  "/away/": Answer("", 301, {"Location": "https://elsewhere.example/"}),
                  "/moved/": Answer("", 301, {"Location": "/new/"}), "/new/": page(drip_tag("1234567")),
                  "/error/": Answer("oops", 500), "/data/": Answer("{}", headers={"Content-Type": "application/json"})})
    result = run(site, ["/gone/", "/members/", "/away/", "/moved/", "/error/", "/data/"])
    assert result.accounts("drip") == {"1234567": 2}
    why = {p.url.removeprefix(site.url): p.problem for p in result.failed}
    assert why == {"/gone/": "Not found (HTTP 404).",
                   "/members/": "For members only: it sends visitors to the login page.",
                   "/away/": "It sends visitors to another site (elsewhere.example).",
                   "/error/": "The site had an error showing it (HTTP 500).",
                   "/data/": "Not a web page (application/json)."}
    assert "/wp-login.php" not in site.paths_seen()


def test_an_unreadable_pages_list_leaves_the_home_page_and_a_note(sites) -> None:
    site = sites({"/": page(drip_tag("1234567"))})
    result = scan(Attempt(SCAN_TIMEOUT), site.url + "/", site.url + "/wp-json/wp/v2/pages?_fields=link")
    assert [p.url for p in result.sampled] == [site.url + "/"]
    assert result.notes == ("The list of your site's pages could not be read, so only the home page was checked: "
                            "Not found (HTTP 404).",)


def test_a_page_over_the_size_cap_fails_alone(sites) -> None:
    site = sites({"/": page(drip_tag("1234567")), "/huge/": page("x" * (3 * 1024 * 1024)), "/after/": page()})
    result = run(site, ["/huge/", "/after/"], at_once=1)  # one at a time: /after/ is read after /huge/ failed
    assert [p.url for p in result.sampled] == [site.url + "/", site.url + "/after/"]
    assert "far larger" in result.failed[0].problem


def test_a_plain_http_public_site_is_refused_before_any_request() -> None:
    result = scan(Attempt(5), "http://example.com/")
    assert not result.pages and "plain http://" in result.problem


# -- stale caches ---------------------------------------------------------------------------------

def test_a_stale_page_cache_is_flagged_with_its_headers(sites) -> None:
    def home(path: str, query: str) -> Answer:
        if BUST_PARAM in query:
            return page(drip_tag("1234567"))
        return Answer(page().body, headers={"Content-Type": "text/html", "X-Cache": "HIT", "Age": "3600"})

    result = run(sites({"/": home}))
    assert [p.stale for p in result.pages] == [True]
    assert result.accounts("drip") == {"1234567": 1}  # what the site does now
    assert result.as_details()["stale_cache"][0]["cache_headers"] == ["x-cache: HIT", "age: 3600"]


def test_pages_that_differ_only_in_nonces_are_not_stale(sites) -> None:
    count = iter(range(100))
    result = run(sites({"/": lambda path, query: page(drip_tag("1234567") + f"<script>var n={next(count)}</script>")}))
    assert result.stale_pages == ()


# -- cancel and deadline --------------------------------------------------------------------------

def test_cancel_ends_the_scan_at_once_with_what_it_had(sites) -> None:
    site = sites({"/": page(), **{f"/p{i}/": page() for i in range(4)}}, delay=30)
    attempt = Attempt(SCAN_TIMEOUT)
    threading.Timer(0.5, attempt.cancel).start()
    started = time.monotonic()
    result = scan(attempt, site.url + "/", site.pages_list([f"/p{i}/" for i in range(4)]))
    assert time.monotonic() - started < 10  # not the site's 30 s
    assert result.stopped == "cancelled" and not result.sampled
    assert {p.problem for p in result.pages} == {"Not checked: the site check was cancelled."}


def test_the_deadline_covers_the_whole_scan(sites) -> None:
    site = sites({"/": page()}, delay=30)
    started = time.monotonic()
    result = run(site, timeout=1)
    assert time.monotonic() - started < 10  # not the site's 30 s
    assert result.stopped == "timeout"
    assert result.pages[0].problem == "Not checked: the site check ran out of its 1 second."


def test_a_scan_inside_a_running_test_leaves_the_tests_own_requests_alone(sites) -> None:
    site = sites({"/": page(drip_tag("1234567")), "/api/": Answer("{}", headers={"Content-Type": "application/json"})})
    with Attempt(SCAN_TIMEOUT) as attempt:  # a service's test that scans as one of its steps
        result = scan(attempt, site.url + "/")
        reply = attempt.request("Site", "GET", site.url + "/api/", headers={"Authorization": "Basic dTpw"})
    assert result.accounts("drip") == {"1234567": 1} and reply.status == 200
    assert [s.headers.get("authorization") for s in site.seen if s.path == "/api/"] == ["Basic dTpw"]


# -- declared, not named --------------------------------------------------------------------------

def test_the_details_are_plain_json(sites) -> None:
    site = sites({"/": page(ontraport_tag("27875") + '<script type="text/plain" data-cookieconsent="marketing">'
                            "_dcs.account = '1234567';</script>"), "/gone/": Answer("", 404)})
    details = json.loads(json.dumps(run(site, ["/gone/"]).as_details()))
    assert details["pages_sampled"] == 1
    assert details["scripts"] == {"ontraport": [{"account": "27875", "pages": 1, "how": [{"how": "runs"}]}],
                                  "drip": [{"account": "1234567", "pages": 1,
                                            "how": [{"how": "consent", "by": "marketing"}]}]}
    assert details["pages"] == [{"url": site.url + "/", "google_tag_manager": [],
                                 "found": [{"crm": "drip", "account": "1234567", "how": "consent", "by": "marketing"},
                                           {"crm": "ontraport", "account": "27875", "how": "runs"}]}]
    assert details["pages_failed"] == [{"url": site.url + "/gone/", "why": "Not found (HTTP 404)."}]


class TrackedCrm(Integration):
    """A CRM declared only here, with a tracking toggle: the scan looks for it like any other."""

    id = "tracked-crm"
    name = "Tracked CRM"
    kind = "crm"
    default_base_url = "https://api.tracked-crm.invalid"
    where_to_find = "In Tracked CRM: Settings."
    fields = (Field("api_key", "API Key", "In Tracked CRM: Settings.", secret=True),)
    options = (Toggle("tracking", "&Tracking", default=True,
                      script=TrackingScript(r"exampleTrack\('(?P<account>\w+)'\)")),)

    def probe(self, attempt, values):
        raise NotImplementedError


def test_a_crm_declared_elsewhere_is_looked_for_too(sites) -> None:
    registry.register(TrackedCrm())
    try:
        result = run(sites({"/": page("<script>exampleTrack('acme42')</script>")}))
    finally:
        registry.unregister("tracked-crm")
    assert result.accounts("tracked-crm") == {"acme42": 1}
