"""The owner's WordPress site: its address, a user name and an Application Password (wordpress.md).

The test finds the REST API anonymously (wordpress_discovery), reads the index (site name,
canonical address, whether application passwords are available), then, with HTTP Basic auth to
the canonical host only and never across a redirect, `users/me?context=edit` (who, which role) and
AccessAlly's plugin entry (installed, active, version). No credentials ever travel over plain
http:// to another computer: that is found out from the index, anonymously.

Telling causes apart (the same 401 `rest_not_logged_in` answers a wrong password and a host that
strips the Authorization header): the index says whether application passwords exist at all
(missing: plain http, or a security plugin turned them off); a 401 with the index listing them is
asked again over XML-RPC, which carries the login in the body: accepted there means the host strips
the header. A login refused over XML-RPC counts as a failed login for lock-out plugins, like a
mistyped password in wp-admin. A password the Authorize page just issued is never the problem
(`check_issued_password`).

The address: `site_url`, or `ACCESSALLY_DESKTOP_WORDPRESS_URL` in its place (a stand-in, a staging
copy), as ActiveCampaign's override works, and held to the same rule as every override (https://, or
http:// to this computer only). Either way the canonical address the site reports is what later
requests use and what the result's `site_url` says.
"""

from __future__ import annotations

import os
import re
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from xml.parsers.expat import ExpatError

from .base import Integration, Problem, check_transport_url
from .fields import Field
from .registry import display_name
from .results import Account, CheckResult, cleaned
from .site_scan import TRACKING, scan
from .site_scan import warm_up as warm_up_scan
from .status import DEFAULT_TIMEOUT, Failure, Status
from .transport import Attempt, Reply, is_loopback_host, split_url
from .wordpress_discovery import Site, discover, normalise_address, origin

WHERE_SITE = "The address of your WordPress site, as visitors open it, e.g. https://members.example.com."
WHERE_USER = "The user name (or e-mail) you log in to WordPress with; an administrator's."
WHERE = ("In WordPress: Users › Profile, under Application Passwords: type “AccessAlly Desktop”, click Add New "
         "Application Password and copy the password shown (not your login password).")
MAKE_ONE = "Make one in WordPress under Users › Profile › Application Passwords."
ADMIN_NEEDED = "This app needs an administrator: use the user name and an application password of one."
# Messages are at most 300 characters (results.MAX_TEXT): the other lines a host may need go in the detail.
HOST_FIX = "Ask your host to pass the Authorization header on to WordPress (one .htaccess line: CGIPassAuth on)."
HOST_LINES = ("Lines that pass the header on: CGIPassAuth on | SetEnvIf Authorization .+ HTTP_AUTHORIZATION=$0 | "
              "RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]")
PLUGINS_OFF = ("Application passwords are turned off on your site, usually by a security plugin (Wordfence, All In "
               "One WP Security, Two Factor, Disable Application Passwords). Turn them back on in that plugin's "
               "settings, then test again.")
_PASSWORD = re.compile(r"[A-Za-z0-9]{24}")
_ROLES = {"shop_manager": "Shop Manager"}
_FULL_ACCESS = ("manage_options", "activate_plugins")

PAGES_SAMPLED = 10  # the home page and up to nine public pages


