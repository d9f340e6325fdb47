"""Pasted values with characters nobody can see, over real HTTP against the stand-ins.

Invisible characters (zero-width spaces, byte-order marks, soft hyphens, special spaces, line
breaks) are removed wherever they are, with a note saying what was removed, and the clean value
is what reaches the service. A character that cannot be sent (a control character, or anything
but plain ASCII in a key or id, which travel in HTTP headers) is a format problem naming the field
and the character, and no request is made at all.
"""

from __future__ import annotations

import pytest

from accessally_desktop.integrations import registry
from accessally_desktop.integrations.status import Status
from accessally_desktop.sandbox.stripe import PUBLISHABLE_KEY, SECRET_KEY

STRIPE = registry.get("stripe")


def _sendable_fields() -> list[tuple[str, str]]:
    """(service, field) for every key and id a stand-in's passing credentials fill in."""
    from accessally_desktop.sandbox import server_class

    out = []
    for service_id in registry.SERVICE_IDS:
        integration = registry.get(service_id)
        filled = server_class(service_id).demo
        out += [(service_id, f.name) for f in integration.fields
                if not f.address and not f.choices and filled.get(f.name)]
    return out


SENDABLE = _sendable_fields()


def _with(values: dict[str, str], name: str, inserted: str) -> dict[str, str]:
    value = values[name]
    return {**values, name: value[:6] + inserted + value[6:]}


def test_a_non_ascii_letter_in_the_stripe_secret_key_is_named_and_nothing_is_sent(serve) -> None:
    server = serve("stripe")
    result = STRIPE.test(_with(server.credentials(), "secret_key", "é"), timeout=5)
    assert result.status is Status.INVALID_FORMAT, result
    assert result.message.startswith("The Secret key contains “é” (Latin small letter e with acute)"), result
    assert "does not understand" not in result.message
    assert server.requests == []


@pytest.mark.parametrize(("service_id", "name"), SENDABLE, ids=[f"{s}-{n}" for s, n in SENDABLE])
@pytest.mark.parametrize(("inserted", "named"), [("ü", "“ü”"), ("\u0430", "Cyrillic small letter a"),
                                                 ("\x1b", "invisible control character (escape)"),
                                                 ("\x00", "invisible control character (null)"),
                                                 ("…", "shortened example")],
                         ids=["umlaut", "cyrillic-a", "escape", "null", "ellipsis"])
def test_an_unsendable_character_in_any_key_or_id_is_a_format_problem_before_any_request(
        serve, service_id: str, name: str, inserted: str, named: str) -> None:
    server = serve(service_id)
    integration = registry.get(service_id)
    values = server.credentials() if name in server.credentials() else server.rest_credentials()
    result = integration.test(_with(values, name, inserted), timeout=5)
    assert result.status is Status.INVALID_FORMAT, result
    assert result.message.startswith(f"The {integration.field(name).label} contains"), result
    assert named in result.message
    assert server.requests == [], "nothing may be sent with a value that cannot be sent"


@pytest.mark.parametrize(("inserted", "note"), [
    ("\u200b", "Removed 1 invisible character (zero-width space) from the Secret key."),
    ("\ufeff\u200d", "Removed 2 invisible characters (1 byte-order mark and 1 zero-width joiner) from the Secret key."),
    ("\u00a0", "Removed 1 invisible character (non-breaking space) from the Secret key."),
    ("\r\n", "Removed 2 invisible characters (line breaks) from the Secret key."),
    ("\u00ad\u2060\u200e", "(1 soft hyphen, 1 word joiner and 1 left-to-right mark)"),
])
def test_invisible_characters_inside_a_key_are_removed_with_a_note_and_the_clean_key_is_sent(
        serve, inserted: str, note: str) -> None:
    server = serve("stripe")
    values = _with(server.credentials(), "secret_key", inserted)
    report = STRIPE.check_format(values)
    assert report.ok, report
    assert report.values["secret_key"] == SECRET_KEY
    notes = [p.message for p in report.for_field("secret_key") if p.severity == "note"]
    assert any(note in message for message in notes), notes
    result = STRIPE.test(values, timeout=5)
    assert result.status is Status.OK, result
    assert {r.header("Authorization") for r in server.requests} >= {f"Bearer {SECRET_KEY}"}
    assert all(r.header("Authorization") in (f"Bearer {SECRET_KEY}", f"Bearer {PUBLISHABLE_KEY}")
               for r in server.requests)


def test_invisible_characters_in_a_web_address_are_removed_and_international_letters_kept() -> None:
    license_ = registry.get("license")
    report = license_.check_format({"license_key": "AA-7F3A9C2E-0B1D-4E8F-9A6C", "email": "a@b.example",
                                    "site_url": "https://b\u00fccher\u200b.example\n"})
    assert report.values["site_url"] == "https://bücher.example"
    assert not report.for_field("site_url") or all(p.severity == "note" for p in report.for_field("site_url"))
    assert any("zero-width space" in p.message for p in report.for_field("site_url"))


@pytest.mark.parametrize(("pasted", "gap"), [("sk_test_abc sk_test_def", "space"), ("sk_test_abc\tdef", "tab")])
def test_an_ordinary_space_or_tab_inside_is_still_refused(pasted: str, gap: str) -> None:
    report = STRIPE.check_format({"publishable_key": PUBLISHABLE_KEY, "secret_key": pasted})
    assert not report.ok
    assert any(f"has a {gap} inside it" in p.message for p in report.for_field("secret_key"))


def test_a_value_of_only_invisible_characters_is_empty() -> None:
    report = STRIPE.check_format({"publishable_key": PUBLISHABLE_KEY, "secret_key": "\u200b\u00a0\n"})
    assert report.values["secret_key"] == ""
    assert any(p.message.startswith("Enter the Secret key") for p in report.errors)
