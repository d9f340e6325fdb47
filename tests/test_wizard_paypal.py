"""The wizard's PayPal box: Sandbox and Live each keep their own credentials and result, each
credential kind shows its own steps, and credentials saved before environments had their own
set keep working and move to their environment at the next Finish."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QLabel
from test_wizard import edit, make_wizard, run_test

from accessally_desktop.integrations import registry
from accessally_desktop.sandbox import paypal as fake
from accessally_desktop.secrets import open_store
from accessally_desktop.settings import SettingsStore
from accessally_desktop.storage import values_for

PAYPAL = registry.get("paypal")


@pytest.fixture
def both(serve, monkeypatch):
    """A sandbox and a live stand-in, each at its own environment's address."""
    live = serve("paypal", environment="live")
    sandbox = serve("paypal", environment="sandbox")
    monkeypatch.delenv("ACCESSALLY_DESKTOP_PAYPAL_URL")
    monkeypatch.setenv("ACCESSALLY_DESKTOP_PAYPAL_LIVE_URL", live.url)
    monkeypatch.setenv("ACCESSALLY_DESKTOP_PAYPAL_SANDBOX_URL", sandbox.url)
    return sandbox, live


def paypal_box(qtbot):
    wizard = make_wizard(qtbot)
    wizard.payments.use["paypal"].setChecked(True)
    return wizard, wizard.box("paypal")


def paste(qtbot, wizard, values: dict[str, str]) -> None:
    for name, value in values.items():
        line = edit(wizard, f"paypal.{name}")
        line.clear()
        qtbot.keyClicks(line, value)


def choose_environment(qtbot, box, environment: str) -> None:
    box.variant_choice.button(environment).click()
    assert box.variant == environment


def finish(qtbot, wizard) -> None:
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        wizard.accept()


def test_switching_to_live_keeps_the_sandbox_credentials_and_both_are_saved(qtbot, both) -> None:
    wizard, box = paypal_box(qtbot)
    assert wizard.field("paypal.environment") == "live"  # a new site: Live, with its real-money badge
    assert "LIVE — real payments" in wizard.findChild(QLabel, "paypal_environment_badge").text()
    choose_environment(qtbot, box, "sandbox")
    assert "SANDBOX — no real money" in wizard.findChild(QLabel, "paypal_environment_badge").text()
    paste(qtbot, wizard, fake.SIGNATURES["sandbox"])
    assert "PayPal Sandbox accepted" in run_test(qtbot, wizard, "paypal")
    choose_environment(qtbot, box, "live")
    assert box.shown_values()["api_username"] == ""  # Live's own, empty set
    assert box.kind_forms["signature"].notes["api_username"].isHidden()  # not red before it was edited
    paste(qtbot, wizard, fake.SIGNATURES["live"])
    assert "PayPal Live accepted" in run_test(qtbot, wizard, "paypal")
    choose_environment(qtbot, box, "sandbox")
    assert box.shown_values()["api_username"] == fake.SIGNATURES["sandbox"]["api_username"]
    assert "PayPal Sandbox accepted" in box.panel.badge.text.text()  # its result came back with it
    choose_environment(qtbot, box, "live")
    finish(qtbot, wizard)

    site = wizard.site
    store = open_store().store
    for environment in ("sandbox", "live"):
        for name in ("api_password", "api_signature"):
            assert store.get(site, f"paypal.{environment}.{name}") == fake.SIGNATURES[environment][name]
    saved = json.loads(SettingsStore().path.read_text())["sites"][site]
    assert saved["variants"]["paypal"] == "live" and saved["payments"] == ["paypal"]
    assert saved["values"]["paypal"] == {f"{env}.api_username": fake.SIGNATURES[env]["api_username"]
                                         for env in ("live", "sandbox")}

    again = make_wizard(qtbot, secrets={name: store.get(site, name) for name in
                                        (f"paypal.{e}.{n}" for e in ("live", "sandbox")
                                         for n in ("api_password", "api_signature"))})
    box = again.box("paypal")
    assert again.field("paypal.environment") == "live"
    assert box.values()["api_password"] == fake.SIGNATURES["live"]["api_password"]
    choose_environment(qtbot, box, "sandbox")
    assert box.values()["api_password"] == fake.SIGNATURES["sandbox"]["api_password"]


