"""A CRM declared only here — fields, a secret, a toggle and a list pick — and a payment processor
declared only here — test and live variants, keys whose shape names their variant — work everywhere
once registered: the wizard, the dashboard, the CRM panel, export and import, and `check`, with no
change to any other file. (What a new service needs is its own module and a line in the registry.)"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QWizard
from test_wizard import choose, make_wizard, run_test, type_into

from accessally_desktop import cli, transfer
from accessally_desktop.integrations import Account, Choice, Field, Integration, Problem, Status, registry
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.integrations.fields import Variant
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


PAY_KEYS = {"test": "xp_test_good0123456789", "live": "xp_live_good0123456789"}


class ExamplePay(Integration):
    id = "examplepay"
    name = "Example Pay"
    kind = "payment"
    default_base_url = "https://api.example-pay.invalid"
    where_to_find = "In Example Pay: Developers > Keys."
    variants = (Variant("test", "Test mode"), Variant("live", "Live mode", real_money=True))
    fields = (Field("api_key", "Secret key", "In Example Pay: Developers > Keys.", secret=True),
              Field("shop_id", "Shop ID", "In Example Pay: Settings.", required=False))
    secret_shapes = (r"(xp_(?:test|live)_)[a-z0-9]{8,}",)

    def variant_for(self, values):
        key = values.get("api_key", "")
        return next((v.id for v in self.variants if key.startswith(f"xp_{v.id}_")), "")

    def validate(self, values):
        keys_variant, chosen = self.variant_for(values), values.get("mode", "")
        if keys_variant and chosen and keys_variant != chosen:
            return [Problem("api_key", "error", f"This is a {keys_variant} key, but {chosen} is chosen.")]
        return []

    def probe(self, attempt, values):
        reply = attempt.request(self.name, "GET", f"{self.base_url()}/pay/account",
                                headers={"Authorization": f"Bearer {values['api_key']}"})
        reply.fail_for_status(invalid_credentials="Example Pay did not accept this key.")
        mode = reply.json_object()["mode"]
        return self.result(Status.OK, f"Connected to Example shop in {mode} mode.",
                           account=Account(name="Example shop", id="shop_1", mode=mode))


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        paying = {k: v for v, k in PAY_KEYS.items()}
        if self.path == "/pay/account" and key in paying:
            body, code = {"mode": paying[key]}, 200
        elif key != GOOD_KEY:
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
    for service in (ExampleCrm(), ExamplePay()):
        monkeypatch.setenv(override_env_var(service.id), f"http://127.0.0.1:{server.server_port}")
        registry.register(service)
    yield server
    registry.unregister("examplecrm")
    registry.unregister("examplepay")
    server.shutdown()
    server.server_close()


def test_a_crm_declared_only_here_works_in_the_wizard_dashboard_panel_export_and_check(
        qtbot, example_crm, user_dirs, memory_keyring) -> None:
    # The wizard: offered as a choice, its own field, a live test, saved with its secret in the keyring.
    wizard = make_wizard(qtbot)
    wizard.next()
    wizard.website.later.setChecked(True)
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


def test_a_payment_processor_declared_only_here_keeps_test_and_live_keys_everywhere(
        qtbot, example_crm, user_dirs, memory_keyring) -> None:
    # The wizard: a "Use" box, Test mode first, a key of the other mode moved with one click, both tested.
    wizard = make_wizard(qtbot)
    wizard.box("license").form.set_values({"email": "jane@example.com", "license_key": "ExampleSerial-7f3c9a1e5b",
                                          "site_url": "https://members.example.com"})
    wizard.untested.add("license")
    wizard.payments.use["examplepay"].setChecked(True)
    box = wizard.box("examplepay")
    assert wizard.field("examplepay.mode") == "test"
    assert "TEST MODE — no real money" in wizard.findChild(QLabel, "examplepay_mode_badge").text()
    box.form.set_values({"api_key": PAY_KEYS["live"], "shop_id": "shop_1"})
    move = wizard.findChild(QPushButton, "examplepay_move_keys")
    assert not move.isHidden() and "Live mode" in move.text()
    move.click()
    assert wizard.field("examplepay.mode") == "live" and box.form.values()["api_key"] == PAY_KEYS["live"]
    assert "LIVE MODE — real payments" in wizard.findChild(QLabel, "examplepay_mode_badge").text()
    assert run_test(qtbot, wizard, "examplepay") == "Connected to Example shop in live mode."
    box.variant_choice.button("test").click()
    box.form.set_values({"api_key": PAY_KEYS["test"]})
    assert run_test(qtbot, wizard, "examplepay") == "Connected to Example shop in test mode."
    box.variant_choice.button("live").click()
    assert box.passed()  # Live's pass came back with it
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        wizard.accept()
    site = SettingsStore().load().settings.current()
    assert site.payments == ["examplepay"] and site.variant("examplepay") == "live"
    assert site.results["examplepay"].status == "ok"
    for mode, key in PAY_KEYS.items():
        assert memory_keyring.entries[("AccessAlly Desktop", f"{site.name}/examplepay.{mode}.api_key")] == key
    assert not any(key in SettingsStore().path.read_text() for key in PAY_KEYS.values())

    # The dashboard: its row, in the active mode.
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.set_profile(site)
    assert dashboard.rows["examplepay"].mode.text() == "Mode: Live mode"

    # Export and import: the mode travels, the keys do not; the live key is the one to enter again.
    text = transfer.export_text(site)
    assert not any(key in text for key in PAY_KEYS.values())
    imported = transfer.parse_export(text.encode()).profile
    assert imported.payments == ["examplepay"] and imported.variant("examplepay") == "live"
    assert [m.name for m in transfer.needed_secrets(imported) if m.service_id == "examplepay"] == [
        "examplepay.live.api_key"]

    # check: the mode is its `mode` key, like Stripe's.
    out = io.StringIO()
    document = {"examplepay": {"api_key": PAY_KEYS["test"], "mode": "live"}}
    code = cli.run(cli_args(["--json", "--credentials", "-"]), stdin=io.StringIO(json.dumps(document)), stdout=out)
    [result] = json.loads(out.getvalue())
    assert code != 0 and result["status"] == "invalid_format" and "test key" in result["message"]
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=5000)


def test_a_services_warm_up_runs_on_the_gui_thread_never_on_a_worker(qtbot, example_crm, user_dirs) -> None:
    """A big import on a worker thread while Qt paints crashed PySide6 6.11 about one run in three
    (Stripe's warm-up), so warm-ups run on the GUI thread once it is idle."""
    ran_on = []
    registry.get("examplepay").warm_up = lambda: ran_on.append(threading.current_thread())
    wizard = make_wizard(qtbot)
    wizard.payments.use["examplepay"].setChecked(True)
    wizard.box("examplepay")
    qtbot.waitUntil(lambda: bool(ran_on), timeout=3000)
    assert ran_on == [threading.main_thread()]
