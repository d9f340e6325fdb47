"""AccessAlly's license over the vendor's hosted_plugin protocol: e-mail + serial, a PHP-serialized reply."""

from __future__ import annotations

import json

import phpserialize
import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations.license import DEFAULT_LICENSE_URL
from accessally_desktop.sandbox.license import (
    EMAIL,
    EXPIRED_UPDATES_SERIAL,
    GARBAGE_SERIAL,
    HTML_SERIAL,
    LATEST_VERSION,
    NO_CODE_SERIAL,
    NOTICE_SERIAL,
    OBJECT_SERIAL,
    REVOKED_SERIAL,
    SITE_URL,
    UNKNOWN_ERROR,
    VALID_SERIAL,
)

lic = registry.get("license")


@pytest.fixture
def server(serve):
    """The license server stand-in, with the integration pointed at it."""
    return serve("license")


def _values(serial: str = VALID_SERIAL, email: str = EMAIL, site: str = SITE_URL) -> dict[str, str]:
    return {"email": email, "license_key": serial, "site_url": site}


def _php_reply(server, data: object) -> None:
    server.inject("status", code=200, body=phpserialize.dumps(data), content_type="text/html; charset=UTF-8")


def test_fields_are_the_license_email_the_serial_key_and_the_site_address() -> None:
    assert [f.name for f in lic.fields] == ["email", "license_key", "site_url"]
    assert [f.label for f in lic.fields] == ["License e-mail", "Serial Key", "Site address"]
    assert lic.field("license_key").secret and not lic.field("email").secret
    assert "vault" in lic.field("license_key").help and "bought" in lic.field("email").help
    assert lic.default_base_url == DEFAULT_LICENSE_URL == "https://members.ambitionally.com/hosted_plugin/accessally"


def test_good_license_shows_the_latest_version(server) -> None:
    result = lic.test(_values())
    assert result.status == Status.OK, result
    assert f"Latest AccessAlly version: {LATEST_VERSION}" in result.message
    assert result.account.email == EMAIL and dict(result.account.extra) == {"latest_version": LATEST_VERSION}
    assert lic.facts_text(result.account.extra) == f"Latest AccessAlly version: {LATEST_VERSION}"
    assert result.warnings == ()


def test_the_check_sends_exactly_the_four_fields_in_a_post_body(server) -> None:
    lic.test(_values())
    request = server.requests[-1]
    assert request.method == "POST" and request.path == "/" and request.query == {}
    assert request.form() == {"action": "update", "email": EMAIL, "serial": VALID_SERIAL, "siteurl": SITE_URL}
    assert request.header("content-type").startswith("application/x-www-form-urlencoded")


def test_the_servers_messages_are_shown_as_plain_text(server) -> None:
    result = lic.test(_values(NOTICE_SERIAL))
    assert result.status == Status.OK
    assert "Message from AccessAlly: Your AccessAlly subscription renews on 1 March. Manage it here ." \
        in result.message
    assert "<a" not in result.message


@pytest.mark.parametrize("serial", [REVOKED_SERIAL, "AA-NOT-A-REAL-SERIAL"])
def test_an_error_code_above_900_means_the_serial_is_not_valid(server, serial: str) -> None:
    result = lic.test(_values(serial))
    assert result.status == Status.INVALID_CREDENTIALS, result
    assert result.message.startswith("AccessAlly's license server did not accept this serial key: ")
    said = UNKNOWN_ERROR if serial != REVOKED_SERIAL else "This serial key has been deactivated."
    assert said in result.message


def test_a_wrong_email_with_a_good_serial_is_refused(server) -> None:
    result = lic.test(_values(email="someone.else@example.com"))
    assert result.status == Status.INVALID_CREDENTIALS and UNKNOWN_ERROR in result.message


@pytest.mark.parametrize(("serial", "said"), [
    (EXPIRED_UPDATES_SERIAL, "update subscription has expired"),
    (NO_CODE_SERIAL, "maintenance mode"),
])
def test_an_error_at_or_below_900_or_without_a_code_keeps_the_license_working_with_a_warning(
        server, serial: str, said: str) -> None:
    result = lic.test(_values(serial))
    assert result.status == Status.OK, result
    assert len(result.warnings) == 1 and said in result.warnings[0]
    assert result.warnings[0].startswith("AccessAlly's license server says: ")


@pytest.mark.parametrize(("code", "status"), [("900", Status.OK), (900, Status.OK), ("901", Status.INVALID_CREDENTIALS),
                                              (901, Status.INVALID_CREDENTIALS), ("1e3", Status.INVALID_CREDENTIALS),
                                              (" 950 ", Status.INVALID_CREDENTIALS), ("", Status.OK),
                                              ("abc", Status.OK), (None, Status.OK), (True, Status.OK)])