class WordPress(Integration):
    id = "wordpress"
    name = display_name(id)
    kind = "site"
    default_base_url = ""  # none: the owner's own address, `site_url`
    where_to_find = WHERE
    help_url = "https://make.wordpress.org/core/2020/11/05/application-passwords-integration-guide/"
    guidance = ("This app connects to your site to check what it really does; it does not change your "
                "WordPress settings.")
    password_just_issued = False  # see `check_issued_password`
    connect_button = "&Connect my site"  # WordPress's Authorize Application page (wordpress_authorize.py)
    # An application password: 24 letters and digits (WP_Application_Passwords), often shown in six groups
    # of four. Ordinary words come in fours too, so the spaced shape needs a group mixing letters and digits
    # and a capital after a small letter or digit (about 98 % of real ones); the value itself is always masked.
    secret_shapes = (r"(?=(?:[A-Za-z0-9]{4} ){0,5}(?=[A-Za-z0-9]{0,3}[0-9])(?=[A-Za-z0-9]{0,3}[A-Za-z])"
                     r"[A-Za-z0-9]{4}\b)(?=[A-Za-z0-9 ]{0,27}[a-z0-9][A-Z])(?:[A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}\b",
                     r"(?=[A-Za-z0-9]{0,23}[0-9])(?=[A-Za-z0-9]{0,23}[a-z])(?=[A-Za-z0-9]{0,23}[A-Z])"
                     r"[A-Za-z0-9]{24}\b")
    fields = (
        Field("site_url", "Site address", WHERE_SITE, placeholder="https://members.example.com", address=True),
        Field("username", "WordPress user name", WHERE_USER, placeholder="admin", address=True, spaces=True),
        Field("application_password", "Application password", WHERE, secret=True, spaces=True,
              placeholder="abcd EFGH 1234 ijkl MNOP 5678"),
    )

    # -- address ---------------------------------------------------------------------------------

    def base_url(self, values: Mapping[str, str] | None = None) -> str:
        """The override if set (held to every service's rule: https://, or http:// to this computer), else
        the owner's address, which may also be plain http:// to another computer: the site is then asked
        only anonymously (see `_refuse_credentials_unsafe`)."""
        override = os.environ.get(self.env_var(), "").strip()
        if override:
            url = normalise_address(override)[0]
            check_transport_url(url, what=self.env_var())
            return url
        url = str((values or {}).get("site_url") or "").rstrip("/")
        try:
            check_transport_url(url, what="site address")
        except ValueError:
            parts = split_url(url)
            if not (parts and parts.scheme == "http" and parts.hostname and "@" not in parts.netloc
                    and url.isprintable()):
                raise
        return url

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        if values["site_url"]:
            values["site_url"], notes = normalise_address(values["site_url"])
            problems += [Problem("site_url", "note", note) for note in notes]
            parts = split_url(values["site_url"])
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(Problem("site_url", "error", "That is not a web address. " + WHERE_SITE))
        if "://" in values.get("username", ""):
            problems.append(Problem("username", "error", "That is a web address, not a user name. " + WHERE_USER))
        password = values.get("application_password", "").replace(" ", "")
        if "application_password" in values:
            values["application_password"] = password
        if password and not _PASSWORD.fullmatch(password):
            problems.append(Problem("application_password", "error",
                                    f"That is not an application password: those are 24 letters and digits (this "
                                    f"has {len(password)} characters); your login password does not work here. "
                                    f"{MAKE_ONE}"))
        return problems

    # -- live test -------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        auth = (values["username"], values["application_password"])
        site = discover(attempt, self.name, self.base_url(values), auth)
        self._refuse_credentials_unsafe(site)
        me, plugin = attempt.together(
            lambda: self._signed_in(attempt, site.route("/wp/v2/users/me", context="edit"), auth),
            lambda: self._signed_in(attempt, site.route("/wp/v2/plugins/accessally/accessally"), auth))
        user = self._user(attempt, site, me, values)
        accessally, version = self._accessally(attempt, site, plugin, auth)
        role = role_label(user)
        who = _text(user.get("name")) or _text(user.get("username")) or values["username"]
        extra = {"site_name": site.name, "site_url": site.home, "user": _text(user.get("username")) or
                 values["username"], "role": role, "accessally": accessally, "accessally_version": version}
        warnings = [f"Your site's address is {site.home}; this app uses that from now on."] if site.moved else []
        warnings += _accessally_warnings(accessally)
        said = f" AccessAlly {version} is active." if accessally == "active" and version else ""
        # What the live pages do about the CRMs' tracking scripts: anonymous, within this test's deadline.
        pages = scan(attempt, site.home, site.route("/wp/v2/pages", _fields="link", per_page=str(PAGES_SAMPLED)),
                     limit=PAGES_SAMPLED)
        result = self.result(Status.OK, f"Connected to “{site.name}” ({site.home}) as {who} ({role}).{said}",
                             account=Account(name=site.name, id=str(user.get("id", "")), email=_text(user.get("email")),
                                             extra={k: v for k, v in extra.items() if v}),
                             warnings=tuple(warnings))
        return with_tracking(result, pages.as_details())

    def approval_page(self, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                      attempt: Attempt | None = None) -> CheckResult:
        return find_authorization(str(values.get("site_url") or ""), timeout=timeout, attempt=attempt)

    def approval_address(self, result: CheckResult) -> str | None:
        return authorization_endpoint(result)

    def approved_values(self, site_url: str, user: str, password: str) -> dict[str, str]:
        return {"site_url": site_url, "username": user, "application_password": password}

    def test_approved(self, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                      attempt: Attempt | None = None) -> CheckResult:
        return check_issued_password(values, timeout=timeout, attempt=attempt)

    def warm_up(self) -> None:
        warm_up_scan()  # the CRM modules whose scripts the scan looks for: loaded on the GUI thread

    def facts_text(self, extra: Mapping[str, str]) -> str:
        parts = [extra.get("site_url", "")]
        if extra.get("user"):
            parts.append(f"as {extra['user']} ({extra.get('role', 'no role')})")
        if extra.get("accessally"):
            parts.append(" ".join(p for p in ("AccessAlly", extra.get("accessally_version"), extra["accessally"]) if p))
        return " · ".join(p for p in parts if p)

    def _refuse_credentials_unsafe(self, site: Site) -> None:
        """No credentials over plain http:// to another computer, nor where they cannot work."""
        if not site.has_authentication:
            raise Failure(Status.FORBIDDEN, "Your site runs a WordPress older than 5.6, which has no application "
                                            "passwords. Update WordPress, then test again.")
        parts = split_url(site.home)
        if parts is not None and parts.scheme == "http" and not is_loopback_host(parts.hostname or ""):
            raise Failure(Status.TLS_ERROR,
                          f"Your site answers at {site.home}, over plain http://. Application passwords need "
                          "https://, and this app never sends a password in the clear: turn on https for your site "
                          "(most hosts offer it free), then test again. Nothing was sent.")
        if site.authorization is None and parts is not None and parts.scheme == "http":
            raise Failure(Status.FORBIDDEN,
                          "Application passwords are off on your site: it answers over plain http:// without being "
                          "marked local (WP_ENVIRONMENT_TYPE), or a security plugin turned them off. Use https://, or "
                          "turn them on in that plugin. Nothing was sent.")
        if site.authorization is None:
            raise Failure(Status.FORBIDDEN, PLUGINS_OFF)

    def _signed_in(self, attempt: Attempt, url: str, auth: tuple[str, str]) -> Reply:
        reply = attempt.request(self.name, "GET", url, auth=auth, headers={"Accept": "application/json"})
        if 300 <= reply.status < 400:  # never followed with credentials
            raise reply.failure()
        return reply

    def _user(self, attempt: Attempt, site: Site, reply: Reply, values: Mapping[str, str]) -> dict[str, Any]:
        if reply.status == 401:
            raise self._refusal(attempt, site, reply, values)
        reply.fail_for_status(forbidden="Your site refused to say who this user is (HTTP 403): a security plugin "
                                        "may block the REST API's users route for API logins. Allow it, then "
                                        "test again.",
                              not_found="Your site's REST API has no users route: a security plugin may hide it. "
                                        "Allow /wp-json/wp/v2/users/me, then test again.")
        user = reply.json_object()
        if not isinstance(user.get("id"), int) or not isinstance(user.get("capabilities"), dict):
            raise Failure(Status.BAD_RESPONSE, "Your site answered without the user behind this login.",
                          reply.describe())
        if not all(user["capabilities"].get(c) is True for c in _FULL_ACCESS):
            role = role_label(user)
            article = "an" if role[:1].lower() in "aeiou" else "a"
            raise Failure(Status.FORBIDDEN, f"This user is {article} {role}, who may not manage plugins and "
                                            f"settings. {ADMIN_NEEDED}", reply.describe())
        return user

    def _refusal(self, attempt: Attempt, site: Site, reply: Reply, values: Mapping[str, str]) -> Failure:
        """Why a 401: the code when WordPress says (a plugin loaded the user early), else asked again."""
        code = _code(reply)
        detail = reply.describe()
        user = values["username"]
        if code in ("invalid_username", "invalid_email"):
            return Failure(Status.INVALID_CREDENTIALS, f"Your site has no user “{user}”. {WHERE_USER}", detail)
        if code == "incorrect_password":
            return Failure(Status.INVALID_CREDENTIALS, f"Your site did not accept this application password for "
                                                       f"“{user}”. Copy it again, or make a new one in WordPress under "
                                                       "Users › Profile › Application Passwords.", detail)
        if code == "application_passwords_disabled":
            return Failure(Status.FORBIDDEN, PLUGINS_OFF, detail)
        if code == "application_passwords_disabled_for_user":
            return Failure(Status.FORBIDDEN, f"Application passwords are turned off for “{user}” on your site (a "
                                             "security or role plugin does this per user). Turn them on for this "
                                             f"user, or use another administrator. {ADMIN_NEEDED}", detail)
        accepted = True if self.password_just_issued else self._login_over_xmlrpc(attempt, site, values)
        if accepted:
            return Failure(Status.FORBIDDEN, "The user name and application password are right, but your web host "
                                             "removes the login from each request before WordPress sees it. "
                                             f"{HOST_FIX}", f"{HOST_LINES}. {detail}")
        if accepted is None:  # XML-RPC could not tell
            return Failure(Status.INVALID_CREDENTIALS,
                           f"Your site did not accept “{user}” with this application password. Check both (your login "
                           "password does not work here). If both are right, your host strips the login from "
                           "requests: ask it to pass the Authorization header on (CGIPassAuth on).",
                           f"{HOST_LINES}. {detail}")
        return Failure(Status.INVALID_CREDENTIALS,
                       f"Your site did not accept “{user}” with this application password. Check the user name (or "
                       "use your e-mail) and copy the application password again; your login password does not work "
                       f"here. {MAKE_ONE}", detail)

    def _login_over_xmlrpc(self, attempt: Attempt, site: Site, values: Mapping[str, str]) -> bool | None:
        """Whether WordPress accepts the login when it travels in the body (XML-RPC), where no host strips
        it: True, False, or None when XML-RPC is off or elsewhere."""
        url = site.core_url + "/xmlrpc.php"
        if origin(url) != origin(site.api_root):
            return None
        body = xmlrpc.client.dumps((1, values["username"], values["application_password"]), "wp.getProfile")
        try:
            reply = attempt.request(self.name, "POST", url, content=body.encode(), headers={"Content-Type": "text/xml"})
            if reply.status != 200:
                return None
            xmlrpc.client.loads(reply.body)
        except xmlrpc.client.Fault as fault:
            return False if fault.faultCode == 403 else None
        except Failure:
            if attempt.stopped:
                raise
            return None
        except (ExpatError, ValueError, TypeError):
            return None
        return True

    def _accessally(self, attempt: Attempt, site: Site, reply: Reply, auth: tuple[str, str]) -> tuple[str, str]:
        """("active" / "inactive" / "not installed" / "" for unknown, its version): its own entry, else
        looked for by name (a copy installed in another folder)."""
        found = _data(reply)
        if reply.status == 404:
            listing = _data(self._signed_in(attempt, site.route("/wp/v2/plugins", search="accessally"), auth))
            if not isinstance(listing, list):
                return "", ""
            found = next((p for p in listing if isinstance(p, dict) and _text(p.get("name")).lower() == "accessally"),
                         None)
            if found is None:
                return "not installed", ""
        if not isinstance(found, dict):
            return "", ""
        state = {"active": "active", "network-active": "active", "inactive": "inactive"}.get(_text(found.get("status")), "")
        return state, _text(found.get("version")) if state else ""


