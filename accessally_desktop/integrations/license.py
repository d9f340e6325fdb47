"""AccessAlly license: the Easy Digital Downloads Software Licensing (EDD SL) protocol.

Quirk: an EDD store answers every license call with HTTP 200 JSON, success or not, so the outcome
is read from the body's `license` status (and, for a failed activation, its `error` code), through
the `OUTCOMES` table. `success` is not trusted on its own: a check of an expired key answers
`"success": true, "license": "expired"`.

ASSUMPTION: AccessAlly's real license wire protocol is UNCONFIRMED (providers.md §8.2). This module
speaks EDD SL to `DEFAULT_STORE_URL` with product `DEFAULT_ITEM_ID`; both are guesses, overridable
with the ACCESSALLY_DESKTOP_LICENSE_URL and ACCESSALLY_DESKTOP_LICENSE_ITEM_ID environment variables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .base import Account, CheckResult, Field, Integration, Problem
from .registry import display_name
from .status import DEFAULT_TIMEOUT, Failure, Status
from .transport import Attempt, is_loopback_host, split_url

# ASSUMPTION (providers.md §8.2, UNCONFIRMED): the store that issues AccessAlly keys and runs EDD SL.
DEFAULT_STORE_URL = "https://accessally.com"
# ASSUMPTION (UNCONFIRMED placeholder): AccessAlly's EDD download id on that store is not public.
DEFAULT_ITEM_ID = "1"
ITEM_ID_ENV_VAR = "ACCESSALLY_DESKTOP_LICENSE_ITEM_ID"

WHERE = ("Your AccessAlly license key is in the email you got when you bought AccessAlly, and in your "
         "AccessAlly customer account (the vault).")
WHERE_SITE = "The address of the WordPress site AccessAlly runs on, e.g. https://members.example.com."

SERVER = "AccessAlly's license server"  # the service name in shared transport messages

_EDD_KEY = re.compile(r"^[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class Outcome:
    """What one EDD SL status or error code means. `message` is a str.format template with
    {site}, {expires}, {limit} and {code}."""

    status: Status
    message: str


_ANOTHER_PRODUCT = Outcome(
    Status.INVALID_CREDENTIALS,
    "This license key is for another product, not AccessAlly. Copy your AccessAlly key again from your "
    "AccessAlly customer account (the vault).")
_UNKNOWN_KEY = Outcome(
    Status.INVALID_CREDENTIALS,
    "AccessAlly's license server does not know this key. Copy it again, in one piece, from the email you got "
    "when you bought AccessAlly or from your AccessAlly customer account (the vault).")
_DISABLED = Outcome(
    Status.FORBIDDEN,
    "This license key has been disabled, usually after a refund or a cancelled subscription. Buying a new "
    "subscription emails you a new key; your settings and content are kept when you activate it.")

# EDD SL `license` status (check, activate, deactivate) or activation `error` code -> outcome.
OUTCOMES: dict[str, Outcome] = {
    "valid": Outcome(Status.OK, "{active}"),
    "deactivated": Outcome(Status.OK, "Deactivated the license for {site}. It no longer counts toward the "
                                      "license's sites."),
    "site_inactive": Outcome(Status.FORBIDDEN, "This license key is valid but not activated for {site}. "
                                               "Click Activate to use it on this site."),
    # Not an EDD code: site_inactive with no activations left, so Activate would fail too.
    "site_inactive_full": Outcome(Status.FORBIDDEN, "This license key is valid but not activated for {site}, and "
                                                    "it is already used on all {limit} of its sites. Deactivate it "
                                                    "on a site you no longer use, then click Activate."),
    "inactive": Outcome(Status.FORBIDDEN, "This license key is valid but not activated on any site yet. "
                                          "Click Activate to use it on {site}."),
    "expired": Outcome(Status.FORBIDDEN, "This AccessAlly license expired on {expires}. Renew it in your "
                                         "AccessAlly customer account, then check again."),
    "disabled": _DISABLED,
    "revoked": _DISABLED,
    "no_activations_left": Outcome(Status.FORBIDDEN, "This license is already used on all {limit} of its sites. "
                                                     "Deactivate it on a site you no longer use, then click "
                                                     "Activate again."),
    "failed": Outcome(Status.FORBIDDEN, "AccessAlly's license server would not deactivate this key for {site}. "
                                        "It may not be active there, or it has expired."),
    "invalid": _UNKNOWN_KEY,
    "missing": _UNKNOWN_KEY,
    "key_mismatch": _ANOTHER_PRODUCT,
    "invalid_item_id": _ANOTHER_PRODUCT,
    "item_name_mismatch": _ANOTHER_PRODUCT,
    "license_not_activable": Outcome(
        Status.INVALID_CREDENTIALS,
        "This key is for a bundle or another product, not AccessAlly itself. Use the AccessAlly license key "
        "from your AccessAlly customer account (the vault)."),
    # The format check always sends the site address, so this means something between us and the
    # store dropped it: not something the owner can fix by retyping.
    "missing_url": Outcome(Status.BAD_RESPONSE, "AccessAlly's license server did not receive the site address. "
                                                "Try again; if it keeps happening, contact AccessAlly support."),
}

_ACTIONS = {"check": "check_license", "activate": "activate_license", "deactivate": "deactivate_license"}


class License(Integration):
    id = "license"
    name = display_name(id)
    kind = "license"
    default_base_url = DEFAULT_STORE_URL
    where_to_find = WHERE
    fields = (
        Field("license_key", "License Key", WHERE, secret=True),
        Field("site_url", "Site address", WHERE_SITE, placeholder="https://members.example.com", address=True),
    )

    # -- configuration -------------------------------------------------------------------------

    @staticmethod
    def item_id() -> str:
        """The product id sent as `item_id`: DEFAULT_ITEM_ID, or the environment override."""
        return os.environ.get(ITEM_ID_ENV_VAR, "").strip() or DEFAULT_ITEM_ID

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        key = values["license_key"]
        if key and "://" in key:
            problems.append(Problem("license_key", "error", "That is a web address, not a license key. " + WHERE))
        elif key and not _EDD_KEY.match(key):
            problems.append(Problem("license_key", "warning",
                                    f"AccessAlly license keys are usually 32 characters (0-9 and a-f); this one has "
                                    f"{len(key)}. Check that you copied the whole key."))
        site = values["site_url"]
        if site:
            if "://" not in site:
                site = values["site_url"] = f"https://{site}"
                problems.append(Problem("site_url", "note", f"Added https:// in front of the site address: {site}"))
            problem = _site_problem(site)
            if problem:
                problems.append(Problem("site_url", "error", problem))
        return problems

    # -- live calls ------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        """check_license: read-only, never changes which sites the key is active on."""
        return self._call(attempt, values, "check")

    def activate(self, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                 attempt: Attempt | None = None) -> CheckResult:
        """activate_license for `site_url`; uses one of the license's sites. OK means it is now active."""
        return self._run(lambda a, v: self._call(a, v, "activate"), values, timeout=timeout, attempt=attempt)

    def deactivate(self, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                   attempt: Attempt | None = None) -> CheckResult:
        """deactivate_license for `site_url`, freeing one of the license's sites. OK means it was freed."""
        return self._run(lambda a, v: self._call(a, v, "deactivate"), values, timeout=timeout, attempt=attempt)

    def _call(self, attempt: Attempt, values: dict[str, str], action: str) -> CheckResult:
        item_id = self.item_id()
        if not item_id.isdigit():
            raise Failure(Status.INVALID_FORMAT, f"The product id in {ITEM_ID_ENV_VAR} must be a number.",
                          f"{ITEM_ID_ENV_VAR} is not digits")
        site = values["site_url"]
        form = {"edd_action": _ACTIONS[action], "item_id": item_id, "license": values["license_key"], "url": site}
        # POST, form-encoded: the key travels in the body, never in a URL a proxy could log.
        reply = attempt.request(SERVER, "POST", f"{self.base_url()}/", data=form,
                                headers={"Accept": "application/json"})
        reply.fail_for_status(
            invalid_credentials="AccessAlly's license server asked for a login it should not need. Check the "
                                "license server address.",
            forbidden="AccessAlly's license server refused the request (a firewall or security plugin in front of "
                      "it may be blocking this app). Try again later, or contact AccessAlly support.",
            not_found="There is no license server at this address. Check the license server address.")
        if reply.looks_like_html():
            raise Failure(Status.BAD_RESPONSE, "AccessAlly's license server answered with a web page instead of "
                                               "license data (often a security, firewall or maintenance page in "
                                               "front of it). Try again later, or contact AccessAlly support.",
                          reply.describe())
        data = reply.json_object()
        code = _code(data, action)
        technical = (f"{_ACTIONS[action]} item_id={item_id}: success={data.get('success')!r}, "
                     f"license={data.get('license')!r}, error={data.get('error')!r}; {reply.describe()}")
        if not code:
            raise Failure(Status.BAD_RESPONSE, "The license server's answer has no license status; this address "
                                               "may not be an AccessAlly license server.", technical)
        if code == "failed" and not _key_known(data):
            code = "missing"
        if code == "deactivated" and action != "deactivate":
            code = "site_inactive"  # only a deactivation may end in "deactivated": elsewhere it means not active here
        account = _account(data)
        if code == "site_inactive" and account.extra.get("activations_left") == "0":
            code = "site_inactive_full"
        outcome = OUTCOMES.get(code)
        if outcome is None:
            raise Failure(Status.BAD_RESPONSE, "AccessAlly's license server gave a license status this app does "
                                               "not know. Try again later, or contact AccessAlly support.",
                          f"unknown license code {code!r}; {technical}")
        expires = _expires(data.get("expires"))
        limit = data.get("license_limit") or data.get("max_sites") or "its"
        active = _active_text(data, account, expires) if outcome.status is Status.OK else ""
        if action == "activate" and code == "valid":
            active = f"Activated for {site}. {active}"
        message = outcome.message.format(site=site, expires=expires or "an earlier date", limit=limit,
                                         active=active, code=code)
        return self.result(outcome.status, message, "" if outcome.status is Status.OK else technical,
                           account=account)


