"""Stripe stand-in: /v1/account, /v1/balance, /v1/tokens, /v1/tokens/<id>, /v1/webhook_endpoints.

Answers with Stripe's real error bodies: 401 "Invalid API Key provided" with the key masked,
401 `secret_key_required` for a publishable key on a secret-only endpoint, 403 "does not have the
required permissions" for a restricted key, 404 "No such token" for another account's token, and
a `Request-Id` header on every answer. Two accounts: the demo one and OTHER_ACCOUNT_ID, whose
publishable key pairs with no demo secret key.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any, ClassVar

from .server import Request, Response, Route, SandboxServer, json_response

ACCOUNT_ID = "acct_1DemoAccessAlly"
OTHER_ACCOUNT_ID = "acct_1OtherAccountDemo"

SECRET_KEY = "sk_test_51DemoAccessAllySecretKey0123456789"
PUBLISHABLE_KEY = "pk_test_51DemoAccessAllyPublishableKey0123456789"
# Restricted keys and the permissions they hold (Stripe's names for them).
RESTRICTED_KEY = "rk_test_51DemoAccessAllyRestrictedKey0123456789"
RESTRICTED_NO_ACCESS_KEY = "rk_test_51DemoAccessAllyRestrictedNone0123456789"
# A live-mode pair, for tests that need one; never shown as a demo.
LIVE_SECRET_KEY = "sk_live_51DemoAccessAllyLiveSecret0123456789"
LIVE_PUBLISHABLE_KEY = "pk_live_51DemoAccessAllyLivePublishable0123456789"
# Another Stripe account's publishable key: real, but not from the demo keys' account.
OTHER_PUBLISHABLE_KEY = "pk_test_51OtherAccountPublishable0123456789"

_PERMISSIONS = {
    SECRET_KEY: None,  # None: everything
    LIVE_SECRET_KEY: None,
    RESTRICTED_KEY: {"balance_read"},
    RESTRICTED_NO_ACCESS_KEY: set(),
}
_PUBLISHABLE = {PUBLISHABLE_KEY, LIVE_PUBLISHABLE_KEY, OTHER_PUBLISHABLE_KEY}
_ACCOUNT_OF = {OTHER_PUBLISHABLE_KEY: OTHER_ACCOUNT_ID}  # every other key is the demo account's

# route -> (the permission a restricted key needs, the name Stripe gives it in the 403 message)
_NEEDS = {
    "account": ("account_read", "rak_accounts_kyc_basic_read"),
    "balance": ("balance_read", "rak_balance_read"),
    "customers": ("customer_read", "rak_customer_read"),
    "webhooks": ("webhook_read", "rak_webhook_read"),
    "tokens": ("token_read", "rak_token_read"),
}

DEMO_WEBHOOKS: list[dict[str, Any]] = [
    {"id": "we_1DemoAccessAllyEnabled", "url": "https://members.example.com/?accessally_stripe_webhook=1",
     "status": "enabled", "enabled_events": ["*"]},
    {"id": "we_1DemoOtherSite", "url": "https://other.example.org/stripe/webhook",
     "status": "enabled", "enabled_events": ["charge.succeeded"]},
]


def mask(key: str) -> str:
    """Stripe's own masking: the prefix, stars, the last four characters."""
    head, _, rest = key.rpartition("_")
    if not head or len(rest) <= 4:
        return "*" * len(key)
    return f"{head}_{'*' * (len(rest) - 4)}{rest[-4:]}"


def _error(status: int, message: str, *, code: str | None = None, doc: str | None = None) -> Response:
    error: dict[str, Any] = {"message": message, "type": "invalid_request_error"}
    if code:
        error["code"] = code
    if doc:
        error["doc_url"] = doc
    return json_response({"error": error}, status)


