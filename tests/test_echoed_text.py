"""What a server sends back reaches the owner only cleaned: secrets it echoes are masked, its text
is capped and never rendered as markup.

WAFs and debugging proxies answer with the request they refused, credentials and all; the stand-ins'
"echo" fault does the same over real HTTP (see `sandbox.server.echo`).
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import phpserialize
import pytest
from test_logs import exposed

from accessally_desktop import cli
from accessally_desktop.integrations import registry
from accessally_desktop.integrations.transport import EXCERPT_CHARS
from accessally_desktop.sandbox import server_class
from accessally_desktop.settings import SiteProfile
from accessally_desktop.storage import saved_result
from accessally_desktop.ui.dashboard import Dashboard

PAYPAL_PASSWORD = "p@ss/w0rd+Quite&Long=1"
LICENSE_KEY = "cc22c1ec86304b36883440e2e84cd017"


def check_output(service_id: str, values: dict[str, str], tmp_path: Path) -> str:
    """What `accessally-desktop check` prints (table, JSON and stderr) for these credentials."""
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({service_id: values}))
    printed = []
    for as_json in (False, True):
        out, err = io.StringIO(), io.StringIO()
        args = argparse.Namespace(service=[service_id], json=as_json, credentials=str(path), site=None, timeout=5)
        cli.run(args, stdout=out, stderr=err)
        printed += [out.getvalue(), err.getvalue()]
    return "\n".join(printed)


ECHOES = {
    # Drip's token travels as Basic auth: base64 of "token:".
    "drip's basic auth, the whole request": ("drip", {}, "api_token", "Blocked by the firewall:\n{request}"),
    "drip's basic auth, only the credentials": ("drip", {}, "api_token", "credentials seen: {auth} (refused)"),
    # PayPal's NVP password, still %-encoded, without its PWD= name.
    "paypal's password %-encoded": ("paypal", {"api_password": PAYPAL_PASSWORD}, "api_password",
                                    "Request refused, suspicious value {raw[PWD]} in the body"),
    # Kit's secret glued to the words around it.
    "kit's secret glued to letters": ("convertkit", {}, "api_secret", "denied{value[api_secret]}now"),
}


@pytest.mark.parametrize("case", ECHOES)
def test_a_secret_the_server_echoes_is_masked_in_details_and_in_check(serve, tmp_path, case: str) -> None:
    service_id, changes, field, template = ECHOES[case]
    server = serve(service_id)
    values = {**server.credentials(), **changes}
    server.inject("echo", code=403, template=template)
    result = registry.get(service_id).test(values, timeout=5)
    assert not result.ok and result.detail, result
    shown = json.dumps(result.as_json(), ensure_ascii=False)
    assert exposed(values[field], shown) == [], shown
    printed = check_output(service_id, values, tmp_path)
    assert "403" in printed
    assert exposed(values[field], printed) == [], printed


@pytest.mark.parametrize("shift", range(0, 27, 2))
def test_a_license_key_cut_by_the_excerpt_is_masked_not_shown_in_part(serve, tmp_path, shift: int) -> None:
    """The cut falls inside a copy of the key, at every offset: no long piece of it is shown."""
    server = serve("license")
    values = {**server.credentials(), "license_key": LICENSE_KEY}
    padding = "x" * (EXCERPT_CHARS - len(LICENSE_KEY) + shift)
    server.inject("echo", code=403, template=padding + " ".join(["{value[serial]}"] * 3))
    result = registry.get("license").test(values, timeout=5)
    shown = json.dumps(result.as_json())
    assert "403" in shown
    assert exposed(LICENSE_KEY, shown) == [], shown
    assert exposed(LICENSE_KEY, check_output("license", values, tmp_path)) == []


HUGE_NAME = "Acme Coaching " + "A" * 1_900_000
MARKUP = '&lt;h1 style="color:red"&gt;9.9&lt;/h1&gt;'


def hostile_results(serve) -> dict:
    """A Drip account named with 1.9 MB of text, and a license server that answers in HTML."""
    drip = serve("drip")
    drip.inject("status", code=200, body={"accounts": [{"id": drip.credentials()["account_id"], "name": HUGE_NAME,
                                                        "url": "https://acme.example", "email": "a@acme.example"}]})
    license_server = serve("license")
    license_server.inject("status", code=200, content_type="text/html; charset=UTF-8", body=phpserialize.dumps(
        {"version": MARKUP, "tested": "6.5", "message": [f"{MARKUP} " * 2000]}).decode())
    return {sid: registry.get(sid).test(server.credentials(), timeout=5)
            for sid, server in (("drip", drip), ("license", license_server))}


def saved_values(service_id: str) -> dict[str, str]:
    """The non-secret values a site keeps for a service (here its stand-in's demo ones)."""
    secret = registry.get(service_id).secret_fields
    return {k: v for k, v in server_class(service_id).demo.items() if k not in secret}


def test_a_huge_name_and_html_from_a_server_are_short_plain_text_in_the_dashboard(qtbot, serve) -> None:
    results = hostile_results(serve)
    assert all(r.ok for r in results.values()), results
    assert all(len(r.account.name) <= 400 and len(r.message) <= 400 for r in results.values())
    profile = SiteProfile("<b>Acme</b> " + "S" * 5000, crm="drip", values={s: saved_values(s) for s in results},
                          results={sid: saved_result(r, 1.0) for sid, r in results.items()})
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.set_profile(profile)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    account = dashboard.rows["drip"].account
    assert account.textFormat() == Qt.TextFormat.PlainText
    assert account.text().startswith("Account: Acme Coaching AAA") and len(account.text()) <= 420
    extra = dashboard.rows["license"].extra
    assert extra.textFormat() == Qt.TextFormat.PlainText and '<h1 style="color:red">' in extra.text()
    for label in dashboard.findChildren(QLabel):
        assert len(label.text()) <= 500, (label.objectName(), len(label.text()))
        if "<h1" in label.text() or "<b>Acme" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    assert "Acme" in dashboard.title.text()


def test_checks_warnings_on_stderr_are_redacted_too(tmp_path: Path) -> None:
    """A Stripe key pasted where a service id belongs is named in the warning, masked like the log."""
    key = "sk_live_51AbCdEfGhIjKlMnOpQrStUv"
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({key: {"secret_key": key}}))
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(service=[], json=False, credentials=str(path), site=None, timeout=5)
    assert cli.run(args, stdout=out, stderr=err) == cli.EXIT_USAGE
    assert "Unknown service 'sk_live_••••' in the credentials" in err.getvalue()
    assert exposed(key, out.getvalue() + err.getvalue()) == []


def test_a_site_name_longer_than_a_title_can_show_is_refused_and_an_imported_one_shortened() -> None:
    from accessally_desktop.settings import MAX_SITE_NAME, site_name_problem
    from accessally_desktop.transfer import free_site_name

    assert site_name_problem("S" * (MAX_SITE_NAME + 1), []) == f"A site name can be at most {MAX_SITE_NAME} characters long."
    assert site_name_problem("S" * MAX_SITE_NAME, []) == ""
    imported = free_site_name("S" * 5000, ["S" * 5000])
    assert site_name_problem(imported, []) == "" and imported.startswith("SSS")
