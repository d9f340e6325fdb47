"""Drip: token-only Basic auth, picking among the accounts a token can see, the flat 429, format advice."""

from __future__ import annotations

import base64
import json

import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations.drip import tracking_snippet
from accessally_desktop.sandbox.drip import (
    ACCOUNT_ONE,
    ACCOUNT_TWO,
    FORBIDDEN_TOKEN,
    NO_ACCOUNTS_TOKEN,
    ONE_ACCOUNT_TOKEN,
    RATE_LIMIT_BODY,
    TWO_ACCOUNTS_TOKEN,
)

drip = registry.get("drip")


@pytest.fixture
def server(serve):
    """The Drip stand-in, with the integration pointed at it."""
    return serve("drip")


def _ids(result) -> list[str]:
    return [c.id for c in result.choices]


def test_fields_are_an_optional_account_id_and_a_secret_token() -> None:
    assert [f.name for f in drip.fields] == ["account_id", "api_token"]
    assert drip.kind == "crm"
    assert not drip.field("account_id").secret and not drip.field("account_id").required
    assert drip.field("api_token").secret and drip.field("api_token").required
    assert list(drip.lookups()) == ["accounts"]


def test_token_is_the_basic_user_name_with_an_empty_password_and_a_user_agent(server) -> None:
    drip.test(server.credentials())
    request = server.requests[-1]
    assert (request.method, request.path) == ("GET", "/v2/accounts")
    assert request.header("Authorization") == "Basic " + base64.b64encode(f"{ONE_ACCOUNT_TOKEN}:".encode()).decode()
    assert "AccessAlly" in request.header("User-Agent")


def test_given_account_id_that_the_token_sees(server) -> None:
    result = drip.test(server.credentials())
    assert result.status == Status.OK, result
    assert result.account.id == ACCOUNT_ONE["id"]
    assert result.account.name == ACCOUNT_ONE["name"]
    assert ACCOUNT_ONE["name"] in result.message
    assert _ids(result) == [ACCOUNT_ONE["id"]]


def test_one_account_and_no_account_id_chooses_that_account(server) -> None:
    result = drip.test({"api_token": ONE_ACCOUNT_TOKEN})
    assert result.status == Status.OK, result
    assert result.account.id == ACCOUNT_ONE["id"]
    assert ACCOUNT_ONE["name"] in result.message and "chosen" in result.message
    assert _ids(result) == [ACCOUNT_ONE["id"]]


def test_several_accounts_and_no_account_id_asks_to_pick(server) -> None:
    result = drip.test({"account_id": "", "api_token": TWO_ACCOUNTS_TOKEN})
    assert result.status == Status.OK, result
    assert result.account.id == ""  # nothing chosen for the owner
    assert "2 Drip accounts" in result.message and "Pick" in result.message
    assert _ids(result) == [ACCOUNT_ONE["id"], ACCOUNT_TWO["id"]]
    assert [c.name for c in result.choices] == [ACCOUNT_ONE["name"], ACCOUNT_TWO["name"]]
    assert result.as_json()["details"]["choices"][1] == {"id": ACCOUNT_TWO["id"], "name": ACCOUNT_TWO["name"]}


def test_several_accounts_with_an_account_id_uses_that_one(server) -> None:
    result = drip.test({"account_id": ACCOUNT_TWO["id"], "api_token": TWO_ACCOUNTS_TOKEN})
    assert result.status == Status.OK, result
    assert result.account.id == ACCOUNT_TWO["id"]
    assert ACCOUNT_TWO["name"] in result.message
    assert len(result.choices) == 2


def test_account_id_the_token_cannot_see_is_not_found_and_lists_the_visible_ones(server) -> None:
    result = drip.test({"account_id": ACCOUNT_TWO["id"], "api_token": ONE_ACCOUNT_TOKEN})
    assert result.status == Status.NOT_FOUND, result
    assert ACCOUNT_TWO["id"] in result.message
    assert ACCOUNT_ONE["name"] in result.message and ACCOUNT_ONE["id"] in result.message
    assert _ids(result) == [ACCOUNT_ONE["id"]]


def test_accounts_list_offers_every_account_even_with_a_stale_account_id(server) -> None:
    result = drip.fetch_list("accounts", {"account_id": "1111111", "api_token": TWO_ACCOUNTS_TOKEN})
    assert result.status == Status.OK, result
    assert _ids(result) == [ACCOUNT_ONE["id"], ACCOUNT_TWO["id"]]
    assert "2 Drip accounts" in result.message


