"""What the live site does, set against what the app has set: the words the CRM panel shows beside
each option and the dashboard's "Your site" row repeats.

Pure: a `SiteScan`, the CRM's options as the app keeps them, its fields and the account id its
last passing test returned go in; `SiteFinding`s come out. Where the expected account id comes
from is the CRM's own declaration (`TrackingScript.account_field`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import options, registry
from .options import Toggle
from .site_scan import SiteScan

WORDPRESS_PLACE = "AccessAlly › General Settings › Payment › CRM Integration"
CANNOT_SEE_GTM = "scripts added by Google Tag Manager run in the visitor's browser; this app cannot see them"
_SHOWN_PAGES = 3  # pages named in one sentence


@dataclass(frozen=True)
class SiteFinding:
    """One sentence about the site. `option` is the toggle it is about ("" for the site as a whole);
    `ok` is True when the site does what the app has set, False when it differs (the text says
    what to do in WordPress), None for a note."""

    option: str
    ok: bool | None
    text: str


def findings(scan: SiteScan, crm: str, saved_options: Mapping[str, Any], values: Mapping[str, str],
             tested_account_id: str = "") -> tuple[SiteFinding, ...]:
    """Each of the CRM's tracking toggles against the scan, then the notes about the whole site.

    `saved_options` are the CRM's options as kept (defaults fill the rest), `values` its non-secret
    fields, `tested_account_id` the account id of its last passing test ("" when none)."""
    integration = registry.get(crm)
    chosen = options.effective(integration.options, saved_options)
    out = []
    for option in integration.options:
        if isinstance(option, Toggle) and option.script is not None:
            field = option.script.account_field
            expected = values.get(field, "") if field else tested_account_id
            ok, text = _tracking(scan, crm, integration.name, bool(chosen[option.key]), expected)
            out.append(SiteFinding(option.key, ok, text))
    return (*out, *site_notes(scan))


def site_notes(scan: SiteScan) -> tuple[SiteFinding, ...]:
    """What holds for the whole site: a stale page cache, Google Tag Manager, pages that failed."""
    out = []
    stale = scan.stale_pages
    if stale:
        headers = sorted({h for page in stale for h in page.cache_headers})
        evidence = f" (its answer said {', '.join(headers)})" if headers else ""
        out.append(SiteFinding("", False, "Your site's page cache serves an older copy: clear the cache (in your "
                                          "caching plugin, or at your host) so that visitors get the current pages. "
                                          f"Seen on {_pages(p.url for p in stale)}{evidence}."))
    if scan.tag_manager:
        containers = ", ".join(sorted(scan.tag_manager))
        out.append(SiteFinding("", None, f"Google Tag Manager ({containers}) is on your site: {CANNOT_SEE_GTM}."))
    failed = scan.failed
    if failed and scan.sampled:
        reasons = "; ".join(f"{page.url}: {page.problem}" for page in failed[:_SHOWN_PAGES])
        more = f"; and {len(failed) - _SHOWN_PAGES} more" if len(failed) > _SHOWN_PAGES else ""
        out.append(SiteFinding("", None, f"{len(failed)} of {len(scan.pages)} pages could not be checked — "
                                         f"{reasons}{more}"))
    out += [SiteFinding("", None, note) for note in scan.notes]
    return tuple(out)


def _tracking(scan: SiteScan, crm: str, name: str, on: bool, expected: str) -> tuple[bool | None, str]:
    sampled = len(scan.sampled)
    if not sampled:
        return None, f"Could not check your site: {_why_nothing(scan)}"
    accounts = scan.accounts(crm)
    checked = f"{sampled} page{'s' if sampled != 1 else ''}"
    if not on:
        if not accounts:
            return True, f"Not on your site, as set here ({checked} checked)."
        return False, (f"Still on your site although it is off here (account {_accounts(accounts, sampled)}) — "
                       f"turn it off in WordPress: {WORDPRESS_PLACE}.")
    if not accounts:
        unseen = f" (If Google Tag Manager adds it: {CANNOT_SEE_GTM}.)" if scan.tag_manager else ""
        return False, f"Not on your site — turn it on in WordPress: {WORDPRESS_PLACE}.{unseen}"
    if expected and expected not in accounts:
        return False, (f"On your site, but for account {_accounts(accounts, sampled)} instead of {expected} — "
                       f"set your {name} account in WordPress: {WORDPRESS_PLACE}.")
    account = expected or next(iter(accounts))
    found = f"Found on {accounts[account]} of {checked}, account {account}"
    running = scan.running(crm, account)
    delayed = sorted({r.by for r in running if r.how == "delayed"})
    if delayed:
        late = _pages_with(scan, crm, account, "delayed")
        where = "" if late == accounts[account] else f" on {late} of {checked}"
        return False, (f"Found, but{where} a speed plugin ({' and '.join(delayed)}) delays it until the visitor "
                       "interacts: visits that end without a scroll, click or key press are not tracked. Exclude "
                       f"the {name} script from that plugin's delayed JavaScript.")
    if any(r.how == "never" for r in running):
        return False, (f"Found, but marked so that browsers never run it (not as JavaScript). Check what changes "
                       f"the {name} script's type on your site (a cookie banner or an optimisation plugin).")
    others = {a: n for a, n in accounts.items() if a != account}
    if others:
        return False, (f"{found}, but also for account {_accounts(others, sampled)} — remove the other script "
                       "(another plugin or your theme may add it).")
    missing = [p.url for p in scan.sampled if not any(f.account == account for f in p.copy.finds if f.crm == crm)]
    if missing:
        return False, f"{found}; not on {_pages(missing)}."
    consent = sorted({r.by for r in running if r.how == "consent"}, key=lambda by: (not by, by))
    if consent:
        category = f" (category \u201c{consent[0]}\u201d)" if consent[0] else ""
        return None, f"{found}; it waits until the visitor accepts cookies{category}, as your cookie banner asks."
    if not expected:
        return True, f"{found}. Test the {name} connection so this app can tell whether that is your account."
    return True, f"{found}."


def _pages_with(scan: SiteScan, crm: str, account: str, how: str) -> int:
    return len({page.url for page, find in scan.finds(crm) if find.account == account and find.running.how == how})


def _why_nothing(scan: SiteScan) -> str:
    if scan.problem:
        return scan.problem
    if scan.failed:
        page = scan.failed[0]
        return f"{page.url}: {page.problem}"
    return "no page could be read."


def _accounts(accounts: Mapping[str, int], sampled: int) -> str:
    """ "999 on 2 of 5 pages" or "999 and 888 on 5 of 5 pages"."""
    return " and ".join(f"{account} on {count} of {sampled} page{'s' if sampled != 1 else ''}"
                        for account, count in accounts.items())


def _pages(urls) -> str:
    shown = list(urls)
    words = ", ".join(shown[:_SHOWN_PAGES])
    return words + (f" and {len(shown) - _SHOWN_PAGES} more" if len(shown) > _SHOWN_PAGES else "")
