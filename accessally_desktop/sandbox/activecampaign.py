"""ActiveCampaign stand-in: users/me and forms behind Api-Token; a bad token gets 403, as AC does."""

from __future__ import annotations

from typing import Any

from .server import Request, Response, SandboxServer, json_response

API_TOKEN = "5f3a9c0d1e2b4a6f8c7d9e0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c"
# The key of a user whose group may not see forms: users/me works, forms answer 403.
NO_FORMS_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c5f3a9c0d1e2b4a6f8c7d9e"

USER = {"username": "admin", "firstName": "Dana", "lastName": "Demo", "email": "dana@demo-coaching.example",
        "phone": "", "signature": None, "links": {}, "id": "1"}

# The widely quoted answer to a missing or wrong Api-Token [UNCONFIRMED exact text].
BAD_TOKEN = {"message": "No Result found for Subscriber with id 0"}
# A valid user without the permission [UNCONFIRMED exact text].
NO_PERMISSION = {"message": "You do not have permission to access this resource"}
TOO_MANY = {"message": "Too Many Requests"}  # [UNCONFIRMED body]; the 429 and Retry-After are documented

MAX_LIMIT = 100  # AC pages at most 100 items


def make_form(form_id: int, name: str, *, double_opt_in: bool) -> dict[str, Any]:
    """A v3 form as AC lists it (trimmed: no cfields/style)."""
    return {
        "id": str(form_id), "name": name, "action": "", "actiondata": {"actions": [
            {"title": "Subscribe to a list", "type": "subscribe-to-list", "list": "1", "listName": "Master List"}]},
        "submit": "show-thank-you", "url": "", "layout": "inline-form", "button": "Submit",
        "thanks": "Thanks for signing up!",
        "options": {"blanks_overwrite": True, "confaction": "show-message", "sendoptin": double_opt_in},
        "cdate": "2025-06-17T08:14:46-05:00", "udate": "2025-06-17T08:14:46-05:00", "userid": "1",
        "links": {"address": f"/api/3/forms/{form_id}/address"},
    }


DEMO_FORMS = (
    make_form(1, "Newsletter sign-up", double_opt_in=True),
    make_form(2, "AccessAlly purchases (no double opt-in)", double_opt_in=False),
    make_form(3, "Free webinar", double_opt_in=True),
)


class ActiveCampaignSandbox(SandboxServer):
    service = "activecampaign"
    demo = {"api_key": API_TOKEN}
    default_rate_limit = (5, 1.0)  # 5 requests a second per account, then 429 with Retry-After

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.forms: list[dict[str, Any]] = [dict(f) for f in DEMO_FORMS]
        self.max_limit = MAX_LIMIT  # a test may lower it to force more pages

    def credentials(self) -> dict[str, str]:
        return {"account_url": self.url, **self.demo}

    def handle(self, request: Request) -> Response:
        wait = self.over_limit()
        if wait is not None:
            return json_response(TOO_MANY, 429, headers={"Retry-After": str(wait), **self._limit_headers(0)})
        return super().handle(request)

    def _limit_headers(self, remaining: int) -> dict[str, str]:
        limit = self.rate_limit[0] if self.rate_limit else 5
        return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining)}

    def me(self, request: Request) -> Response:
        if request.header("Api-Token") not in (API_TOKEN, NO_FORMS_TOKEN):
            return json_response(BAD_TOKEN, 403)
        return json_response({"user": USER}, headers=self._limit_headers(self.remaining_requests()))

    def list_forms(self, request: Request) -> Response:
        token = request.header("Api-Token")
        if token == NO_FORMS_TOKEN:
            return json_response(NO_PERMISSION, 403)
        if token != API_TOKEN:
            return json_response(BAD_TOKEN, 403)
        limit = min(max(_int(request.query.get("limit"), 20), 1), self.max_limit)
        offset = max(_int(request.query.get("offset"), 0), 0)
        page = self.forms[offset: offset + limit]
        body = {"forms": page, "meta": {"total": str(len(self.forms))}}
        return json_response(body, headers=self._limit_headers(self.remaining_requests()))

    routes = {("GET", "/api/3/users/me"): me, ("GET", "/api/3/forms"): list_forms}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
