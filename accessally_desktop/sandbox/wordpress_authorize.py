"""The sandbox's Authorize Application page, plugged into the WordPress stand-in (its `authorize_page`
hook), so that `--sandbox` shows "Connect my site" from start to end: one click approves as the demo
user.

On a real site the browser then opens the app's link and the system starts the app with it; in the
sandbox that would reach a normal copy of the app, not this one, so the page hands the link to
`deliver` (the app's inbox, in this process) and says to go back to the app.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import urlencode

from ..integrations.wordpress_authorize import APPROVE_BUTTON, REJECT_BUTTON, shown_as_by_wordpress
from .server import Request, Response, Route, SandboxServer, text_response


def authorize_page(deliver: Callable[[str], object]) -> Route:
    """The page, as a route of the site's stand-in: `deliver` gets the link WordPress would redirect to."""
    def page(server: SandboxServer, request: Request) -> Response:
        query = {name: value for name, value in request.query.items() if name not in ("approve", "reject")}
        success_url = query.get("success_url", "")
        demo = server.credentials()
        if "reject" in request.query:
            if success_url:
                deliver(_with(success_url, {"success": "false"}))
            return _page("Not connected", "<p>You did not approve the connection. Go back to AccessAlly Desktop.</p>")
        if "approve" in request.query:
            password = demo["application_password"]
            if not success_url:  # the copy-paste fallback: WordPress shows the new password
                return _page("Authorize Application",
                             f"<p>Your new password for {html.escape(query.get('app_name', ''))} is: "
                             f"<input readonly value=\"{html.escape(shown_as_by_wordpress(password))}\"></p>")
            deliver(_with(success_url, {"site_url": demo["site_url"], "user_login": demo["username"],
                                        "password": password}))
            return _page("Connected", "<p>Approved. Go back to AccessAlly Desktop.</p>")
        fields = "".join(f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
                         for name, value in query.items())
        return _page("Authorize Application",
                     f"<p>SANDBOX: would you like to give {html.escape(query.get('app_name', 'this application'))} "
                     f"access to the account {html.escape(demo['username'])}?</p>"
                     f'<form method="get">{fields}<button name="approve" value="1">{APPROVE_BUTTON}</button> '
                     f'<button name="reject" value="1">{REJECT_BUTTON}</button></form>')

    return page


def _with(url: str, values: dict[str, str]) -> str:
    """What WordPress's add_query_arg makes of the success URL."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(values)}"


def _page(title: str, body: str) -> Response:
    return text_response(f"<!DOCTYPE html><html><head><title>{title} ‹ Sandbox — WordPress</title></head>"
                         f"<body><h1>{title}</h1>{body}</body></html>", content_type="text/html; charset=utf-8")
