"""AccessAlly license over EDD Software Licensing: check, activate, deactivate, and every status code."""

from __future__ import annotations

import json

import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations.license import DEFAULT_ITEM_ID, ITEM_ID_ENV_VAR, OUTCOMES
from accessally_desktop.sandbox.license import (
    BUNDLE_KEY,
    DISABLED_KEY,
    EXPIRED_KEY,
    FRESH_KEY,
    FULL_KEY,
    LIFETIME_KEY,
    OTHER_ITEM_ID,
    OTHER_PRODUCT_KEY,
    SITE_URL,
    VALID_KEY,
    clean_site_url,
)

lic = registry.get("license")

NEW_SITE = "https://new-site.example.com"
UNKNOWN_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _default_item_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits a product id override from the shell."""
    monkeypatch.delenv(ITEM_ID_ENV_VAR, raising=False)


@pytest.fixture
def server(serve):
    """The license store stand-in, with the integration pointed at it."""
    return serve("license")


def _long_date(when) -> str:
    return f"{when.day} {when:%B} {when.year}"


def _values(key: str, site: str = SITE_URL) -> dict[str, str]:
    return {"license_key": key, "site_url": site}


def test_fields_are_a_secret_key_and_the_site_address() -> None:
    assert [f.name for f in lic.fields] == ["license_key", "site_url"]
    assert lic.field("license_key").secret and not lic.field("site_url").secret
    assert (lic.kind, lic.name) == ("license", "AccessAlly license")


def test_valid_license_shows_expiry_and_activations(server) -> None:
    result = lic.test(server.credentials())
    assert result.status == Status.OK, result
    expires = server.licenses[VALID_KEY].expires
    assert result.message.startswith(f"Active until {_long_date(expires)}.")
    assert "2 of 3 site activations left" in result.message
    assert result.account.name == "Jane Doe" and result.account.email == "jane@members.example.com"
    assert dict(result.account.extra) == {"expires": expires.strftime("%Y-%m-%d %H:%M:%S"),
                                          "activations_left": "2", "license_limit": "3", "site_count": "1"}


def test_lifetime_license(server) -> None:
    result = lic.test(_values(LIFETIME_KEY))
    assert result.status == Status.OK, result
    assert result.message.startswith("Lifetime license.")
    assert "Unlimited sites" in result.message
    assert result.account.extra["expires"] == "lifetime"
    assert result.account.extra["activations_left"] == "unlimited"
    assert result.account.extra["license_limit"] == "0"


def test_check_posts_a_form_and_never_puts_the_key_in_the_url(server) -> None:
    lic.test(server.credentials())
    request = server.requests[-1]
    assert (request.method, request.path, request.query) == ("POST", "/", {})
    assert request.header("Content-Type").startswith("application/x-www-form-urlencoded")
    assert request.form() == {"edd_action": "check_license", "item_id": DEFAULT_ITEM_ID,
                              "license": VALID_KEY, "url": SITE_URL}


@pytest.mark.parametrize(("key", "site", "status", "phrases"), [
    (EXPIRED_KEY, SITE_URL, Status.FORBIDDEN, ["expired on 31 January 2024", "Renew"]),
    (DISABLED_KEY, SITE_URL, Status.FORBIDDEN, ["disabled", "new key"]),
    (FRESH_KEY, SITE_URL, Status.FORBIDDEN, ["not activated on any site", "Click Activate"]),
    (VALID_KEY, NEW_SITE, Status.FORBIDDEN, [f"not activated for {NEW_SITE}", "Click Activate"]),
    (FULL_KEY, SITE_URL, Status.FORBIDDEN, ["not activated for", "all 2 of its sites", "Deactivate"]),
    (OTHER_PRODUCT_KEY, SITE_URL, Status.INVALID_CREDENTIALS, ["another product"]),
    (UNKNOWN_KEY, SITE_URL, Status.INVALID_CREDENTIALS, ["does not know this key"]),
])
def test_check_outcomes(server, key: str, site: str, status: Status, phrases: list[str]) -> None:
    result = lic.test(_values(key, site))
    assert result.status == status, result
    for phrase in phrases:
        assert phrase in result.message, result.message
    assert "check_license" in result.detail


def test_a_known_key_that_fails_still_reports_its_facts(server) -> None:
    result = lic.test(_values(EXPIRED_KEY))
    assert result.account.extra["expires"] == "2024-01-31 23:59:59"
    assert result.account.email == "jane@members.example.com"
    assert lic.test(_values(UNKNOWN_KEY)).account.as_dict() == {}


# Codes the stand-in's demo keys do not reach, answered the EDD way: HTTP 200 and the code in the body.
@pytest.mark.parametrize(("body", "status", "phrase"), [
    ({"success": False, "license": "revoked"}, Status.FORBIDDEN, "disabled"),
    ({"success": False, "license": "key_mismatch"}, Status.INVALID_CREDENTIALS, "another product"),
    ({"success": True, "license": "item_name_mismatch"}, Status.INVALID_CREDENTIALS, "another product"),
    ({"success": False, "license": "invalid", "error": "missing_url"}, Status.BAD_RESPONSE, "site address"),
    ({"success": True, "license": "on_hold"}, Status.BAD_RESPONSE, "does not know"),
    ({"success": True}, Status.BAD_RESPONSE, "no license status"),
    ({"status": "ok"}, Status.BAD_RESPONSE, "no license status"),
])
def test_unusual_answers(server, body: dict, status: Status, phrase: str) -> None:
    server.inject("status", code=200, body=body)
    call = lic.activate if "error" in body else lic.test
    result = call(server.credentials())
    assert result.status == status, result
    assert phrase in result.message
    code = body.get("error") or body.get("license")
    if code:
        assert code in result.detail  # the raw code is kept for support


def test_status_table_covers_every_documented_code() -> None:
    documented = {"valid", "invalid", "invalid_item_id", "item_name_mismatch", "expired", "disabled", "inactive",
                  "site_inactive", "missing", "missing_url", "license_not_activable", "no_activations_left",
                  "key_mismatch", "revoked", "deactivated", "failed"}
    assert documented <= set(OUTCOMES)
    assert OUTCOMES["valid"].status == Status.OK


def test_check_is_read_only(server) -> None:
    before = set(server.licenses[FRESH_KEY].sites)
    lic.test(_values(FRESH_KEY, NEW_SITE))
    assert server.licenses[FRESH_KEY].sites == before == set()


def test_activate_then_check_is_valid(server) -> None:
    values = _values(FRESH_KEY, NEW_SITE)
    assert lic.test(values).status == Status.FORBIDDEN
    activated = lic.activate(values)
    assert activated.status == Status.OK, activated
    assert activated.message.startswith(f"Activated for {NEW_SITE}. Active until ")
    assert activated.account.extra["activations_left"] == "0"
    assert server.requests[-1].form()["edd_action"] == "activate_license"
    assert clean_site_url(NEW_SITE) in server.licenses[FRESH_KEY].sites
    checked = lic.test(values)
    assert checked.status == Status.OK, checked
    assert checked.message.startswith("Active until ")


def test_activating_the_same_site_again_does_not_use_another_activation(server) -> None:
    result = lic.activate(server.credentials())
    assert result.status == Status.OK, result
    assert result.account.extra["site_count"] == "1"


def test_deactivate_frees_the_site(server) -> None:
    result = lic.deactivate(server.credentials())
    assert result.status == Status.OK, result
    assert result.message.startswith(f"Deactivated the license for {SITE_URL}.")
    assert server.requests[-1].form()["edd_action"] == "deactivate_license"
    assert server.licenses[VALID_KEY].sites == set()
    # EDD sends the expiry as a Unix timestamp here; it still reads as the same date.
    assert result.account.extra["expires"] == server.licenses[VALID_KEY].expires.strftime("%Y-%m-%d %H:%M:%S")
    after = lic.test(server.credentials())
    assert after.status == Status.FORBIDDEN and "Click Activate" in after.message
    again = lic.deactivate(server.credentials())
    assert again.status == Status.FORBIDDEN and "would not deactivate" in again.message


def test_deactivate_an_unknown_key(server) -> None:
    result = lic.deactivate(_values(UNKNOWN_KEY))
    assert result.status == Status.INVALID_CREDENTIALS
    assert "does not know this key" in result.message


def test_no_activations_left(server) -> None:
    before = set(server.licenses[FULL_KEY].sites)
    result = lic.activate(_values(FULL_KEY, NEW_SITE))
    assert result.status == Status.FORBIDDEN, result
    assert "already used on all 2 of its sites" in result.message
    assert "Deactivate it on a site you no longer use" in result.message
    assert "no_activations_left" in result.detail
    assert server.licenses[FULL_KEY].sites == before


@pytest.mark.parametrize(("key", "status", "phrase"), [
    (EXPIRED_KEY, Status.FORBIDDEN, "expired on 31 January 2024"),
    (DISABLED_KEY, Status.FORBIDDEN, "disabled"),
    (BUNDLE_KEY, Status.INVALID_CREDENTIALS, "bundle"),
    (OTHER_PRODUCT_KEY, Status.INVALID_CREDENTIALS, "another product"),
    (UNKNOWN_KEY, Status.INVALID_CREDENTIALS, "does not know this key"),
])
def test_activation_failures(server, key: str, status: Status, phrase: str) -> None:
    result = lic.activate(_values(key, NEW_SITE))
    assert result.status == status, result
    assert phrase in result.message
    assert clean_site_url(NEW_SITE) not in getattr(server.licenses.get(key), "sites", set())


def test_product_id_override(server, monkeypatch) -> None:
    monkeypatch.setenv(ITEM_ID_ENV_VAR, OTHER_ITEM_ID)
    result = lic.test(server.credentials())
    assert result.status == Status.INVALID_CREDENTIALS and "another product" in result.message
    assert server.requests[-1].form()["item_id"] == OTHER_ITEM_ID
    monkeypatch.setenv(ITEM_ID_ENV_VAR, "accessally")
    wrong = lic.test(server.credentials())
    assert wrong.status == Status.INVALID_FORMAT and ITEM_ID_ENV_VAR in wrong.message


def test_store_answering_a_web_page(server) -> None:
    server.inject("html")
    result = lic.test(server.credentials())
    assert result.status == Status.BAD_RESPONSE
    assert "web page" in result.message and "security" in result.message


def test_security_plugin_refusing_with_403(server) -> None:
    server.inject("html", code=403)
    result = lic.test(server.credentials())
    assert result.status == Status.FORBIDDEN
    assert "firewall or security plugin" in result.message


def test_site_address_without_scheme_gets_https(server) -> None:
    report = lic.check_format(_values(VALID_KEY, "members.example.com"))
    assert report.ok
    assert report.values["site_url"] == SITE_URL
    assert any("Added https://" in p.message for p in report.for_field("site_url"))
    result = lic.test(_values(VALID_KEY, "members.example.com"))
    assert result.status == Status.OK
    assert server.requests[-1].form()["url"] == SITE_URL


@pytest.mark.parametrize(("site", "phrase"), [
    ("ftp://members.example.com", "must start with https://"),
    ("https://", "no site name"),
    ("members", "does not look like a web address"),
])
def test_site_address_mistakes(server, site: str, phrase: str) -> None:
    result = lic.test(_values(VALID_KEY, site))
    assert result.status == Status.INVALID_FORMAT
    assert phrase in result.message
    assert server.requests == []


def test_license_key_shape(server) -> None:
    odd = "ACC-1234-5678"
    result = lic.test(_values(odd))
    assert result.status == Status.INVALID_CREDENTIALS  # only a warning: the store still decides
    assert any("32 characters" in w and "13" in w for w in result.warnings)
    assert lic.check_format(_values(VALID_KEY)).warnings == ()
    pasted_url = lic.test(_values("https://accessally.com/account"))
    assert pasted_url.status == Status.INVALID_FORMAT and "web address" in pasted_url.message
    assert lic.test(_values("")).status == Status.INVALID_FORMAT


def test_no_key_in_any_message_detail_or_warning(server) -> None:
    keys = [VALID_KEY, LIFETIME_KEY, FRESH_KEY, EXPIRED_KEY, DISABLED_KEY, FULL_KEY, OTHER_PRODUCT_KEY, BUNDLE_KEY,
            UNKNOWN_KEY, "short-key-42"]
    for key in keys:
        for call in (lic.test, lic.activate, lic.deactivate):
            result = call(_values(key, NEW_SITE))
            text = json.dumps(result.as_json())
            assert key not in text, (call.__name__, text)
    server.inject("status", code=200, body={"success": False, "license": "weird", "echo": VALID_KEY})
    echoed = lic.test(server.credentials())
    assert echoed.status == Status.BAD_RESPONSE
    assert VALID_KEY not in json.dumps(echoed.as_json())


def test_a_check_answering_deactivated_is_not_a_pass(serve) -> None:
    server = serve("license")
    server.inject("status", code=200, body={"success": True, "license": "deactivated", "item_id": 1,
                                            "expires": "2027-11-25 23:59:59", "license_limit": 3,
                                            "activations_left": 2, "site_count": 1})
    result = registry.get("license").test(server.credentials())
    assert result.status == Status.FORBIDDEN
    assert "not activated for" in result.message and "Activate" in result.message
