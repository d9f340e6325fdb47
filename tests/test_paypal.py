"""PayPal: API Signature (NVP) and REST app checks over real HTTP, wrong-environment detection."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.sandbox import paypal as fake
from accessally_desktop.sandbox.paypal import PayPalSandbox

PAYPAL = registry.get("paypal")
SANDBOX_VAR = "ACCESSALLY_DESKTOP_PAYPAL_SANDBOX_URL"
LIVE_VAR = "ACCESSALLY_DESKTOP_PAYPAL_LIVE_URL"
GENERIC_VAR = "ACCESSALLY_DESKTOP_PAYPAL_URL"

SECRETS = [v for env in ("sandbox", "live")
           for v in (fake.SIGNATURES[env]["api_password"], fake.SIGNATURES[env]["api_signature"],
                     fake.REST_APPS[env]["client_secret"])] + ["WRONGPASSWORD123", "EwrongSecret" + "x" * 70]


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch) -> None:
    """conftest clears only ACCESSALLY_DESKTOP_PAYPAL_URL."""
    monkeypatch.delenv(SANDBOX_VAR, raising=False)
    monkeypatch.delenv(LIVE_VAR, raising=False)


@pytest.fixture
def both(serve, monkeypatch):
    """A sandbox and a live stand-in, each at its own environment's address (no generic override)."""
    live = serve("paypal", environment="live")
    sandbox = serve("paypal", environment="sandbox")
    monkeypatch.delenv(GENERIC_VAR)
    monkeypatch.setenv(LIVE_VAR, live.url)
    monkeypatch.setenv(SANDBOX_VAR, sandbox.url)
    return sandbox, live


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_no_secret(result) -> None:
    text = " ".join((result.message, result.detail, *result.warnings))
    for secret in SECRETS:
        assert secret not in text, f"secret leaked into {result}"
    assert "A21AA" not in text  # nor an access token PayPal issued


# -- API Signature (NVP) ----------------------------------------------------------------------


def test_api_signature_passes_and_shows_the_balance_currencies(serve) -> None:
    server = serve("paypal", environment="sandbox")
    result = PAYPAL.test(server.credentials())
    assert result.status == Status.OK, result
    assert result.account.mode == "sandbox"
    assert result.account.id == fake.SIGNATURES["sandbox"]["api_username"]
    assert result.account.extra["currencies"] == "USD, EUR"
    assert "PayPal Sandbox accepted the API Signature credentials" in result.message
    assert "CORRELATIONID " in result.detail and "paypal-debug-id " in result.detail
    (request,) = server.requests
    form = request.form()
    assert (request.path, form["METHOD"], form["VERSION"]) == ("/nvp", "GetBalance", "204.0")
    assert request.header("Content-Type").startswith("application/x-www-form-urlencoded")
    _assert_no_secret(result)


def test_nvp_security_error_is_invalid_credentials(serve) -> None:
    server = serve("paypal", environment="live")
    result = PAYPAL.test({**server.credentials(), "api_password": "WRONGPASSWORD123"})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "did not accept this API Username, API Password and Signature" in result.message
    assert "L_ERRORCODE0=10002" in result.detail and "Security header is not valid" in result.detail
    # only the generic override is set: the other environment has no address and is not tried
    assert len(server.requests) == 1
    _assert_no_secret(result)


def test_nvp_permission_error_is_forbidden(serve) -> None:
    server = serve("paypal", environment="live")
    server.inject("status", code=200, content_type="text/plain",
                  body="ACK=Failure&L_ERRORCODE0=10007&L_SHORTMESSAGE0=Permission%20denied"
                       "&L_LONGMESSAGE0=You%20do%20not%20have%20permissions%20to%20make%20this%20API%20call")
    result = PAYPAL.test(server.credentials())
    assert result.status == Status.FORBIDDEN
    assert "You do not have permissions to make this API call" in result.detail


