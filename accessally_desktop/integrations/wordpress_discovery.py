"""Finding a WordPress site's REST API from its address, anonymously (wordpress.md, "Talking to a site").

The site's pages name the API root in a `Link: <…>; rel="https://api.w.org/"` header and in a
`<link rel="https://api.w.org/">` in their `<head>` (read with html.parser, never a regex); where
neither is there, or the root they name does not answer (pretty permalinks without their rewrite
rules), `?rest_route=/` does. With plain permalinks every route goes into that query, not onto the path.

Nothing here sends credentials, so a redirect that stays on the owner's site (www. or not,
http → https, another name of this computer on the same port) is followed; one to any other site is
not. The index's `home` is the canonical address: the only one wordpress.py sends credentials to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .status import Failure, Status
from .transport import Attempt, Reply, is_loopback_host, split_url

API_REL = "https://api.w.org/"
INDEX_FIELDS = "name,description,url,home,namespaces,authentication"
MAX_REDIRECTS = 5
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What owners paste besides the address: a page in wp-admin, the login page, the API itself.
_NOT_THE_ADDRESS = re.compile(r"/(wp-admin|wp-login\.php|wp-json|index\.php)(/.*)?$", re.IGNORECASE)
_LINK_VALUE = re.compile(r"<([^>]*)>([^,]*(?:,(?!\s*<)[^,]*)*)")  # a Link header (not HTML): <url>; params


def normalise_address(text: str) -> tuple[str, list[str]]:
    """The site address from what the owner typed, and a note for each change made to it."""
    url, notes = text.strip(), []
    if url and "://" not in url:
        url = f"https://{url}"
        notes.append(f"Added https:// in front of the site address: {url}")
    parts = split_url(url)
    if parts is not None and parts.query == "" and _NOT_THE_ADDRESS.search(parts.path):
        kept = urlunsplit((parts.scheme, parts.netloc, _NOT_THE_ADDRESS.sub("", parts.path), "", ""))
        notes.append(f"Kept only the site address ({kept.rstrip('/')}); the rest was a page of the site.")
        url = kept
    return url.rstrip("/"), notes


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def same_site(start: str, target: str) -> bool:
    """Whether a redirect from `start` to `target` stays on the owner's site: the same host but for a
    leading "www.", or another name of this computer on the same port; the scheme stays or becomes https."""
    a, b = split_url(start), split_url(target)
    if a is None or b is None or not a.hostname or not b.hostname or b.scheme not in (a.scheme, "https"):
        return False
    host_a, host_b = (h.lower().removeprefix("www.") for h in (a.hostname, b.hostname))
    if host_a == host_b:
        return True
    same_port = (a.port or _DEFAULT_PORTS.get(a.scheme)) == (b.port or _DEFAULT_PORTS.get(b.scheme))
    return is_loopback_host(host_a) and is_loopback_host(host_b) and same_port


def route_url(root: str, route: str, **params: str) -> str:
    """A route under the API root: on its path (".../wp-json/wp/v2/users/me") or, with plain
    permalinks, in its query ("...?rest_route=/wp/v2/users/me")."""
    parts = urlsplit(root)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if "rest_route" in query:
        query["rest_route"] = "/" + route.lstrip("/")
        path = parts.path
    else:
        path = parts.path.rstrip("/") + "/" + route.lstrip("/")
    query.update(params)
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query, safe="/,"), ""))


@dataclass(frozen=True)
class Site:
    """What discovery found: where the API answers and what its index says."""

    entered: str  # the address tested, as normalised
    api_root: str  # on the canonical host
    home: str  # the canonical address (the index's `home`)
    core_url: str  # where WordPress itself lives (the index's `url`: xmlrpc.php is there)
    name: str
    authorization: str | None  # the Authorize Application page; None: no application passwords
    has_authentication: bool  # False: a WordPress older than 5.6 (no application passwords at all)

    def route(self, route: str, **params: str) -> str:
        return route_url(self.api_root, route, **params)

    @property
    def moved(self) -> bool:
        """Whether the site answers at another address than the one entered."""
        return self.home.rstrip("/").lower() != self.entered.rstrip("/").lower()


def fetch(attempt: Attempt, service: str, url: str) -> Reply:
    """GET without credentials, following redirects that stay on the site (see `same_site`)."""
    for _ in range(MAX_REDIRECTS + 1):
        reply = attempt.request(service, "GET", url, headers={"Accept": "application/json, text/html;q=0.9"})
        target = reply.headers.get("location", "")
        if not (300 <= reply.status < 400 and target):
            return reply
        target = urljoin(url, target)
        if not same_site(url, target):
            raise reply.failure()
        url = target
    raise Failure(Status.BAD_RESPONSE, f"{service} sent this app from address to address without end. Open the "
                                       "site in a browser to check that it loads.", reply.describe())


def discover(attempt: Attempt, service: str, address: str, auth: tuple[str, str] | None = None) -> Site:
    """The site's API root, canonical address and index; NOT_FOUND, saying what answered, when it has none.

    An index kept for logged-in users (the "Disable WP REST API" plugin) is asked again with `auth`, on
    the host the page answered at, when that is https:// or this computer."""
    page = fetch(attempt, service, address + "/")
    if page.status == 401:
        raise Failure(Status.FORBIDDEN, f"{address} asks for a password before it shows any page (a staging site "
                                        "behind a login). Application passwords cannot work through that: take "
                                        "the password protection off, or connect the live site.", page.describe())
    if not (200 <= page.status < 300 or page.status == 404):
        raise page.failure(forbidden=f"{address} refused this app's requests (HTTP {page.status}): a firewall or "
                                     "security plugin may block them. Allow this app, or try again later.")
    candidates = [root for root in (api_link(page), _fallback_root(page.url)) if root]
    first: Reply | None = None
    for root in dict.fromkeys(candidates):
        url = route_url(root, "/", _fields=INDEX_FIELDS)
        reply = fetch(attempt, service, url)
        if reply.status == 401 and auth and _wordpress_error(reply) and _may_sign_in(reply.url):
            reply = attempt.request(service, "GET", reply.url, auth=auth, headers={"Accept": "application/json"})
        index = _index(reply)
        if index is not None:
            return _site(address, reply, index)
        first = first or reply
    assert first is not None
    raise Failure(Status.NOT_FOUND, not_wordpress(address, page, first), first.describe())


