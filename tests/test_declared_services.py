"""A CRM declared only here — fields, a secret, a toggle and a list pick — works everywhere once
registered: the wizard, the dashboard, the CRM panel, export and import, and `check`, with no
change to any other file. (What a new CRM needs is its own module and a line in the registry.)"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QWizard
from test_wizard import choose, make_wizard, run_test, type_into

from accessally_desktop import cli, transfer
from accessally_desktop.integrations import Account, Choice, Field, Integration, Status, registry
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.integrations.options import Lookup, Pick, Toggle
from accessally_desktop.settings import SettingsStore, SiteProfile
from accessally_desktop.ui.crm_settings import CrmSettingsPanel
from accessally_desktop.ui.dashboard import Dashboard

GOOD_KEY = "exk-good-0123456789"
LISTS = [{"id": "11", "name": "Newsletter"}, {"id": "12", "name": "Buyers"}]


class ExampleCrm(Integration):
    id = "examplecrm"
    name = "Example CRM"
    kind = "crm"
    default_base_url = "https://api.example-crm.invalid"
    where_to_find = "In Example CRM: Settings > API."
    fields = (Field("api_key", "API Key", "In Example CRM: Settings > API.", secret=True),)
    secret_headers = ("X-Example-Key",)
    secret_shapes = (r"exk-[a-z]+-[0-9]{6,}",)
    options = (
        Toggle("tracking", "Add the Example CRM &tracking script to every page", default=True),
        Pick("list", "&Buyers list:", item="list", none_label="No list chosen",
             lookup=Lookup("lists", "Loading lists…", "&Refresh lists", "Refresh the Example CRM lists",
                           "Could not load the lists.")),
    )

    def _get(self, attempt, values, path):
        reply = attempt.request(self.name, "GET", f"{self.base_url()}{path}",
                                headers={"Authorization": f"Bearer {values['api_key']}"})
        reply.fail_for_status(invalid_credentials="Example CRM did not accept this API Key.")
        return reply.json_object()

    def probe(self, attempt, values):
        data = self._get(attempt, values, "/me")
        return self.result(Status.OK, f"Connected to {data['name']}.", account=Account(name=data["name"], id="42"))

    def probe_list(self, name, attempt, values):
        found = self._get(attempt, values, "/lists")["lists"]
        return self.result(Status.OK, f"Found {len(found)} lists.",
                           choices=tuple(Choice(item["id"], item["name"]) for item in found))


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.headers.get("Authorization") != f"Bearer {GOOD_KEY}":
            body, code = {"error": "unauthorized"}, 401
        elif self.path == "/me":
            body, code = {"name": "Example account"}, 200
        elif self.path == "/lists":
            body, code = {"lists": LISTS}, 200
        else:
            body, code = {"error": "not found"}, 404
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def example_crm(monkeypatch) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(override_env_var("examplecrm"), f"http://127.0.0.1:{server.server_port}")
    registry.register(ExampleCrm())
    yield server
    registry.unregister("examplecrm")
    server.shutdown()
    server.server_close()


def test_a_crm_declared_only_here_works_in_the_wizard_dashboard_panel_export_and_check(
        qtbot, example_crm, user_dirs, memory_keyring) -> None:
    # The wizard: offered as a choice, its own field, a live test, saved with its secret in the keyring.
    wizard = make_wizard(qtbot)
    wizard.next()
    wizard.box("license").form.set_values({"email": "jane@example.com", "license_key": "ExampleSerial-7f3c9a1e5b",
                                        "site_url": "https://members.example.com"})
    wizard.license.untested_box.setChecked(True)
    wizard.next()
    choose(qtbot, wizard, "examplecrm")
    wizard.next()
    assert wizard.currentPage().objectName() == "page_crm_credentials"
    type_into(qtbot, wizard, {"api_key": GOOD_KEY}, "examplecrm")
    assert run_test(qtbot, wizard, "examplecrm") == "Connected to Example account."
    wizard.next()
    wizard.findChild(QCheckBox, "payments_later").setChecked(True)
    wizard.next()
    assert wizard.currentPage().objectName() == "page_summary"
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    site = SettingsStore().load().settings.current()
    assert site.crm == "examplecrm" and site.results["examplecrm"].status == "ok"
    assert memory_keyring.entries[("AccessAlly Desktop", f"{site.name}/examplecrm.api_key")] == GOOD_KEY
    assert GOOD_KEY not in SettingsStore().path.read_text()

    # The dashboard: its row, with the saved result.
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.set_profile(site)
    assert dashboard.findChild(QLabel, "account_examplecrm") is not None

    # The CRM panel: its toggle (default on) and its list, fetched live; Apply hands over both.
    panel = CrmSettingsPanel(timeout=5)
    qtbot.addWidget(panel)
    panel.load(site, lambda: {"api_key": GOOD_KEY})
    qtbot.waitUntil(lambda: not panel.fetching, timeout=5000)
    assert panel.findChild(QCheckBox, "examplecrm_tracking").isChecked()
    combo = panel.findChild(QComboBox, "examplecrm_list")
    assert [combo.itemText(i) for i in range(combo.count())] == ["No list chosen", "Newsletter", "Buyers"]
    combo.setCurrentIndex(2)
    combo.activated.emit(2)
    with qtbot.waitSignal(panel.applied, timeout=1000) as applied:
        panel.apply()
    site.options = applied.args[0]
    assert site.options["examplecrm"] == {"tracking": True, "list": "12", "list_name": "Buyers"}

    # Export and import: the options and the non-secret values travel, the secret does not.
    text = transfer.export_text(site)
    assert GOOD_KEY not in text
    imported = transfer.parse_export(text.encode()).profile
    assert imported.crm == "examplecrm" and imported.options["examplecrm"]["list"] == "12"
    assert [m.service_id for m in transfer.needed_secrets(imported) if m.service_id == "examplecrm"]

    # check: its keys, its result.
    out = io.StringIO()
    args = cli_args(["--json", "--credentials", "-"])
    code = cli.run(args, stdin=io.StringIO(json.dumps({"examplecrm": {"api_key": GOOD_KEY}})), stdout=out)
    assert code == 0, out.getvalue()
    [result] = json.loads(out.getvalue())
    assert (result["service"], result["ok"]) == ("examplecrm", True)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=5000)


def cli_args(argv: list[str]):
    import argparse

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_a_declared_crm_is_gone_from_every_list_once_unregistered(example_crm) -> None:
    assert "examplecrm" in registry.CRM_IDS and "examplecrm" in registry.SERVICE_IDS
    registry.unregister("examplecrm")
    assert "examplecrm" not in registry.CRM_IDS
    assert SiteProfile("S", crm="examplecrm").services() == ["license"]
    registry.register(ExampleCrm())  # for the fixture's own unregister


def test_a_declared_crms_key_header_and_key_shape_are_masked_like_any_other(example_crm) -> None:
    from accessally_desktop.integrations.redaction import redact

    assert "hunter22" not in redact("sent X-Example-Key: hunter22 to the server")
    assert "exk-other-1234567" not in redact("an exk-other-1234567 in a reply")