class StripeSandbox(SandboxServer):
    service = "stripe"
    demo: ClassVar[dict[str, str]] = {"publishable_key": PUBLISHABLE_KEY, "secret_key": SECRET_KEY}
    restricted_key = RESTRICTED_KEY

    def __init__(self, *args: Any, webhook_endpoints: list[dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.webhook_endpoints = list(DEMO_WEBHOOKS if webhook_endpoints is None else webhook_endpoints)
        self.tokens: dict[str, str] = {}  # token id -> the account that made it

    # -- dispatch --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        response = self._route(request)
        response.headers.setdefault("Request-Id", "req_" + secrets.token_hex(7))
        version = request.header("Stripe-Version")  # echoed when sent, never required
        if version:
            response.headers.setdefault("Stripe-Version", version)
        return response

    def _route(self, request: Request) -> Response:
        if request.method == "GET" and request.path.startswith("/v1/customers/"):
            return self.customer(request, request.path.removeprefix("/v1/customers/"))
        if request.method == "GET" and request.path.startswith("/v1/tokens/"):
            return self.token(request, request.path.removeprefix("/v1/tokens/"))
        return super().handle(request)

    def not_found(self, request: Request) -> Response:
        return _error(404, f"Unrecognized request URL ({request.method}: {request.path}). "
                           "Please see https://stripe.com/docs or we can help at https://support.stripe.com/.")

    # -- auth ------------------------------------------------------------------------------------

    @staticmethod
    def api_key(request: Request) -> str:
        """The key from `Bearer <key>` or HTTP Basic `<key>:` (both work with Stripe)."""
        auth = request.header("Authorization").strip()
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer":
            return value.strip()
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(value.strip()).decode("utf-8").partition(":")[0]
            except ValueError:
                return ""
        return ""

    def authorize(self, request: Request, route: str, *, publishable_ok: bool = False) -> Response | str:
        """The key when it may use this route, else Stripe's error answer."""
        key = self.api_key(request)
        if publishable_ok and key in _PUBLISHABLE:
            return key
        if not key:
            return _error(401, "You did not provide an API key. You need to provide your API key in the "
                               "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                               "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
                               "or we can help at https://support.stripe.com/.")
        if key in _PUBLISHABLE:
            return _error(401, "This API call cannot be made with a publishable API key. Please use a secret API "
                               "key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
                          code="secret_key_required", doc="https://stripe.com/docs/error-codes/secret-key-required")
        if key not in _PERMISSIONS:
            return _error(401, f"Invalid API Key provided: {mask(key)}")
        allowed = _PERMISSIONS[key]
        needed, stripe_name = _NEEDS[route]
        if allowed is not None and needed not in allowed:
            return _error(403, f"The provided key '{mask(key)}' does not have the required permissions for this "
                               f"endpoint on account '{ACCOUNT_ID}'. Having the '{stripe_name}' permission would "
                               "allow this request to continue.")
        return key

    @staticmethod
    def livemode(key: str) -> bool:
        return "_live_" in key

    # -- routes --------------------------------------------------------------------------------

    def account(self, request: Request) -> Response:
        key = self.authorize(request, "account")
        if isinstance(key, Response):
            return key
        return json_response({
            "id": ACCOUNT_ID, "object": "account", "type": "standard", "email": "owner@acme-courses.example",
            "country": "US", "default_currency": "usd", "charges_enabled": True, "payouts_enabled": True,
            "details_submitted": True,
            "business_profile": {"name": "Acme Courses LLC", "url": "https://members.example.com"},
            "settings": {"dashboard": {"display_name": "Acme Courses", "timezone": "America/New_York"}},
        })

    def balance(self, request: Request) -> Response:
        key = self.authorize(request, "balance")
        if isinstance(key, Response):
            return key
        return json_response({
            "object": "balance", "livemode": self.livemode(key),
            "available": [{"amount": 123456, "currency": "usd", "source_types": {"card": 123456}}],
            "pending": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
        })

    def customer(self, request: Request, customer_id: str) -> Response:
        key = self.authorize(request, "customers")
        if isinstance(key, Response):
            return key
        return _error(404, f"No such customer: '{customer_id}'", code="resource_missing",
                      doc="https://stripe.com/docs/error-codes/resource-missing")

    def create_token(self, request: Request) -> Response:
        """A PII token (`pii[id_number]`), as the publishable key may make: remembered with its account."""
        key = self.authorize(request, "tokens", publishable_ok=True)
        if isinstance(key, Response):
            return key
        if not request.form().get("pii[id_number]"):
            return _error(400, "You must provide a card, bank account, PII or account token.", code="parameter_missing")
        token_id = "tok_" + secrets.token_hex(12)
        self.tokens[token_id] = _ACCOUNT_OF.get(key, ACCOUNT_ID)
        return json_response(self._token_object(token_id, key))

    def token(self, request: Request, token_id: str) -> Response:
        key = self.authorize(request, "tokens")
        if isinstance(key, Response):
            return key
        if self.tokens.get(token_id) != _ACCOUNT_OF.get(key, ACCOUNT_ID):
            return _error(404, f"No such token: '{token_id}'", code="resource_missing",
                          doc="https://stripe.com/docs/error-codes/resource-missing")
        return json_response(self._token_object(token_id, key))

    def _token_object(self, token_id: str, key: str) -> dict[str, Any]:
        return {"id": token_id, "object": "token", "type": "pii", "livemode": self.livemode(key),
                "client_ip": "127.0.0.1", "created": 1767225600, "used": False}

    def webhooks(self, request: Request) -> Response:
        key = self.authorize(request, "webhooks")
        if isinstance(key, Response):
            return key
        limit = max(1, min(100, int(request.query.get("limit") or 10)))
        data = [{"object": "webhook_endpoint", "livemode": self.livemode(key), "api_version": None,
                 "application": None, "description": None, **endpoint}
                for endpoint in self.webhook_endpoints]
        return json_response({"object": "list", "url": "/v1/webhook_endpoints", "has_more": len(data) > limit,
                              "data": data[:limit]})

    routes: ClassVar[dict[tuple[str, str], Route]] = {
        ("GET", "/v1/account"): account,
        ("GET", "/v1/balance"): balance,
        ("GET", "/v1/webhook_endpoints"): webhooks,
        ("POST", "/v1/tokens"): create_token,
    }
