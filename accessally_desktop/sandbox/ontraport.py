"""Ontraport stand-in: objects/meta with Api-Appid/Api-Key headers, plain-text 401, the per-minute 429.

Ontraport allows 180 requests a minute per account (rolling) and answers every call with
X-Rate-Limit-Limit/-Remaining/-Reset (seconds until the window resets); its 429 has no Retry-After.
"""

from __future__ import annotations

from .server import Request, Response, SandboxServer, json_response, text_response

ACCOUNT_ID = 27875
TOO_MANY = "You have exceeded your maximum rate limit of 180 requests per minute."  # [UNCONFIRMED body format]


class OntraportSandbox(SandboxServer):
    service = "ontraport"
    demo = {"app_id": "2_27875_demoAppId", "api_key": "demoOntraportKey0123456789"}
    default_rate_limit = (180, 60.0)

    def handle(self, request: Request) -> Response:
        wait = self.over_limit()
        if wait is not None:
            return text_response(TOO_MANY, 429, headers=self._limit_headers(wait))
        return super().handle(request)

    def _limit_headers(self, reset: int) -> dict[str, str]:
        limit = self.rate_limit[0] if self.rate_limit else 180
        return {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Remaining": str(self.remaining_requests()),
                "X-Rate-Limit-Reset": str(reset)}

    def meta(self, request: Request) -> Response:
        if (request.header("Api-Appid"), request.header("Api-Key")) != (self.demo["app_id"], self.demo["api_key"]):
            return text_response("Your App ID and API Key do not authenticate.", 401)
        limits = self._limit_headers(int(self.rate_limit[1]) if self.rate_limit else 60)
        data = {"0": {"name": "Contact", "fields": {"firstname": {"alias": "First Name", "type": "text"}}}}
        return json_response({"code": 0, "data": data, "account_id": ACCOUNT_ID}, headers=limits)

    routes = {("GET", "/1/objects/meta"): meta}
