"""The official `stripe` package on this app's transport: one StripeClient per attempt, and every
outcome turned into data or a `Failure` worded for the owner.

`import stripe` costs about 200 ms, so it happens on first use (`load_stripe`, from the
integration's `warm_up`), never when this module loads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from .status import Failure, Status
from .transport import Attempt, Reply, redact_url

_PERMISSION = re.compile(r"Having the '([^']+)' permission")
_ACCOUNT_IN_MESSAGE = re.compile(r"on account '(acct_[A-Za-z0-9]+)'")

# What the checks call: loaded together by `load_stripe` (see there why).
_SERVICES = ("accounts", "balance", "tokens", "webhook_endpoints")
_RESOURCES = ("Account", "Balance", "Token", "WebhookEndpoint", "ListObject")


def error_field(reply: Reply, name: str) -> str:
    try:
        error = reply.json_object().get("error")
    except Failure:
        return ""
    return str(error.get(name) or "") if isinstance(error, dict) else ""


_load_lock = threading.Lock()
_client_class: type | None = None


def load_stripe() -> type:
    """Import stripe and every part the checks use, once; returns the HTTP client class.

    `import stripe` is ~200 ms, and stripe loads each service and resource class on first use,
    some in single steps that hold the GIL for tens of ms: better in `warm_up` than mid-test. And
    stripe's modules import one another in circles, so two threads loading them at once could each
    meet the other's half-made module: one thread loads, any other waits on the lock.
    """
    global _client_class
    with _load_lock:
        if _client_class is None:
            import stripe

            client = stripe.StripeClient("sk_test_warm_up")
            api = getattr(client, "v1", client)
            for service in _SERVICES:
                getattr(api, service)  # loads the service's module
            for resource in _RESOURCES:
                getattr(stripe, resource)  # loads the resource's module (and stripe's API resource base)
            _client_class = _http_client_class()
        return _client_class


def _http_client_class() -> type:
    import stripe

    class AttemptHTTPXClient(stripe.HTTPXClient):
        """stripe's HTTPXClient on this app's httpx client, remembering the last answer.

        stripe's HTTPXClient takes no transport: its own __init__ would build an SSL context and two
        httpx clients (tens of ms holding the GIL, on every test) only to have them replaced. So
        only the base HTTPClient's __init__ runs, and the one client is `attempt.client()`, which
        carries the attempt's deadline, cancel, body cap and this app's TLS verification. The last
        answer is kept as a `Reply` so every failure is described the same way as for the other
        services.
        """

        def __init__(self, attempt: Attempt) -> None:
            import anyio
            import httpx

            stripe.HTTPClient.__init__(self)
            self.httpx, self.anyio = httpx, anyio
            self._client = attempt.client()
            self._client_async = None  # sync calls only
            self._timeout = max(attempt.remaining(), 0.001)
            self.rate_limit, self.secrets = attempt.rate_limit, attempt.secrets
            self.last: Reply | None = None

        def _get_request_args_kwargs(self, method: str, url: str, headers: Any, post_data: Any) -> Any:
            """stripe hands httpx its form-encoded body as `data=`, which httpx deprecates for text
            (a DeprecationWarning each POST): send it as `content=`, as httpx asks."""
            args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
            body = kwargs.pop("data", None)
            if body:
                kwargs["content"] = body
            return args, kwargs

        def request(self, method: str, url: str, headers: Any, post_data: Any = None) -> Any:
            content, status, response_headers = super().request(method, url, headers, post_data)
            self.last = Reply("Stripe", status, response_headers, content, url, self.rate_limit, self.secrets)
            return content, status, response_headers

    return AttemptHTTPXClient


class Session:
    """One StripeClient bound to an attempt; `call` turns every stripe outcome into data or a Failure."""

    def __init__(self, base_url: str, attempt: Attempt, key: str) -> None:
        client_class = load_stripe()  # first: waits while another thread is still loading stripe
        import stripe

        stripe.enable_telemetry = False
        self.stripe = stripe
        self.attempt = attempt
        self.http = client_class(attempt)
        self.client = stripe.StripeClient(key, base_addresses={"api": base_url},
                                          http_client=self.http, max_network_retries=0)
        # The services: `client.v1.*` since stripe 12, `client.*` before (pyproject allows >=11).
        self.api = getattr(self.client, "v1", self.client)

    @property
    def last(self) -> Reply | None:
        return self.http.last

    def call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.http.last = None
        try:
            result = method(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - stripe raises AttributeError on some malformed error bodies
            raise self.failure(exc) from None
        if not hasattr(result, "to_dict"):
            raise Failure(Status.BAD_RESPONSE, "Stripe sent an answer in an unexpected shape.",
                          self.last.describe() if self.last else "")
        return result.to_dict()

    def failure(self, exc: BaseException) -> Failure:
        """The Failure a stripe exception means.

        Classified by the HTTP status of the answer, as stripe itself does (AuthenticationError is
        401, PermissionError 403, APIError 5xx or an unreadable body). Going by the answer also
        covers error bodies stripe cannot parse, where it raises something else entirely.
        """
        reply = self.last
        if reply is None or isinstance(exc, self.stripe.APIConnectionError):
            # stripe raises APIConnectionError `from` the httpx error, so the cause chain says what broke.
            return Failure(*self.attempt.explain(exc, "Stripe"))
        detail = reply.describe() + self.request_id()
        status = reply.status
        if status == 429 or isinstance(exc, self.stripe.RateLimitError):  # 400 code=rate_limit is one too
            # A 429 honours Retry-After; the old-style 400 is worded from Stripe's documented limit.
            message = reply.failure().message if status == 429 else reply.rate_limit.without_wait(reply)
            return Failure(Status.RATE_LIMITED, message, detail)
        if status == 401:
            return Failure(Status.INVALID_CREDENTIALS,
                           "Stripe rejected this secret key. Copy it again from Developers > API keys.", detail)
        if status == 403:
            missing = self.missing_permission()
            return Failure(Status.FORBIDDEN,
                           "Stripe recognised this key but refused access"
                           + (f": it is missing the permission {missing}" if missing else "")
                           + ". Use the standard secret key from Developers > API keys.", detail)
        if status == 404:
            return Failure(Status.NOT_FOUND, f"Stripe has nothing at this address ({redact_url(reply.url)}). "
                                             "Check the Stripe API address setting.", detail)
        if 200 <= status < 300:
            try:
                reply.json_object()
            except Failure as unreadable:  # says why: a web page, or data that does not parse
                return Failure(unreadable.status, unreadable.message, detail)
            return Failure(Status.BAD_RESPONSE, "Stripe gave an answer this app does not understand.", detail)
        failure = reply.failure()
        return Failure(failure.status, failure.message, detail)

    def request_id(self) -> str:
        request_id = self.last.headers.get("request-id", "") if self.last else ""
        return f" (Request-Id {request_id})" if request_id else ""

    def missing_permission(self) -> str:
        match = _PERMISSION.search(error_field(self.last, "message")) if self.last else None
        return f"'{match.group(1)}'" if match else ""

    def account_in_message(self) -> str:
        match = _ACCOUNT_IN_MESSAGE.search(error_field(self.last, "message")) if self.last else None
        return match.group(1) if match else ""