def _active_text(data: dict[str, Any], account: Account, expires: str) -> str:
    """'Active until 5 July 2026. Licensed to Jane Doe. 2 of 3 site activations left.'"""
    raw = data.get("expires")
    if expires:
        text = f"Active until {expires}."
    elif str(raw).lower() == "lifetime":
        text = "Lifetime license."
    else:
        text = "The license is active."
    customer = str(data.get("customer_name") or "").strip()
    if customer:
        text += f" Licensed to {customer}."
    left = account.extra.get("activations_left")
    if left == "unlimited":
        text += " Unlimited sites."
    elif left:
        text += f" {left} of {account.extra.get('license_limit', '?')} site activations left."
    return text


def _code(data: dict[str, Any], action: str) -> str:
    """The EDD SL outcome code: a failed activation says `license: invalid` and the reason in `error`."""
    error, status = data.get("error"), data.get("license")
    if action == "activate" and data.get("success") is not True and isinstance(error, str) and error:
        return error
    return status if isinstance(status, str) else ""


def _key_known(data: dict[str, Any]) -> bool:
    """EDD adds the license's facts to an answer only when the key exists."""
    return any(data.get(k) not in (None, "", False, 0) for k in ("expires", "payment_id", "customer_email"))


def _account(data: dict[str, Any]) -> Account:
    """The license's facts, as far as the answer has them (none for an unknown key)."""
    if not _key_known(data):
        return Account()
    extra: dict[str, str] = {}
    for name in ("expires", "activations_left", "license_limit", "site_count"):
        value = data.get(name)
        if value is None or value is False or value == "":  # 0 is a real count: keep it
            continue
        if name == "expires" and isinstance(value, (int, float)) and not isinstance(value, bool):
            when = _from_timestamp(value)
            value = when.strftime("%Y-%m-%d %H:%M:%S") if when else value
        extra[name] = str(value)
    name = str(data.get("customer_name") or data.get("item_name") or "").strip()
    return Account(name=name, email=str(data.get("customer_email") or ""), extra=extra)


