"""Fetching a site's pages for `site_scan`: anonymously, a few at a time over reused connections,
following redirects only on the site's own host, and reading same-origin script files once each.

What a fetch yields is a `PageCopy`: the tracking scripts found in it (`Find`) and the Google Tag
Manager containers it loads. Every failure becomes one sentence for the owner.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from .base import check_transport_url
from .site_html import ParsedPage, Running, ScriptTag, containers_in, parse_page
from .status import Failure
from .transport import BODY_LIMIT, MAX_BODY_BYTES, Attempt, Reply, split_url

if TYPE_CHECKING:
    import httpx

SCRIPT_BODY_LIMIT = 1024 * 1024  # one script file (an aggregated bundle is a few hundred KB)
SCRIPT_FILES_PER_PAGE = 6
SCRIPT_FILES_PER_SCAN = 24
MAX_REDIRECTS = 3
BUST_PARAM = "accessally-check"  # the random query that asks for a fresh copy (named so site logs say who)
CACHE_HEADERS = ("x-cache", "cf-cache-status", "x-litespeed-cache", "x-proxy-cache", "x-cache-status", "age")
_CACHE_FOLDERS = ("/cache/", "/litespeed/", "/autoptimize/", "-optimizer-assets/")  # aggregated scripts live here


@dataclass(frozen=True)
class Lookout:
    """One declared tracking script to look for: the CRM, its toggle and the compiled account pattern."""

    crm: str
    option: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Find:
    """One tracking script found: whose, for which account, how the browser treats it, and where
    ("" inline in the page, else the script file's address)."""

    crm: str
    account: str
    running: Running
    file: str = ""


@dataclass(frozen=True)
class PageCopy:
    """What one fetch of a page carried, and the cache headers it came with."""

    finds: frozenset[Find]
    tag_manager: frozenset[str]
    cache_headers: tuple[str, ...] = ()

    def carries(self) -> tuple[frozenset[tuple[str, str, Running]], frozenset[str]]:
        """What a visitor gets from it (not where it came from): compared to spot a stale cache."""
        return frozenset((f.crm, f.account, f.running) for f in self.finds), self.tag_manager


class _Problem(Exception):
    """Why one page or file could not be read, in words for the owner."""


class PageSampler:
    """The fetching behind one `scan`: one anonymous client, its pool capped at `at_once`, and the
    script files already read (pages share their aggregated bundles)."""

    def __init__(self, attempt: Attempt, home_url: str, looked_for: tuple[Lookout, ...], at_once: int) -> None:
        self.attempt = attempt
        self.origin = _origin(home_url)
        self.host = self.origin[1]
        self.looked_for = looked_for
        self.client: httpx.Client = attempt.client(connections=at_once, anonymous=True)
        self.notes: list[str] = []
        self._files: dict[str, _FileRead] = {}
        self._lock = threading.Lock()

    def page_links(self, pages_url: str, wanted: int) -> list[str]:
        """Public page addresses at the site's own address (scheme, host and port), from the REST list;
        [] with a note if unreadable."""
        try:
            reply, _ = self.get(pages_url, accept="application/json")
            items = reply.json()
        except (_Problem, Failure) as exc:
            if not self.stopped():
                self.notes.append(f"The list of your site's pages could not be read, so only the home page was "
                                  f"checked: {_words(exc)}")
            return []
        links = [item.get("link") for item in items if isinstance(item, dict)] if isinstance(items, list) else []
        return [link for link in links
                if isinstance(link, str) and self._on_site(link) and _origin(link) == self.origin][: wanted * 2]

    def read(self, url: str, fresh: bool) -> PageCopy | str:
        """One copy of a page, or why it could not be read."""
        try:
            reply, final_url = self.get(_busted(url) if fresh else url, accept="text/html")
            if not reply.looks_like_html():
                raise _Problem(f"Not a web page ({reply.headers.get('content-type', 'no content type')}).")
            finds, containers = self._scripts(parse_page(reply.text), final_url)
            return PageCopy(finds, containers,
                            tuple(f"{name}: {reply.headers[name]}" for name in CACHE_HEADERS if name in reply.headers))
        except (_Problem, Failure) as exc:
            return self._stopped_words() or _words(exc)
        except Exception as exc:  # a bug or an answer nobody foresaw: still one plain line
            return self._stopped_words() or self.attempt.explain(exc, self.host)[1]

    def get(self, url: str, *, accept: str, limit: int = MAX_BODY_BYTES) -> tuple[Reply, str]:
        """GET without credentials, following redirects on the site's own host; (reply, final address)."""
        for _ in range(MAX_REDIRECTS + 1):
            try:
                check_transport_url(url, what="page address")
            except ValueError as exc:
                raise _Problem(str(exc)) from None
            reply = self.attempt.request(self.host, "GET", url, client=self.client, headers={"Accept": accept},
                                         extensions={BODY_LIMIT: limit})
            location = reply.headers.get("location", "")
            if not (300 <= reply.status < 400 and location):
                _fail_for_status(reply)
                return reply, url
            url = _resolve(url, location)
            if not self._on_site(url):
                raise _Problem(f"It sends visitors to another site ({urlsplit(url).hostname or 'an address that is not valid'}).")
            if urlsplit(url).path.endswith("/wp-login.php"):
                raise _Problem("For members only: it sends visitors to the login page.")
        raise _Problem("It redirects too many times.")

    def _scripts(self, page: ParsedPage, page_url: str) -> tuple[frozenset[Find], frozenset[str]]:
        """The tracking scripts and GTM containers in a page and its same-origin script files."""
        found = {find for tag in page.scripts for find in self._search(tag.searchable(), tag.running())}
        containers = set(page.tag_manager)
        for tag, file_url in self._files_of(page.scripts, page_url):
            text = self._file_text(file_url)
            found |= {replace(find, file=file_url) for find in self._search(text, tag.running())}
            containers |= containers_in(text)
        return frozenset(found), frozenset(containers)

    def _search(self, text: str, running: Running) -> set[Find]:
        return {Find(look.crm, match["account"], running)
                for look in self.looked_for for match in look.pattern.finditer(text)}

    def _files_of(self, scripts: tuple[ScriptTag, ...], page_url: str) -> list[tuple[ScriptTag, str]]:
        """Same-origin script files worth reading, aggregated bundles first; never WordPress's own
        (wp-includes) nor another origin's."""
        origin = _origin(page_url)
        files = [(tag, _resolve(page_url, tag.source)) for tag in scripts if tag.source]
        files = [(tag, url) for tag, url in files if _origin(url) == origin and "/wp-includes/" not in url]
        files.sort(key=lambda item: not any(folder in item[1] for folder in _CACHE_FOLDERS))
        return list({url: (tag, url) for tag, url in files}.values())[:SCRIPT_FILES_PER_PAGE]

    def _file_text(self, url: str) -> str:
        with self._lock:
            read = self._files.get(url)
            first = read is None
            if first:
                if len(self._files) >= SCRIPT_FILES_PER_SCAN:
                    self.notes.append(f"Only the first {SCRIPT_FILES_PER_SCAN} of your site's script files were read.")
                    return ""
                read = self._files[url] = _FileRead()
        if first:
            try:
                reply, _ = self.get(url, accept="*/*", limit=SCRIPT_BODY_LIMIT)
                read.text = reply.text
            except Exception as exc:  # a file that cannot be read leaves its page counted
                if not self.stopped():
                    words = _words(exc) if isinstance(exc, (_Problem, Failure)) else self.attempt.explain(exc, url)[1]
                    self.notes.append(f"The script file {url} could not be read: {words}")
            finally:
                read.done.set()
        read.done.wait()
        return read.text

    def _on_site(self, url: str) -> bool:
        parts = split_url(url)
        return (parts is not None and parts.scheme in ("http", "https") and (parts.hostname or "").lower() == self.host
                and not parts.username and not parts.password)

    def stopped(self) -> str:
        """"cancelled" or "timeout" once the scan must end, else "" (a read that timed out on its own
        may come before the attempt's timer says so)."""
        if self.attempt.stopped in ("cancelled", "timeout"):
            return self.attempt.stopped
        return "timeout" if self.attempt.remaining() <= 0 else ""

    def _stopped_words(self) -> str:
        stopped = self.stopped()
        if stopped == "cancelled":
            return "Not checked: the site check was cancelled."
        if stopped:
            seconds = self.attempt.timeout
            return f"Not checked: the site check ran out of its {seconds:g} second{'s' if seconds != 1 else ''}."
        return ""


class _FileRead:
    def __init__(self) -> None:
        self.text = ""
        self.done = threading.Event()


def _fail_for_status(reply: Reply) -> None:
    code = reply.status
    if 200 <= code < 300:
        return
    if code in (401, 403):
        raise _Problem(f"Not public (HTTP {code}).")
    if code in (404, 410):
        raise _Problem(f"Not found (HTTP {code}).")
    if code == 429:
        raise _Problem("The site asked this app to slow down (HTTP 429).")
    if code >= 500:
        raise _Problem(f"The site had an error showing it (HTTP {code}).")
    raise _Problem(f"The site answered HTTP {code}.")


def _words(exc: Exception) -> str:
    return exc.message if isinstance(exc, Failure) else str(exc)


def _resolve(base: str, reference: str) -> str:
    """`reference` made absolute against `base`; "" for one that is no address at all ("http://[")."""
    try:
        return urljoin(base, reference)
    except ValueError:
        return ""


def _busted(url: str) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{query}{BUST_PARAM}={os.urandom(6).hex()}", ""))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = split_url(url)
    if parts is None:
        return ("", "", None)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme)
