"""AccessAlly license: an e-mail address and a serial key, checked over the vendor's "hosted_plugin" protocol.

The vendor's plugins POST `action=update`, `email`, `serial` and `siteurl` to
`members.ambitionally.com/hosted_plugin/<product>/` and read a PHP-serialized array back
(providers.md §8.2): `version` means the license is good; `error` with an `error-code` above 900
means the serial is not valid (the plugin switches itself off); any other `error` is a note the
plugin shows while it keeps working. There is no activation call: the server knows the site by
the address it is sent, and activations are managed in the owner's AccessAlly account.

ASSUMPTION (providers.md §8.2, UNCONFIRMED): the product slug `accessally`, inferred from the
vendor's other products. The address can be overridden with ACCESSALLY_DESKTOP_LICENSE_URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from .base import Integration, Problem
from .fields import Field
from .registry import display_name
from .results import Account, CheckResult
from .status import Failure, Status
from .transport import Attempt, Reply, is_loopback_host, split_url

DEFAULT_LICENSE_URL = "https://members.ambitionally.com/hosted_plugin/accessally"

WHERE = ("Your serial key is in your AccessAlly customer account (the vault) and in the e-mail you got when "
         "you bought AccessAlly.")
WHERE_EMAIL = "The e-mail address you bought your AccessAlly license with."
WHERE_SITE = "The address of the WordPress site AccessAlly runs on, e.g. https://members.example.com."
ACTIVATIONS = ("The sites your license is used on are managed in your AccessAlly customer account; this app "
               "only checks the license for this site.")

SERVER = "AccessAlly's license server"  # the service name in shared transport messages
INVALID_SERIAL_ABOVE = 900  # the vendor's plugin switches itself off for an error-code above this
_MAX_TEXT = 500  # the longest server message shown (a reply may carry a page of text)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class License(Integration):
    id = "license"
    name = display_name(id)
    kind = "license"
    default_base_url = DEFAULT_LICENSE_URL
    where_to_find = WHERE
    help_url = "https://accessally.com/faqs/"
    guidance = ACTIVATIONS
    test_button = "&Check license"
    fields = (
        Field("email", "License e-mail", WHERE_EMAIL, placeholder="you@example.com", address=True),
        Field("license_key", "Serial Key", WHERE, secret=True),
        Field("site_url", "Site address", WHERE_SITE, placeholder="https://members.example.com", address=True),
    )

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        email, key = values["email"], values["license_key"]
        if email and not _EMAIL.match(email):
            problems.append(Problem("email", "error", "That is not an e-mail address. " + WHERE_EMAIL))
        if key and "://" in key:
            problems.append(Problem("license_key", "error", "That is a web address, not a serial key. " + WHERE))
        elif key and _EMAIL.match(key):
            problems.append(Problem("license_key", "error", "That is an e-mail address, not a serial key. " + WHERE))
        site = values["site_url"]
        if site:
            if "://" not in site:
                site = values["site_url"] = f"https://{site}"
                problems.append(Problem("site_url", "note", f"Added https:// in front of the site address: {site}"))
            problem = _site_problem(site)
            if problem:
                problems.append(Problem("site_url", "error", problem))
        return problems

    # -- live check ------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        """`action=update`: read-only, the same question the plugin asks. Nothing else is sent."""
        form = {"action": "update", "email": values["email"], "serial": values["license_key"],
                "siteurl": values["site_url"]}
        # POST, form-encoded: the serial travels in the body, never in a URL a proxy could log.
        reply = attempt.request(SERVER, "POST", f"{self.base_url()}/", data=form)
        reply = _checked(reply)
        data = _unserialize(reply)
        error = _text(data.get("error"))
        version = _text(data.get("version"))
        notes = _lines(data.get("message"))
        if "error" in data:
            code = _number(data.get("error-code"))
            technical = f"error-code={data.get('error-code')!r}; {reply.describe()}"
            if code is not None and code > INVALID_SERIAL_ABOVE:
                raise Failure(Status.INVALID_CREDENTIALS,
                              f"AccessAlly's license server did not accept this serial key: "
                              f"{error or 'no reason given'}", technical)
            said = error or "a problem with the license, without saying which"
            return self.result(Status.OK, _ok_text(values["site_url"], version, notes),
                               account=_account(values, version),
                               warnings=(f"AccessAlly's license server says: {said}",))
        if not version:
            raise Failure(Status.BAD_RESPONSE, "The license server's answer has no license status; this address "
                                               "may not be an AccessAlly license server.", reply.describe())
        return self.result(Status.OK, _ok_text(values["site_url"], version, notes), account=_account(values, version))

    def facts_text(self, extra: Mapping[str, str]) -> str:
        version = extra.get("latest_version")
        return f"Latest AccessAlly version: {version}" if version else ""


def _checked(reply: Reply) -> Reply:
    """Only an HTTP 200 that is not a web page can hold a license answer. The server echoes PHP's
    serialize() with PHP's default `text/html` type, so a page is told by its body, not its type."""
    if reply.status == 401:  # the server needs no login: this is not about the serial key
        raise Failure(Status.BAD_RESPONSE, "AccessAlly's license server asked for a login it should not need. "
                                           "Check the license server address.", reply.describe())
    reply.fail_for_status(
        forbidden="AccessAlly's license server refused the request (a firewall or security plugin in front of "
                  "it may be blocking this app). Try again later, or contact AccessAlly support.",
        not_found="There is no license server at this address. Check the license server address.")
    if reply.status != 200:
        raise Failure(Status.BAD_RESPONSE, f"AccessAlly's license server gave an unexpected answer "
                                           f"(HTTP {reply.status}). Try again later, or contact AccessAlly support.",
                      reply.describe())
    if reply.body.lstrip()[:1] == b"<":
        raise Failure(Status.BAD_RESPONSE, "AccessAlly's license server answered with a web page instead of "
                                           "license data (often a security, firewall or maintenance page in "
                                           "front of it, or a Wi-Fi login page). Try again later, or contact "
                                           "AccessAlly support.", reply.describe())
    return reply


