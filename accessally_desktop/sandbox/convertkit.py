"""Kit / ConvertKit stand-in: v3 (api_key / api_secret query parameters) and v4 (X-Kit-Api-Key) on one base."""

from __future__ import annotations

import base64
from typing import Any

from .server import Request, Response, SandboxServer, json_response

V3_API_KEY = "Dm0KitApiKey4xQ7nP2rT9"
V3_API_SECRET = "Dm0KitApiSecret8fK3LwQ9zX2cV7bN5mA1sD4gH6jR0t"
V4_API_KEY = "kit_b2fd0c18a7e94d3c8f61e2a05b7d9c34"
REVOKED_V4_KEY = "kit_0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4"

ACCOUNT = {"id": 7741, "name": "Demo Coaching Co.", "plan_type": "creator",
           "primary_email_address": "owner@demo-coaching.example", "created_at": "2023-02-17T11:43:55Z",
           "timezone": {"name": "America/New_York", "friendly_name": "Eastern Time (US & Canada)",
                        "utc_offset": "-05:00"}}
USER = {"id": 9911, "email": "owner@demo-coaching.example"}


def _auth_failed(message: str) -> Response:
    """Kit v3's documented 401 shape; the message texts beyond "API Key not present" are [UNCONFIRMED]."""
    return json_response({"error": "Authorization Failed", "message": message}, 401)


def _v4_error(message: str, status: int = 401) -> Response:
    return json_response({"errors": [message]}, status)


def make_form(form_id: int, name: str, *, archived: bool = False, kind: str = "embed") -> dict[str, Any]:
    return {"id": form_id, "name": name, "created_at": "2024-05-01T10:00:00Z", "type": kind,
            "format": "inline" if kind == "embed" else None,
            "embed_js": f"https://demo.kit.com/{form_id:x}/index.js",
            "embed_url": f"https://demo.kit.com/{form_id:x}", "archived": archived, "uid": f"{form_id:x}"}


DEMO_FORMS = (
    make_form(1001, "Newsletter"),
    make_form(1002, "AccessAlly purchases"),
    make_form(1003, "Free course landing page", kind="hosted"),
    make_form(1004, "Old 2019 opt-in", archived=True),
)

MAX_PER_PAGE = 1000


class ConvertKitSandbox(SandboxServer):
    service = "convertkit"
    demo = {"api_key": V3_API_KEY, "api_secret": V3_API_SECRET}
    demo_v4 = {"api_key": V4_API_KEY, "api_secret": ""}
    default_rate_limit = (120, 60.0)  # per key, rolling; 429 after (no headers documented)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.forms: list[dict[str, Any]] = [dict(f) for f in DEMO_FORMS]
        self.max_per_page = MAX_PER_PAGE  # a test may lower it to force more pages

    def handle(self, request: Request) -> Response:
        if self.over_limit() is not None:
            if request.path.startswith("/v4/"):
                return _v4_error("Rate limit exceeded. Please try again later.", 429)  # [UNCONFIRMED text]
            return json_response({"error": "Rate limit exceeded", "message": "Too many requests"}, 429)
        return super().handle(request)

    # -- v3 ----------------------------------------------------------------------------------------

    def v3_account(self, request: Request) -> Response:
        secret = request.query.get("api_secret", "")
        if not secret:
            if request.query.get("api_key"):
                return _auth_failed("API Key present, but this call needs the API Secret")
            return _auth_failed("API Secret not present")
        if secret != V3_API_SECRET:
            return _auth_failed("API Secret not valid")
        return json_response({k: ACCOUNT[k] for k in ("name", "plan_type", "primary_email_address")})

    def v3_forms(self, request: Request) -> Response:
        key = request.query.get("api_key", "")
        secret = request.query.get("api_secret", "")
        if not key and not secret:
            return _auth_failed("API Key not present")
        if key != V3_API_KEY and secret != V3_API_SECRET:
            return _auth_failed("API Key not valid")
        return json_response({"forms": self.forms})

    # -- v4 ----------------------------------------------------------------------------------------

    def _v4_refusal(self, request: Request) -> Response | None:
        key = request.header("X-Kit-Api-Key")
        if key == REVOKED_V4_KEY:
            return _v4_error("The access token was revoked")
        if key != V4_API_KEY:  # a v3 key, a typo, or nothing: Kit says the same
            return _v4_error("The access token is invalid")
        return None

    def v4_account(self, request: Request) -> Response:
        refusal = self._v4_refusal(request)
        if refusal is not None:
            return refusal
        return json_response({"user": USER, "account": ACCOUNT})

    def v4_forms(self, request: Request) -> Response:
        refusal = self._v4_refusal(request)
        if refusal is not None:
            return refusal
        status = request.query.get("status", "active")
        forms = [f for f in self.forms if status == "all" or (status == "archived") == bool(f.get("archived"))]
        per_page = min(max(_int(request.query.get("per_page"), 500), 1), self.max_per_page)
        start = _decode_cursor(request.query.get("after"))
        if start is None:
            return _v4_error("Invalid cursor", 422)
        page = forms[start: start + per_page]
        end = start + len(page)
        body = {"forms": page, "pagination": {
            "has_previous_page": start > 0, "has_next_page": end < len(forms),
            "start_cursor": _encode_cursor(start) if page else None,
            "end_cursor": _encode_cursor(end) if page else None, "per_page": per_page}}
        return json_response(body)

    routes = {
        ("GET", "/v3/account"): v3_account,
        ("GET", "/v3/forms"): v3_forms,
        ("GET", "/v4/account"): v4_account,
        ("GET", "/v4/forms"): v4_forms,
    }


def _encode_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"[{index}]".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(text.strip("[]")))
    except ValueError:
        return None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
