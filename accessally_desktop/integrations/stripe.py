"""Stripe: the secret key reads the account (GET /v1/account), the publishable key is probed.

Every call goes through the official `stripe` package, over this app's own httpx client so the
attempt's deadline, cancel and body cap apply. `import stripe` costs about 200 ms, so it happens
inside the probe, never when this module loads. (This module is itself called `stripe`; with
absolute imports `import stripe` still gets the real package.)

Quirks:
- A publishable key has no "validate" endpoint. Sent to a secret-only endpoint, a real one gets
  401 with code `secret_key_required`, a bogus one 401 "Invalid API Key provided". Stripe does not
  say which account a publishable key belongs to, so only the test/live mode pairing is checked.
- A restricted key (rk_) without a permission gets 403, which still proves the key is real.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from .base import Account, CheckResult, Choice, Field, Integration, Problem
from .rate_limits import RateLimit
from .registry import display_name
from .status import DEFAULT_TIMEOUT, Failure, Status
from .transport import Attempt, Reply, redact_url, split_url

WHERE = "In Stripe: Developers > API keys (switch Test mode on or off to match the keys you want)."

KEY_SHAPE = re.compile(r"^(sk|rk|pk)_(test|live)_[A-Za-z0-9]{10,}$")
_PREFIX = re.compile(r"^(sk|rk|pk)_(test|live)_")
_PERMISSION = re.compile(r"Having the '([^']+)' permission")
_ACCOUNT_IN_MESSAGE = re.compile(r"on account '(acct_[A-Za-z0-9]+)'")

# Any id works: a secret-only endpoint is all the publishable-key probe needs; nothing is created.
PROBE_CUSTOMER = "cus_accessally_key_check"

KIND_NAMES = {"sk": "secret key", "rk": "restricted key", "pk": "publishable key"}


def key_parts(key: str) -> tuple[str, str] | None:
    """("sk"|"rk"|"pk", "test"|"live") from a key's prefix, or None."""
    match = _PREFIX.match(key)
    return (match.group(1), match.group(2)) if match else None


