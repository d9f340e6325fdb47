"""Ontraport stand-in: objects/meta with Api-Appid/Api-Key headers, plain-text 401."""

from __future__ import annotations

from .server import Request, Response, SandboxServer, json_response, text_response

ACCOUNT_ID = 27875


class OntraportSandbox(SandboxServer):
    service = "ontraport"
    demo = {"app_id": "2_27875_demoAppId", "api_key": "demoOntraportKey0123456789"}

    def meta(self, request: Request) -> Response:
        if (request.header("Api-Appid"), request.header("Api-Key")) != (self.demo["app_id"], self.demo["api_key"]):
            return text_response("Your App ID and API Key do not authenticate.", 401)
        limits = {"X-Rate-Limit-Limit": "180", "X-Rate-Limit-Remaining": "179", "X-Rate-Limit-Reset": "60"}
        data = {"0": {"name": "Contact", "fields": {"firstname": {"alias": "First Name", "type": "text"}}}}
        return json_response({"code": 0, "data": data, "account_id": ACCOUNT_ID}, headers=limits)

    routes = {("GET", "/1/objects/meta"): meta}