def api_link(page: Reply) -> str | None:
    """The API root a page names, in its Link header or its HTML, when it is on the same site."""
    for value in page.headers.get_list("link"):
        for href, params in _LINK_VALUE.findall(value):
            rels = re.search(r'rel\s*=\s*"?([^";]*)', params)
            if rels and API_REL in rels.group(1).split():
                return _on_site(page.url, href)
    if page.looks_like_html():
        head = _Head()
        head.read(page.text)
        if head.api_root:
            return _on_site(page.url, head.api_root)
    return None


def not_wordpress(address: str, page: Reply, api: Reply) -> str:
    """What answered instead of WordPress's API, for the owner."""
    head = _Head()
    if page.looks_like_html():
        head.read(page.text)
    if head.title:
        what = f"a page titled “{head.title}”"
    elif page.headers.get("server"):
        what = f"a web server calling itself “{page.headers['server']}” (HTTP {page.status})"
    else:
        what = f"a server (HTTP {page.status})"
    blocked = _wordpress_error(api)
    allow = "This app needs it to connect: allow the REST API (/wp-json/) in the security plugin or at the host that blocks it."
    if blocked:
        return f"Your site's REST API is blocked: it answered “{blocked}”. {allow}"
    if head.wordpress:
        return f"Your site runs WordPress, but its REST API is blocked (it answered HTTP {api.status}). {allow}"
    return (f"No WordPress found at {address}: {what} answered, without WordPress's REST API. Check the address; "
            "if it is your site, a security plugin or the host blocks the REST API (/wp-json/): allow it.")


def _may_sign_in(url: str) -> bool:
    parts = split_url(url)
    return parts is not None and (parts.scheme == "https" or is_loopback_host(parts.hostname or ""))


def _fallback_root(page_url: str) -> str:
    parts = urlsplit(page_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "rest_route=/", ""))


def _on_site(page_url: str, href: str) -> str | None:
    url = urljoin(page_url, href.strip())
    return url if same_site(page_url, url) else None


def _index(reply: Reply) -> dict[str, Any] | None:
    """The index, when the answer is WordPress's (it lists the wp/v2 namespace); else None."""
    if reply.status != 200 or reply.looks_like_html():
        return None
    try:
        data = reply.json()
    except Failure:
        if "json" in reply.headers.get("content-type", ""):
            raise  # JSON that cannot be read: a broken answer, not another kind of site
        return None
    if not isinstance(data, dict) or "wp/v2" not in (data.get("namespaces") or ()):
        return None
    return data


def _site(address: str, reply: Reply, index: dict[str, Any]) -> Site:
    home = _text(index.get("home")) or _text(index.get("url"))
    if not same_site(reply.url, home):  # a home elsewhere is never where credentials go
        home = address
    answered = urlsplit(reply.url)
    kept = [(k, v) for k, v in parse_qsl(answered.query, keep_blank_values=True) if k == "rest_route"]
    canonical = urlsplit(home)
    api_root = urlunsplit((canonical.scheme, canonical.netloc, answered.path, urlencode(kept, safe="/"), ""))
    endpoints = _dig(index.get("authentication"), "application-passwords", "endpoints")
    authorization = _text(endpoints.get("authorization")) if isinstance(endpoints, dict) else ""
    return Site(address, api_root, home.rstrip("/"), (_text(index.get("url")) or home).rstrip("/"),
                _text(index.get("name")) or home, authorization or None, "authentication" in index)


def _wordpress_error(reply: Reply) -> str:
    """The message of a WordPress REST error ({"code", "message"}) refusing the index, else ""."""
    if reply.status not in (401, 403, 404) or reply.looks_like_html():
        return ""
    try:
        data = reply.json()
    except Failure:
        return ""
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        return (_text(data.get("message")) or data["code"])[:80]
    return ""


def _dig(data: object, *keys: str) -> object:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


class _Head(HTMLParser):
    """The page's title, the `<link rel="https://api.w.org/">` in it, and whether WordPress made it (its
    generator tag, or files from /wp-content/ or /wp-includes/)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.api_root = ""
        self.wordpress = False
        self._in_title = False

    def read(self, html: str) -> None:
        try:
            self.feed(html)
            self.close()
        except AssertionError:  # html.parser gives up on some broken markup: keep what was found
            pass
        self.title = " ".join(self.title.split())[:60]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and API_REL in values.get("rel", "").split() and values.get("href") and not self.api_root:
            self.api_root = values["href"]
        generator = tag == "meta" and values.get("name", "").lower() == "generator"
        if (generator and values.get("content", "").startswith("WordPress")) or any(
                part in values.get(name, "") for name in ("href", "src") for part in ("/wp-content/", "/wp-includes/")):
            self.wordpress = True
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