def _expires(value: Any) -> str:
    """'5 July 2026' for an EDD date or timestamp; '' for lifetime or nothing."""
    if value in (None, "", False) or str(value).lower() == "lifetime":
        return ""
    when: datetime | None = None
    if (isinstance(value, (int, float)) and not isinstance(value, bool)) or str(value).isdigit():
        when = _from_timestamp(value)
        if when is None:
            return ""
    else:
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                when = datetime.strptime(str(value), fmt)
                break
            except ValueError:
                continue
    if when is None:
        return str(value)
    return f"{when.day} {when:%B} {when.year}"


def _from_timestamp(value: Any) -> datetime | None:
    """A Unix timestamp as a date; None when it is not one this computer can show (out of range, "²")."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _site_problem(site: str) -> str:
    parts = split_url(site)
    if parts is None:  # an unbalanced "[" (IPv6 bracket), a port over 65535
        return "The site address is not a web address. Enter it like https://members.example.com."
    if parts.scheme.lower() not in ("http", "https"):
        return "The site address must start with https:// (or http://), e.g. https://members.example.com."
    host = parts.hostname or ""
    if not host:
        return "The site address has no site name in it. Enter it like https://members.example.com."
    if "." not in host and not is_loopback_host(host):
        return f"The site address {site} does not look like a web address. Enter it like https://members.example.com."
    return ""


INTEGRATION = License()
