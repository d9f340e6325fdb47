"""Check from outside what the owner's live pages do about the CRMs' tracking scripts.

AccessAlly's settings live in WordPress and are not readable over its REST API, so the app looks at
what a visitor gets: the home page and a few public pages, each fetched twice — plain, and with a
random query that gets past most page caches — anonymously (no credentials, no cookies: logged-in
views differ, and a page never needs them). Each CRM whose "tracking" toggle declares a
`TrackingScript` is looked for by account id in every script's text, inline or in a same-origin
script file (where aggregation moves inline code). `site_findings` turns a `SiteScan` into words.
"""

from __future__ import annotations

import contextlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import registry
from .base import check_transport_url
from .characters import shorten
from .options import Toggle
from .site_fetch import Find, Lookout, PageCopy, PageSampler
from .site_html import HOW_IT_RUNS, Running
from .transport import Attempt

SCAN_TIMEOUT = 45.0  # seconds for a whole scan: ~21 page requests, 4 at a time, on a slow shared host
TRACKING = "tracking"  # where a site test's result carries its scan (`as_details`): check --json, the saved result


def declared_scripts() -> tuple[Lookout, ...]:
    """Every CRM toggle that declares a `TrackingScript`, from the registry (loads the CRM modules:
    call it once on the GUI thread before the first scan, as a service's `warm_up`)."""
    return tuple(Lookout(crm, option.key, re.compile(option.script.account_pattern))
                 for crm in registry.CRM_IDS for option in registry.get(crm).options
                 if isinstance(option, Toggle) and option.script is not None)


@dataclass(frozen=True)
class PageResult:
    """One sampled page: what it carries now (the cache-busted copy, or the plain one if only that
    could be read), or why it could not be read; `stale` when the plain copy — what the page
    cache serves visitors — carries something else, with the cache headers it came with."""

    url: str
    copy: PageCopy | None
    problem: str = ""
    stale: bool = False
    cache_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteScan:
    """What the sampled pages carry. `problem` says why nothing could be checked at all; `stopped`
    is "cancelled" or "timeout" when the scan ended early (the pages read by then still count)."""

    home_url: str
    pages: tuple[PageResult, ...] = ()
    looked_for: tuple[Lookout, ...] = ()
    notes: tuple[str, ...] = ()
    problem: str = ""
    stopped: str = ""

    @property
    def sampled(self) -> tuple[PageResult, ...]:
        return tuple(p for p in self.pages if p.copy is not None)

    @property
    def failed(self) -> tuple[PageResult, ...]:
        return tuple(p for p in self.pages if p.copy is None)

    @property
    def stale_pages(self) -> tuple[PageResult, ...]:
        return tuple(p for p in self.pages if p.stale)

    @property
    def tag_manager(self) -> frozenset[str]:
        return frozenset(c for p in self.sampled for c in p.copy.tag_manager)

    def finds(self, crm: str) -> list[tuple[PageResult, Find]]:
        return [(p, f) for p in self.sampled for f in p.copy.finds if f.crm == crm]

    def accounts(self, crm: str) -> dict[str, int]:
        """Account id -> on how many sampled pages it was found, most pages first."""
        pages: dict[str, set[str]] = {}
        for page, find in self.finds(crm):
            pages.setdefault(find.account, set()).add(page.url)
        return dict(sorted(((a, len(urls)) for a, urls in pages.items()), key=lambda item: -item[1]))

    def running(self, crm: str, account: str) -> set[Running]:
        return {f.running for _, f in self.finds(crm) if f.account == account}

    def as_details(self) -> dict[str, Any]:
        """For `check --json` (the wordpress service's `tracking`) and for keeping: plain data, every
        string capped; `from_details` reads it back."""
        out: dict[str, Any] = {
            "home": _text(self.home_url),
            "pages_sampled": len(self.sampled),
            "scripts": {look.crm: [{"account": account, "pages": count,
                                    "how": [_how(r) for r in sorted(self.running(look.crm, account),
                                                                    key=lambda r: (r.how, r.by))]}
                                   for account, count in self.accounts(look.crm).items()]
                        for look in self.looked_for},
            "pages": [{"url": _text(p.url), "found": [{"crm": f.crm, "account": f.account, **_how(f.running)}
                                                      for f in sorted(p.copy.finds, key=_find_order)],
                       "google_tag_manager": sorted(p.copy.tag_manager)} for p in self.sampled],
            "pages_failed": [{"url": _text(p.url), "why": _text(p.problem)} for p in self.failed],
            "stale_cache": [{"url": _text(p.url), "cache_headers": [_text(h) for h in p.cache_headers]}
                            for p in self.stale_pages],
            "google_tag_manager": sorted(self.tag_manager),
        }
        if self.notes:
            out["notes"] = [_text(n) for n in self.notes]
        if self.problem:
            out["problem"] = _text(self.problem)
        if self.stopped:
            out["stopped"] = self.stopped
        return out

    @classmethod
    def from_details(cls, data: Any) -> SiteScan:
        """A scan back from `as_details` (a saved result): what `site_findings` needs. Anything
        malformed (a hand-edited file) is left out rather than trusted."""
        data = data if isinstance(data, dict) else {}
        stale = {_str(item, "url"): _strings(item.get("cache_headers")) for item in _dicts(data.get("stale_cache"))}
        pages = [_sampled_page(item, stale) for item in _dicts(data.get("pages")) if _str(item, "url")]
        pages += [PageResult(_str(item, "url"), None, _str(item, "why") or "It could not be read.")
                  for item in _dicts(data.get("pages_failed")) if _str(item, "url")]
        stopped = _str(data, "stopped")
        return cls(_str(data, "home"), tuple(pages), declared_scripts(), _strings(data.get("notes")),
                   _str(data, "problem"), stopped if stopped in ("cancelled", "timeout") else "")