def test_each_credential_kind_shows_its_own_steps_and_only_the_chosen_one_is_tested(qtbot, both) -> None:
    sandbox, _ = both
    wizard, box = paypal_box(qtbot)
    where = wizard.findChild(QLabel, "where_paypal")
    assert wizard.field("paypal.credentials") == "signature" and "API access" in where.text()
    choose_environment(qtbot, box, "sandbox")
    paste(qtbot, wizard, {"api_username": "sb-typo_api1.example.com"})  # a half-typed signature set
    box.kind_choice.button("rest").click()
    assert "developer.paypal.com" in where.text() and "API access" not in where.text()
    paste(qtbot, wizard, {k: v for k, v in fake.REST_APPS["sandbox"].items() if k != "app_id"})
    assert "REST app" in run_test(qtbot, wizard, "paypal")
    assert all(request.path.endswith("/oauth2/token") for request in sandbox.requests)
    finish(qtbot, wizard)
    saved = SettingsStore().load().settings.sites[wizard.site]
    assert saved.kind("paypal") == "rest"
    assert saved.values["paypal"]["sandbox.api_username"] == "sb-typo_api1.example.com"  # kept, not tested


def write_version_2(site: str, environment: str) -> None:
    """A settings file as version 2 wrote it: PayPal's environment and kind as top-level keys, its
    values without an environment, and (below) its keyring entries named without one."""
    store = SettingsStore()
    store.directory.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps({"version": 2, "last_site": site, "sites": {site: {
        "crm": "none", "paypal": True, "paypal_environment": environment, "paypal_credentials": "signature",
        "values": {"paypal": {"environment": environment,
                              "api_username": fake.SIGNATURES[environment]["api_username"]}}}}}))


def test_credentials_saved_before_environments_had_their_own_keep_working_and_move_at_finish(qtbot, both) -> None:
    site = "Old shop"
    write_version_2(site, "sandbox")
    store = open_store().store
    for name in ("api_password", "api_signature"):
        store.set(site, f"paypal.{name}", fake.SIGNATURES["sandbox"][name])
    profile = SettingsStore().load().settings.sites[site]
    assert profile.variant("paypal") == "sandbox" and profile.payments == ["paypal"]
    assert profile.values["paypal"] == {"sandbox.api_username": fake.SIGNATURES["sandbox"]["api_username"]}
    old = {f"paypal.{n}": store.get(site, f"paypal.{n}") for n in ("api_password", "api_signature")}
    assert PAYPAL.test(values_for(profile, "paypal", old)).ok  # the dashboard's and `check`'s test

    wizard = make_wizard(qtbot, secrets=old)
    box = wizard.box("paypal")
    assert box.variant == "sandbox" and box.values()["api_password"] == fake.SIGNATURES["sandbox"]["api_password"]
    assert not wizard.has_unsaved_input()  # shown under their environment: nothing was typed
    finish(qtbot, wizard)
    for name in ("api_password", "api_signature"):
        assert store.get(site, f"paypal.sandbox.{name}") == fake.SIGNATURES["sandbox"][name]
        assert store.get(site, f"paypal.{name}") is None  # moved, not copied
    assert (SettingsStore().directory / "settings.json.v2").exists()  # the old file, kept once


def test_closing_the_wizard_of_a_site_with_payments_without_a_change_asks_nothing(qtbot, dialogs) -> None:
    """A saved site that never chose a variant (it uses each service's first) is not "changed" by
    the wizard showing that first variant."""
    store = SettingsStore()
    settings = store.load().settings
    settings.current().payments = ["stripe", "paypal"]
    store.save(settings)
    wizard = make_wizard(qtbot)
    wizard.box("stripe"), wizard.box("paypal")  # the payments page, built as the owner would see it
    wizard.reject()
    assert dialogs.asked == [] and not wizard.isVisible()


def test_sandbox_credentials_under_live_come_with_one_click_to_switch_and_test_there(qtbot, both) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    wizard, box = paypal_box(qtbot)
    paste(qtbot, wizard, fake.SIGNATURES["sandbox"])
    assert "look like SANDBOX credentials" in run_test(qtbot, wizard, "paypal")
    switch = wizard.findChild(QPushButton, "paypal_move_keys")
    assert not switch.isHidden() and switch.text().replace("&", "") == "Switch to Sandbox, with these credentials"
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)
    assert wizard.field("paypal.environment") == "sandbox" and switch.isHidden()
    qtbot.waitUntil(lambda: box.panel.badge.text.text() not in ("", "Testing…"), timeout=10_000)
    qtbot.waitUntil(box.passed, timeout=10_000)  # tested again there at once
    assert box.values_per_variant()["live"]["api_username"] == ""  # nothing left behind under Live
