"""“Connect my site”: the Authorize Application address the app opens, how it reads the site's answer,
and the controller the "Your site" page uses (a browser that opens nothing, answers fed to the inbox)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
import pytest

from accessally_desktop import logs
from accessally_desktop.integrations import redaction
from accessally_desktop.integrations.wordpress_authorize import (
    APP_ID,
    APP_NAME,
    CALLBACK_URL,
    Approval,
    Refusal,
    authorize_url,
    new_state,
    read_callback,
)
from accessally_desktop.sandbox.server import SandboxServer

ENDPOINT = "https://example.com/wp-admin/authorize-application.php"
PASSWORD = "abcd EFGH ijkl MNOP qrst UVWX"  # as WordPress shows one, in groups of four


@pytest.fixture(autouse=True)
def clean_secrets() -> Iterator[None]:
    redaction.forget_secrets()
    yield
    logs.close_logging()
    redaction.forget_secrets()


def success_url_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["success_url"][0]


def php_answer(success_url: str, **values: str) -> str:
    """What authorize-application.php redirects to on Approve: add_query_arg of urlencode()d values
    (PHP's urlencode writes a space as "+")."""
    query = "&".join(f"{name}={quote(value, safe='').replace('%20', '+')}" for name, value in values.items())
    return f"{success_url}&{query}"


def js_answer(success_url: str, **values: str) -> str:
    """What wp-admin/js/auth-app.js sends the browser to: encodeURIComponent (a space is %20)."""
    return f"{success_url}&" + "&".join(f"{name}={quote(value, safe='')}" for name, value in values.items())


APPROVED = {"site_url": "https://www.example.com", "user_login": "Dana Owner", "password": PASSWORD}


# -- the address --------------------------------------------------------------------------------------

def test_the_authorize_address_names_the_app_and_comes_back_with_a_state() -> None:
    state = new_state()
    url = authorize_url(ENDPOINT, state)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == ENDPOINT  # the endpoint the index gave, as it is
    query = parse_qs(parts.query)
    (name,) = query["app_name"]
    assert name.startswith(f"{APP_NAME} on ") and query["app_id"] == [APP_ID]
    assert success_url_of(url) == f"{CALLBACK_URL}?state={state}"
    assert len(state) >= 32 and new_state() != state


def test_a_moved_endpoint_keeps_its_own_parameters() -> None:
    """Plugins can move the page (the index says where); plain permalinks put routes in the query."""
    url = authorize_url("https://example.com/index.php?page=authorize&lang=fr", "s")
    query = parse_qs(urlsplit(url).query)
    assert query["page"] == ["authorize"] and query["lang"] == ["fr"] and query["app_id"] == [APP_ID]


def test_without_a_state_wordpress_shows_the_password_instead() -> None:
    assert "success_url" not in parse_qs(urlsplit(authorize_url(ENDPOINT, None)).query)


@pytest.mark.parametrize("endpoint", ["javascript:alert(1)", "ftp://example.com/x", "/wp-admin/authorize.php", ""])
def test_an_endpoint_that_is_no_web_address_is_refused_in_words(endpoint: str) -> None:
    with pytest.raises(ValueError, match="not a web address"):
        authorize_url(endpoint, "s")


def test_the_app_id_is_a_uuid_as_wordpress_requires() -> None:
    import uuid

    assert str(uuid.UUID(APP_ID)) == APP_ID


# -- the answer -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [php_answer, js_answer], ids=["no-js form", "auth-app.js"])
def test_an_approval_gives_the_site_user_and_password(answer) -> None:
    state = new_state()
    got = read_callback(answer(success_url_of(authorize_url(ENDPOINT, state)), **APPROVED), state)
    assert got == Approval(**APPROVED)


def test_a_browser_that_adds_a_slash_or_capitals_is_still_understood() -> None:
    got = read_callback(js_answer("ACCESSALLY-DESKTOP://WordPress-Connected/?state=s1", **APPROVED), "s1")
    assert isinstance(got, Approval)


@pytest.mark.parametrize(("url", "words"), [
    (f"{CALLBACK_URL}?state=s1&success=false", "No, I do not approve"),
    (f"{CALLBACK_URL}?state=s1&success=false&error=disabled", "does not offer application passwords"),
    (js_answer(f"{CALLBACK_URL}?state=s2", **APPROVED), "not for the request the app is waiting for"),
    (js_answer(f"{CALLBACK_URL}?state=s1x", **APPROVED), "not for the request the app is waiting for"),
    (js_answer(f"{CALLBACK_URL}?x=1", **APPROVED), "without the check code"),
    (f"{CALLBACK_URL}?state=s1&site_url=https%3A%2F%2Fexample.com&user_login=dana", "missing the password"),
    (f"{CALLBACK_URL}?state=s1&password=x1234", "missing your site's address and the user name"),
    (js_answer(f"{CALLBACK_URL}?state=s1", site_url="javascript:alert(1)", user_login="a", password="b1234"),
     "not a web address"),
    (js_answer(f"{CALLBACK_URL}?state=s1", **APPROVED) + "&password=another1234", "damaged"),
    (js_answer(f"{CALLBACK_URL}?state=s1&state=s1", **APPROVED), "damaged"),
    (f"{CALLBACK_URL}?state=s1&user_login=%FF%FE&site_url=x&password=y", "damaged"),
    (f"{CALLBACK_URL}?state=s1\n&site_url=x", "damaged"),
    (js_answer(f"{CALLBACK_URL}?state=s1", **APPROVED) + "&pad=" + "a" * 9000, "damaged"),
    ("accessally-desktop://[broken?state=s1", "damaged"),
    (js_answer("accessally-desktop://elsewhere?state=s1", **APPROVED), "not an answer from your site"),
    (js_answer("accessally-desktop://wordpress-connected/other?state=s1", **APPROVED), "not an answer"),
    (js_answer("https://wordpress-connected?state=s1", **APPROVED), "not an answer from your site"),
])
def test_every_wrong_answer_is_refused_in_plain_words(url: str, words: str) -> None:
    got = read_callback(url, "s1")
    assert isinstance(got, Refusal), got
    assert words in got.message
    assert PASSWORD not in got.message and "another1234" not in got.message


def test_the_password_is_masked_in_the_log_as_soon_as_it_is_read() -> None:
    password = "Zq9TmW4kLp2XvB7nRc5YdH3s"  # 24 letters and digits, as WordPress makes them
    url = js_answer(f"{CALLBACK_URL}?state=s1", site_url="https://example.com", user_login="dana", password=password)
    got = read_callback(url, "s1")
    assert isinstance(got, Approval) and password not in repr(got)
    grouped = "Zq9T mW4k Lp2X vB7n Rc5Y dH3s"  # as WordPress shows it
    for form in (password, grouped, url):
        assert redaction.redact(f"the owner pasted {form} here").count("••••") >= 1
        assert "Zq9T" not in redaction.redact(f"the owner pasted {form} here")


# -- the controller -------------------------------------------------------------------------------------

class Browser:
    """Opens nothing; remembers what it was asked to open."""

    def __init__(self, works: bool = True) -> None:
        self.opened: list[str] = []
        self.works = works

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        return self.works


@pytest.fixture
def inbox(qapp):
    from accessally_desktop.ui.url_inbox import UrlInbox

    return UrlInbox()


def connector(inbox, browser: Browser, **kwargs):
    from accessally_desktop.ui.site_connect import SiteConnect

    return SiteConnect(open_url=browser, inbox=inbox, **kwargs)


def test_connect_opens_the_page_and_the_sites_answer_connects(qtbot, inbox, caplog) -> None:
    logs.setup_logging(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    browser = Browser()
    connect = connector(inbox, browser)
    assert connect.start(ENDPOINT, "https://example.com")
    assert connect.waiting() and len(browser.opened) == 1
    with qtbot.waitSignal(connect.connected, timeout=2000) as connected:
        assert inbox.deliver(php_answer(success_url_of(browser.opened[0]), **APPROVED))
    assert connected.args == [APPROVED["site_url"], APPROVED["user_login"], PASSWORD]
    assert not connect.waiting()
    text = "\n".join(logs.RedactingFormatter().format(record) for record in caplog.records)
    assert "approved for user Dana Owner" in text
    assert not [r for r in caplog.records if "ijkl" in r.getMessage()]  # never logged, masked or not
    logging.getLogger("test").info("a browser sent %s", php_answer("x://y?state=1", **APPROVED))
    assert (logs.log_path().read_text(encoding="utf-8").count("ijkl")) == 0  # and masked, if someone did


def test_an_answer_to_an_earlier_request_is_refused(qtbot, inbox) -> None:
    browser = Browser()
    connect = connector(inbox, browser)
    connect.start(ENDPOINT, "https://example.com")
    first = success_url_of(browser.opened[0])
    connect.start(ENDPOINT, "https://example.com")  # the owner clicked again: a new state
    with qtbot.waitSignal(connect.failed, timeout=2000) as failed:
        inbox.deliver(js_answer(first, **APPROVED))
    assert "not for the request the app is waiting for" in failed.args[0]


def test_reject_says_what_to_click(qtbot, inbox) -> None:
    browser = Browser()
    connect = connector(inbox, browser)
    connect.start(ENDPOINT, "https://example.com")
    with qtbot.waitSignal(connect.failed, timeout=2000) as failed:
        inbox.deliver(success_url_of(browser.opened[0]) + "&success=false")
    assert "Yes, I approve of this connection" in failed.args[0]


def test_no_answer_in_time_says_what_to_do(qtbot, inbox) -> None:
    connect = connector(inbox, Browser(), wait_seconds=0.2)
    connect.start(ENDPOINT, "https://shop.example.com/blog")
    with qtbot.waitSignal(connect.failed, timeout=3000) as failed:
        pass
    message = failed.args[0]
    assert "shop.example.com" in message and "Yes, I approve of this connection" in message
    assert "Copy the password instead" in message
    assert not connect.waiting()


def test_after_cancel_an_answer_connects_nothing(qtbot, inbox) -> None:
    browser = Browser()
    connect = connector(inbox, browser)
    connect.start(ENDPOINT, "https://example.com")
    connect.cancel()
    got: list = []
    connect.connected.connect(lambda *args: got.append(args))
    connect.failed.connect(got.append)
    with qtbot.waitSignal(inbox.unclaimed, timeout=2000):  # the app says nobody was waiting
        inbox.deliver(js_answer(success_url_of(browser.opened[0]), **APPROVED))
    assert got == []


def test_no_browser_gives_the_address_to_open_by_hand(qtbot, inbox) -> None:
    connect = connector(inbox, Browser(works=False))
    with qtbot.waitSignal(connect.failed, timeout=1000) as failed:
        assert not connect.start(ENDPOINT, "https://example.com")
    assert "could not open your web browser" in failed.args[0] and ENDPOINT in failed.args[0]
    assert not connect.waiting()


def test_copy_paste_instead_opens_the_page_without_a_way_back(qtbot, inbox) -> None:
    browser = Browser()
    connect = connector(inbox, browser)
    connect.start(ENDPOINT, "https://example.com")
    assert connect.copy_paste_instead(ENDPOINT)
    assert "success_url" not in parse_qs(urlsplit(browser.opened[-1]).query)
    assert not connect.waiting()


def test_a_bad_endpoint_fails_in_words_without_opening_anything(qtbot, inbox) -> None:
    browser = Browser()
    connect = connector(inbox, browser)
    with qtbot.waitSignal(connect.failed, timeout=1000) as failed:
        assert not connect.start("javascript:alert(1)", "https://example.com")
    assert "not a web address" in failed.args[0] and browser.opened == []


def test_encoded_values_come_through_as_they_were(qtbot, inbox) -> None:
    browser = Browser()
    connect = connector(inbox, browser)
    connect.start(ENDPOINT, "https://example.com")
    values = {"site_url": "https://example.com/shop?lang=fr&x=1", "user_login": "a+b&c=d", "password": "p&q=r s+t%u"}
    with qtbot.waitSignal(connect.connected, timeout=2000) as connected:
        inbox.deliver(f"{success_url_of(browser.opened[0])}&{urlencode(values)}")
    assert connected.args == list(values.values())


# -- the sandbox's page -----------------------------------------------------------------------------------

class FormReader(HTMLParser):
    """The page's form: its hidden fields and the names of its buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes["name"] or ""] = attributes.get("value") or ""
        elif tag == "button":
            self.buttons.append(attributes.get("name") or "")


class SiteStandIn(SandboxServer):
    """The part of the WordPress stand-in the page plugs into: its `authorize_page` hook."""

    service = "site"
    authorize_page = None

    def credentials(self) -> dict[str, str]:
        return {"site_url": self.url, "username": "dana", "application_password": "Xk7pQm2RTz9wLb4NHc6vJd3s"}

    def handle(self, request):
        return type(self).authorize_page(self, request)


def clicking(button: str) -> Callable[[str], bool]:
    """A browser whose owner clicks `button` on the page it opens (over real HTTP)."""
    def open_url(url: str) -> bool:
        reader = FormReader()
        reader.feed(httpx.get(url, timeout=10).text)
        assert button in reader.buttons
        return httpx.get(url.split("?")[0], params={**reader.fields, button: "1"}, timeout=10).is_success

    return open_url


@pytest.fixture
def sandbox_site(inbox, monkeypatch) -> Iterator[SiteStandIn]:
    from accessally_desktop.sandbox.wordpress_authorize import authorize_page

    monkeypatch.setattr(SiteStandIn, "authorize_page", authorize_page(inbox.post))
    with SiteStandIn() as server:
        yield server


def test_in_the_sandbox_approve_connects_in_one_click(qtbot, inbox, sandbox_site) -> None:
    connect = connector(inbox, clicking("approve"))
    with qtbot.waitSignal(connect.connected, timeout=5000) as connected:
        assert connect.start(f"{sandbox_site.url}/wp-admin/authorize-application.php", sandbox_site.url)
    assert connected.args == [sandbox_site.url, "dana", "Xk7pQm2RTz9wLb4NHc6vJd3s"]


def test_in_the_sandbox_reject_says_what_to_click(qtbot, inbox, sandbox_site) -> None:
    connect = connector(inbox, clicking("reject"))
    with qtbot.waitSignal(connect.failed, timeout=5000) as failed:
        connect.start(f"{sandbox_site.url}/wp-admin/authorize-application.php", sandbox_site.url)
    assert "Yes, I approve of this connection" in failed.args[0]


def test_in_the_sandbox_copy_paste_shows_the_password(sandbox_site) -> None:
    page = httpx.get(authorize_url(f"{sandbox_site.url}/wp-admin/authorize-application.php", None) + "&approve=1")
    assert "Xk7p Qm2R Tz9w Lb4N Hc6v Jd3s" in page.text  # in WordPress's groups of four


def test_each_connection_names_its_password_apart_so_wordpress_never_refuses_a_second() -> None:
    from accessally_desktop.integrations.wordpress_authorize import password_name

    first = password_name(1_800_000_000.0, "studio-laptop.local")
    assert first.startswith("AccessAlly Desktop on studio-laptop, ") and first != password_name(1_800_000_001.0, "x")
    assert password_name(1_800_000_000.0, "").startswith("AccessAlly Desktop on this computer, ")
