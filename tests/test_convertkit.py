"""ConvertKit / Kit: v3 key + secret (and which one is wrong), a lone v4 kit_ key, and forms, over real HTTP."""

from __future__ import annotations

import json

import pytest
from support.results import assert_no_secret

from accessally_desktop.integrations import Status, registry
from accessally_desktop.sandbox.convertkit import (
    ACCOUNT,
    REVOKED_V4_KEY,
    V3_API_KEY,
    V3_API_SECRET,
    V4_API_KEY,
    make_form,
)

KIT = registry.get("convertkit")
WRONG_KEY = "WrongKitApiKey0000000"
WRONG_SECRET = "WrongKitApiSecret000000000000000000000000000"
WRONG_V4 = "kit_00000000000000000000000000000000"


def test_fields() -> None:
    assert KIT.name == "ConvertKit / Kit" and KIT.kind == "crm"
    assert [f.name for f in KIT.fields] == ["api_key", "api_secret"]
    assert KIT.field("api_key").secret and KIT.field("api_secret").secret
    assert KIT.field("api_secret").required is False  # enforced in validate(), v3 only
    assert list(KIT.lookups()) == ["forms"]


def test_default_addresses() -> None:
    assert KIT.base_url() == "https://api.convertkit.com"
    assert KIT.v4_base_url() == "https://api.kit.com"


# -- v3 ----------------------------------------------------------------------------------------


def test_v3_key_and_secret_name_the_account(serve) -> None:
    server = serve("convertkit")
    result = KIT.test({"api_key": V3_API_KEY, "api_secret": V3_API_SECRET})
    assert result.status == Status.OK, result
    assert result.account.name == ACCOUNT["name"]
    assert result.account.email == ACCOUNT["primary_email_address"]
    assert ACCOUNT["name"] in result.message
    paths = {r.path: r.query for r in server.requests}
    assert paths["/v3/account"] == {"api_secret": V3_API_SECRET}
    assert paths["/v3/forms"] == {"api_key": V3_API_KEY}
    assert_no_secret(result, V3_API_KEY, V3_API_SECRET)


def test_bad_secret_is_named(serve) -> None:
    serve("convertkit")
    result = KIT.test({"api_key": V3_API_KEY, "api_secret": WRONG_SECRET})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "did not accept the API Secret (the API Key is fine)" in result.message
    assert "Settings > Developer" in result.message
    assert "API Secret not valid" in result.detail
    assert_no_secret(result, V3_API_KEY, WRONG_SECRET)


def test_bad_key_is_named(serve) -> None:
    serve("convertkit")
    result = KIT.test({"api_key": WRONG_KEY, "api_secret": V3_API_SECRET})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "did not accept the API Key (the API Secret is fine)" in result.message
    assert "API Secret" not in result.message.split("(")[0]
    assert_no_secret(result, WRONG_KEY, V3_API_SECRET)


@pytest.mark.parametrize(("key", "secret"), [(WRONG_KEY, WRONG_SECRET), (V3_API_SECRET, V3_API_KEY)])
def test_both_wrong_or_swapped(serve, key, secret) -> None:
    serve("convertkit")
    result = KIT.test({"api_key": key, "api_secret": secret})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "neither the API Key nor the API Secret" in result.message and "swapped" in result.message
    assert_no_secret(result, key, secret)


def test_v3_key_alone_is_stopped_with_the_v4_way_out(serve) -> None:
    server = serve("convertkit")
    result = KIT.test({"api_key": V3_API_KEY, "api_secret": ""})
    assert result.status == Status.INVALID_FORMAT
    assert "v3 API Key" in result.message and "API Secret" in result.message
    assert "kit_" in result.message and "Settings > Developer > V4 Keys" in result.message
    assert server.requests == []
    assert_no_secret(result, V3_API_KEY)


def test_v4_key_in_the_secret_field_is_an_error() -> None:
    report = KIT.check_format({"api_key": V3_API_KEY, "api_secret": V4_API_KEY})
    assert not report.ok
    assert report.errors[0].field == "api_secret" and "kit_" in report.errors[0].message


def test_secret_equal_to_key_is_an_error() -> None:
    report = KIT.check_format({"api_key": V3_API_KEY, "api_secret": V3_API_KEY})
    assert not report.ok
    assert report.errors[0].field == "api_secret" and "same as the API Key" in report.errors[0].message


