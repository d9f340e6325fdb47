"""Infusionsoft / Keap: one Service Account Key or Personal Access Token in the X-Keap-API-Key header.

Quirks: a bad key is refused by Keap's Apigee gateway with a 401 whose body fits none of Keap's
own error schemas (`{"fault": {"faultstring": …}}`), while the REST API itself answers v1 errors
Spring-style (`{"message", "localizedMessage", …}`) and v2 errors as `{"code", "message", "status",
"details"}`; all three are read tolerantly. Keap retired the old 32-hex "legacy" API keys in
2024–2025, so one of those is refused before any call. Its limits are per key (10 calls a second,
240 a minute, 30,000 a day); a 429 from the daily quota has no Retry-After, only quota headers.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .base import Integration, Problem
from .fields import Field
from .rate_limits import RateLimit
from .registry import display_name
from .results import Account, CheckResult
from .status import Failure, Status
from .transport import Attempt, Reply

WHERE = ("In Keap: Settings > API Settings. An admin can make a Service Account Key there; "
         "any user can make a Personal Access Token.")

_MAKE_A_KEY = ("Make a Service Account Key in Keap under Settings > API Settings > Service Account Keys "
               "(admins only), or a Personal Access Token on the same page, and paste it here.")

_LEGACY_KEY = re.compile(r"[0-9a-fA-F]{32}")
KEY_PREFIX = "KeapAK-"
DAILY_QUOTA = 30_000  # calls a day per Service Account Key or Personal Access Token


@dataclass(frozen=True)
class KeapQuota(RateLimit):
    """Keap's 429: the key's daily quota when `x-keap-product-quota-available` is 0, else its throttle."""

    limit: str = "10 calls a second and 240 a minute per key"

    def without_wait(self, reply: Reply) -> str:
        headers = reply.headers
        if _count(headers.get("x-keap-product-quota-available")) != 0:
            return super().without_wait(reply)
        quota = _count(headers.get("x-keap-product-quota-limit")) or DAILY_QUOTA
        resets = _local_time(_quota_expiry(headers.get("x-keap-product-quota-expiry-time")))
        return (f"This Keap key has used up its daily limit of {quota:,} calls. The limit resets {resets} "
                "(your time); test again after that.")


class Keap(Integration):
    id = "infusionsoft"
    name = display_name(id)
    kind = "crm"
    default_base_url = "https://api.infusionsoft.com"
    secret_headers = ("X-Keap-API-Key",)
    where_to_find = WHERE
    help_url = "https://developer.infusionsoft.com/pat-and-sak"
    rate_limit = KeapQuota()
    secret_shapes = (r"(KeapAK-)[A-Za-z0-9_\-]+",)
    guidance = ("Keap retired its old legacy API keys (32 letters and digits) in 2024–2025; they no longer work. "
                "Use a Service Account Key (Settings > API Settings > Service Account Keys, admins only), which "
                "sees all your Keap data, or a Personal Access Token from the same page, which only sees what "
                "its user may see.")
    options_note = ("Keap (Infusionsoft) has no extra CRM options: AccessAlly uses the connection made in the Setup "
                    "Wizard as it is.")
    fields = (
        Field("api_key", "Service Account Key or Personal Access Token", WHERE, secret=True,
              placeholder="KeapAK-…"),
    )

    def validate(self, values: dict[str, str]) -> list[Problem]:
        key = values["api_key"]
        if not key:
            return []
        if _LEGACY_KEY.fullmatch(key):
            return [Problem("api_key", "error",
                            "This is an old Keap legacy API key. Keap retired those in 2024–2025 and no longer "
                            "accepts them. " + _MAKE_A_KEY)]
        if not key.startswith(KEY_PREFIX):
            return [Problem("api_key", "warning",
                            f"Keap keys usually start with “{KEY_PREFIX}”. Check that you copied the whole "
                            "Service Account Key or Personal Access Token.")]
        return []

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        reply = attempt.request(self.name, "GET", f"{self.base_url()}/crm/rest/v1/account/profile",
                                headers={"X-Keap-API-Key": values["api_key"], "Accept": "application/json"})
        self._fail_for_status(reply)
        profile = reply.json_object()
        if not any(_text(profile.get(k)) or (isinstance(profile.get(k), dict) and profile[k])
                   for k in ("name", "email", "website", "time_zone", "address")):  # keys with null/[] are no profile
            raise Failure(Status.BAD_RESPONSE, "Keap answered, but not with an account profile.", reply.describe())
        name = _text(profile.get("name"))
        email = _text(profile.get("email"))
        account = Account(name=name, email=email)
        who = name or email or "your Keap account"
        if name and email:
            who = f"{name} ({email})"
        return self.result(Status.OK, f"Connected to Keap account {who}.", account=account)

    def _fail_for_status(self, reply: Reply) -> None:
        if 200 <= reply.status < 300:
            return
        reason = error_reason(reply)
        detail = f"{reason} | {reply.describe()}" if reason else reply.describe()
        if 400 <= reply.status < 500 and reply.status not in (401, 403, 404, 429):
            said = f" (Keap said: “{reason}”)" if reason else ""
            raise Failure(Status.BAD_RESPONSE, f"Keap refused the request{said}. Try again; if it keeps "
                                               "happening, make a new key.", detail)
        failure = reply.failure(
            invalid_credentials="Keap did not accept this key: it may be mistyped, revoked, or a retired legacy "
                                "key. " + _MAKE_A_KEY,
            forbidden="Keap recognised the key but refused to show the account. A Personal Access Token only "
                      "sees what its user may see: make the token as an admin user, or use a Service Account "
                      "Key (Settings > API Settings, admins only).",
            not_found="Keap has no account profile at this address. If you changed the Keap API address, "
                      "remove that change; otherwise try again later.")
        raise Failure(failure.status, failure.message, detail)


def error_reason(reply: Reply) -> str:
    """Keap's own words for an error, from whichever of its three error shapes came back."""
    try:
        data: Any = json.loads(reply.body)
    except (ValueError, RecursionError):
        return ""
    if not isinstance(data, dict):
        return ""
    fault = data.get("fault")
    if isinstance(fault, dict):  # Apigee gateway: {"fault": {"faultstring", "detail": {"errorcode"}}}
        text = _text(fault.get("faultstring"))
        detail = fault.get("detail")
        code = _text(detail.get("errorcode")) if isinstance(detail, dict) else ""
        return f"{text} [{code}]" if text and code else text or code
    # v2: {"code", "message", "status", "details": [...]}; v1 Spring: {"message", "localizedMessage", ...}
    for key in ("message", "localizedMessage", "error_description", "error"):
        text = _text(data.get(key))
        if text:
            status = _text(data.get("status"))
            return f"{text} [{status}]" if status and not status.isdigit() else text
    return ""


def _count(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else None  # int() refuses 4,300+ digits


def _quota_expiry(value: str | None) -> datetime:
    """When the daily quota resets: the expiry-time header (a Unix time, in seconds or milliseconds) when it
    reads as a time within the next two days, else the reset Keap documents, midnight UTC."""
    now = time.time()
    stamp = _count(value)
    if stamp is not None:
        seconds = stamp / 1000 if stamp > 10**11 else stamp
        if now < seconds < now + 2 * 86400:
            return datetime.fromtimestamp(seconds, timezone.utc)
    today = datetime.fromtimestamp(now, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def _local_time(when: datetime) -> str:
    """'today at 19:00', 'tomorrow at 01:00' or 'on Friday at 01:00', in this computer's time zone."""
    local = when.astimezone()
    days = (local.date() - datetime.now().astimezone().date()).days
    day = {0: "today", 1: "tomorrow"}.get(days, f"on {local:%A}")
    return f"{day} at {local:%H:%M}"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


INTEGRATION = Keap()
