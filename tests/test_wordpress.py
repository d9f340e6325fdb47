"""The owner's WordPress site, over real HTTP against the stand-in (sandbox/wordpress.py) and small
loopback servers: discovery, the canonical address, where credentials go, and one message per cause."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations._http import _ssl_context
from accessally_desktop.integrations.redaction import redact
from accessally_desktop.integrations.status import Failure
from accessally_desktop.integrations.wordpress import (
    authorization_endpoint,
    check_issued_password,
    find_authorization,
    with_tracking,
)
from accessally_desktop.integrations.wordpress_discovery import Site
from accessally_desktop.sandbox.server import Request, Response, SandboxServer, text_response
from accessally_desktop.sandbox.wordpress import (
    ACCESSALLY_VERSION,
    APP_PASSWORD,
    AUTHOR,
    AUTHOR_PASSWORD,
    SITE_NAME,
    USERNAME,
    WordPressSandbox,
)

WORDPRESS = registry.get("wordpress")


@pytest.fixture
def site() -> Iterator[WordPressSandbox]:
    """The stand-in, reached through the site address the owner types (no override)."""
    server = WordPressSandbox().start()
    yield server
    server.stop()


def signed_in(server: SandboxServer) -> list[Request]:
    return [r for r in server.requests if r.header("authorization")]


def test_the_demo_site_connects_and_check_gets_the_facts(site) -> None:
    result = WORDPRESS.test(site.credentials())
    assert result.status is Status.OK, result
    assert SITE_NAME in result.message and "Dana Demo (Administrator)" in result.message
    assert f"AccessAlly {ACCESSALLY_VERSION} is active" in result.message
    details = result.details()
    assert {k: details[k] for k in ("site_name", "site_url", "user", "role", "accessally", "accessally_version")} == {
        "site_name": SITE_NAME, "site_url": site.url, "user": USERNAME, "role": "Administrator",
        "accessally": "active", "accessally_version": ACCESSALLY_VERSION}
    assert not result.warnings
    assert APP_PASSWORD not in str(result.as_json()) and APP_PASSWORD.replace(" ", "") not in str(result.as_json())


@pytest.mark.parametrize("permalinks", ["pretty", "plain"])
def test_routes_go_onto_the_path_or_with_plain_permalinks_into_the_query(site, permalinks: str) -> None:
    site.switch(permalinks=permalinks)
    assert WORDPRESS.test(site.credentials()).ok
    api = [r for r in site.requests if r.path.startswith("/wp-json/") or "rest_route" in r.query]  # not the pages
    assert api
    if permalinks == "plain":
        assert all(r.path == "/" for r in api)
        assert {r.query["rest_route"] for r in signed_in(site)} == {"/wp/v2/users/me",
                                                                   "/wp/v2/plugins/accessally/accessally"}
    else:
        assert all(r.path.startswith("/wp-json/") and "rest_route" not in r.query for r in api)
    me = next(r for r in signed_in(site) if "users/me" in r.path + r.query.get("rest_route", ""))
    assert me.query["context"] == "edit"


def test_the_index_is_asked_for_its_few_fields_only(site) -> None:
    WORDPRESS.test(site.credentials())
    index = [r for r in site.requests if r.path == "/wp-json/"]
    assert [r.query.get("_fields") for r in index] == ["name,description,url,home,namespaces,authentication"]
    assert not any(r.header("authorization") for r in index), "the index is read anonymously"


class NoLinks(WordPressSandbox):
    """A site whose pages name no API (a plugin removed both links); `?rest_route=/` still answers."""

    def _page(self, home: str, title: str, status: int) -> Response:
        return text_response(f"<html><head><title>{title}</title></head><body></body></html>", status,
                             "text/html; charset=UTF-8")


class BrokenPrettyLinks(WordPressSandbox):
    """Pretty permalinks without their rewrite rules: the pages name /wp-json/, which is a 404 page."""

    def root_url(self, home: str) -> str:
        return f"{home}/wp-json/"


@pytest.mark.parametrize(("server_class", "conditions"), [
    (WordPressSandbox, {"link_header": False}),  # only the <head> link, read with html.parser
    (NoLinks, {}),  # no link at all: the ?rest_route=/ fallback
    (BrokenPrettyLinks, {"permalinks": "plain"}),  # the named root fails: the fallback
])
def test_the_api_is_found_without_the_link_header(server_class, conditions) -> None:
    with server_class() as server:
        server.switch(**conditions)
        result = WORDPRESS.test(server.credentials())
    assert result.status is Status.OK, result


def test_a_redirect_to_the_canonical_host_is_reported_and_credentials_go_only_there(site) -> None:
    port = site.url.rsplit(":", 1)[1]
    canonical = f"http://localhost:{port}"
    site.switch(canonical=canonical)
    result = WORDPRESS.test(dict(site.credentials(), site_url=site.url))  # typed as 127.0.0.1
    assert result.status is Status.OK, result
    assert result.warnings == (f"Your site's address is {canonical}; this app uses that from now on.",)
    assert result.details()["site_url"] == canonical
    assert site.requests[0].header("host") == f"127.0.0.1:{port}"  # the address typed was asked first
    assert signed_in(site) and {r.header("host") for r in signed_in(site)} == {f"localhost:{port}"}


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    """A certificate for 127.0.0.1 from a CA this test trusts (SSL_CERT_FILE)."""
    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    _ssl_context.cache_clear()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    yield context
    _ssl_context.cache_clear()


class ToHttps(SandboxServer):
    """The http:// side of a site that sends every visitor to https://."""

    service = "wordpress"

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def handle(self, request: Request) -> Response:
        return Response(301, b"", {"Location": self.target + request.path})