class Stripe(Integration):
    id = "stripe"
    name = display_name(id)
    kind = "payment"
    default_base_url = "https://api.stripe.com"
    where_to_find = WHERE
    rate_limit = RateLimit("about 100 requests a second (25 in test mode)", retry="in a few seconds")
    fields = (
        Field("publishable_key", "Publishable key", WHERE, placeholder="pk_test_… or pk_live_…"),
        Field("secret_key", "Secret key", WHERE + " Click Reveal to copy the secret key.", secret=True,
              placeholder="sk_test_… or sk_live_…"),
    )
    guidance = ("Use the Test mode keys while you try things out and the live keys to take real payments; "
                "both keys must come from the same mode.")

    def warm_up(self) -> None:
        _load_stripe()

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        pk, sk = values["publishable_key"], values["secret_key"]
        for name, value in (("secret_key", sk), ("publishable_key", pk)):
            if value.startswith("whsec_"):
                problems.append(Problem(name, "error", "This is a webhook signing secret (whsec_…), not an API key. "
                                                       "Copy the key from Developers > API keys instead."))
        sk_parts, pk_parts = key_parts(sk), key_parts(pk)
        if sk_parts and sk_parts[0] == "pk":
            problems.append(Problem("secret_key", "error",
                                    "This is a publishable key (pk_…); paste the secret key (sk_…) here."))
        elif sk_parts and sk_parts[0] == "rk":
            problems.append(Problem("secret_key", "warning",
                                    "This is a restricted key (rk_…). It can only do what its permissions allow, "
                                    "and AccessAlly creates customers, charges and subscriptions. Unless you set "
                                    "those permissions on purpose, use the standard secret key (sk_…)."))
        if pk_parts and pk_parts[0] in ("sk", "rk"):
            problems.append(Problem("publishable_key", "error",
                                    f"This is a {KIND_NAMES[pk_parts[0]]} ({pk_parts[0]}_…); paste the publishable key "
                                    "(pk_…) here. Never put a secret key in a public field: the publishable key is "
                                    "shown to every visitor of your site. If this key was pasted anywhere public, "
                                    "roll it in Stripe."))
        if sk_parts and pk_parts and sk_parts[1] != pk_parts[1] and sk_parts[0] != "pk" and pk_parts[0] == "pk":
            problems.append(Problem("publishable_key", "error",
                                    f"The secret key is a {sk_parts[1]}-mode key but the publishable key is a "
                                    f"{pk_parts[1]}-mode key. Copy both from Developers > API keys with Test mode "
                                    f"{'on' if sk_parts[1] == 'test' else 'off'}."))
        for name, value, expected in (("secret_key", sk, "sk_live_… or sk_test_…"),
                                      ("publishable_key", pk, "pk_live_… or pk_test_…")):
            if value and not value.startswith("whsec_") and not KEY_SHAPE.match(value):
                problems.append(Problem(name, "warning", f"This does not look like a Stripe key ({expected}); "
                                                         "check that you copied all of it."))
        return problems

    # -- live test -------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        secret_key = values["secret_key"]
        kind, mode = key_parts(secret_key) or ("sk", "live" if "_live_" in secret_key else "test")
        session = _Session(self, attempt, secret_key)
        pk_session = _Session(self, attempt, secret_key)  # its own, so the two reads can run at once

        def read_account() -> tuple[Account, list[str]]:
            try:
                return _account(session.call(session.api.accounts.retrieve_current), mode), []
            except Failure as failure:
                if kind != "rk" or failure.status is not Status.FORBIDDEN:
                    raise
                account, warning = self._restricted(session, failure, mode)
                return account, [warning]

        (account, warnings), publishable = attempt.together(
            read_account, lambda: self._check_publishable(pk_session, values["publishable_key"]))
        detail = [f"Account {account.id or '(not readable with this key)'}, {mode} mode, read with the {KIND_NAMES[kind]}"
                  + session.request_id(), publishable]
        label = f"{account.name} ({account.id})" if account.name and account.id else account.name or account.id
        where = f"Stripe account {label}" if label else "your Stripe account"
        real = "no real payments" if mode == "test" else "real payments"
        return self.result(Status.OK, f"Connected to {where} in {mode} mode ({real}).", "; ".join(detail),
                           account=account, warnings=tuple(warnings))

    def _restricted(self, session: _Session, refused: Failure, mode: str) -> tuple[Account, str]:
        """A restricted key may not read the account; the balance proves it works all the same.

        A 403 proves the key is real, but a key that may not read even the balance cannot be shown
        to work for anything, so that stays FORBIDDEN. One that reads the balance passes, with a
        warning naming the permission it lacks.
        """
        missing = session.missing_permission() or "account read"
        account_id = session.account_in_message()
        try:
            balance = session.call(session.api.balance.retrieve)
        except Failure as failure:
            if failure.status is not Status.FORBIDDEN:
                raise
            also = session.missing_permission()
            names = list(dict.fromkeys(n for n in (missing, also) if n))
            lacking = f"the permission{'s' if len(names) > 1 else ''} {' and '.join(names)}"
            raise Failure(Status.FORBIDDEN,
                          f"Stripe recognised this restricted key, but it is missing {lacking}, so "
                          "it can read neither the account nor the balance. Edit the key under Developers > API keys "
                          "or use the standard secret key (sk_…).",
                          f"{refused.detail}; {failure.detail}") from None
        if isinstance(balance.get("livemode"), bool):
            mode = "live" if balance["livemode"] else "test"
        account = Account(id=account_id, mode=mode, extra={"key_type": "restricted"})
        return account, (f"This restricted key works, but it is missing the permission {missing}, so the account "
                         "details cannot be shown. Check that it may also create customers, charges and "
                         "subscriptions, or use the standard secret key (sk_…).")

    def _check_publishable(self, session: _Session, publishable_key: str) -> str:
        """Prove the publishable key exists: a secret-only call must fail with `secret_key_required`."""
        try:
            session.call(session.api.customers.retrieve, PROBE_CUSTOMER,
                         options={"api_key": publishable_key})
        except Failure as failure:
            reply = session.last
            if reply is None or reply.status != 401:
                raise
            if _error_field(reply, "code") == "secret_key_required":
                return ("publishable key recognised (Stripe does not say which account it belongs to; "
                        "only its test/live mode is compared with the secret key's)" + session.request_id())
            raise Failure(Status.INVALID_CREDENTIALS,
                          "Stripe accepted the secret key but rejected the PUBLISHABLE key. Copy the publishable "
                          "key (pk_…) again from Developers > API keys, in the same mode as the secret key.",
                          failure.detail) from None
        raise Failure(Status.BAD_RESPONSE, "Stripe answered the publishable-key check in an unexpected way.",
                      session.last.describe() if session.last else "")

    # -- webhook endpoints (dashboard) -------------------------------------------------------------

    def webhook_status(self, values: dict[str, str], site_url: str, *, timeout: float = DEFAULT_TIMEOUT,
                       attempt: Attempt | None = None) -> CheckResult:
        """Does Stripe send events to this site? Read-only GET /v1/webhook_endpoints.

        `account.extra["webhook"]` is "enabled", "disabled" or "missing"; `choices` are the endpoints
        whose URL is on the site. The status is OK whenever the list could be read.
        """
        site = _normalise_url(site_url)
        parts = split_url(site)
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            return self.result(Status.INVALID_FORMAT, f"The site address {site_url!r} is not a web address (https://…).")
        return self._run(lambda a, v: self._probe_webhooks(a, v, site), values, timeout=timeout, attempt=attempt)

    def _probe_webhooks(self, attempt: Attempt, values: dict[str, str], site: str) -> CheckResult:
        session = _Session(self, attempt, values["secret_key"])
        try:
            data = session.call(session.api.webhook_endpoints.list, params={"limit": 100})
        except Failure as failure:
            if failure.status is Status.FORBIDDEN:
                missing = session.missing_permission()
                raise Failure(Status.FORBIDDEN, "This Stripe key may not read webhook endpoints"
                              + (f" (missing permission {missing})" if missing else "") + ". "
                              "Use the standard secret key, or allow Webhook Endpoints: Read.", failure.detail) from None
            raise
        endpoints = data.get("data")
        if not isinstance(endpoints, list):
            raise Failure(Status.BAD_RESPONSE, "Stripe sent the webhook endpoints in an unexpected shape.",
                          session.last.describe() if session.last else "")
        matches = [e for e in endpoints if isinstance(e, dict) and _on_site(str(e.get("url") or ""), site)]
        choices = tuple(Choice(str(e.get("id") or ""), f"{e.get('url')} ({e.get('status') or 'unknown'})")
                        for e in matches)
        enabled = [e for e in matches if e.get("status") == "enabled"]
        detail = f"{len(endpoints)} webhook endpoint(s) in the account" + (
            ", more not read" if data.get("has_more") else "") + session.request_id()
        if enabled:
            state, warnings = "enabled", ()
            message = f"Stripe sends events to {site} ({len(enabled)} enabled webhook endpoint{'s' if len(enabled) > 1 else ''})."
        elif matches:
            state = "disabled"
            message = f"Stripe has a webhook endpoint for {site}, but it is disabled."
            warnings = (("Turn the endpoint on in Stripe under Developers > Webhooks, or payments made outside "
                         "the checkout (renewals, refunds) will not reach AccessAlly."),)
        else:
            state = "missing"
            message = f"No Stripe webhook endpoint points to {site}."
            warnings = (("Add the webhook endpoint AccessAlly shows in its Stripe settings under Developers > "
                         "Webhooks in Stripe, or renewals and refunds will not reach AccessAlly."),)
        return self.result(Status.OK, message, detail, account=Account(extra={"webhook": state}),
                           choices=choices, warnings=warnings)


