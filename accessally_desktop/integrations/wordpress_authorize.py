"""Connecting to the owner's WordPress without copy-paste: WordPress's Authorize Application page
(core since 5.6, wp-admin/authorize-application.php) and the app's own URL scheme.

The app opens `<authorization endpoint>?app_name=…&app_id=…&success_url=accessally-desktop://wordpress-connected?state=…`
in the owner's browser; on Approve WordPress sends the browser to the success URL with `site_url`,
`user_login` and `password` added, and the operating system hands that URL to the app; on Reject to the
same URL with `success=false`. The endpoint always comes from the site's REST index (plugins can move
it), never built here. Without a success URL WordPress shows the password for copying: the fallback.

No Qt, no network: building and reading URLs only.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .redaction import register_secret

APP_NAME = "AccessAlly Desktop"
# Fixed once for all copies of the app: WordPress keeps it with each password it issues, so a site's
# owner (and a plugin) can tell this app's passwords apart. It must stay a UUID (WordPress checks).
APP_ID = "a211fc87-4d03-4dd7-b9a1-21ad1b88155c"
SCHEME = "accessally-desktop"
CALLBACK_HOST = "wordpress-connected"
CALLBACK_URL = f"{SCHEME}://{CALLBACK_HOST}"
MAX_CALLBACK_LENGTH = 8192  # a real answer is a few hundred characters; anything far longer is not one

APPROVE_BUTTON = "Yes, I approve of this connection"  # WordPress's own words on the page
REJECT_BUTTON = "No, I do not approve of this connection"
TRY_AGAIN = "Click “Connect my site” again"


def new_state() -> str:
    """A random, single-use value put in the success URL: only the answer to this request carries it."""
    import secrets  # here, not at the top: the app's start reads SCHEME, and hashlib is ~4 ms of it

    return secrets.token_urlsafe(24)


def password_name(when: float | None = None, computer: str | None = None) -> str:
    """The name WordPress files the new password under, unique per connection: WordPress refuses a
    second password with a name the user already has (409 application_passwords_duplicate_name), so
    connecting again — or from a second computer — would fail; the computer and time also tell the
    owner which one to revoke in their profile."""
    import platform
    import time

    computer = (platform.node() if computer is None else computer).split(".")[0] or "this computer"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    return f"{APP_NAME} on {computer}, {stamp}"


def authorize_url(endpoint: str, state: str | None) -> str:
    """The Authorize Application page to open in the browser. With `state`, WordPress sends the
    password back to the app; with None (the copy-paste fallback) it shows it on the page instead."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"Your site gave {endpoint!r} as its Authorize Application page, which is not a web "
                         "address. Connect by copying an application password from your WordPress profile instead.")
    query = [(name, value) for name, values in parse_qs(parts.query, keep_blank_values=True).items()
             for value in values]  # a plugin's own parameters in the endpoint stay
    query += [("app_name", password_name()), ("app_id", APP_ID)]
    if state is not None:
        query.append(("success_url", f"{CALLBACK_URL}?{urlencode({'state': state})}"))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def is_callback(url: str) -> bool:
    """Whether the text is one of this app's own links (`accessally-desktop:…`), whatever is in it."""
    return url[:len(SCHEME) + 1].lower() == f"{SCHEME}:"


@dataclass(frozen=True)
class Approval:
    """The owner approved: the site's address as WordPress gives it, the user and the new password."""

    site_url: str
    user_login: str
    password: str

    def __repr__(self) -> str:  # never the password, wherever an Approval is printed
        return f"Approval(site_url={self.site_url!r}, user_login={self.user_login!r})"


@dataclass(frozen=True)
class Refusal:
    """No password: why, in words for the owner."""

    message: str


def read_callback(url: str, expected_state: str) -> Approval | Refusal:
    """What the site answered, once the link is known to answer this request (`expected_state`).

    The password is registered with the log's redaction as soon as it is read, in both of its forms."""
    import hmac  # see new_state

    values = _query_of(url)
    if isinstance(values, Refusal):
        return values
    state = values.get("state")
    if state is None:
        return Refusal("The answer from your site came without the check code the app put in its request, so "
                       f"the app cannot tell it is the answer to this request. {TRY_AGAIN}.")
    if not hmac.compare_digest(state.encode(), expected_state.encode()):
        return Refusal("This answer from your site is not for the request the app is waiting for (it may be from "
                       f"an earlier try). {TRY_AGAIN}, then approve on the page that opens.")
    if values.get("success") == "false":
        return Refusal(_rejected(values.get("error")))
    password = values.get("password", "")
    if password:
        register_secret(password)
        register_secret(shown_as_by_wordpress(password))
    missing = [what for key, what in (("site_url", "your site's address"), ("user_login", "the user name"),
                                      ("password", "the password")) if not values.get(key)]
    if missing:
        return Refusal(f"The answer from your site is missing {' and '.join(missing)}. A plugin on your site may "
                       f"have changed WordPress's Authorize Application page. {TRY_AGAIN}, or copy the password "
                       "instead.")
    site = urlsplit(values["site_url"])
    if site.scheme.lower() not in ("http", "https") or not site.hostname:
        return Refusal("The answer from your site gave an address that is not a web address for the site. "
                       f"{TRY_AGAIN}, or copy the password instead.")
    return Approval(site_url=values["site_url"], user_login=values["user_login"], password=password)


def carries_password(url: str) -> bool:
    """Whether the link is an approval with a password in it (what an unclaimed answer left on the site)."""
    values = _query_of(url)
    return isinstance(values, dict) and bool(values.get("password"))


def shown_as_by_wordpress(password: str) -> str:
    """The password in groups of four, as WordPress shows it for copying (WP_Application_Passwords::chunk_password)."""
    compact = password.replace(" ", "")
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _query_of(url: str) -> dict[str, str] | Refusal:
    """The link's values, each given once, or why the link is not a readable answer from a site."""
    damaged = Refusal(f"The link your browser passed to the app is damaged, so it cannot be read. {TRY_AGAIN}.")
    if len(url) > MAX_CALLBACK_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in url):
        return damaged
    try:
        parts = urlsplit(url)
        host = parts.hostname
        query = parse_qs(parts.query, keep_blank_values=True, errors="strict")
    except (ValueError, UnicodeError):
        return damaged
    if parts.scheme.lower() != SCHEME or (host or "").lower() != CALLBACK_HOST or parts.path not in ("", "/"):
        return Refusal("This link is not an answer from your site's Authorize Application page, so the app "
                       "ignores it.")
    if any(len(values) > 1 for values in query.values()):
        return damaged  # a value given twice: which one WordPress meant cannot be told
    return {name: values[0] for name, values in query.items()}


def _rejected(error: str | None) -> str:
    if error == "disabled":  # WordPress's "Go Back" link when the site offers no application passwords
        return ("Your site does not offer application passwords for this account, so the app cannot connect "
                "this way. A security plugin (Wordfence, Two Factor, All In One WP Security, “Disable Application "
                "Passwords”) may turn them off: allow them there, or ask the site's administrator.")
    return (f"You clicked “{REJECT_BUTTON}”, so the app is not connected to your site. {TRY_AGAIN} and click "
            f"“{APPROVE_BUTTON}” to connect it.")
