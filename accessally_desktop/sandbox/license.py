"""License store stand-in: EDD Software Licensing v3.7 check/activate/deactivate, always HTTP 200 JSON.

Keeps activations in memory per key and site, in the order the EDD SL server checks things. Without
an `edd_action` the store root answers like a WordPress home page (HTML).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..integrations.license import DEFAULT_ITEM_ID
from .server import (
    HTML_PAGE,
    Request,
    Response,
    SandboxServer,
    json_response,
    text_response,
)

ACCESSALLY_ITEM_ID = DEFAULT_ITEM_ID
ACCESSALLY_ITEM_NAME = "AccessAlly"
OTHER_ITEM_ID = "2"
OTHER_ITEM_NAME = "Progress Tracker Add-on"

SITE_URL = "https://members.example.com"

VALID_KEY = "cc22c1ec86304b36883440e2e84cddff"  # 3 sites, 1 used (SITE_URL), expires in a year
LIFETIME_KEY = "1f3870be274f6c49b3e31a0c6728957f"  # lifetime, unlimited sites, active on SITE_URL
FRESH_KEY = "a87ff679a2f3e71d9181a67b7542122c"  # bought, never activated anywhere, 1 site
EXPIRED_KEY = "e4da3b7fbbce2345d7772b0674a318d5"  # expired 31 January 2024
DISABLED_KEY = "c81e728d9d4c2f636f067f89cc14862c"  # revoked after a refund
FULL_KEY = "eccbc87e4b5ce2fe28308d1e6f8c0f47"  # 2 sites, both used elsewhere
OTHER_PRODUCT_KEY = "8f14e45fceea167a5a36dedd4bea2543"  # a key for another product on the same store
BUNDLE_KEY = "45c48cce2e2d7fbdcd3a2ad59ac2b3d5"  # a bundle's parent key: not activable itself

EXPIRED_ON = datetime(2024, 1, 31, 23, 59, 59)


@dataclass
class StoredLicense:
    key: str
    item_id: str
    item_name: str
    expires: datetime | None  # None: lifetime
    limit: int  # 0: unlimited
    sites: set[str] = field(default_factory=set)
    disabled: bool = False
    bundle: bool = False
    customer_name: str = "Jane Doe"
    customer_email: str = "jane@members.example.com"
    payment_id: int = 4242
    price_id: str = "1"

    @property
    def active(self) -> bool:
        return bool(self.sites)

    def is_expired(self) -> bool:
        return self.expires is not None and self.expires < datetime.now()

    def at_limit(self) -> bool:
        return self.limit > 0 and len(self.sites) >= self.limit

    def expires_text(self) -> str:
        return "lifetime" if self.expires is None else self.expires.strftime("%Y-%m-%d %H:%M:%S")

    def facts(self) -> dict[str, Any]:
        """What EDD adds to an answer when the key exists."""
        return {"expires": self.expires_text(), "payment_id": self.payment_id, "customer_name": self.customer_name,
                "customer_email": self.customer_email, "license_limit": self.limit, "site_count": len(self.sites),
                "activations_left": self.limit - len(self.sites) if self.limit > 0 else "unlimited",
                "price_id": self.price_id}


def clean_site_url(url: str) -> str:
    """EDD compares sites without scheme, `www.` or trailing slash."""
    url = url.strip().lower()
    for prefix in ("https://", "http://"):
        url = url.removeprefix(prefix)
    return url.removeprefix("www.").rstrip("/")


def _licenses() -> dict[str, StoredLicense]:
    in_a_year = (datetime.now() + timedelta(days=365)).replace(hour=23, minute=59, second=59, microsecond=0)
    here = clean_site_url(SITE_URL)
    items = [
        StoredLicense(VALID_KEY, ACCESSALLY_ITEM_ID, ACCESSALLY_ITEM_NAME, in_a_year, 3, {here}),
        StoredLicense(LIFETIME_KEY, ACCESSALLY_ITEM_ID, ACCESSALLY_ITEM_NAME, None, 0, {here},
                      customer_name="Lifetime Larry", customer_email="larry@example.com"),
        StoredLicense(FRESH_KEY, ACCESSALLY_ITEM_ID, ACCESSALLY_ITEM_NAME, in_a_year, 1),
        StoredLicense(EXPIRED_KEY, ACCESSALLY_ITEM_ID, ACCESSALLY_ITEM_NAME, EXPIRED_ON, 3, {here}),
        StoredLicense(DISABLED_KEY, ACCESSALLY_ITEM_ID, ACCESSALLY_ITEM_NAME, in_a_year, 3, {here}, disabled=True),
        StoredLicense(FULL_KEY, ACCESSALLY_ITEM_ID, ACCESSALLY_ITEM_NAME, in_a_year, 2,
                      {"site-one.example", "site-two.example"}),
        StoredLicense(OTHER_PRODUCT_KEY, OTHER_ITEM_ID, OTHER_ITEM_NAME, in_a_year, 1),
        StoredLicense(BUNDLE_KEY, ACCESSALLY_ITEM_ID, "AccessAlly Pro Bundle", in_a_year, 3, bundle=True),
    ]
    return {item.key: item for item in items}


def _checksum(args: dict[str, Any]) -> str:
    ordered = dict(sorted(args.items(), key=lambda kv: len(str(kv[1]))))
    return hashlib.md5(json.dumps(ordered).encode()).hexdigest()


class LicenseSandbox(SandboxServer):
    """An EDD SL store selling AccessAlly (item ACCESSALLY_ITEM_ID). `licenses` is its state."""

    service = "license"
    demo = {"license_key": VALID_KEY, "site_url": SITE_URL}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.licenses = _licenses()
        self._lock = threading.Lock()

    def root(self, request: Request) -> Response:
        params = dict(request.query)
        if request.method == "POST":
            params.update(request.form())
        action = params.get("edd_action", "")
        handler = {"check_license": self._check, "activate_license": self._activate,
                   "deactivate_license": self._deactivate}.get(action)
        if handler is None:  # the store's home page
            return text_response(HTML_PAGE, 200, "text/html; charset=UTF-8")
        item_id = params.get("item_id", "")
        args = {"item_id": int(item_id) if item_id.isdigit() and int(item_id) else False,
                "item_name": params.get("item_name") or False, "key": params.get("license", ""),
                "url": params.get("url", "")}
        with self._lock:
            body = handler(args)
        return json_response(body)

    # -- EDD SL's three remote actions --------------------------------------------------------

    def _item_problem(self, lic: StoredLicense, args: dict[str, Any]) -> str:
        if args["item_id"]:
            return "" if str(args["item_id"]) == lic.item_id else "invalid_item_id"
        return "" if args["item_name"] == lic.item_name else "item_name_mismatch"

    def _item_name(self, args: dict[str, Any]) -> str:
        if args["item_name"]:
            return args["item_name"]
        names = {ACCESSALLY_ITEM_ID: ACCESSALLY_ITEM_NAME, OTHER_ITEM_ID: OTHER_ITEM_NAME}
        return names.get(str(args["item_id"]), "")

    def _check(self, args: dict[str, Any]) -> dict[str, Any]:
        lic = self.licenses.get(args["key"])
        if lic is None:
            status = "invalid"
        else:
            status = (self._item_problem(lic, args)
                      or ("expired" if lic.is_expired() else "")
                      or ("disabled" if lic.disabled else "")
                      or ("inactive" if not lic.active else "")
                      or ("site_inactive" if clean_site_url(args["url"]) not in lic.sites else "")
                      or "valid")
        body = {"success": status != "invalid", "license": status, "item_id": args["item_id"],
                "item_name": self._item_name(args), "checksum": _checksum(args)}
        if lic is not None and status != "invalid":
            body.update(lic.facts())
        return body

    def _activate(self, args: dict[str, Any]) -> dict[str, Any]:
        lic = self.licenses.get(args["key"])
        site = clean_site_url(args["url"])
        error = ""
        if lic is None:
            error = "missing"
        else:
            error = (("missing_url" if not site else "")
                     or ("license_not_activable" if lic.bundle else "")
                     or ("disabled" if lic.disabled else "")
                     or ("no_activations_left" if lic.at_limit() and site not in lic.sites else "")
                     or ("expired" if lic.is_expired() else "")
                     or self._item_problem(lic, args))
        body: dict[str, Any] = {"success": not error, "license": "invalid" if error else "valid",
                                "item_id": args["item_id"], "item_name": self._item_name(args)}
        if error:
            body["error"] = error
            if error == "no_activations_left" and lic is not None:
                body["max_sites"] = len(lic.sites)
        elif lic is not None:
            lic.sites.add(site)
        if lic is not None:
            body.update(lic.facts())
        body["checksum"] = _checksum(args)
        return body

    def _deactivate(self, args: dict[str, Any]) -> dict[str, Any]:
        lic = self.licenses.get(args["key"])
        ok = (lic is not None and lic.active and not lic.bundle and not lic.is_expired()
              and not lic.disabled and not self._item_problem(lic, args))
        if ok:
            assert lic is not None
            lic.sites.discard(clean_site_url(args["url"]))
        body: dict[str, Any] = {"success": ok, "license": "deactivated" if ok else "failed",
                                "item_id": args["item_id"], "item_name": self._item_name(args),
                                "checksum": _checksum(args)}
        if lic is not None:
            # EDD sends the raw expiration here: a Unix timestamp, or "lifetime".
            expires = "lifetime" if lic.expires is None else calendar.timegm(lic.expires.timetuple())
            body.update({"expires": expires, "payment_id": lic.payment_id, "customer_name": lic.customer_name,
                         "customer_email": lic.customer_email, "price_id": lic.price_id})
        return body

    routes = {("GET", "/"): root, ("POST", "/"): root}
