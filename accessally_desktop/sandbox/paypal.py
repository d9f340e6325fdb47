"""PayPal stand-in: classic NVP (POST /nvp) and REST OAuth (POST /v1/oauth2/token) on one server.

One server plays one environment (`environment="sandbox"` or `"live"`) and accepts only that
environment's demo credentials, like PayPal: sandbox credentials sent to live are rejected the
same way as wrong ones. NVP answers are form-encoded and always HTTP 200 (ACK=Failure, error
10002 for bad credentials, or for an account `REFUSED_USERNAMES` names); REST answers 401
`invalid_client`. Every answer has `paypal-debug-id`.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any, ClassVar
from urllib.parse import urlencode

from .server import (
    Request,
    Response,
    Route,
    SandboxServer,
    json_response,
    text_response,
)

SIGNATURES = {
    "sandbox": {"api_username": "sb-demo_api1.business.example.com", "api_password": "SBXDEMO7Q2K9L4M8",
                "api_signature": "A1b2C3sandboxDemoSignature.4d5E6f7G8h9I0jK1lM2nO3pQ4rS5t"},
    "live": {"api_username": "owner_api1.acme-courses.example", "api_password": "LIVEDEMO3H7J2K5P",
             "api_signature": "AFcWxV21C7fd0v3bYYYRCpSSRl31A.liveDemoSignature9XyZ0aBcDeFgH"},
}
# Demo API usernames whose account PayPal refuses with error 10002 for another reason than wrong
# credentials (PayPal's short and long message), whatever the password and signature.
REFUSED_USERNAMES = {
    "no-permission_api1.acme-courses.example": ("Authentication/Authorization Failed",
                                                "You do not have permissions to make this API call"),
    "locked_api1.acme-courses.example": ("Authentication/Authorization Failed", "Account is locked or inactive"),
    "unverified_api1.acme-courses.example": ("Authentication/Authorization Failed", "Account is not verified"),
}
REST_APPS = {
    "sandbox": {"client_id": "AZdemoSandboxClientId0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU",
                "client_secret": "EKdemoSandboxSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV",
                "app_id": "APP-80W284485P519543T"},
    "live": {"client_id": "ATdemoLiveClientId0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX",
             "client_secret": "ELdemoLiveSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
             "app_id": "APP-3LIVE00DEMO00001"},
}


def _debug_id() -> str:
    return secrets.token_hex(7)


class PayPalSandbox(SandboxServer):
    service = "paypal"
    demo: ClassVar[dict[str, str]] = {"environment": "sandbox", **SIGNATURES["sandbox"]}

    def __init__(self, *args: Any, environment: str = "sandbox", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if environment not in SIGNATURES:
            raise ValueError(f"environment must be 'sandbox' or 'live', not {environment!r}")
        self.environment = environment
        self.signature = dict(SIGNATURES[environment])
        self.rest = dict(REST_APPS[environment])

    def credentials(self) -> dict[str, str]:
        """The API Signature trio of this server's environment: what AccessAlly uses."""
        return {"environment": self.environment, **self.signature}

    def rest_credentials(self) -> dict[str, str]:
        return {"environment": self.environment, "client_id": self.rest["client_id"],
                "client_secret": self.rest["client_secret"]}

    # -- NVP -------------------------------------------------------------------------------------

    def nvp(self, request: Request) -> Response:
        form = request.form()
        common = {"TIMESTAMP": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "CORRELATIONID": secrets.token_hex(6), "VERSION": form.get("VERSION", ""), "BUILD": "58807128"}
        given = (form.get("USER", ""), form.get("PWD", ""), form.get("SIGNATURE", ""))
        expected = (self.signature["api_username"], self.signature["api_password"], self.signature["api_signature"])
        if given[0] in REFUSED_USERNAMES:
            short, long = REFUSED_USERNAMES[given[0]]
            return self._nvp({"ACK": "Failure", **common, "L_ERRORCODE0": "10002", "L_SHORTMESSAGE0": short,
                              "L_LONGMESSAGE0": long, "L_SEVERITYCODE0": "Error"})
        if given != expected:
            return self._nvp({"ACK": "Failure", **common, "L_ERRORCODE0": "10002",
                              "L_SHORTMESSAGE0": "Security error",
                              "L_LONGMESSAGE0": "Security header is not valid", "L_SEVERITYCODE0": "Error"})
        if form.get("METHOD") != "GetBalance":
            return self._nvp({"ACK": "Failure", **common, "L_ERRORCODE0": "81002",
                              "L_SHORTMESSAGE0": "Unspecified Method", "L_LONGMESSAGE0": "Method Specified is not Supported",
                              "L_SEVERITYCODE0": "Error"})
        balances = {"L_AMT0": "1250.00", "L_CURRENCYCODE0": "USD"}
        if form.get("RETURNALLCURRENCIES") == "1":
            balances.update({"L_AMT1": "80.50", "L_CURRENCYCODE1": "EUR"})
        return self._nvp({"ACK": "Success", **balances, **common})

    @staticmethod
    def _nvp(fields: dict[str, str]) -> Response:
        return text_response(urlencode(fields), 200, headers={"paypal-debug-id": _debug_id()})

    # -- REST --------------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        headers = {"paypal-debug-id": _debug_id()}
        scheme, _, value = request.header("Authorization").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except ValueError:
            client_id = secret = ""
        if scheme.lower() != "basic" or (client_id, secret) != (self.rest["client_id"], self.rest["client_secret"]):
            return json_response({"error": "invalid_client", "error_description": "Client Authentication failed"},
                                 401, headers)
        if request.form().get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type",
                                  "error_description": "Grant Type is NULL or not supported"}, 400, headers)
        return json_response({
            "scope": "https://uri.paypal.com/services/invoicing https://uri.paypal.com/services/payments/payment openid",
            "access_token": "A21AA" + secrets.token_urlsafe(60), "token_type": "Bearer",
            "app_id": self.rest["app_id"], "expires_in": 32400,
            "nonce": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + secrets.token_hex(8),
        }, 200, headers)

    routes: ClassVar[dict[tuple[str, str], Route]] = {
        ("POST", "/nvp"): nvp,
        ("POST", "/v1/oauth2/token"): token,
    }
