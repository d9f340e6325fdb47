"""Drip stand-in: GET /v2/accounts with Basic token auth, the errors envelope and the flat hourly 429."""

from __future__ import annotations

import base64
import binascii
import threading

from .server import Request, Response, SandboxServer, json_response

HOURLY_LIMIT = 3600

ACCOUNT_ONE = {"id": "1234567", "name": "Sunrise Yoga Studio", "url": "www.sunriseyoga.example",
               "primary_email": "owner@sunriseyoga.example"}
ACCOUNT_TWO = {"id": "7654321", "name": "Sunrise Yoga Retreats", "url": "retreats.sunriseyoga.example",
               "primary_email": "retreats@sunriseyoga.example"}

ONE_ACCOUNT_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"  # sees ACCOUNT_ONE only
TWO_ACCOUNTS_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"  # sees both accounts
NO_ACCOUNTS_TOKEN = "55aa55aa55aa55aa55aa55aa55aa55aa"  # a real user who belongs to no account
FORBIDDEN_TOKEN = "dead0000beef1111dead0000beef1111"  # answered with 403 authorization_error

_TOKENS = {
    ONE_ACCOUNT_TOKEN: [ACCOUNT_ONE],
    TWO_ACCOUNTS_TOKEN: [ACCOUNT_ONE, ACCOUNT_TWO],
    NO_ACCOUNTS_TOKEN: [],
}

RATE_LIMIT_BODY = {"message": "API rate limit exceeded. Please try again in an hour.",
                   "documentation": "https://developer.drip.com/#rate-limiting"}


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"errors": [{"code": code, "message": message}]}, status)


def _account_body(account: dict[str, str]) -> dict[str, object]:
    return {**account, "default_from_name": "Sam Rivera", "default_from_email": account["primary_email"],
            "default_postal_address": "123 Anywhere St\nFresno, CA 99999", "enable_third_party_cookies": False,
            "phone_number": "999-999-9999", "created_at": "2013-06-21T10:31:58Z",
            "href": f"https://api.getdrip.com/v2/accounts/{account['id']}"}


class DripSandbox(SandboxServer):
    """Tokens: ONE_ACCOUNT_TOKEN (the demo), TWO_ACCOUNTS_TOKEN, NO_ACCOUNTS_TOKEN, FORBIDDEN_TOKEN.

    `remaining` is the calls left this hour (shared, like Drip's per-account budget); set it low to
    reach the real flat 429.
    """

    service = "drip"
    demo = {"account_id": ACCOUNT_ONE["id"], "api_token": ONE_ACCOUNT_TOKEN}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.remaining = HOURLY_LIMIT
        self._lock = threading.Lock()

    def _token(self, request: Request) -> str | None:
        scheme, _, value = request.header("Authorization").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0]

    def accounts(self, request: Request) -> Response:
        token = self._token(request)
        if token == FORBIDDEN_TOKEN:
            return _error(403, "authorization_error", "You are not authorized to access this resource.")
        if token not in _TOKENS:
            return _error(401, "authentication_error", "You must provide a valid API token.")
        with self._lock:
            if self.remaining <= 0:
                return json_response(RATE_LIMIT_BODY, 429,
                                     headers={"X-RateLimit-Limit": str(HOURLY_LIMIT), "X-RateLimit-Remaining": "0"})
            self.remaining -= 1
            limits = {"X-RateLimit-Limit": str(HOURLY_LIMIT), "X-RateLimit-Remaining": str(self.remaining)}
        links = {"accounts.broadcasts": "https://api.getdrip.com/v2/{accounts.id}/broadcasts",
                 "accounts.campaigns": "https://api.getdrip.com/v2/{accounts.id}/campaigns",
                 "accounts.goals": "https://api.getdrip.com/v2/{accounts.id}/goals"}
        body = {"links": links, "accounts": [_account_body(a) for a in _TOKENS[token]]}
        return json_response(body, headers=limits)

    def not_found(self, request: Request) -> Response:
        return _error(404, "not_found_error", "The resource you requested was not found")

    routes = {("GET", "/v2/accounts"): accounts}
