"""The real WordPress fixture itself (tests/support/real_wordpress.py): it starts, answers like WordPress,
and each condition visibly does what it says — checked with plain httpx, as a browser or the app sees it."""

from __future__ import annotations

from contextlib import closing
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from support.real_wordpress import RealWordPress, start_or_skip
from support.wordpress_browser import AuthorizeRefused

from accessally_desktop.integrations import drip, ontraport

ONTRAPORT_ID, DRIP_ID = "27875_3_2", "1234567"
SUCCESS_URL = "accessally-desktop://wordpress-connected?state=s3cr3t-state"


class Scripts(HTMLParser):
    """The page's <script> tags (attributes, code) and <link> tags."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.links: list[dict[str, str]] = []
        self._open = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            self.scripts.append((values, ""))
            self._open = True
        elif tag == "link":
            self.links.append(values)

    def handle_endtag(self, tag: str) -> None:
        self._open = self._open and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._open:
            self.scripts[-1] = (self.scripts[-1][0], self.scripts[-1][1] + data)

    def with_text(self, text: str) -> list[tuple[dict[str, str], str]]:
        return [(attrs, code) for attrs, code in self.scripts if text in code or any(text in v for v in attrs.values())]


def index(site: RealWordPress, base: str | None = None, **kwargs) -> httpx.Response:
    return httpx.get(f"{base or site.url}/?rest_route=/&_fields=name,url,home,authentication", **kwargs)


def me(site: RealWordPress, user=None, base: str | None = None, **kwargs) -> httpx.Response:
    user = user or site.admin
    return httpx.get(f"{base or site.url}/?rest_route=/wp/v2/users/me&context=edit",
                     auth=(user.login, user.app_password), **kwargs)


def accessally(site: RealWordPress) -> httpx.Response:
    return httpx.get(f"{site.url}/?rest_route=/wp/v2/plugins/accessally/accessally",
                     auth=(site.admin.login, site.admin.app_password))


def has_app_passwords(answer: httpx.Response) -> bool:
    return "application-passwords" in (answer.json().get("authentication") or {})


# == it starts, and WordPress answers ==============================================================

def test_the_site_answers_as_wordpress_with_its_rest_index_and_users(real_wordpress: RealWordPress) -> None:
    answer = index(real_wordpress)
    assert answer.status_code == 200
    assert answer.json()["name"] == "Fixture Site" and answer.json()["url"] == real_wordpress.url
    endpoints = answer.json()["authentication"]["application-passwords"]["endpoints"]
    assert endpoints["authorization"] == f"{real_wordpress.url}/wp-admin/authorize-application.php"
    head = httpx.head(real_wordpress.url + "/")
    assert f'<{real_wordpress.url}/index.php?rest_route=/>; rel="https://api.w.org/"' in head.headers["link"]
    assert len({page["title"] for page in real_wordpress.pages}) == len(real_wordpress.pages) >= 12
    assert real_wordpress.startup_seconds < 30


def test_application_passwords_work_and_login_passwords_do_not(real_wordpress: RealWordPress) -> None:
    admin, author = me(real_wordpress).json(), me(real_wordpress, real_wordpress.author).json()
    assert (admin["username"], admin["roles"], admin["capabilities"]["manage_options"]) == ("admin", ["administrator"], True)
    assert (author["username"], author["roles"]) == ("author", ["author"])
    login_password = httpx.get(f"{real_wordpress.url}/?rest_route=/wp/v2/users/me",
                               auth=(real_wordpress.admin.login, real_wordpress.admin.password))
    assert (login_password.status_code, login_password.json()["code"]) == (401, "rest_not_logged_in")
    plugins = httpx.get(f"{real_wordpress.url}/?rest_route=/wp/v2/plugins",
                        auth=(real_wordpress.author.login, real_wordpress.author.app_password))
    assert (plugins.status_code, plugins.json()["code"]) == (403, "rest_cannot_view_plugins")


def test_the_tls_front_serves_the_same_site_to_a_client_that_trusts_the_test_ca(real_wordpress: RealWordPress) -> None:
    assert me(real_wordpress, base=real_wordpress.https_url, verify=real_wordpress.tls).status_code == 200
    secure = index(real_wordpress, base=real_wordpress.https_url, verify=real_wordpress.tls).json()
    # like any WordPress reached over https while its address is http: `url` is the stored one, `home` follows the request
    assert (secure["url"], secure["home"]) == (real_wordpress.url, real_wordpress.https_url)
    assert httpx.get(real_wordpress.https_url + "/", verify=real_wordpress.tls).status_code == 200
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        index(real_wordpress, base=real_wordpress.https_url)


# == each condition ================================================================================

def test_a_security_plugin_turns_application_passwords_off(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(app_passwords_off=True):
        assert not has_app_passwords(index(real_wordpress))
        assert me(real_wordpress).json()["code"] == "rest_not_logged_in"
    assert has_app_passwords(index(real_wordpress)) and me(real_wordpress).status_code == 200


def test_a_production_site_offers_application_passwords_only_over_https(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(production_http=True):
        assert not has_app_passwords(index(real_wordpress))
        assert me(real_wordpress).status_code == 401
        tls = {"verify": real_wordpress.tls}
        assert has_app_passwords(index(real_wordpress, base=real_wordpress.https_url, **tls))
        assert me(real_wordpress, base=real_wordpress.https_url, **tls).status_code == 200


def test_a_host_that_strips_the_authorization_header_still_lists_application_passwords(real_wordpress) -> None:
    with real_wordpress.conditions(strip_authorization=True):
        assert has_app_passwords(index(real_wordpress))
        assert (me(real_wordpress).status_code, me(real_wordpress).json()["code"]) == (401, "rest_not_logged_in")


def test_a_firewall_blocks_the_rest_api_for_everyone_and_hides_its_link(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(rest_blocked="everyone"):
        for url in (f"{real_wordpress.url}/?rest_route=/", f"{real_wordpress.url}/wp-json/"):
            answer = httpx.get(url, auth=(real_wordpress.admin.login, real_wordpress.admin.app_password))
            assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
        home = httpx.get(real_wordpress.url + "/")
        assert "api.w.org" not in home.headers.get("link", "")
        assert not [link for link in Scripts(home.text).links if link.get("rel") == "https://api.w.org/"]


def test_a_disable_rest_api_plugin_answers_401_to_visitors_but_not_to_an_application_password(real_wordpress) -> None:
    with real_wordpress.conditions(rest_blocked="logged_out"):
        anonymous = index(real_wordpress)
        assert (anonymous.status_code, anonymous.json()["code"]) == (401, "rest_login_required")
        assert me(real_wordpress).status_code == 200
        assert "api.w.org" not in httpx.head(real_wordpress.url + "/").headers.get("link", "")


@pytest.mark.parametrize(("state", "status", "plugin_status"), [("active", 200, "active"), ("inactive", 200, "inactive"),
                                                                 ("missing", 404, None)])
def test_the_accessally_stub_is_active_inactive_or_missing(real_wordpress, state, status, plugin_status) -> None:
    with real_wordpress.conditions(accessally=state, tracking={"drip": DRIP_ID}):
        answer = accessally(real_wordpress)
        assert answer.status_code == status
        if plugin_status:
            assert (answer.json()["status"], answer.json()["name"], answer.json()["version"]) == (plugin_status, "AccessAlly", "4.9.2")
        else:
            assert answer.json()["code"] == "rest_plugin_not_found"
        # AccessAlly prints the tracking tags, so only an active AccessAlly shows them
        assert bool(Scripts(httpx.get(real_wordpress.url + "/").text).with_text(DRIP_ID)) is (state == "active")
    assert accessally(real_wordpress).json()["status"] == "active"


def test_pretty_permalinks_move_the_rest_api_to_wp_json(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(permalinks="pretty"):
        head = httpx.head(real_wordpress.url + "/")
        assert f'<{real_wordpress.url}/wp-json/>; rel="https://api.w.org/"' in head.headers["link"]
        assert httpx.get(f"{real_wordpress.url}/wp-json/wp/v2/pages?_fields=link&per_page=3").status_code == 200
        page = httpx.get(f"{real_wordpress.url}/pricing/")
        assert page.status_code == 200 and ">Pricing<" in page.text
    links = httpx.get(f"{real_wordpress.url}/?rest_route=/wp/v2/pages&_fields=link").json()
    assert all("?page_id=" in item["link"] for item in links)


def test_a_canonical_host_redirects_pages_and_the_index_names_it(real_wordpress: RealWordPress) -> None:
    canonical = f"http://localhost:{real_wordpress.port}"
    with real_wordpress.conditions(canonical_host="localhost"):
        assert real_wordpress.home == canonical
        page = httpx.get(f"{real_wordpress.url}/?page_id={real_wordpress.pages[0]['id']}")
        assert (page.status_code, page.headers["location"]) == (301, f"{canonical}/?page_id={real_wordpress.pages[0]['id']}")
        assert (index(real_wordpress).json()["url"], index(real_wordpress).json()["home"]) == (canonical, canonical)
        assert httpx.get(canonical + "/").status_code == 200


def test_force_https_redirects_every_plain_http_request(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(force_https=True):
        answer = index(real_wordpress)
        assert answer.status_code == 301
        assert answer.headers["location"] == f"{real_wordpress.https_url}/?rest_route=/&_fields=name,url,home,authentication"
        secure = index(real_wordpress, base=real_wordpress.https_url, verify=real_wordpress.tls)
        assert secure.json()["home"] == real_wordpress.https_url


def test_tracking_tags_are_printed_exactly_as_the_app_renders_them(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(tracking={"ontraport": ONTRAPORT_ID, "drip": DRIP_ID}):
        page = httpx.get(f"{real_wordpress.url}/?page_id={real_wordpress.pages[3]['id']}").text
        assert ontraport.tracking_snippet(ONTRAPORT_ID) in page and drip.tracking_snippet(DRIP_ID) in page
        (ontraport_tag, _), = Scripts(page).with_text(f'_mri="{ONTRAPORT_ID}"')
        assert ontraport_tag["src"] == "https://optassets.ontraport.com/tracking.js"
        assert Scripts(page).with_text(f"_dcs.account = '{DRIP_ID}'")
    assert ONTRAPORT_ID not in httpx.get(real_wordpress.url + "/").text


@pytest.mark.parametrize(("style", "expected"), [
    ("rocket", {"type": "rocketlazyloadscript", "data-rocket-src": "https://optassets.ontraport.com/tracking.js"}),
    ("litespeed", {"type": "litespeed/javascript", "data-src": "https://optassets.ontraport.com/tracking.js"}),
    ("cloudflare", {"type": "text/rocketscript"}),
    ("consent", {"type": "text/plain", "data-cookieconsent": "marketing"}),
])
def test_speed_plugins_and_consent_banners_rewrite_the_tags(real_wordpress, style: str, expected: dict) -> None:
    with real_wordpress.conditions(tracking={"ontraport": ONTRAPORT_ID, "drip": DRIP_ID}, script_style=style):
        scripts = Scripts(httpx.get(real_wordpress.url + "/").text)
        (ontraport_tag, _), = scripts.with_text(f'_mri="{ONTRAPORT_ID}"')
        (drip_tag, _), = scripts.with_text(f"_dcs.account = '{DRIP_ID}'")
        assert expected.items() <= ontraport_tag.items()
        assert drip_tag["type"] == expected["type"]


def test_aggregation_moves_inline_code_into_a_same_origin_file(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(tracking={"ontraport": ONTRAPORT_ID, "drip": DRIP_ID}, script_style="aggregated"):
        scripts = Scripts(httpx.get(real_wordpress.url + "/").text)
        assert not scripts.with_text("_dcs.account") and scripts.with_text(f'_mri="{ONTRAPORT_ID}"')
        sources = [attrs["src"] for attrs, _ in scripts.scripts if "/wp-content/cache/min/" in attrs.get("src", "")]
        assert len(sources) == 1 and sources[0].startswith(real_wordpress.url + "/")
        assert f"_dcs.account = '{DRIP_ID}'" in httpx.get(sources[0]).text


def test_a_stale_page_cache_serves_plain_urls_old_html(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(tracking={"drip": DRIP_ID}, page_cache=True):
        cached = httpx.get(real_wordpress.url + "/")
        assert (cached.headers["x-cache"], cached.headers["age"]) == ("HIT", "5400")
        assert DRIP_ID not in cached.text
        busted = httpx.get(real_wordpress.url + "/?nocache=8f3a")
        assert busted.headers["x-cache"] == "BYPASS" and DRIP_ID in busted.text


def test_the_cached_copy_can_hold_an_older_account(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(tracking={"drip": DRIP_ID}, page_cache={"tracking": {"drip": "7654321"}}):
        assert "_dcs.account = '7654321'" in httpx.get(real_wordpress.url + "/").text
        assert f"_dcs.account = '{DRIP_ID}'" in httpx.get(real_wordpress.url + "/?nocache=1").text


def test_google_tag_manager_in_the_head(real_wordpress: RealWordPress) -> None:
    with real_wordpress.conditions(gtm="GTM-ABC123"):
        assert Scripts(httpx.get(real_wordpress.url + "/").text).with_text("googletagmanager.com/gtm.js")
        assert "'dataLayer','GTM-ABC123'" in httpx.get(real_wordpress.url + "/").text


def test_conditions_come_back_even_when_the_block_fails(real_wordpress: RealWordPress) -> None:
    with pytest.raises(RuntimeError), real_wordpress.conditions(app_passwords_off=True):
        raise RuntimeError("a failing test")
    assert has_app_passwords(index(real_wordpress))
    with pytest.raises(ValueError, match="script_style"):
        real_wordpress.set_conditions(script_style="fast")


# == the Authorize Application flow ================================================================

def authorize_url(site: RealWordPress, success_url: str = SUCCESS_URL, base: str | None = None) -> str:
    endpoint = index(site, base=base, verify=site.tls).json()["authentication"]["application-passwords"]["endpoints"]["authorization"]
    return f"{endpoint}?app_name=Fixture%20approval%20test&app_id=1b9c2a4e-7d1f-4a57-9b8e-2f1c0f3d5a6b&success_url={quote(success_url, safe='')}"


def test_approving_sends_the_browser_to_the_success_url_with_a_working_password(real_wordpress: RealWordPress) -> None:
    with closing(real_wordpress.login(real_wordpress.admin)) as browser:
        approval = real_wordpress.approve(browser, authorize_url(real_wordpress))
    assert approval.location.startswith(SUCCESS_URL + "&")
    query = parse_qs(urlsplit(approval.location).query)
    assert (query["state"], query["user_login"], query["site_url"]) == (["s3cr3t-state"], ["admin"], [real_wordpress.url])
    answer = httpx.get(f"{real_wordpress.url}/?rest_route=/wp/v2/users/me", auth=("admin", query["password"][0]))
    assert answer.status_code == 200 and answer.json()["id"] == real_wordpress.admin.id


def test_rejecting_and_a_plain_http_success_url_on_a_production_site(real_wordpress: RealWordPress) -> None:
    with closing(real_wordpress.login(real_wordpress.author)) as browser:
        assert real_wordpress.reject(browser, authorize_url(real_wordpress)) == SUCCESS_URL + "&success=false"
    with real_wordpress.conditions(production_http=True):
        https = real_wordpress.https_url
        url = authorize_url(real_wordpress, "http://127.0.0.1:9/callback", base=https)
        with closing(real_wordpress.login(real_wordpress.admin, base=https)) as browser:
            with pytest.raises(AuthorizeRefused, match="served over a secure connection") as refused:
                real_wordpress.approve(browser, url)
    assert refused.value.status == 500


# == without the packages, and no leftovers =========================================================

def test_without_the_packages_it_skips_locally_and_fails_on_ci(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import support.real_wordpress as module

    monkeypatch.setattr(module, "WORDPRESS_CORE", tmp_path / "no-wordpress")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y --no-install-recommends wordpress php-cli"):
        start_or_skip(tmp_path)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="no-wordpress missing"):
        start_or_skip(tmp_path)


def test_stopping_leaves_no_process_behind(tmp_path) -> None:
    site = start_or_skip(tmp_path)
    from support.real_wordpress import _children

    started = [process.pid for process in site._processes]
    workers = _children(started[-1])
    assert len(workers) == 4  # PHP_CLI_SERVER_WORKERS
    site.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(site.url, timeout=2)
    assert not [pid for pid in [*started, *workers] if _alive(pid)]


def _alive(pid: int) -> bool:
    from support.real_wordpress import _alive as alive

    return alive(pid)


def test_trust_tls_lets_the_app_reach_the_https_site_for_one_test_only(real_wordpress, monkeypatch) -> None:
    from accessally_desktop.integrations import _http

    before = _http._ssl_context
    with monkeypatch.context() as patch:
        real_wordpress.trust_tls(patch)
        with httpx.Client(verify=_http._shared_ssl_context()) as client:
            assert client.get(real_wordpress.https_url + "/").status_code == 200
    with httpx.Client(verify=_http._shared_ssl_context()) as client, pytest.raises(httpx.ConnectError):
        client.get(real_wordpress.https_url + "/")
    assert _http._ssl_context is before