def test_http_that_redirects_to_https_is_followed_and_credentials_only_go_over_https(tls) -> None:
    with WordPressSandbox(tls=tls) as secure, ToHttps(secure.url) as plain:
        result = WORDPRESS.test(dict(secure.credentials(), site_url=plain.url))
        assert result.status is Status.OK, result
        assert result.details()["site_url"] == secure.url and secure.url.startswith("https://")
        assert f"Your site's address is {secure.url}" in result.warnings[0]
        assert not signed_in(plain) and signed_in(secure)


class RedirectsSignedIn(WordPressSandbox):
    """A site that answers requests with credentials by sending them elsewhere."""

    elsewhere = ""

    def handle(self, request: Request) -> Response:
        if request.header("authorization"):
            return Response(302, b"", {"Location": f"{self.elsewhere}/collect"})
        return super().handle(request)


def test_credentials_are_never_sent_across_a_redirect() -> None:
    with WordPressSandbox(host="127.0.0.2") as other, RedirectsSignedIn() as server:
        server.elsewhere = other.url
        result = WORDPRESS.test(server.credentials())
    assert result.status is Status.BAD_RESPONSE, result
    assert "credentials are never followed there" in result.message
    assert other.requests == []


@pytest.mark.parametrize("conditions", [{"app_passwords": False}, {"production_http": True}])
def test_without_application_passwords_over_http_nothing_is_sent_and_both_causes_are_named(site, conditions) -> None:
    site.switch(**conditions)
    result = WORDPRESS.test(site.credentials())
    assert result.status is Status.FORBIDDEN, result
    assert "plain http://" in result.message and "security plugin" in result.message
    assert "Nothing was sent" in result.message and not signed_in(site)


def test_a_security_plugin_turning_application_passwords_off_is_named_with_the_fix(tls) -> None:
    with WordPressSandbox(tls=tls) as secure:
        secure.switch(app_passwords=False)
        result = WORDPRESS.test(secure.credentials())
        assert result.status is Status.FORBIDDEN, result
        assert "turned off" in result.message and "Wordfence" in result.message
        assert "password again" not in result.message and not signed_in(secure)


def test_a_plain_http_site_elsewhere_is_asked_anonymously_only() -> None:
    """The rule that stops a password going to a public http:// site (which no loopback test can be)."""
    site = Site("http://members.example.com", "http://members.example.com/wp-json/", "http://members.example.com",
                "http://members.example.com", "Members", "http://members.example.com/wp-admin/x.php", True)
    with pytest.raises(Failure) as refused:
        WORDPRESS._refuse_credentials_unsafe(site)
    assert refused.value.status is Status.TLS_ERROR and "https://" in refused.value.message


def test_a_host_stripping_the_authorization_header_gets_the_hosts_fix_not_a_new_password(site) -> None:
    site.switch(strip_authorization=True)
    result = WORDPRESS.test(site.credentials())
    assert result.status is Status.FORBIDDEN, result
    assert "are right" in result.message and "CGIPassAuth on" in result.message
    assert "RewriteRule" in result.detail and "again" not in result.message
    assert any(r.path == "/xmlrpc.php" for r in site.requests)  # asked again with the login in the body


def test_a_password_just_issued_is_never_blamed(site) -> None:
    site.switch(strip_authorization=True, xmlrpc=False)
    result = check_issued_password(site.credentials())
    assert result.status is Status.FORBIDDEN and "CGIPassAuth on" in result.message, result


@pytest.mark.parametrize(("conditions", "values", "says"), [
    ({}, {"application_password": "Xk7p Qm2R Tz9w Lb4N Hc6v Jd3a"}, "copy the application password again"),
    ({"early_user": True}, {"application_password": "Xk7p Qm2R Tz9w Lb4N Hc6v Jd3a"},
     "did not accept this application password for “dana”"),
    ({"early_user": True}, {"username": "nobody"}, "Your site has no user “nobody”"),
    ({"xmlrpc": False}, {"application_password": "Xk7p Qm2R Tz9w Lb4N Hc6v Jd3a"}, "your host strips the login"),
])
def test_wrong_user_or_password_is_invalid_credentials(site, conditions, values, says) -> None:
    site.switch(**conditions)
    result = WORDPRESS.test({**site.credentials(), **values})
    assert result.status is Status.INVALID_CREDENTIALS, result
    assert says in result.message