def _normalise_url(url: str) -> str:
    parts = split_url(url.strip())
    if parts is None or not parts.scheme:
        return url.strip()
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}".rstrip("/")


def _on_site(url: str, site: str) -> bool:
    parts = split_url(url)
    if parts is None:  # Stripe would not store such an endpoint; a stand-in or a proxy might send one
        return False
    url = _normalise_url(url) + ("?" + parts.query if parts.query else "")
    return url == site or url.startswith((site + "/", site + "?"))


def _account(data: dict[str, Any], mode: str) -> Account:
    account_id = str(data.get("id") or "")
    if not account_id.startswith("acct_"):
        raise Failure(Status.BAD_RESPONSE, "Stripe answered without an account id.", f"object={data.get('object')!r}")
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    dashboard = settings.get("dashboard") if isinstance(settings.get("dashboard"), dict) else {}
    profile = data.get("business_profile") if isinstance(data.get("business_profile"), dict) else {}
    name = str(dashboard.get("display_name") or profile.get("name") or "")
    extra = {k: str(data[k]) for k in ("country", "default_currency") if data.get(k)}
    if data.get("charges_enabled") is False:
        extra["charges_enabled"] = "no"
    return Account(name=name, id=account_id, mode=mode, email=str(data.get("email") or ""), extra=extra)


def _error_field(reply: Reply, name: str) -> str:
    try:
        error = reply.json_object().get("error")
    except Failure:
        return ""
    return str(error.get(name) or "") if isinstance(error, dict) else ""


_load_lock = threading.Lock()
_client_class: type | None = None


def _load_stripe() -> type:
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
            for service in ("accounts", "balance", "customers", "webhook_endpoints"):  # what the checks call
                getattr(api, service)  # loads the service's module
            for resource in ("Account", "Balance", "Customer", "WebhookEndpoint", "ListObject"):
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

        def request(self, method: str, url: str, headers: Any, post_data: Any = None) -> Any:
            content, status, response_headers = super().request(method, url, headers, post_data)
            self.last = Reply("Stripe", status, response_headers, content, url, self.rate_limit, self.secrets)
            return content, status, response_headers

    return AttemptHTTPXClient


class _Session:
    """One StripeClient bound to an attempt; `call` turns every stripe outcome into data or a Failure."""

    def __init__(self, integration: Stripe, attempt: Attempt, key: str) -> None:
        client_class = _load_stripe()  # first: waits while another thread is still loading stripe
        import stripe

        stripe.enable_telemetry = False
        self.stripe = stripe
        self.integration = integration
        self.attempt = attempt
        self.http = client_class(attempt)
        self.client = stripe.StripeClient(key, base_addresses={"api": integration.base_url()},
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
        match = _PERMISSION.search(_error_field(self.last, "message")) if self.last else None
        return f"'{match.group(1)}'" if match else ""

    def account_in_message(self) -> str:
        match = _ACCOUNT_IN_MESSAGE.search(_error_field(self.last, "message")) if self.last else None
        return match.group(1) if match else ""


INTEGRATION = Stripe()