class _SiteAddressOnly(WordPress):
    """The site address alone: what "Connect my site" has before the owner approves."""

    fields = WordPress.fields[:1]

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        site = discover(attempt, self.name, self.base_url(values))
        self._refuse_credentials_unsafe(site)
        return self.result(Status.OK, f"“{site.name}” ({site.home}) can give this app an application password.",
                           account=Account(name=site.name, extra={"site_url": site.home,
                                                                  "authorization_endpoint": site.authorization or ""}))


class _IssuedPassword(WordPress):
    password_just_issued = True


_ADDRESS_ONLY, _ISSUED = _SiteAddressOnly(), _IssuedPassword()


def find_authorization(site_url: str, *, timeout: float = DEFAULT_TIMEOUT, attempt: Attempt | None = None) -> CheckResult:
    """Discover the site's Authorize Application page from its index, like a test (deadline, cancel,
    one result). OK: `authorization_endpoint(result)` is the page and `details()["site_url"]` the
    canonical address to open it on. Otherwise the result says why there is none (plain http, a
    security plugin, no WordPress there)."""
    return _ADDRESS_ONLY.test({"site_url": site_url}, timeout=timeout, attempt=attempt)


def authorization_endpoint(result: CheckResult) -> str | None:
    return (result.account.extra.get("authorization_endpoint") or None) if result.ok else None


