"""ACCESSALLY_DESKTOP_<ID>_URL overrides the owner or a script may set wrongly: a line break, a password
inside the address, a name that only looks like this computer. Each gets a plain message, unsent."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QLabel

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.sandbox import server_class


def _demo(service_id: str) -> dict[str, str]:
    values = dict(server_class(service_id).demo)
    if service_id == "activecampaign":
        values["account_url"] = "https://acme.api-us1.com"
    return values


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
@pytest.mark.parametrize(("inside", "says"), [
    ("\r\n", "a line break"),
    ("\n", "a line break"),
    ("\x07", "an invisible control character"),
    ("\t", "an invisible control character"),
])
def test_a_control_character_in_an_override_names_the_variable(monkeypatch, service_id: str, inside: str,
                                                               says: str) -> None:
    variable = override_env_var(service_id)
    monkeypatch.setenv(variable, f"https://api.example.com{inside}X-Injected: yes/v1")
    result = registry.get(service_id).test(_demo(service_id), timeout=5)
    assert result.status is Status.NETWORK_ERROR, result
    assert variable in result.message and says in result.message, result.message
    assert "X-Injected" not in result.message and "\\r" not in result.message and inside not in result.message


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
@pytest.mark.parametrize("address", ["https://owner:hunter2-secret@api.example.com",
                                     "https://owner@api.example.com/v1", "http://owner:hunter2-secret@127.0.0.1:9",
                                     "ftp://owner:hunter2-secret@api.example.com",
                                     "https://owner:hunter2-secret@api.example.com:99999"])
def test_credentials_in_an_override_are_refused_and_never_repeated(monkeypatch, service_id: str,
                                                                   address: str) -> None:
    variable = override_env_var(service_id)
    monkeypatch.setenv(variable, address)
    result = registry.get(service_id).test(_demo(service_id), timeout=5)
    assert result.status is Status.NETWORK_ERROR, result
    assert variable in result.message, result.message
    shown = result.message + result.detail
    assert "hunter2" not in shown and "owner" not in shown, shown


def test_check_json_never_prints_the_password_of_an_override(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSALLY_DESKTOP_")}
    env[override_env_var("drip")] = "https://owner:hunter2-secret@api.getdrip.com"
    out = subprocess.run([sys.executable, "-m", "accessally_desktop", "check", "--json", "--credentials", "-"],
                         input=json.dumps({"drip": _demo("drip")}), capture_output=True, text=True, env=env,
                         timeout=120)
    assert "hunter2" not in out.stdout + out.stderr and "owner" not in out.stdout + out.stderr
    (result,) = json.loads(out.stdout)
    assert result["status"] == "network_error"
    assert "ACCESSALLY_DESKTOP_DRIP_URL" in result["message"] and "user name or password" in result["message"]


def test_the_wizard_shows_the_refusal_without_the_password(qtbot, monkeypatch) -> None:
    from test_wizard import make_wizard, run_test, to_license, type_into

    monkeypatch.setenv(override_env_var("license"), "https://owner:hunter2-secret@accessally.example.com")
    wizard = make_wizard(qtbot)
    to_license(qtbot, wizard)
    type_into(qtbot, wizard, _demo("license"), "license")
    text = run_test(qtbot, wizard, "license")
    shown = " ".join(label.text() for label in wizard.box("license").findChildren(QLabel))
    assert "ACCESSALLY_DESKTOP_LICENSE_URL" in text + shown and "user name or password" in text + shown
    assert "hunter2" not in shown and "owner" not in shown, shown


@pytest.mark.parametrize("host", ["localhost.localdomain", "localhost.", "127.0.0.1.nip.io", "localhost.example.com",
                                  "0.0.0.0", "[::]", "[::ffff:127.0.0.1]"])
def test_only_real_loopback_addresses_may_use_plain_http(monkeypatch, host: str) -> None:
    variable = override_env_var("ontraport")
    monkeypatch.setenv(variable, f"http://{host}:9")
    result = registry.get("ontraport").test(_demo("ontraport"), timeout=5)
    assert result.status is Status.NETWORK_ERROR, result
    assert "uses plain http://" in result.message and variable in result.message, result.message