def _unserialize(reply: Reply) -> dict[str, Any]:
    """The PHP-serialized array the server sends. A PHP object is refused, never built."""
    import phpserialize

    def refuse_object(name: Any, value: Any) -> Any:
        raise ValueError(f"a PHP object ({name!r}) where an array belongs")

    try:
        data = phpserialize.loads(reply.body, decode_strings=True, object_hook=refuse_object)
    except (ValueError, TypeError, IndexError, KeyError, RecursionError, UnicodeError) as exc:
        raise Failure(Status.BAD_RESPONSE, "AccessAlly's license server sent an answer this app could not read. "
                                           "Try again later, or contact AccessAlly support.",
                      f"{type(exc).__name__}: {str(exc)[:200]}; {reply.describe()}") from None
    if not isinstance(data, dict):
        raise Failure(Status.BAD_RESPONSE, "AccessAlly's license server sent an answer in an unexpected shape.",
                      reply.describe())
    return {str(k): v for k, v in data.items()}


def _text(value: Any) -> str:
    """A server string as plain text: the vendor's wording kept, its markup and excess length not."""
    if isinstance(value, bool) or value is None or isinstance(value, dict):
        return ""
    text = html.unescape(re.sub(r"<[^>]*>", " ", str(value)))
    text = " ".join(text.split())
    return text[:_MAX_TEXT] + ("…" if len(text) > _MAX_TEXT else "")


def _lines(value: Any) -> list[str]:
    """`message`: a list (a PHP array) of strings, or one string."""
    items = value.values() if isinstance(value, dict) else [value]
    return [line for line in (_text(item) for item in items) if line]


def _number(value: Any) -> float | None:
    """`error-code` as PHP compares it with 900: a number or a numeric string ("901", "1e3")."""
    if isinstance(value, (bool, dict)) or value is None:
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _ok_text(site: str, version: str, notes: list[str]) -> str:
    text = f"License accepted for {site}."
    if version:
        text += f" Latest AccessAlly version: {version}."
    if notes:
        text += " Message from AccessAlly: " + " ".join(notes)
    return text


def _account(values: Mapping[str, str], version: str) -> Account:
    return Account(email=values["email"], extra={"latest_version": version} if version else {})


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
