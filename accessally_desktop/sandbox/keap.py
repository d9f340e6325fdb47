"""Keap stand-in: account/profile behind X-Keap-API-Key, Apigee-style 401 fault, quota headers.

Two 429s, neither with Retry-After (Keap documents none): the per-minute throttle
(`x-keap-product-throttle-available: 0`) and the key's daily quota (`x-keap-product-quota-available: 0`,
resetting at midnight UTC; `x-keap-product-quota-expiry-time` is that moment as a Unix time in ms).
"""

from __future__ import annotations

import time

from .server import Request, Response, SandboxServer, json_response

SERVICE_ACCOUNT_KEY = "KeapAK-6348cc09f8a1d2e3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
# A Personal Access Token of a user who may not see the account profile: answers 403.
LIMITED_TOKEN = "KeapAK-0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddee"

PROFILE = {
    "name": "Demo Coaching Co.",
    "email": "owner@demo-coaching.example",
    "phone": {"number": "555-0100", "type": "Work"},
    "website": "https://demo-coaching.example",
    "time_zone": "America/New_York",
    "currency_code": "USD",
    "language_tag": "en-US",
    "logo_url": "",
    "business_type": "Coaching",
    "business_goals": ["Grow my list"],
    "address": {"line1": "1 Main St", "line2": "", "locality": "Springfield", "region": "US-IL",
                "postal_code": "62701", "zip_code": "62701", "country_code": "USA", "field": "BILLING"},
}

# The gateway's answer to a missing, wrong or revoked key (observed on api.infusionsoft.com).
INVALID_TOKEN = {"fault": {"faultstring": "Invalid access token",
                           "detail": {"errorcode": "oauth.v2.InvalidAccessToken"}}}
# v1 Spring-style error body [UNCONFIRMED wording].
FORBIDDEN = {"message": "User does not have permission to view the account profile",
             "localizedMessage": "User does not have permission to view the account profile",
             "cause": None, "stackTrace": [], "suppressed": []}
# Apigee quota violation [UNCONFIRMED wording]; Keap documents no Retry-After.
QUOTA_VIOLATION = {"fault": {"faultstring": "Rate limit quota violation. Quota limit exceeded.",
                             "detail": {"errorcode": "policies.ratelimit.QuotaViolation"}}}

DAILY_QUOTA = 30_000


class KeapSandbox(SandboxServer):
    service = "infusionsoft"
    demo = {"api_key": SERVICE_ACCOUNT_KEY}
    default_rate_limit = (240, 60.0)  # per PAT/SAK (Keap also has 10/s and 30,000/day)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._used_today = 0
        self.daily_quota = DAILY_QUOTA  # a test may lower it to reach the daily 429

    def handle(self, request: Request) -> Response:
        if self._used_today >= self.daily_quota:
            return json_response(QUOTA_VIOLATION, 429, headers=self._quota_headers(self.remaining_requests()))
        if self.over_limit() is not None:
            return json_response(QUOTA_VIOLATION, 429, headers=self._quota_headers(0))
        self._used_today += 1
        return super().handle(request)

    def _quota_headers(self, throttle_available: int) -> dict[str, str]:
        limit = str(self.rate_limit[0]) if self.rate_limit else "240"
        next_midnight_utc = (int(time.time()) // 86400 + 1) * 86400
        return {
            "x-keap-product-quota-limit": str(self.daily_quota),
            "x-keap-product-quota-time-unit": "day",
            "x-keap-product-quota-interval": "1",
            "x-keap-product-quota-available": str(max(0, self.daily_quota - self._used_today)),
            "x-keap-product-quota-used": str(self._used_today),
            "x-keap-product-quota-expiry-time": str(next_midnight_utc * 1000),
            "x-keap-product-throttle-limit": limit,
            "x-keap-product-throttle-available": str(throttle_available),
            "x-keap-product-throttle-used": str(int(limit) - throttle_available),
        }

    def profile(self, request: Request) -> Response:
        key = request.header("X-Keap-API-Key")
        bearer = request.header("Authorization")
        if not key and bearer.lower().startswith("bearer "):
            key = bearer[7:].strip()
        if key == LIMITED_TOKEN:
            return json_response(FORBIDDEN, 403)
        if key != SERVICE_ACCOUNT_KEY:
            return json_response(INVALID_TOKEN, 401)
        return json_response(PROFILE, headers=self._quota_headers(self.remaining_requests()))

    routes = {("GET", "/crm/rest/v1/account/profile"): profile}