def _sampled_page(item: dict[str, Any], stale: dict[str, tuple[str, ...]]) -> PageResult:
    url = _str(item, "url")
    finds = frozenset(Find(_str(f, "crm"), _str(f, "account"), Running(_str(f, "how"), _str(f, "by")))
                      for f in _dicts(item.get("found")) if _str(f, "crm") and _str(f, "account")
                      and _str(f, "how") in HOW_IT_RUNS)
    return PageResult(url, PageCopy(finds, frozenset(_strings(item.get("google_tag_manager")))),
                      stale=url in stale, cache_headers=stale.get(url, ()))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(_text(v) for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _str(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return _text(value) if isinstance(value, str) else ""


def _text(value: str) -> str:
    return shorten(value, 300)


def _how(running: Running) -> dict[str, str]:
    return {"how": running.how, "by": _text(running.by)} if running.by else {"how": running.how}


def _find_order(find: Find) -> tuple[str, str, str, str]:
    return find.crm, find.account, find.running.how, find.running.by


def warm_up() -> None:
    """What the first scan would import on a worker (the CRM modules): see `Integration.warm_up`."""
    declared_scripts()


def scan(attempt: Attempt, home_url: str, pages_url: str | None = None, *, limit: int = 10,
         at_once: int = 4) -> SiteScan:
    """Sample the home page and up to `limit` pages in all (links from `pages_url`, a
    `wp/v2/pages?_fields=link` list, on the site's own host only), at most `at_once` requests at a
    time over as many reused connections. Never raises; a page that fails is listed with why.

    The attempt's deadline covers the whole scan (`SCAN_TIMEOUT` suits it); it is entered here
    unless the caller already did (a service's test that scans as one of its steps)."""
    looked_for = declared_scripts()
    limit, at_once = max(1, limit), max(1, at_once)
    try:
        check_transport_url(home_url, what="site address")
    except ValueError as exc:
        return SiteScan(home_url, looked_for=looked_for, problem=str(exc))
    running = contextlib.nullcontext() if attempt.started else attempt
    sampler = PageSampler(attempt, home_url, looked_for, at_once)
    with running, ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="site-scan") as pool:
        links = pool.submit(sampler.page_links, pages_url, limit - 1) if pages_url and limit > 1 else None
        urls = [home_url]
        jobs = {(home_url, fresh): pool.submit(sampler.read, home_url, fresh) for fresh in (False, True)}
        for url in links.result() if links else []:
            if any(_same_page(url, known) for known in urls):
                continue
            urls.append(url)
            jobs.update({(url, fresh): pool.submit(sampler.read, url, fresh) for fresh in (False, True)})
            if len(urls) == limit:
                break
        copies = {key: job.result() for key, job in jobs.items()}
    pages = tuple(_page(url, copies[url, True], copies[url, False]) for url in urls)
    return SiteScan(home_url, pages, looked_for, tuple(dict.fromkeys(sampler.notes)), stopped=sampler.stopped())


def _page(url: str, fresh: PageCopy | str, plain: PageCopy | str) -> PageResult:
    """A page from its two copies (each a `PageCopy`, or why it could not be read)."""
    if isinstance(fresh, str) and isinstance(plain, str):
        return PageResult(url, None, plain)
    if isinstance(fresh, str) or isinstance(plain, str):
        return PageResult(url, plain if isinstance(fresh, str) else fresh)
    return PageResult(url, fresh, stale=fresh.carries() != plain.carries(), cache_headers=plain.cache_headers)


def _same_page(a: str, b: str) -> bool:
    def key(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
    return key(a) == key(b)
