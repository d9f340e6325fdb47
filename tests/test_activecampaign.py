"""ActiveCampaign: the pasted API URL, the 403-means-bad-key quirk, and the opt-in form list, over real HTTP."""

from __future__ import annotations

import pytest
from support.results import assert_no_secret

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations.activecampaign import form_double_opt_in
from accessally_desktop.sandbox.activecampaign import API_TOKEN, NO_FORMS_TOKEN, USER, make_form

AC = registry.get("activecampaign")
WRONG_KEY = "9" * 72
ENV = "ACCESSALLY_DESKTOP_ACTIVECAMPAIGN_URL"


@pytest.fixture
def direct(serve, monkeypatch):
    """The stand-in reached through the pasted API URL, with no override in the way."""
    server = serve("activecampaign")
    monkeypatch.delenv(ENV)
    return server


def test_fields() -> None:
    assert [f.name for f in AC.fields] == ["account_url", "api_key"]
    assert not AC.field("account_url").secret and AC.field("api_key").secret
    assert list(AC.lookups()) == ["forms"]
    assert "double opt-in" in AC.guidance and "Settings" in AC.guidance


def test_good_key_names_the_user(serve) -> None:
    server = serve("activecampaign")
    result = AC.test(server.credentials())
    assert result.status == Status.OK, result
    assert result.account.email == USER["email"]
    assert result.account.name == "Dana Demo"
    assert result.account.id == "1"
    assert USER["email"] in result.message
    sent = server.requests[-1]
    assert sent.path == "/api/3/users/me" and sent.header("Api-Token") == API_TOKEN
    assert_no_secret(result, API_TOKEN)


def test_the_pasted_url_is_used_and_trimmed(direct) -> None:
    result = AC.test({"account_url": direct.url + "/api/3/", "api_key": API_TOKEN})
    assert result.status == Status.OK, result
    assert direct.requests[-1].path == "/api/3/users/me"


def test_bad_key_gets_403_and_means_invalid_credentials(serve) -> None:
    server = serve("activecampaign")
    result = AC.test({**server.credentials(), "api_key": WRONG_KEY})
    assert result.status == Status.INVALID_CREDENTIALS
    assert result.message == ("ActiveCampaign did not accept this API key. "
                              "Copy it again from Settings > Developer.")
    assert "403" in result.detail
    assert_no_secret(result, WRONG_KEY)


def test_wrong_address_is_not_found_and_names_it(direct) -> None:
    result = AC.test({"account_url": direct.url + "/nothing-here", "api_key": API_TOKEN})
    assert result.status == Status.NOT_FOUND
    assert direct.url + "/nothing-here" in result.message
    assert "Settings > Developer" in result.message


@pytest.mark.parametrize("url", ["https://demo.activehosted.com", "https://demo.api-eu1.com",
                                 "https://demo.api-us2.com/api/3/", "https://Demo.ActiveHosted.com/"])
def test_activehosted_and_regional_api_urls_are_tested_not_refused(serve, url: str) -> None:
    server = serve("activecampaign")
    report = AC.check_format({"account_url": url, "api_key": API_TOKEN})
    assert report.ok and report.problems == (), report
    result = AC.test({"account_url": url, "api_key": API_TOKEN})
    assert result.status == Status.OK, result
    assert server.requests[-1].path == "/api/3/users/me"


def test_a_pasted_app_page_keeps_scheme_and_host_and_says_what_was_dropped(serve) -> None:
    serve("activecampaign")
    pasted = "https://demo.activehosted.com/app/contacts?page=2"
    report = AC.check_format({"account_url": pasted, "api_key": API_TOKEN})
    assert report.ok and report.values["account_url"] == "https://demo.activehosted.com"
    [note] = report.for_field("account_url")
    assert note.severity == "note" and "/app/contacts" in note.message
    assert AC.test({"account_url": pasted, "api_key": API_TOKEN}).status == Status.OK
    assert_no_secret(AC.test({"account_url": pasted, "api_key": API_TOKEN}), API_TOKEN)


def test_another_host_shape_is_only_a_warning_and_still_tested(serve) -> None:
    server = serve("activecampaign")
    result = AC.test({"account_url": "https://crm.example.com", "api_key": API_TOKEN})
    assert result.status == Status.OK and any("usually look like" in w for w in result.warnings)
    assert server.requests


@pytest.mark.parametrize("url", ["http://demo.api-us1.com", "demo.api-us1.com", "ftp://demo.api-us1.com"])
def test_address_that_is_not_https_is_an_error(url) -> None:
    report = AC.check_format({"account_url": url, "api_key": API_TOKEN})
    assert not report.ok
    assert "https://" in report.errors[0].message
    assert report.errors[0].field == "account_url"


def test_loopback_http_is_allowed() -> None:
    report = AC.check_format({"account_url": "http://127.0.0.1:8080", "api_key": API_TOKEN})
    assert report.ok and report.problems == ()


def test_usual_url_is_normalised_without_complaint() -> None:
    report = AC.check_format({"account_url": " https://demo.api-us1.com/api/3/ ", "api_key": API_TOKEN})
    assert report.values["account_url"] == "https://demo.api-us1.com"
    assert report.ok and not report.warnings


