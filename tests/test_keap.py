"""Infusionsoft / Keap: key formats, the live profile check and its refusals, over real HTTP."""

from __future__ import annotations

import json

import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations.base import CheckResult
from accessally_desktop.sandbox.keap import LIMITED_TOKEN, PROFILE, SERVICE_ACCOUNT_KEY

KEAP = registry.get("infusionsoft")
WRONG_KEY = "KeapAK-" + "ab" * 28
LEGACY_KEY = "3f2c9a1b8e7d6c5b4a39281706f5e4d3"


def assert_no_secret(result: CheckResult, *secrets: str) -> None:
    shown = " ".join([result.message, result.detail, *result.warnings, json.dumps(result.as_json())])
    for secret in secrets:
        assert secret not in shown, f"secret leaked into: {shown}"


def test_fields_and_identity() -> None:
    assert KEAP.name == "Infusionsoft / Keap" and KEAP.kind == "crm"
    assert [f.name for f in KEAP.fields] == ["api_key"]
    assert KEAP.field("api_key").secret
    assert "legacy" in KEAP.guidance.lower() and "Settings > API Settings" in KEAP.guidance


def test_good_key_names_the_account(serve) -> None:
    server = serve("infusionsoft")
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.OK, result
    assert result.account.name == PROFILE["name"]
    assert result.account.email == PROFILE["email"]
    assert PROFILE["name"] in result.message
    assert result.warnings == ()
    sent = server.requests[-1]
    assert sent.path == "/crm/rest/v1/account/profile"
    assert sent.header("X-Keap-API-Key") == SERVICE_ACCOUNT_KEY
    assert_no_secret(result, SERVICE_ACCOUNT_KEY)


def test_wrong_key_says_where_to_make_one(serve) -> None:
    serve("infusionsoft")
    result = KEAP.test({"api_key": WRONG_KEY})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "Settings > API Settings" in result.message
    assert "Service Account Key" in result.message and "Personal Access Token" in result.message
    assert "Invalid access token" in result.detail  # the gateway's own words, for support
    assert_no_secret(result, WRONG_KEY)


def test_token_without_visibility_is_forbidden_not_invalid(serve) -> None:
    serve("infusionsoft")
    result = KEAP.test({"api_key": LIMITED_TOKEN})
    assert result.status == Status.FORBIDDEN
    assert "Personal Access Token" in result.message and "admin" in result.message
    assert "permission" in result.detail  # the v1 Spring-style body was read
    assert_no_secret(result, LIMITED_TOKEN)


def test_legacy_key_is_refused_before_any_call(serve) -> None:
    server = serve("infusionsoft")
    result = KEAP.test({"api_key": LEGACY_KEY})
    assert result.status == Status.INVALID_FORMAT
    assert "legacy" in result.message and "retired" in result.message
    assert "Service Account Key" in result.message and "Settings > API Settings" in result.message
    assert server.requests == []
    assert_no_secret(result, LEGACY_KEY)


def test_key_without_the_usual_prefix_is_only_a_warning(serve) -> None:
    serve("infusionsoft")
    report = KEAP.check_format({"api_key": "abc123notakeapkey"})
    assert report.ok
    assert [p.severity for p in report.for_field("api_key")] == ["warning"]
    result = KEAP.test({"api_key": "abc123notakeapkey"})
    assert result.status == Status.INVALID_CREDENTIALS  # still tried live
    assert any("KeapAK-" in w for w in result.warnings)
    assert_no_secret(result, "abc123notakeapkey")


def test_empty_key_asks_for_one() -> None:
    result = KEAP.test({"api_key": "  "})
    assert result.status == Status.INVALID_FORMAT
    assert "Settings > API Settings" in result.message


@pytest.mark.parametrize("body", [
    {"code": 401, "message": "Unauthorized", "status": "UNAUTHENTICATED", "details": []},  # v2
    {"message": "Unauthorized", "localizedMessage": "Unauthorized", "cause": None},  # v1 Spring
    "Unauthorized",  # not even JSON
])
def test_401_in_any_shape_is_bad_credentials(serve, body) -> None:
    server = serve("infusionsoft")
    server.inject("status", code=401, body=body)
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "Service Account Key" in result.message


def test_v2_error_body_is_read_for_other_refusals(serve) -> None:
    server = serve("infusionsoft")
    server.inject("status", code=400, body={"code": 400, "message": "Request is missing a required header",
                                            "status": "INVALID_ARGUMENT",
                                            "details": [{"domain": "crm", "resource": "account"}]})
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.BAD_RESPONSE
    assert "Request is missing a required header" in result.message


def test_profile_of_the_wrong_shape_is_a_bad_response(serve) -> None:
    server = serve("infusionsoft")
    server.inject("status", code=200, body={"contacts": []})
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.BAD_RESPONSE


def test_throttled_key_is_rate_limited(serve) -> None:
    server = serve("infusionsoft")
    server.rate_limit = (1, 60.0)
    assert KEAP.test({"api_key": SERVICE_ACCOUNT_KEY}).ok
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.RATE_LIMITED
    assert "Try again" in result.message
    assert "QuotaViolation" in result.detail
