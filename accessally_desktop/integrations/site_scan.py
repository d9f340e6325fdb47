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
from .site_html import Running
from .transport import Attempt

SCAN_TIMEOUT = 45.0  # seconds for a whole scan: ~21 page requests, 4 at a time, on a slow shared host


def declared_scripts() -> tuple[Lookout, ...]:
    """Every CRM toggle that declares a `TrackingScript`, from the registry (loads the CRM modules:
    call it once on the GUI thread before the first scan, as a service's `warm_up`)."""
    return tuple(Lookout(crm, option.key, re.compile(option.script.account_pattern))
                 for crm in registry.CRM_IDS for option in registry.get(crm).options
                 if isinstance(option, Toggle) and option.script is not None)


@dataclass(frozen=True)
class PageResult:
    """One sampled page: the fresh copy (cache-busted), the plain one, or why neither could be read."""

    url: str
    fresh: PageCopy | None
    plain: PageCopy | None
    problem: str = ""

    @property
    def copy(self) -> PageCopy | None:
        return self.fresh or self.plain

    @property
    def stale(self) -> bool:
        return self.fresh is not None and self.plain is not None and self.fresh.carries() != self.plain.carries()


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
        """For `check --json` (the wordpress service's `tracking`): plain data, every string capped."""
        def text(value: str) -> str:
            return shorten(value, 300)

        def how(running: Running) -> dict[str, str]:
            return {"how": running.how, "by": text(running.by)} if running.by else {"how": running.how}

        out: dict[str, Any] = {
            "home": text(self.home_url),
            "pages_sampled": len(self.sampled),
            "pages": [text(p.url) for p in self.sampled],
            "pages_failed": [{"url": text(p.url), "why": text(p.problem)} for p in self.failed],
            "scripts": {look.crm: [{"account": account, "pages": count,
                                    "how": [how(r) for r in sorted(self.running(look.crm, account),
                                                                   key=lambda r: (r.how, r.by))]}
                                   for account, count in self.accounts(look.crm).items()]
                        for look in self.looked_for},
            "stale_cache": [{"url": text(p.url), "cache_headers": [text(h) for h in p.plain.cache_headers]}
                            for p in self.stale_pages],
            "google_tag_manager": sorted(self.tag_manager),
        }
        if self.notes:
            out["notes"] = [text(n) for n in self.notes]
        if self.problem:
            out["problem"] = text(self.problem)
        if self.stopped:
            out["stopped"] = self.stopped
        return out


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
    return SiteScan(home_url, pages, looked_for, tuple(dict.fromkeys(sampler.notes)), stopped=attempt.stopped or "")


def _page(url: str, fresh: PageCopy | str, plain: PageCopy | str) -> PageResult:
    if isinstance(fresh, str) and isinstance(plain, str):
        return PageResult(url, None, None, plain)
    return PageResult(url, fresh if isinstance(fresh, PageCopy) else None, plain if isinstance(plain, PageCopy) else None)


def _same_page(a: str, b: str) -> bool:
    def key(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
    return key(a) == key(b)