def test_missing_key_is_asked_for() -> None:
    result = KIT.test({"api_key": "", "api_secret": ""})
    assert result.status == Status.INVALID_FORMAT
    assert "API Key" in result.message


def test_v3_rate_limit(serve) -> None:
    server = serve("convertkit")
    server.rate_limit = (2, 60.0)  # one v3 test is two calls
    assert KIT.test(server.credentials()).ok
    result = KIT.test(server.credentials())
    assert result.status == Status.RATE_LIMITED


# -- v4 ----------------------------------------------------------------------------------------


def test_v4_key_alone_works(serve) -> None:
    server = serve("convertkit")
    result = KIT.test(server.demo_v4)
    assert result.status == Status.OK, result
    assert result.account.id == str(ACCOUNT["id"])
    assert result.account.name == ACCOUNT["name"]
    assert "v4" in result.message
    assert [r.path for r in server.requests] == ["/v4/account"]
    assert server.requests[0].header("X-Kit-Api-Key") == V4_API_KEY
    assert_no_secret(result, V4_API_KEY)


def test_v4_key_with_a_secret_ignores_the_secret(serve) -> None:
    server = serve("convertkit")
    report = KIT.check_format({"api_key": V4_API_KEY, "api_secret": V3_API_SECRET})
    assert report.ok
    assert [p.severity for p in report.for_field("api_secret")] == ["note"]
    result = KIT.test({"api_key": V4_API_KEY, "api_secret": V3_API_SECRET})
    assert result.status == Status.OK
    assert "not needed" in result.message
    sent = server.requests[-1]
    assert V3_API_SECRET not in json.dumps([sent.query, sent.headers])  # never sent
    assert_no_secret(result, V4_API_KEY, V3_API_SECRET)


def test_wrong_v4_key_points_to_v4_keys(serve) -> None:
    serve("convertkit")
    result = KIT.test({"api_key": WRONG_V4, "api_secret": ""})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "v4 key" in result.message and "Settings > Developer > V4 Keys" in result.message
    assert "The access token is invalid" in result.detail
    assert_no_secret(result, WRONG_V4)


def test_revoked_v4_key_says_so(serve) -> None:
    serve("convertkit")
    result = KIT.test({"api_key": REVOKED_V4_KEY, "api_secret": ""})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "revoked" in result.message


# -- forms -------------------------------------------------------------------------------------


def test_v3_forms_leave_out_archived_ones(serve) -> None:
    server = serve("convertkit")
    result = KIT.fetch_list("forms", server.credentials())
    assert result.status == Status.OK, result
    assert [(c.id, c.name) for c in result.choices] == [
        ("1001", "Newsletter"), ("1002", "AccessAlly purchases"), ("1003", "Free course landing page")]
    assert all(c.double_opt_in is None for c in result.choices)  # Kit does not say
    assert_no_secret(result, V3_API_KEY, V3_API_SECRET)


def test_v3_forms_with_a_bad_key_name_the_key(serve) -> None:
    server = serve("convertkit")
    result = KIT.fetch_list("forms", {**server.credentials(), "api_key": WRONG_KEY})
    assert result.status == Status.INVALID_CREDENTIALS
    assert "API Key" in result.message


def test_v4_forms_follow_the_cursor(serve) -> None:
    server = serve("convertkit")
    server.max_per_page = 2
    server.forms = [make_form(i, f"Form {i}") for i in range(1, 8)]
    result = KIT.fetch_list("forms", server.demo_v4)
    assert result.ok, result
    assert [c.id for c in result.choices] == [str(i) for i in range(1, 8)]
    form_requests = [r for r in server.requests if r.path == "/v4/forms"]
    assert len(form_requests) == 4
    assert "after" not in form_requests[0].query
    assert all(r.query.get("after") for r in form_requests[1:])


def test_v4_forms_with_a_bad_key(serve) -> None:
    serve("convertkit")
    result = KIT.fetch_list("forms", {"api_key": WRONG_V4, "api_secret": ""})
    assert result.status == Status.INVALID_CREDENTIALS
    assert_no_secret(result, WRONG_V4)


def test_no_forms_says_to_make_one(serve) -> None:
    server = serve("convertkit")
    server.forms = []
    result = KIT.fetch_list("forms", server.demo_v4)
    assert result.ok and result.choices == ()
    assert "no forms" in result.message
