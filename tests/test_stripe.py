"""Stripe: real HTTP, through the official `stripe` package, against the loopback stand-in."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from accessally_desktop.integrations import Attempt, Status, registry
from accessally_desktop.sandbox import stripe as fake

STRIPE = registry.get("stripe")
SECRETS = (fake.SECRET_KEY, fake.LIVE_SECRET_KEY, fake.RESTRICTED_KEY, fake.RESTRICTED_NO_ACCESS_KEY,
           "sk_test_51NotARealKeyAtAll0000000000")


def _assert_no_secret(result) -> None:
    text = " ".join((result.message, result.detail, *result.warnings))
    for secret in SECRETS:
        assert secret not in text, f"secret leaked into {result}"


def _messages(report, field: str, severity: str) -> list[str]:
    return [p.message for p in report.for_field(field) if p.severity == severity]


# -- live test ---------------------------------------------------------------------------------


def test_good_keys_show_the_account_and_mode(serve) -> None:
    server = serve("stripe")
    result = STRIPE.test(server.credentials())
    assert result.status == Status.OK, result
    assert result.account.name == "Acme Courses"
    assert result.account.id == fake.ACCOUNT_ID
    assert result.account.mode == "test"
    assert result.account.email == "owner@acme-courses.example"
    assert "Acme Courses" in result.message and "test mode" in result.message
    # the secret key read the account while the publishable key made a token, which the secret key read back
    token = next(r for r in server.requests if r.method == "POST")
    assert token.form() == {"pii[id_number]": "000000000"}
    assert sorted((r.method, r.path.rpartition("/")[0] or r.path, r.header("Authorization"))
                  for r in server.requests) == [
        ("GET", "/v1", f"Bearer {fake.SECRET_KEY}"),
        ("GET", "/v1/tokens", f"Bearer {fake.SECRET_KEY}"),
        ("POST", "/v1", f"Bearer {fake.PUBLISHABLE_KEY}"),
    ]
    assert "publishable key of the same account" in result.detail and "Request-Id req_" in result.detail


def test_calls_go_through_the_official_stripe_package(serve) -> None:
    server = serve("stripe")
    STRIPE.test(server.credentials())
    request = server.requests[0]
    assert request.header("User-Agent").startswith("Stripe/v1 PythonBindings/")
    assert request.header("Stripe-Version")
    assert not any(r.header("X-Stripe-Client-Telemetry") for r in server.requests)  # stripe.enable_telemetry off


def test_live_keys_report_live_mode(serve) -> None:
    serve("stripe")
    result = STRIPE.test({"publishable_key": fake.LIVE_PUBLISHABLE_KEY, "secret_key": fake.LIVE_SECRET_KEY})
    assert result.status == Status.OK, result
    assert result.account.mode == "live"
    assert "live mode (real payments)" in result.message


def test_bad_secret_key_is_rejected_with_a_fix(serve) -> None:
    serve("stripe")
    result = STRIPE.test({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": SECRETS[-1]})
    assert result.status == Status.INVALID_CREDENTIALS
    assert result.message == "Stripe rejected this secret key. Copy it again from Developers > API keys."
    assert "Invalid API Key provided: sk_test_****" in result.detail  # Stripe's own masked wording
    _assert_no_secret(result)


def test_bad_publishable_key_is_named(serve) -> None:
    serve("stripe")
    result = STRIPE.test({"publishable_key": "pk_test_51NotARealPublishable000000", "secret_key": fake.SECRET_KEY})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "PUBLISHABLE key" in result.message and "accepted the secret key" in result.message
    _assert_no_secret(result)


def test_restricted_key_that_reads_the_balance_passes_with_a_warning(serve) -> None:
    server = serve("stripe")
    result = STRIPE.test({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.RESTRICTED_KEY})
    assert result.status == Status.OK, result
    assert result.account.id == fake.ACCOUNT_ID  # taken from Stripe's 403 message
    assert result.account.mode == "test"
    assert any("missing the permission 'rak_accounts_kyc_basic_read'" in w for w in result.warnings)
    assert any("restricted key (rk_" in w for w in result.warnings)  # the format-check warning
    paths = [r.path for r in server.requests]
    assert paths.index("/v1/account") < paths.index("/v1/balance")  # the balance is the fallback
    _assert_no_secret(result)


def test_restricted_key_without_any_read_permission_is_forbidden(serve) -> None:
    serve("stripe")
    result = STRIPE.test({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.RESTRICTED_NO_ACCESS_KEY})
    assert result.status == Status.FORBIDDEN
    assert "recognised this restricted key" in result.message
    assert "'rak_accounts_kyc_basic_read' and 'rak_balance_read'" in result.message
    _assert_no_secret(result)


def test_secret_key_refused_with_403_is_forbidden_not_invalid(serve) -> None:
    server = serve("stripe")
    server.inject("status", code=403, body={"error": {"type": "invalid_request_error", "message":
                  "The provided key 'sk_test_****6789' does not have the required permissions for this endpoint on "
                  "account 'acct_1X'. Having the 'rak_accounts_kyc_basic_read' permission would allow this request "
                  "to continue."}})
    result = STRIPE.test(server.credentials())
    assert result.status == Status.FORBIDDEN
    assert "'rak_accounts_kyc_basic_read'" in result.message
    assert "/v1/balance" not in [r.path for r in server.requests]  # no restricted-key fallback for sk_


def test_rate_limit_uses_retry_after_and_does_not_retry(serve) -> None:
    server = serve("stripe")
    server.inject("status", code=429, headers={"Retry-After": "30"},
                  body={"error": {"type": "invalid_request_error", "code": "rate_limit",
                                  "message": "Too many requests hit the API too quickly."}})
    result = STRIPE.test(server.credentials())
    assert result.status == Status.RATE_LIMITED
    assert "Try again in 30 seconds" in result.message
    assert [r.path for r in server.requests].count("/v1/account") == 1


def test_old_style_400_rate_limit_is_rate_limited(serve) -> None:
    server = serve("stripe")
    server.inject("status", code=400, body={"error": {"type": "invalid_request_error", "code": "rate_limit",
                                                      "message": "Too many requests."}})
    result = STRIPE.test(server.credentials())
    assert result.status == Status.RATE_LIMITED


def test_server_error_is_not_retried(serve) -> None:
    server = serve("stripe")
    server.inject("status", code=500, body={"error": {"type": "api_error", "message": "Something went wrong."}})
    result = STRIPE.test(server.credentials())
    assert result.status == Status.SERVER_ERROR
    assert "HTTP 500" in result.message
    assert [r.path for r in server.requests].count("/v1/account") == 1


def test_wrong_address_is_not_found(serve) -> None:
    server = serve("stripe")
    server.inject("status", code=404, body={"error": {"type": "invalid_request_error",
                                                      "message": "Unrecognized request URL (GET: /v1/account)."}})
    result = STRIPE.test(server.credentials())
    assert result.status == Status.NOT_FOUND
    assert "Check the Stripe API address" in result.message


def test_cancel_reaches_the_request_stripe_is_making(serve) -> None:
    server = serve("stripe")
    server.inject("hang")
    attempt = Attempt(timeout=30)
    timer = threading.Timer(0.3, attempt.cancel)
    timer.start()
    result = STRIPE.test(server.credentials(), attempt=attempt)
    timer.join()
    assert result.status == Status.CANCELLED
    assert result.elapsed_ms < 3000


def test_no_secret_appears_in_any_result(serve) -> None:
    server = serve("stripe")
    pk = fake.PUBLISHABLE_KEY
    results = [STRIPE.test({"publishable_key": pk, "secret_key": key}) for key in SECRETS]
    results.append(STRIPE.test({"publishable_key": fake.SECRET_KEY, "secret_key": fake.SECRET_KEY}))
    server.inject("status", code=401, body=f"Invalid API Key provided: {fake.SECRET_KEY}")
    results.append(STRIPE.test(server.credentials()))
    assert {r.status for r in results} >= {Status.OK, Status.INVALID_CREDENTIALS, Status.FORBIDDEN,
                                            Status.INVALID_FORMAT}
    for result in results:
        _assert_no_secret(result)


# -- format check -----------------------------------------------------------------------------


def test_publishable_key_in_the_secret_field() -> None:
    report = STRIPE.check_format({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.PUBLISHABLE_KEY})
    assert not report.ok
    assert _messages(report, "secret_key", "error") == [
        "This is a publishable key (pk_…); paste the secret key (sk_…) here."]


def test_secret_key_in_the_publishable_field_is_an_error_and_a_warning_about_exposure() -> None:
    report = STRIPE.check_format({"publishable_key": fake.SECRET_KEY, "secret_key": fake.SECRET_KEY})
    (message,) = _messages(report, "publishable_key", "error")
    assert "This is a secret key (sk_…); paste the publishable key (pk_…) here" in message
    assert "Never put a secret key in a public field" in message and "roll it" in message


def test_restricted_key_in_the_secret_field_is_a_warning() -> None:
    report = STRIPE.check_format({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.RESTRICTED_KEY})
    assert report.ok
    (message,) = _messages(report, "secret_key", "warning")
    assert "restricted key (rk_…)" in message and "standard secret key (sk_…)" in message


@pytest.mark.parametrize(("secret_key", "publishable_key", "secret_mode", "publishable_mode"), [
    (fake.LIVE_SECRET_KEY, fake.PUBLISHABLE_KEY, "live", "test"),
    (fake.SECRET_KEY, fake.LIVE_PUBLISHABLE_KEY, "test", "live"),
])
def test_mode_mismatch_is_an_error(secret_key, publishable_key, secret_mode, publishable_mode) -> None:
    report = STRIPE.check_format({"publishable_key": publishable_key, "secret_key": secret_key})
    assert not report.ok
    (message,) = _messages(report, "publishable_key", "error")
    assert f"secret key is a {secret_mode}-mode key but the publishable key is a {publishable_mode}-mode key" in message


def test_mode_mismatch_stops_the_live_test(serve) -> None:
    server = serve("stripe")
    result = STRIPE.test({"publishable_key": fake.LIVE_PUBLISHABLE_KEY, "secret_key": fake.SECRET_KEY})
    assert result.status == Status.INVALID_FORMAT
    assert server.requests == []


@pytest.mark.parametrize("field", ["secret_key", "publishable_key"])
def test_webhook_signing_secret_is_explained(field) -> None:
    values = {"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.SECRET_KEY,
              field: "whsec_1234567890abcdefghijABCDEFGHIJ"}
    report = STRIPE.check_format(values)
    (message,) = _messages(report, field, "error")
    assert "webhook signing secret (whsec_…)" in message


def test_unusual_shape_is_only_a_warning() -> None:
    report = STRIPE.check_format({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": "sk_test_short"})
    assert report.ok
    assert _messages(report, "secret_key", "warning")
    assert not STRIPE.check_format(fake.StripeSandbox.demo).problems


def test_both_keys_are_required() -> None:
    report = STRIPE.check_format({"publishable_key": "", "secret_key": fake.SECRET_KEY})
    assert _messages(report, "publishable_key", "error")
    assert [f.name for f in STRIPE.fields] == ["publishable_key", "secret_key"]
    assert STRIPE.field("secret_key").secret and not STRIPE.field("publishable_key").secret


# -- webhook endpoints --------------------------------------------------------------------------


def test_webhook_endpoint_for_the_site_is_found(serve) -> None:
    server = serve("stripe")
    result = STRIPE.webhook_status(server.credentials(), "https://Members.example.com/")
    assert result.status == Status.OK, result
    assert result.account.extra["webhook"] == "enabled"
    assert [c.id for c in result.choices] == ["we_1DemoAccessAllyEnabled"]  # the other site's endpoint is left out
    assert server.requests[-1].method == "GET" and server.requests[-1].path == "/v1/webhook_endpoints"


def test_disabled_webhook_endpoint_is_reported(serve) -> None:
    server = serve("stripe", webhook_endpoints=[
        {"id": "we_off", "url": "https://members.example.com/hook", "status": "disabled", "enabled_events": ["*"]}])
    result = STRIPE.webhook_status(server.credentials(), "https://members.example.com")
    assert result.account.extra["webhook"] == "disabled"
    assert "disabled" in result.message
    assert any("Turn the endpoint on" in w for w in result.warnings)


def test_missing_webhook_endpoint_is_reported(serve) -> None:
    server = serve("stripe", webhook_endpoints=[
        {"id": "we_x", "url": "https://members.example.com.evil.example/hook", "status": "enabled"}])
    result = STRIPE.webhook_status(server.credentials(), "https://members.example.com")
    assert result.account.extra["webhook"] == "missing"
    assert result.choices == ()
    assert "No Stripe webhook endpoint points to https://members.example.com" in result.message


def test_an_endpoint_address_that_is_not_a_url_is_passed_over(serve) -> None:
    """A proxy or a broken account may list an address urlsplit cannot read: the others still count."""
    server = serve("stripe", webhook_endpoints=[
        {"id": "we_bad", "url": "https://[members.example.com/hook", "status": "enabled"},
        {"id": "we_port", "url": "https://members.example.com:99999/hook", "status": "enabled"},
        {"id": "we_ok", "url": "https://members.example.com/hook", "status": "enabled"}])
    result = STRIPE.webhook_status(server.credentials(), "https://members.example.com")
    assert result.status == Status.OK, result
    assert result.account.extra["webhook"] == "enabled"
    assert [c.id for c in result.choices] == ["we_ok"]


def test_webhook_check_of_a_site_address_that_is_not_a_url(serve) -> None:
    server = serve("stripe")
    result = STRIPE.webhook_status(server.credentials(), "https://[members.example.com")
    assert result.status == Status.INVALID_FORMAT
    assert server.requests == []


def test_webhook_check_with_a_key_that_may_not_read_them(serve) -> None:
    serve("stripe")
    result = STRIPE.webhook_status({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.RESTRICTED_KEY},
                                   "https://members.example.com")
    assert result.status == Status.FORBIDDEN
    assert "may not read webhook endpoints" in result.message and "'rak_webhook_read'" in result.message
    _assert_no_secret(result)


def test_webhook_check_needs_a_site_address(serve) -> None:
    server = serve("stripe")
    result = STRIPE.webhook_status(server.credentials(), "members.example.com")
    assert result.status == Status.INVALID_FORMAT
    assert server.requests == []


# -- configuration ------------------------------------------------------------------------------


def test_default_address_and_override(monkeypatch) -> None:
    assert STRIPE.base_url() == "https://api.stripe.com"
    monkeypatch.setenv("ACCESSALLY_DESKTOP_STRIPE_URL", "http://127.0.0.1:12111/")
    assert STRIPE.base_url() == "http://127.0.0.1:12111"


def test_stripe_is_imported_lazily_and_is_the_real_package() -> None:
    code = ("import sys, accessally_desktop.integrations.stripe_client as m; "
            "import accessally_desktop.integrations.stripe; assert 'stripe' not in sys.modules; "
            "base = m._http_client_class().__mro__[1]; "  # the class `import stripe` inside the module built on
            "assert base.__module__ == 'stripe._http_client', base.__module__; "
            "assert 'accessally_desktop' not in sys.modules['stripe'].__file__; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


def test_warm_up_loads_the_stripe_library_ahead_of_the_first_test() -> None:
    """`import stripe` (~200 ms) happens in warm_up, so the first test does not pay for it."""
    script = ("import sys; from accessally_desktop.integrations import registry; stripe = registry.get('stripe'); "
              "assert 'stripe' not in sys.modules, 'loaded too early'; stripe.warm_up(); "
              "assert 'stripe' in sys.modules, 'not loaded'")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