def test_bad_token_says_where_to_copy_it_again(server) -> None:
    result = drip.test({"account_id": "", "api_token": "not-a-real-token"})
    assert result.status == Status.INVALID_CREDENTIALS, result
    assert "User Settings > API Token" in result.message
    assert "authentication_error" in result.detail


def test_authorization_error_is_forbidden(server) -> None:
    result = drip.test({"api_token": FORBIDDEN_TOKEN})
    assert result.status == Status.FORBIDDEN, result
    assert "authorization_error" in result.detail


def test_token_that_sees_no_account(server) -> None:
    result = drip.test({"api_token": NO_ACCOUNTS_TOKEN})
    assert result.status == Status.FORBIDDEN, result
    assert "cannot see any account" in result.message
    assert result.choices == ()


def test_the_hourly_limit_answers_a_flat_429(server) -> None:
    server.remaining = 1
    first = drip.test(server.credentials())
    assert first.status == Status.OK, first
    second = drip.test(server.credentials())
    assert second.status == Status.RATE_LIMITED, second
    assert "in an hour" in second.message
    assert "API rate limit exceeded" in second.detail


def test_flat_429_body_without_retry_after(server) -> None:
    server.inject("status", code=429, body=RATE_LIMIT_BODY)
    result = drip.test(server.credentials())
    assert result.status == Status.RATE_LIMITED
    assert "hour" in result.message


@pytest.mark.parametrize(("pasted", "advice"), [
    ("https://www.getdrip.com/1234567/dashboard", "use just the number 1234567"),
    ("https://www.getdrip.com/1234567/campaigns/98765432/edit", "use just the number 1234567"),
    ("www.getdrip.com/7654321/subscribers", "use just the number 7654321"),
    ("//tag.getdrip.com/1234567.js", "use just the number 1234567"),
    ("#1234567", "use just the number 1234567"),
    ("ID:1234567", "use just the number 1234567"),
    ("my-account", "is a number, like 1234567"),
])
def test_account_id_that_is_not_just_digits(server, pasted: str, advice: str) -> None:
    result = drip.test({"account_id": pasted, "api_token": ONE_ACCOUNT_TOKEN})
    assert result.status == Status.INVALID_FORMAT
    assert advice in result.message
    assert server.requests == []  # nothing was sent


def test_format_check_of_the_token(server) -> None:
    assert drip.test({"account_id": "1234567", "api_token": ""}).status == Status.INVALID_FORMAT
    inside = drip.test({"api_token": "abc def"})
    assert inside.status == Status.INVALID_FORMAT and "space" in inside.message
    report = drip.check_format({"account_id": " 1234567 ", "api_token": f" {ONE_ACCOUNT_TOKEN}\n"})
    assert report.ok and report.values == {"account_id": "1234567", "api_token": ONE_ACCOUNT_TOKEN}
    assert drip.check_format({"api_token": ONE_ACCOUNT_TOKEN}).ok  # the account id may stay empty
    assert server.requests == []


def test_no_token_in_any_message_detail_or_warning(server) -> None:
    cases = [
        {"api_token": ONE_ACCOUNT_TOKEN},
        {"api_token": TWO_ACCOUNTS_TOKEN},
        {"account_id": ACCOUNT_TWO["id"], "api_token": ONE_ACCOUNT_TOKEN},
        {"api_token": "0123456789abcdef0123456789abcdef"},
        {"api_token": FORBIDDEN_TOKEN},
        {"api_token": NO_ACCOUNTS_TOKEN},
        {"account_id": "#12345678", "api_token": ONE_ACCOUNT_TOKEN},
    ]
    for values in cases:
        text = json.dumps(drip.test(values).as_json())
        assert values["api_token"] not in text, text
    server.inject("status", code=401, body={"errors": [{"code": "authentication_error",
                                                        "message": f"bad token {ONE_ACCOUNT_TOKEN}"}]})
    echoed = drip.test({"api_token": ONE_ACCOUNT_TOKEN})
    assert echoed.status == Status.INVALID_CREDENTIALS
    assert ONE_ACCOUNT_TOKEN not in json.dumps(echoed.as_json())


def test_tracking_snippet_embeds_the_account_id() -> None:
    snippet = tracking_snippet("1234567")
    assert "_dcs.account = '1234567';" in snippet
    assert "dc.src = '//tag.getdrip.com/1234567.js';" in snippet
    assert snippet.startswith('<script type="text/javascript">') and snippet.endswith("</script>")
    with pytest.raises(ValueError):
        tracking_snippet("1234567'; alert(1); '")