def test_unusual_api_host_is_only_a_warning() -> None:
    report = AC.check_format({"account_url": "https://demo.ac-api.example.net", "api_key": API_TOKEN})
    assert report.ok
    assert [p.field for p in report.warnings] == ["account_url"]
    assert "api-us1.com" in report.warnings[0].message


def test_odd_key_is_only_a_warning() -> None:
    report = AC.check_format({"account_url": "https://demo.api-us1.com", "api_key": "abc-123_def"})
    assert report.ok
    assert [p.field for p in report.warnings] == ["api_key"]


def test_url_pasted_as_key_is_an_error() -> None:
    report = AC.check_format({"account_url": "https://demo.api-us1.com", "api_key": "https://demo.api-us1.com"})
    assert not report.ok and report.errors[0].field == "api_key"


def test_missing_values_are_asked_for() -> None:
    result = AC.test({"account_url": "", "api_key": ""})
    assert result.status == Status.INVALID_FORMAT
    assert "API URL" in result.message and "Settings > Developer" in result.message


def test_plain_http_override_to_a_remote_host_is_refused(monkeypatch) -> None:
    monkeypatch.setenv(ENV, "http://demo.api-us1.com")
    result = AC.test({"account_url": "https://demo.api-us1.com", "api_key": API_TOKEN})
    assert result.status == Status.NETWORK_ERROR
    assert "http://" in result.message and "https://" in result.message


def test_rate_limit_reports_when_to_retry(serve) -> None:
    server = serve("activecampaign")
    server.rate_limit = (1, 60.0)
    assert AC.test(server.credentials()).ok
    result = AC.test(server.credentials())
    assert result.status == Status.RATE_LIMITED
    assert "Try again in" in result.message and "seconds" in result.message


# -- forms -------------------------------------------------------------------------------------


def test_forms_say_which_use_double_opt_in(serve) -> None:
    server = serve("activecampaign")
    result = AC.fetch_list("forms", server.credentials())
    assert result.status == Status.OK, result
    assert [(c.id, c.double_opt_in) for c in result.choices] == [("1", True), ("2", False), ("3", True)]
    assert "AccessAlly purchases (no double opt-in)" in [c.name for c in result.choices]
    assert "3" in result.message
    assert result.warnings == ()
    assert_no_secret(result, API_TOKEN)


def test_only_double_opt_in_forms_get_a_warning(serve) -> None:
    server = serve("activecampaign")
    server.forms = [make_form(7, "Newsletter", double_opt_in=True)]
    result = AC.fetch_list("forms", server.credentials())
    assert result.ok
    assert any("without double opt-in" in w for w in result.warnings)


def test_no_forms_says_to_make_one(serve) -> None:
    server = serve("activecampaign")
    server.forms = []
    result = AC.fetch_list("forms", server.credentials())
    assert result.ok and result.choices == ()
    assert "no opt-in forms" in result.message


def test_more_than_one_page_of_forms(serve) -> None:
    server = serve("activecampaign")
    server.forms = [make_form(i, f"Form {i}", double_opt_in=bool(i % 2)) for i in range(1, 251)]
    result = AC.fetch_list("forms", server.credentials())
    assert result.ok
    assert [c.id for c in result.choices] == [str(i) for i in range(1, 251)]
    offsets = [r.query["offset"] for r in server.requests if r.path == "/api/3/forms"]
    assert offsets == ["0", "100", "200"]


def test_pages_follow_what_the_server_actually_sent(serve) -> None:
    server = serve("activecampaign")
    server.max_limit = 3  # answers fewer than asked for
    server.forms = [make_form(i, f"Form {i}", double_opt_in=False) for i in range(1, 9)]
    result = AC.fetch_list("forms", server.credentials())
    assert [c.id for c in result.choices] == [str(i) for i in range(1, 9)]


def test_endless_forms_stop_with_a_warning(serve) -> None:
    server = serve("activecampaign")
    server.rate_limit = None
    server.max_limit = 1
    server.forms = [make_form(i, f"Form {i}", double_opt_in=False) for i in range(1, 31)]
    result = AC.fetch_list("forms", server.credentials())
    assert result.ok
    assert len(result.choices) == 20
    assert any("only the first 20" in w for w in result.warnings)


def test_forms_with_a_bad_key_are_bad_credentials(serve) -> None:
    server = serve("activecampaign")
    result = AC.fetch_list("forms", {**server.credentials(), "api_key": WRONG_KEY})
    assert result.status == Status.INVALID_CREDENTIALS
    assert_no_secret(result, WRONG_KEY)


def test_forms_refused_to_a_good_key_are_a_permission_problem(serve) -> None:
    server = serve("activecampaign")
    result = AC.fetch_list("forms", {**server.credentials(), "api_key": NO_FORMS_TOKEN})
    assert result.status == Status.FORBIDDEN
    assert "forms" in result.message and "Settings > Users" in result.message


@pytest.mark.parametrize(("form", "expected"), [
    ({"options": {"sendoptin": True}}, True),
    ({"options": {"sendoptin": "1"}}, True),
    ({"options": {"sendoptin": 0}}, False),
    ({"options": {"sendoptin": "false"}}, False),
    ({"options": '{"sendoptin": true}'}, True),
    ({"options": {"confaction": "show-message"}}, None),
    ({}, None),
    ({"options": {"sendoptin": "maybe"}}, None),
])
def test_double_opt_in_is_read_tolerantly(form, expected) -> None:
    assert form_double_opt_in(form) is expected