@pytest.mark.parametrize(("username", "words"), [(name, long) for name, (_, long) in fake.REFUSED_USERNAMES.items()])
def test_nvp_10002_refusals_other_than_the_security_header_are_forbidden_without_a_retry(both, username, words) -> None:
    sandbox, live = both
    result = PAYPAL.test({**live.credentials(), "api_username": username})
    assert result.status == Status.FORBIDDEN, result
    assert result.message == f"PayPal recognised the API credentials but refused access: {words} (error 10002)."
    assert "L_ERRORCODE0=10002" in result.detail and words in result.detail
    assert len(live.requests) == 1
    assert sandbox.requests == []  # not a reason to try the other environment
    _assert_no_secret(result)


def test_check_json_reports_a_locked_account_as_forbidden(both) -> None:
    sandbox, live = both
    credentials = {"paypal": {**live.credentials(), "api_username": "locked_api1.acme-courses.example"}}
    out = subprocess.run([sys.executable, "-m", "accessally_desktop", "check", "--json", "--credentials", "-"],
                         input=json.dumps(credentials), capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert out.returncode == 1, out.stdout + out.stderr
    (result,) = json.loads(out.stdout)
    assert (result["service"], result["ok"], result["status"]) == ("paypal", False, "forbidden")
    assert "Account is locked or inactive" in result["message"]
    assert "Traceback" not in out.stderr
    assert sandbox.requests == []
    for secret in SECRETS:
        assert secret not in out.stdout and secret not in out.stderr


def test_nvp_security_header_error_still_tries_the_other_environment(both) -> None:
    sandbox, live = both
    result = PAYPAL.test({**live.credentials(), "api_password": "WRONGPASSWORD123"})
    assert result.status == Status.INVALID_CREDENTIALS, result
    assert "Security header is not valid" in result.detail
    assert len(live.requests) == 1 and len(sandbox.requests) == 1
    _assert_no_secret(result)


def test_nvp_answer_without_ack_is_a_bad_response(serve) -> None:
    server = serve("paypal", environment="live")
    server.inject("status", code=200, body="hello=world", content_type="text/plain")
    result = PAYPAL.test(server.credentials())
    assert result.status == Status.BAD_RESPONSE


# -- REST app ---------------------------------------------------------------------------------


def test_rest_app_passes_and_shows_the_app_id(serve) -> None:
    server = serve("paypal", environment="live")
    result = PAYPAL.test(server.rest_credentials())
    assert result.status == Status.OK, result
    assert result.account.id == "APP-3LIVE00DEMO00001"
    assert result.account.mode == "live"
    assert "PayPal Live accepted the REST app Client ID and Secret (real payments)" in result.message
    assert "paypal-debug-id " in result.detail
    (request,) = server.requests
    assert request.path == "/v1/oauth2/token" and request.form() == {"grant_type": "client_credentials"}
    assert request.header("Authorization").startswith("Basic ")
    _assert_no_secret(result)


def test_rest_invalid_client_is_invalid_credentials(serve) -> None:
    server = serve("paypal", environment="sandbox")
    result = PAYPAL.test({**server.rest_credentials(), "client_secret": "EwrongSecret" + "x" * 70})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "did not accept this Client ID and Secret" in result.message
    assert "invalid_client" in result.detail and "paypal-debug-id" in result.detail
    _assert_no_secret(result)


def test_rest_rate_limit_uses_retry_after(serve) -> None:
    server = serve("paypal", environment="live")
    server.inject("status", code=429, headers={"Retry-After": "30"},
                  body={"name": "RATE_LIMIT_REACHED", "message": "Too many requests. Blocked due to rate limiting."})
    result = PAYPAL.test(server.rest_credentials())
    assert result.status == Status.RATE_LIMITED
    assert "Try again in 30 seconds" in result.message


def test_both_sets_are_tested(serve) -> None:
    server = serve("paypal", environment="live")
    result = PAYPAL.test({**server.credentials(), **server.rest_credentials()})
    assert result.status == Status.OK
    assert "API Signature credentials and the REST app Client ID and Secret" in result.message
    assert result.account.extra["app_id"] == "APP-3LIVE00DEMO00001"
    assert [r.path for r in server.requests] == ["/nvp", "/v1/oauth2/token"]


def test_one_bad_set_fails_the_test_and_says_the_other_works(serve) -> None:
    server = serve("paypal", environment="live")
    result = PAYPAL.test({**server.credentials(), **server.rest_credentials(),
                          "client_secret": "EwrongSecret" + "x" * 70})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "Client ID and Secret" in result.message
    assert "(The API Signature credentials work.)" in result.message
    _assert_no_secret(result)


# -- wrong environment ------------------------------------------------------------------------


def test_sandbox_signature_with_live_selected(both) -> None:
    sandbox, live = both
    result = PAYPAL.test({**sandbox.credentials(), "environment": "live"})
    assert result.status == Status.WRONG_ENVIRONMENT
    assert result.message == ("These look like SANDBOX credentials, but Live is selected. Switch the environment "
                              "to Sandbox, or paste your live API Signature credentials.")
    assert len(live.requests) == 1 and len(sandbox.requests) == 1
    _assert_no_secret(result)


def test_live_rest_app_with_sandbox_selected(both) -> None:
    _, live = both
    result = PAYPAL.test({**live.rest_credentials(), "environment": "sandbox"})
    assert result.status == Status.WRONG_ENVIRONMENT
    assert "These look like LIVE credentials, but Sandbox is selected" in result.message
    assert "Switch the environment to Live" in result.message
    _assert_no_secret(result)


def test_matching_environment_is_not_retried(both) -> None:
    sandbox, live = both
    result = PAYPAL.test(live.credentials())
    assert result.status == Status.OK
    assert sandbox.requests == []


def test_credentials_wrong_everywhere_stay_invalid(both) -> None:
    sandbox, live = both
    result = PAYPAL.test({**live.credentials(), "api_signature": "AnotherSignature.0123456789abcdefXYZ"})
    assert result.status == Status.INVALID_CREDENTIALS
    assert len(sandbox.requests) == 1  # the other environment was asked once, and also said no


@pytest.mark.parametrize("other_fails", ["refused", "html", "server_error"])
def test_a_failing_retry_keeps_the_original_outcome(serve, monkeypatch, other_fails) -> None:
    live = serve("paypal", environment="live")
    if other_fails == "refused":
        other_url = f"http://127.0.0.1:{_closed_port()}"
    else:
        other = PayPalSandbox(environment="sandbox").start()
        other.inject("html" if other_fails == "html" else "status", code=503)
        other_url = other.url
    monkeypatch.setenv(SANDBOX_VAR, other_url)
    result = PAYPAL.test({**live.credentials(), "api_password": "WRONGPASSWORD123"})
    if other_fails != "refused":
        other.stop()
        assert len(other.requests) == 1
    assert result.status == Status.INVALID_CREDENTIALS, result
    assert "did not accept" in result.message


def test_environment_address_wins_over_the_generic_one(serve, monkeypatch) -> None:
    sandbox = serve("paypal", environment="sandbox")
    live = serve("paypal", environment="live")  # the generic override now points here
    monkeypatch.setenv(SANDBOX_VAR, sandbox.url)
    result = PAYPAL.test(sandbox.credentials())
    assert result.status == Status.OK
    assert live.requests == []


def test_plain_http_environment_address_to_a_remote_host_is_refused(monkeypatch) -> None:
    monkeypatch.setenv(LIVE_VAR, "http://api-3t.example.com")
    result = PAYPAL.test({**fake.SIGNATURES["live"], "environment": "live"})
    assert result.status == Status.NETWORK_ERROR
    assert LIVE_VAR in result.message and "https://" in result.message


def test_real_hosts_per_environment() -> None:
    assert PAYPAL.host("live", "nvp") == "https://api-3t.paypal.com"
    assert PAYPAL.host("sandbox", "nvp") == "https://api-3t.sandbox.paypal.com"
    assert PAYPAL.host("live", "rest") == "https://api-m.paypal.com"
    assert PAYPAL.host("sandbox", "rest") == "https://api-m.sandbox.paypal.com"


# -- format check -----------------------------------------------------------------------------


def _errors(report, field):
    return [p.message for p in report.for_field(field) if p.severity == "error"]


def _warnings(report, field):
    return [p.message for p in report.for_field(field) if p.severity == "warning"]


def test_live_is_the_default_environment() -> None:
    report = PAYPAL.check_format(fake.SIGNATURES["live"])
    assert report.ok
    assert report.values["environment"] == "live"


def test_client_id_in_the_username_field() -> None:
    client_id = fake.REST_APPS["live"]["client_id"]
    report = PAYPAL.check_format({"environment": "live", "api_username": client_id, "api_password": "LIVEDEMO3H7J2K5P",
                                  "api_signature": "AFcWxV21C7fd0v3bYYYRCpSSRl31A.signature"})
    assert _errors(report, "api_username") == [
        ("This looks like a REST app Client ID, not an API username (name_api1.example.com). Put it in the Client ID "
         "field, or copy the API Username.")]


def test_username_shape_is_only_a_warning() -> None:
    report = PAYPAL.check_format({**fake.SIGNATURES["live"], "api_username": "owner.acme-courses.example"})
    assert report.ok
    assert "name_api1.example.com" in _warnings(report, "api_username")[0]
    email = PAYPAL.check_format({**fake.SIGNATURES["live"], "api_username": "owner@acme-courses.example"})
    assert "login email" in _warnings(email, "api_username")[0]


def test_partial_signature_set_names_the_missing_field() -> None:
    report = PAYPAL.check_format({"api_username": "owner_api1.acme-courses.example", "api_password": "LIVEDEMO3H7J2K5P"})
    assert not report.ok
    (message,) = _errors(report, "api_signature")
    assert message.startswith("Enter the Signature too")
    assert not _errors(report, "api_password")


def test_partial_rest_set_names_the_missing_field() -> None:
    report = PAYPAL.check_format({"client_secret": fake.REST_APPS["live"]["client_secret"]})
    (message,) = _errors(report, "client_id")
    assert message.startswith("Enter the Client ID too")


def test_nothing_entered_asks_for_one_set(serve) -> None:
    server = serve("paypal")
    result = PAYPAL.test({"environment": "sandbox"})
    assert result.status == Status.INVALID_FORMAT
    assert "API Signature credentials" in result.message and "Client ID and Secret" in result.message
    assert server.requests == []


def test_rest_secret_length_is_only_a_warning() -> None:
    report = PAYPAL.check_format({"client_id": fake.REST_APPS["live"]["client_id"], "client_secret": "short12345"})
    assert report.ok
    assert "usually about 80 characters; this one has 10" in _warnings(report, "client_secret")[0]


def test_api_username_in_the_client_id_field() -> None:
    report = PAYPAL.check_format({"client_id": "owner_api1.acme-courses.example",
                                  "client_secret": fake.REST_APPS["live"]["client_secret"]})
    assert "not a REST Client ID" in _errors(report, "client_id")[0]


def test_fields_kinds_and_environments() -> None:
    assert [f.name for f in PAYPAL.fields] == ["api_username", "api_password", "api_signature",
                                               "client_id", "client_secret"]
    assert [v.id for v in PAYPAL.variants] == ["live", "sandbox"] and PAYPAL.variant_key == "environment"
    assert [k.id for k in PAYPAL.kinds] == ["signature", "rest"]
    assert {f.group for f in PAYPAL.fields} == {k.id for k in PAYPAL.kinds}
    assert {f.name: f.group for f in PAYPAL.fields if f.group} == {
        "api_username": "signature", "api_password": "signature", "api_signature": "signature",
        "client_id": "rest", "client_secret": "rest"}
    assert set(PAYPAL.secret_fields) == {"api_password", "api_signature", "client_secret"}
    assert not any(f.required for f in PAYPAL.fields if f.group)