def test_a_login_password_is_refused_before_any_request(site) -> None:
    result = WORDPRESS.test(dict(site.credentials(), application_password="hunter2!Summer"))
    assert result.status is Status.INVALID_FORMAT
    assert "24 letters and digits" in result.message and "login password" in result.message
    assert site.requests == []


def test_spaces_in_the_password_and_the_user_name_are_kept_or_dropped_as_wordpress_does(site) -> None:
    report = WORDPRESS.check_format(dict(site.credentials(), username="dana smith"))
    assert report.ok and report.values["application_password"] == APP_PASSWORD.replace(" ", "")
    assert report.values["username"] == "dana smith"
    assert WORDPRESS.test(dict(site.credentials(), application_password=APP_PASSWORD.replace(" ", ""))).ok
    sent = base64.b64decode(signed_in(site)[0].header("authorization").split()[1]).decode()
    assert sent == f"{USERNAME}:{APP_PASSWORD.replace(' ', '')}"


def test_an_author_is_refused_naming_the_role(site) -> None:
    result = WORDPRESS.test(dict(site.credentials(), username=AUTHOR, application_password=AUTHOR_PASSWORD))
    assert result.status is Status.FORBIDDEN, result
    assert result.message.startswith("This user is an Author") and "administrator" in result.message


@pytest.mark.parametrize(("state", "shown", "says"), [
    ("inactive", "inactive", "not active"), ("missing", "not installed", "not installed")])
def test_accessally_missing_or_inactive_passes_with_a_warning(site, state, shown, says) -> None:
    site.switch(accessally=state)
    result = WORDPRESS.test(site.credentials())
    assert result.status is Status.OK, result
    assert result.details()["accessally"] == shown
    assert len(result.warnings) == 1 and says in result.warnings[0] and "The connection works" in result.warnings[0]


class Shop(SandboxServer):
    """Not WordPress: a shop whose every address is a page."""

    service = "wordpress"

    def handle(self, request: Request) -> Response:
        return text_response("<html><head><title>Acme Store</title></head><body>Hi</body></html>", 200,
                             "text/html", headers={"Server": "nginx"})


def test_a_site_that_is_not_wordpress_says_what_answered() -> None:
    with Shop() as shop:
        result = WORDPRESS.test({"site_url": shop.url, "username": USERNAME, "application_password": APP_PASSWORD})
    assert result.status is Status.NOT_FOUND, result
    assert "No WordPress found" in result.message and "“Acme Store”" in result.message
    assert not signed_in(shop)


def test_a_rest_api_blocked_for_everyone_is_not_found_saying_it_is_wordpress(site) -> None:
    site.switch(rest_blocked="everyone")
    result = WORDPRESS.test(site.credentials())
    assert result.status is Status.NOT_FOUND, result
    assert "runs WordPress, but its REST API is blocked" in result.message and "HTTP 404" in result.message


def test_a_rest_api_kept_for_logged_in_users_works_with_the_application_password(site) -> None:
    site.switch(rest_blocked="logged_out")
    assert WORDPRESS.test(site.credentials()).ok
    refused = find_authorization(site.url)  # without a login, the index stays shut
    assert refused.status is Status.NOT_FOUND and "REST API restricted to authenticated users" in refused.message


def test_the_override_takes_the_place_of_the_site_address(site, monkeypatch) -> None:
    monkeypatch.setenv(WORDPRESS.env_var(), site.url)
    result = WORDPRESS.test(dict(site.credentials(), site_url="https://members.example.com"))
    assert result.status is Status.OK, result
    assert result.details()["site_url"] == site.url


def test_connect_my_site_finds_the_authorize_page_or_says_why_not(site) -> None:
    found = find_authorization(site.url)
    assert found.ok and authorization_endpoint(found) == f"{site.url}/wp-admin/authorize-application.php"
    assert found.details()["site_url"] == site.url
    site.switch(app_passwords=False)
    refused = find_authorization(site.url)
    assert authorization_endpoint(refused) is None and "security plugin" in refused.message
    assert not signed_in(site)


def test_the_password_is_masked_in_the_log_by_its_shape() -> None:
    assert APP_PASSWORD not in redact(f"sent {APP_PASSWORD} to the site")
    assert APP_PASSWORD.replace(" ", "") not in redact(f"password={APP_PASSWORD.replace(' ', '')}x")
    assert redact("Yoga Club Home Page Dana Demo") == "Yoga Club Home Page Dana Demo"  # words come in fours too


def test_the_site_scans_findings_join_the_result_cleaned(site) -> None:
    result = WORDPRESS.test(site.credentials())
    tracking = {"ontraport": {"account_ids": ["27875"], "pages": 5, "note": "x" * 5000, "leak": APP_PASSWORD}}
    details = with_tracking(result, tracking).details()
    assert details["tracking"]["ontraport"]["account_ids"] == ["27875"] and details["tracking"]["ontraport"]["pages"] == 5
    assert len(details["tracking"]["ontraport"]["note"]) <= 300
    assert APP_PASSWORD not in str(details)
