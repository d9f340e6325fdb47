"""What the owner's browser does in WordPress's Authorize Application flow, over plain httpx.

`login` posts wp-login.php with the test cookie, as the login form does. `approve` does what
wp-admin/js/auth-app.js does on Approve (the page's no-JavaScript form cannot carry a custom-scheme
success_url: its hidden field goes through esc_url(), which drops unknown schemes): it reads the
page's `authApp` settings, creates the password over the REST API with the cookie session and a
`wp_rest` nonce, and builds the address the browser is sent to — returned, never followed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, urljoin

import httpx


class AuthorizeRefused(Exception):
    """WordPress refused to show the Authorize Application page (its wp_die message is the text)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Approval:
    location: str | None  # where the browser goes next (success_url + site_url, user_login, password)
    password: str         # the new application password (on screen when there is no success_url)
    user_login: str
    site_url: str


def login(base: str, user_login: str, password: str, verify: str | bool = True) -> httpx.Client:
    """An httpx.Client holding a logged-in wp-admin cookie session for `base` (the site's home)."""
    client = httpx.Client(base_url=base, timeout=30, verify=verify)
    client.get("/wp-login.php")  # sets wordpress_test_cookie, which the login form checks
    answer = client.post("/wp-login.php", data={"log": user_login, "pwd": password, "wp-submit": "Log In",
                                                "redirect_to": f"{base}/wp-admin/", "testcookie": "1"})
    if answer.status_code != 302 or not any(name.startswith("wordpress_logged_in_") for name in client.cookies):
        client.close()
        raise AssertionError(f"wp-login.php did not log {user_login} in ({answer.status_code}): {_text(answer.text)[:500]}")
    return client


def approve(client: httpx.Client, authorize_url: str, app_name: str | None = None) -> Approval:
    page = _authorize_page(client, authorize_url)
    settings = page.settings("authApp")
    request = {"name": app_name or page.inputs.get("app_name", "")}
    if page.inputs.get("app_id"):
        request["app_id"] = page.inputs["app_id"]
    nonce = client.get(urljoin(authorize_url, "admin-ajax.php"), params={"action": "rest-nonce"}).text.strip()
    created = client.post(f"{settings['site_url']}/index.php",
                          params={"rest_route": "/wp/v2/users/me/application-passwords", "_locale": "user"},
                          json=request, headers={"X-WP-Nonce": nonce})
    if created.status_code != 201:
        raise AuthorizeRefused(created.status_code, created.text[:500])
    password = created.json()["password"]
    location = None
    if settings.get("success"):
        raw = settings["success"]
        location = (f"{raw}{'&' if '?' in raw else '?'}site_url={_uri_component(settings['site_url'])}"
                    f"&user_login={_uri_component(settings['user_login'])}&password={_uri_component(password)}")
    return Approval(location, password, settings["user_login"], settings["site_url"])


def reject(client: httpx.Client, authorize_url: str) -> str:
    """Where Reject sends the browser (reject_url, or success_url?success=false, or wp-admin)."""
    return _authorize_page(client, authorize_url).settings("authApp")["reject"]


def _authorize_page(client: httpx.Client, authorize_url: str) -> _Page:
    answer = client.get(authorize_url)
    if answer.status_code != 200:
        raise AuthorizeRefused(answer.status_code, _text(answer.text) or answer.headers.get("location", ""))
    page = _Page()
    page.feed(answer.text)
    page.close()
    return page


def _uri_component(value: str) -> str:
    """JavaScript's encodeURIComponent, which auth-app.js uses."""
    return quote(value, safe="-_.!~*'()")


def _text(html: str) -> str:
    """The visible words of a page (a wp_die message), whitespace collapsed."""
    page = _Page()
    page.feed(html)
    page.close()
    return " ".join(" ".join(page.words).split())


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: dict[str, str] = {}
        self.scripts: list[str] = []
        self.words: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "input" and values.get("name"):
            self.inputs[values["name"]] = values.get("value", "")
        if tag in ("script", "style", "title"):
            self._inside = tag
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside == "script":
            self.scripts[-1] += data
        elif self._inside is None:
            self.words.append(data)

    def settings(self, name: str) -> dict:
        """A `var NAME = {...};` object that wp_localize_script() printed."""
        marker = f"var {name} = "
        for script in self.scripts:
            if marker in script:
                return json.JSONDecoder().raw_decode(script, script.index(marker) + len(marker))[0]
        raise AuthorizeRefused(200, f"no {name} settings on the Authorize Application page")
