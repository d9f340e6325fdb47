"""Infusionsoft / Keap: key formats, the live profile check and its refusals, over real HTTP."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from support.results import assert_no_secret

from accessally_desktop.integrations import Status, registry
from accessally_desktop.sandbox.keap import DAILY_QUOTA, LIMITED_TOKEN, PROFILE, QUOTA_VIOLATION, SERVICE_ACCOUNT_KEY

KEAP = registry.get("infusionsoft")
WRONG_KEY = "KeapAK-" + "ab" * 28
LEGACY_KEY = "3f2c9a1b8e7d6c5b4a39281706f5e4d3"


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
    assert "240 a minute" in result.message and "daily limit" not in result.message


def _local(when: datetime) -> str:
    local = when.astimezone()
    day = "today" if local.date() == datetime.now().astimezone().date() else "tomorrow"
    return f"{day} at {local:%H:%M} (your time)"


def _next_midnight_utc() -> datetime:
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def test_used_up_daily_quota_says_when_it_resets(serve) -> None:
    server = serve("infusionsoft")
    server.daily_quota = 2
    assert KEAP.test({"api_key": SERVICE_ACCOUNT_KEY}).ok and KEAP.test({"api_key": SERVICE_ACCOUNT_KEY}).ok
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.RATE_LIMITED
    assert "This Keap key has used up its daily limit of 2 calls" in result.message, result.message
    assert f"resets {_local(_next_midnight_utc())}" in result.message
    assert "in a minute" not in result.message
    assert "QuotaViolation" in result.detail


@pytest.mark.parametrize("scale", [1000, 1], ids=["milliseconds", "seconds"])
def test_quota_expiry_header_is_the_reset_time(serve, scale: int) -> None:
    server = serve("infusionsoft")
    resets = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(hours=3)
    server.inject("status", code=429, body=QUOTA_VIOLATION, headers={
        "x-keap-product-quota-available": "0", "x-keap-product-quota-limit": "30000",
        "x-keap-product-quota-expiry-time": str(int(resets.timestamp()) * scale)})
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.RATE_LIMITED
    assert f"daily limit of 30,000 calls. The limit resets {_local(resets)}" in result.message, result.message


@pytest.fixture
def india_time() -> Iterator[None]:
    """This process runs on India time (UTC+05:30 all year) for the test."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


def test_reset_time_is_in_this_computers_time_zone(serve, india_time) -> None:
    server = serve("infusionsoft")
    resets = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(hours=3)
    server.inject("status", code=429, body=QUOTA_VIOLATION, headers={
        "x-keap-product-quota-available": "0", "x-keap-product-quota-expiry-time": str(int(resets.timestamp()))})
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert f"at {resets + timedelta(hours=5, minutes=30):%H:%M} (your time)" in result.message, result.message


@pytest.mark.parametrize("expiry", [None, "86400", "garbage", "9" * 40, "9" * 5000],
                         ids=["absent", "seconds-left", "text", "huge", "too-long-for-int"])
def test_daily_quota_without_a_usable_expiry_resets_at_midnight_utc(serve, expiry: str | None) -> None:
    server = serve("infusionsoft")
    headers = {"x-keap-product-quota-available": "0"}
    if expiry is not None:
        headers["x-keap-product-quota-expiry-time"] = expiry
    server.inject("status", code=429, headers=headers, body=QUOTA_VIOLATION)
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.RATE_LIMITED
    assert f"daily limit of {DAILY_QUOTA:,} calls" in result.message
    assert f"resets {_local(_next_midnight_utc())}" in result.message, result.message


def test_retry_after_on_a_keap_429_is_the_wait(serve) -> None:
    server = serve("infusionsoft")
    server.inject("status", code=429, headers={"Retry-After": "45", "x-keap-product-quota-available": "0"},
                  body=QUOTA_VIOLATION)
    result = KEAP.test({"api_key": SERVICE_ACCOUNT_KEY})
    assert result.status == Status.RATE_LIMITED
    assert "Try again in 45 seconds" in result.message and "daily" not in result.message