def test_error_codes_compare_with_900_as_php_does(server, code: object, status: Status) -> None:
    _php_reply(server, {"error": "A message.", "error-code": code})
    assert lic.test(_values()).status == status


@pytest.mark.parametrize(("serial", "phrase"), [
    (HTML_SERIAL, "web page"),
    (GARBAGE_SERIAL, "could not read"),
    (OBJECT_SERIAL, "could not read"),
])
def test_a_page_unreadable_bytes_or_a_php_object_are_never_a_pass(server, serial: str, phrase: str) -> None:
    result = lic.test(_values(serial))
    assert result.status == Status.BAD_RESPONSE, result
    assert phrase in result.message


def test_a_php_object_is_refused_not_built(server) -> None:
    _php_reply(server, {"version": phpserialize.phpobject("Evil", {"x": 1})})
    result = lic.test(_values())
    assert result.status == Status.BAD_RESPONSE
    assert "PHP object" in result.detail and "Evil" in result.detail


@pytest.mark.parametrize("body", [phpserialize.dumps(["7.4.2"]), phpserialize.dumps("7.4.2"),
                                  phpserialize.dumps({"tested": "6.7"}), b""])
def test_an_answer_without_version_or_error_is_not_a_pass(server, body: bytes) -> None:
    server.inject("status", code=200, body=body)
    assert lic.test(_values()).status == Status.BAD_RESPONSE


def test_deeply_nested_php_data_is_an_unreadable_answer(server) -> None:
    server.inject("status", code=200, body=b"a:1:{i:0;" * 5000 + b"i:1;" + b"}" * 5000)
    assert lic.test(_values()).status == Status.BAD_RESPONSE


@pytest.mark.parametrize(("code", "status"), [(403, Status.FORBIDDEN), (404, Status.NOT_FOUND),
                                              (401, Status.BAD_RESPONSE), (500, Status.SERVER_ERROR),
                                              (503, Status.SERVER_ERROR), (429, Status.RATE_LIMITED),
                                              (302, Status.BAD_RESPONSE), (201, Status.BAD_RESPONSE)])
def test_anything_but_http_200_is_never_a_pass_nor_a_bad_serial(server, code: int, status: Status) -> None:
    server.inject("status", code=code, body=phpserialize.dumps({"version": "7.4.2"}),
                  headers={"Location": "https://elsewhere.example/"} if code == 302 else {})
    result = lic.test(_values())
    assert result.status == status, result


def test_the_front_page_of_the_server_is_a_web_page(server) -> None:
    server.inject("html")
    result = lic.test(_values())
    assert result.status == Status.BAD_RESPONSE and "web page" in result.message


def test_site_address_without_scheme_gets_https(server) -> None:
    report = lic.check_format(_values(site="members.example.com"))
    assert report.ok and report.values["site_url"] == SITE_URL
    assert lic.test(_values(site="members.example.com")).status == Status.OK
    assert server.requests[-1].form()["siteurl"] == SITE_URL


@pytest.mark.parametrize(("values", "phrase"), [
    (_values(site="ftp://members.example.com"), "must start with https://"),
    (_values(site="members"), "does not look like a web address"),
    (_values(email="jane.example.com"), "not an e-mail address"),
    (_values(email=""), "Enter the License e-mail"),
    (_values(serial=""), "Enter the Serial Key"),
    (_values(serial="https://accessally.com/account"), "web address, not a serial key"),
    (_values(serial=EMAIL), "e-mail address, not a serial key"),
])
def test_format_mistakes_are_named_before_any_request(server, values: dict[str, str], phrase: str) -> None:
    result = lic.test(values)
    assert result.status == Status.INVALID_FORMAT and phrase in result.message, result
    assert server.requests == []


def test_an_international_email_is_sent_as_typed(server) -> None:
    lic.test(_values(email="jöhn@exämple.com"))
    assert server.requests[-1].form()["email"] == "jöhn@exämple.com"


def test_no_serial_in_any_message_detail_or_warning(server) -> None:
    for serial in (VALID_SERIAL, NOTICE_SERIAL, EXPIRED_UPDATES_SERIAL, REVOKED_SERIAL, GARBAGE_SERIAL,
                   "AA-UNKNOWN-1234"):
        text = json.dumps(lic.test(_values(serial)).as_json())
        assert serial not in text, text
    _php_reply(server, {"error": f"The serial {VALID_SERIAL} is not valid.", "error-code": 950})
    echoed = lic.test(_values())
    assert echoed.status == Status.INVALID_CREDENTIALS
    assert VALID_SERIAL not in json.dumps(echoed.as_json()) and "The serial •••• is not valid." in echoed.message