def check_issued_password(values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                         attempt: Attempt | None = None) -> CheckResult:
    """The test for a password the Authorize page has just issued: if the site refuses it, the host or a
    plugin is the problem, never the password, and the message says so."""
    return _ISSUED.test(values, timeout=timeout, attempt=attempt)


def with_tracking(result: CheckResult, tracking: Any) -> CheckResult:
    """The test's result carrying the site scan's findings (site_scan.py) as `details()["tracking"]`."""
    return cleaned(replace(result, facts={**result.facts, TRACKING: tracking}), [], result.warnings)


def role_label(user: Mapping[str, Any]) -> str:
    roles = user.get("roles")
    role = roles[0] if isinstance(roles, list) and roles and isinstance(roles[0], str) else ""
    return _ROLES.get(role) or role.replace("_", " ").title() or "user without a role"


def _accessally_warnings(state: str) -> list[str]:
    if state == "inactive":
        return ["AccessAlly is installed on your site but not active. The connection works; turn AccessAlly on in "
                "WordPress: Plugins › Installed Plugins › AccessAlly › Activate."]
    if state == "not installed":
        return ["AccessAlly is not installed on your site. The connection works; install AccessAlly in WordPress "
                "(Plugins › Add New › Upload Plugin, with the plugin from your AccessAlly account)."]
    if not state:
        return ["This app could not check whether AccessAlly is installed on your site."]
    return []


def _data(reply: Reply) -> Any:
    """The parsed JSON of a 200, or None: what is not there is unknown, not a failed test."""
    if reply.status != 200:
        return None
    try:
        return reply.json()
    except Failure:
        return None


def _code(reply: Reply) -> str:
    try:
        data = reply.json()
    except Failure:
        return ""
    return _text(data.get("code")) if isinstance(data, dict) else ""


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


INTEGRATION = WordPress()
