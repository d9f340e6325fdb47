"""WordPress stand-in: one site answering as WordPress 6.1 does (wordpress.md), without PHP.

Pages carry the `Link` header and the `<head>` link to the REST API; the API answers under
/wp-json/ (pretty permalinks) or, with plain ones, only through `?rest_route=` — every route in the
query. The index, users/me, plugins, pages and xmlrpc.php's wp.getProfile answer like core, errors
in its `{"code", "message", "data": {"status"}}` shape. `switch(...)` sets the real-world conditions
of `Conditions` (a security plugin, plain http, a host stripping the Authorization header, AccessAlly
missing…); `inject` still plays the transport's faults.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import xmlrpc.client
from dataclasses import dataclass, replace
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from .server import Request, Response, Route, SandboxServer, json_response, text_response

SITE_NAME = "Sunrise Yoga Members"
USERNAME = "dana"
APP_PASSWORD = "Xk7p Qm2R Tz9w Lb4N Hc6v Jd3s"  # 24 letters and digits, in WordPress's groups of four
AUTHOR = "sam"
AUTHOR_PASSWORD = "Pq8r St3u Vw5x Yz2a Bc7d Ef4g"
ACCESSALLY_VERSION = "7.4.2"
AUTHORIZE_PATH = "/wp-admin/authorize-application.php"

_ADMIN_CAPS = {c: True for c in ("switch_themes", "edit_themes", "activate_plugins", "edit_plugins", "edit_users",
                                 "manage_options", "edit_posts", "publish_posts", "upload_files", "read",
                                 "view_site_health_checks", "administrator")}
_AUTHOR_CAPS = {c: True for c in ("upload_files", "edit_posts", "edit_published_posts", "publish_posts", "read",
                                  "author")}
USERS = {
    USERNAME: {"id": 1, "username": USERNAME, "name": "Dana Demo", "email": "dana@members.example.com",
               "roles": ["administrator"], "capabilities": _ADMIN_CAPS, "password": APP_PASSWORD},
    AUTHOR: {"id": 2, "username": AUTHOR, "name": "Sam Writer", "email": "sam@members.example.com",
             "roles": ["author"], "capabilities": _AUTHOR_CAPS, "password": AUTHOR_PASSWORD},
}
PAGES = {"/about/": "About", "/courses/": "Courses", "/contact/": "Contact"}


@dataclass(frozen=True)
class Conditions:
    app_passwords: bool = True  # False: a security plugin turned them off (`wp_is_application_passwords_available`)
    production_http: bool = False  # a production site over http: no application passwords (over https: no effect)
    strip_authorization: bool = False  # the host drops the Authorization header (Apache + CGI)
    early_user: bool = False  # a plugin loads the user early: a refused login says why (incorrect_password, …)
    rest_blocked: str = ""  # "everyone": a firewall answers every REST request with a 404 page (and the links
    # go); "logged_out": a plugin lets only logged-in users (an application password counts) use the REST API
    xmlrpc: bool = True  # False: "XML-RPC services are disabled on this site."
    accessally: str = "active"  # "inactive", "missing"
    permalinks: str = "pretty"  # "plain": the API only through ?rest_route=
    canonical: str = ""  # the site's own address (e.g. http://localhost:PORT); its pages redirect there
    link_header: bool = True  # False: a plugin removed the Link header (the <head> link stays)
    head: str = ""  # more in every page's <head>, as plugins print it (the tracking scripts AccessAlly adds)


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"code": code, "message": message, "data": {"status": status}}, status)


class WordPressSandbox(SandboxServer):
    """USERNAME (an administrator) and AUTHOR, each with an application password."""

    service = "wordpress"
    demo = {"site_url": "https://members.example.com", "username": USERNAME, "application_password": APP_PASSWORD}
    authorize_page: ClassVar[Route | None] = None  # "Connect my site" plugs its Authorize page in here

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conditions = Conditions()

    def switch(self, **changes: Any) -> None:
        self.conditions = replace(self.conditions, **changes)

    @property
    def home(self) -> str:
        return self.conditions.canonical or self.url

    def credentials(self) -> dict[str, str]:
        return {**self.demo, "site_url": self.home}

    def home_for(self, request: Request) -> str:
        """The site's address: `canonical` when set, else the one it was reached at (any name, through a proxy)."""
        host = request.header("host")
        return self.conditions.canonical or (f"{urlsplit(self.url).scheme}://{host}" if host else self.url)

    def root_url(self, home: str) -> str:
        return f"{home}/?rest_route=/" if self.conditions.permalinks == "plain" else f"{home}/wp-json/"

    # -- dispatch --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        route = self._rest_route(request)
        if route is not None:
            return self._rest(request, route)
        if request.path == "/xmlrpc.php" and request.method == "POST":
            return self._xmlrpc(request)
        home = self.home_for(request)
        if request.header("host") and request.header("host") != urlsplit(home).netloc:  # redirect_canonical
            query = f"?{urlencode(request.query)}" if request.query else ""
            return Response(301, b"", {"Location": f"{home}{request.path}{query}"})
        if request.path == AUTHORIZE_PATH:
            hook = type(self).authorize_page
            return hook(self, request) if hook else self._page(home, "Log In", 200)
        if request.path == "/" or request.path in PAGES:
            return self._page(home, PAGES.get(request.path, SITE_NAME), 200)
        return self._page(home, "Page not found", 404)

    def _rest_route(self, request: Request) -> str | None:
        if "rest_route" in request.query:
            return request.query["rest_route"] or "/"
        if request.path.startswith("/wp-json") and self.conditions.permalinks == "pretty":
            return request.path[len("/wp-json"):] or "/"
        return None

    def _page(self, home: str, title: str, status: int) -> Response:
        root = html.escape(self.root_url(home), quote=True)
        linked = not self.conditions.rest_blocked
        link = f"<link rel=\"https://api.w.org/\" href=\"{root}\" />" if linked else ""
        body = (f"<!DOCTYPE html><html lang=\"en-US\"><head><meta charset=\"UTF-8\"><title>{html.escape(title)} "
                f"&#8211; {html.escape(SITE_NAME)}</title>{link}<meta name=\"generator\" content=\"WordPress 6.1.9\" />"
                f"{self.conditions.head}"
                f"</head><body><h1>{html.escape(title)}</h1></body></html>")
        headers = {"Link": f"<{self.root_url(home)}>; rel=\"https://api.w.org/\""} if linked and self.conditions.link_header else {}
        return text_response(body, status, "text/html; charset=UTF-8", headers)

    # -- REST --------------------------------------------------------------------------------------

    def _rest(self, request: Request, route: str) -> Response:
        user, refusal = self._login(request)
        if refusal is not None:
            return refusal
        if self.conditions.rest_blocked == "everyone":
            return self._page(self.home_for(request), "Page not found", 404)
        if self.conditions.rest_blocked == "logged_out" and user is None:
            return _error(401, "rest_login_required", "REST API restricted to authenticated users.")
        route = "/" + route.strip("/")
        home = self.home_for(request)
        if route == "/":
            return self._index(request, home)
        if route == "/wp/v2/pages":
            per_page = min(int(request.query.get("per_page") or 10), 100)
            return json_response([{"link": f"{home}{path}"} for path in list(PAGES)[:per_page]])
        if user is None and route.startswith(("/wp/v2/users/me", "/wp/v2/plugins")):
            return _error(401, "rest_not_logged_in", "You are not currently logged in.")
        if route == "/wp/v2/users/me":
            public = {k: user[k] for k in ("id", "name")}
            return json_response({k: v for k, v in user.items() if k != "password"}
                                 if request.query.get("context") == "edit" else public)
        if route.startswith("/wp/v2/plugins"):
            if not user["capabilities"].get("activate_plugins"):
                return _error(403, "rest_cannot_view_plugins", "Sorry, you are not allowed to manage plugins for "
                                                               "this site.")
            return self._plugins(route, request.query.get("search", ""))
        return _error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _available(self) -> bool:
        return self.conditions.app_passwords and (self._tls is not None or not self.conditions.production_http)

    def _index(self, request: Request, home: str) -> Response:
        authorization = {"application-passwords": {"endpoints": {"authorization": home + AUTHORIZE_PATH}}}
        index = {"name": SITE_NAME, "description": "Classes and courses", "url": home, "home": home,
                 "gmt_offset": "0", "timezone_string": "", "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1",
                                                                          "wp-block-editor/v1"],
                 "authentication": authorization if self._available() else [], "routes": {}}
        wanted = request.query.get("_fields")
        if wanted:
            index = {k: v for k, v in index.items() if k in wanted.split(",")}
        return json_response(index, headers={"Link": f"<{self.root_url(home)}>; rel=\"https://api.w.org/\""})

    def _plugins(self, route: str, search: str) -> Response:
        state = self.conditions.accessally
        plugins = [] if state == "missing" else [
            {"plugin": "accessally/accessally", "status": state, "name": "AccessAlly", "version": ACCESSALLY_VERSION,
             "plugin_uri": "https://accessally.com", "author": "AccessAlly", "network_only": False}]
        if route == "/wp/v2/plugins":
            return json_response([p for p in plugins if search.lower() in p["name"].lower()])
        found = [p for p in plugins if route == f"/wp/v2/plugins/{p['plugin']}"]
        if not found:
            return _error(404, "rest_plugin_not_found", "Plugin not found.")
        return json_response(found[0])

    def _login(self, request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        """The user an Application Password logs in, or the 401 a site whose plugins load the user early sends."""
        if self.conditions.strip_authorization or not self._available():
            return None, None
        login = _basic(request.header("authorization"))
        if login is None:
            return None, None
        user, why = self._check(*login)
        if why and self.conditions.early_user:
            return None, _error(401, why, "Error: the login was refused.")
        return user, None

    def _check(self, name: str, password: str) -> tuple[dict[str, Any] | None, str]:
        user = USERS.get(name) or next((u for u in USERS.values() if u["email"] == name), None)
        if user is None:
            return None, "invalid_email" if "@" in name else "invalid_username"
        if re.sub(r"[^a-z\d]", "", password, flags=re.I) != user["password"].replace(" ", ""):
            return None, "incorrect_password"
        return user, ""

    def _xmlrpc(self, request: Request) -> Response:
        if not self.conditions.xmlrpc:
            return _xml(xmlrpc.client.Fault(405, "XML-RPC services are disabled on this site."))
        try:
            params, method = xmlrpc.client.loads(request.body)
        except Exception:
            return _xml(xmlrpc.client.Fault(-32700, "parse error. not well formed"))
        if method != "wp.getProfile" or len(params) < 3 or not self._available():
            return _xml(xmlrpc.client.Fault(403, "Incorrect username or password."))
        user, _ = self._check(str(params[1]), str(params[2]))
        if user is None:
            return _xml(xmlrpc.client.Fault(403, "Incorrect username or password."))
        return _xml(({"user_id": str(user["id"]), "username": user["username"], "email": user["email"]},))


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return name, password


def _xml(answer: tuple | xmlrpc.client.Fault) -> Response:
    body = xmlrpc.client.dumps(answer, methodresponse=True)
    return Response(200, body.encode(), {"Content-Type": "text/xml; charset=UTF-8"})
