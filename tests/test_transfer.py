"""Moving a site's setup between computers: the export never holds a secret, the import checks a file
strictly and changes nothing unasked, and the owner is told exactly which secrets to enter again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget
from test_main_window import start_app

from accessally_desktop import transfer
from accessally_desktop.secrets import open_store
from accessally_desktop.settings import (
    SavedResult,
    SettingsStore,
    SiteProfile,
)
from accessally_desktop.storage import Storage
from accessally_desktop.ui import transfer as ui_transfer
from accessally_desktop.ui.main import AppController
from accessally_desktop.ui.pages import PageId
from accessally_desktop.ui.transfer_export import ExportDialog
from accessally_desktop.ui.transfer_import import ImportDialog, MissingSecretsDialog

SECRETS = {
    "license.license_key": "LIC-7f3a9c2e-0b1d-SECRET",
    "activecampaign.api_key": "ac0123456789abcdefSECRETkey",
    "stripe.test.secret_key": "sk_test_51SECRETtestKEY",
    "stripe.live.secret_key": "sk_live_51SECRETliveKEY",
    "paypal.api_password": "PPpasswordSECRET",
    "paypal.api_signature": "PPsignatureSECRETxyz",
    "paypal.client_secret": "PPclientSECRETabc",
}


def main_site(name: str = "Main site") -> SiteProfile:
    """A site with a license, ActiveCampaign, Stripe (test mode) and PayPal (API Signature)."""
    return SiteProfile(
        name, site_url="https://members.example.com", crm="activecampaign", payments=["stripe", "paypal"],
        variants={"stripe": "test", "paypal": "sandbox"}, kinds={"paypal": "signature"},
        values={"license": {"site_url": "https://members.example.com"},
                "activecampaign": {"account_url": "https://example.api-us1.com"},
                "stripe": {"test.publishable_key": "pk_test_51PUBLIC", "live.publishable_key": "pk_live_51PUBLIC"},
                "paypal": {"sandbox.api_username": "shop_api1.example.com",
                           "sandbox.client_id": "AbCdRestClientId"}},
        options={"activecampaign": {"form": "7", "form_name": "Buyers list"}, "drip": {"tracking": False}},
        results={"license": SavedResult("ok", "Active until 25 November 2027.", account_name="Jane Doe",
                                        tested_at=1_700_000_000.0)})


def save_site(profile: SiteProfile, secrets: dict[str, str]) -> None:
    """Save one site as the wizard would: the profile in the settings file, secrets in the keyring."""
    store = SettingsStore()
    settings = store.load().settings
    settings.sites = {profile.name: profile}
    settings.last_site = profile.name
    Storage(store, open_store().store).commit(settings, profile.name, secrets)


def import_dialog(qtbot, controller: AppController) -> ImportDialog:
    """File > Import Site Settings…, up to the dialog that asks where the settings go."""
    controller.window.import_action.trigger()
    qtbot.waitUntil(lambda: shown(controller.window, ImportDialog) is not None, timeout=5000)
    return shown(controller.window, ImportDialog)


def shown(window, cls):
    """The visible dialog of a class, or None."""
    return next((w for w in window.findChildren(cls) if w.isVisible()), None)


class Script:
    """The file dialogs' and message boxes' answers, and everything they were asked or told."""

    def __init__(self) -> None:
        self.save_path = ""
        self.open_path = ""
        self.confirm = True
        self.suggested: list[str] = []
        self.asked: list[str] = []
        self.told: list[str] = []


@pytest.fixture
def script(monkeypatch) -> Script:
    """Answer the transfer flows' dialogs from a script; also answer any other question box with Discard."""
    answers = Script()
    prompts = ui_transfer.prompts

    def save_path(parent, title, suggested):
        answers.suggested.append(suggested)
        return answers.save_path

    def confirm(parent, title, text, action):
        answers.asked.append(text)
        return answers.confirm

    monkeypatch.setattr(prompts, "save_path", save_path)
    monkeypatch.setattr(prompts, "open_path", lambda parent, title, directory: answers.open_path)
    monkeypatch.setattr(prompts, "confirm", confirm)
    monkeypatch.setattr(prompts, "inform", lambda parent, title, text: answers.told.append(text))
    monkeypatch.setattr(prompts, "warn", lambda parent, title, text: answers.told.append(text))
    return answers


# -- the export --------------------------------------------------------------------------------------


def test_export_holds_every_setting_and_no_secret(qtbot, script, tmp_path) -> None:
    profile = main_site()
    save_site(profile, SECRETS)
    controller = start_app(qtbot)
    window = controller.window
    window.export_action.trigger()
    dialog = shown(window, ExportDialog)
    assert dialog is not None
    assert "No passwords, API keys" in dialog.findChild(QWidget, "no_secrets_note").accessibleName()
    words = {label.text() for label in dialog.findChildren(QLabel)}
    assert "API URL: https://example.api-us1.com" in words  # each service's saved values, by their labels
    assert "Publishable key (Test mode): pk_test_51PUBLIC\nPublishable key (Live mode): pk_live_51PUBLIC" in words
    assert dialog.preview.isHidden() and not any(w.lstrip().startswith("{") for w in words)  # no raw JSON up front
    dialog.details.click()
    assert dialog.preview.isVisibleTo(dialog)
    preview = dialog.preview.toPlainText()
    script.save_path = str(tmp_path / "moved")
    dialog.save_button.click()
    written = tmp_path / "moved.json"  # the .json ending is added when the owner left it off
    qtbot.waitUntil(lambda: bool(script.told), timeout=5000)
    assert script.suggested[0].endswith("Main site settings.json")
    data = written.read_bytes()
    assert data.decode("utf-8") == preview, "the preview showed exactly what was written"
    for name, secret in SECRETS.items():
        assert secret.encode() not in data, f"{name} leaked into the export"
    assert b"Jane Doe" not in data and b"results" not in data, "this computer's test results stay here"
    site = json.loads(data)["site"]
    assert site["values"] == profile.values
    assert site["options"]["activecampaign"]["form"] == "7" and site["options"]["drip"]["tracking"] is False
    assert (site["site_url"], site["crm"], site["payments"], site["variants"]) == (
        "https://members.example.com", "activecampaign", ["stripe", "paypal"], {"stripe": "test", "paypal": "sandbox"})
    assert str(written) in script.told[0] and "No passwords or API keys" in script.told[0]


def test_export_leaves_out_a_secret_even_if_one_slipped_into_the_profile() -> None:
    profile = main_site()
    profile.values["activecampaign"]["api_key"] = SECRETS["activecampaign.api_key"]
    profile.values["stripe"]["test.secret_key"] = SECRETS["stripe.test.secret_key"]
    profile.values["mailchimp"] = {"api_key": "mc-SECRET"}
    text = transfer.export_text(profile)
    for secret in (SECRETS["activecampaign.api_key"], SECRETS["stripe.test.secret_key"], "mc-SECRET"):
        assert secret not in text
    assert transfer.parse_export(text.encode()).profile.values == main_site().values


def test_a_failed_export_says_why_and_writes_nothing(qtbot, script, tmp_path) -> None:
    save_site(main_site(), SECRETS)
    controller = start_app(qtbot)
    controller.window.export_action.trigger()
    script.save_path = str(tmp_path / "no such folder" / "site.json")
    shown(controller.window, ExportDialog).save_button.click()
    qtbot.waitUntil(lambda: bool(script.told), timeout=5000)
    assert "could not be saved" in script.told[0] and "Nothing was written" in script.told[0]
    assert "Traceback" not in script.told[0]
    assert not (tmp_path / "no such folder").exists()


def test_export_and_import_are_in_the_file_menu_with_mnemonics_and_shortcuts(qtbot, script) -> None:
    save_site(main_site(), SECRETS)
    window = start_app(qtbot).window
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    actions = {a.objectName(): a for a in file_menu.actions() if a.objectName()}
    assert {"export_site", "import_site"} <= set(actions)
    mnemonics = [a.text().split("&")[1][0].lower() for a in file_menu.actions() if "&" in a.text()]
    assert len(mnemonics) == len(set(mnemonics)) == len([a for a in file_menu.actions() if not a.isSeparator()])
    assert actions["export_site"].shortcut().toString() == "Ctrl+Shift+E"
    assert actions["import_site"].shortcut().toString() == "Ctrl+Shift+I"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: shown(window, ExportDialog) is not None, timeout=5000)


# -- the import --------------------------------------------------------------------------------------


def write_export(path: Path, profile: SiteProfile) -> Path:
    path.write_text(transfer.export_text(profile), encoding="utf-8")
    return path


def test_round_trip_to_another_computer_reproduces_the_site(qtbot, script, tmp_path, monkeypatch,
                                                            memory_keyring) -> None:
    exported = write_export(tmp_path / "Main site settings.json", main_site())
    other = tmp_path / "other-computer"
    other.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(other))
    memory_keyring.entries.clear()  # the other computer's keyring knows nothing of this site
    controller = start_app(qtbot)
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)  # a fresh install starts there
    controller.wizard.close()
    script.open_path = str(exported)
    controller.window.import_action.trigger()
    qtbot.waitUntil(lambda: shown(controller.window, ImportDialog) is not None, timeout=5000)
    dialog = shown(controller.window, ImportDialog)
    assert dialog.new_name.text() == "Main site" and dialog.as_new.isChecked()
    dialog.import_button.click()
    qtbot.waitUntil(lambda: shown(controller.window, MissingSecretsDialog) is not None, timeout=5000)
    expected = main_site()
    expected.results = {}
    assert controller.site == "Main site"
    assert controller.settings.sites["Main site"] == expected
    qtbot.waitUntil(lambda: "Main site" in json.loads(SettingsStore().path.read_text())["sites"], timeout=5000)
    assert SettingsStore().load().settings.sites["Main site"] == expected
    assert list(controller.window.dashboard.rows) == ["license", "activecampaign", "stripe", "paypal"]
    assert controller.wizard is None, "an imported, configured site does not start the wizard by itself"


def test_an_imported_name_that_is_taken_gets_a_free_one(qtbot, script, tmp_path) -> None:
    save_site(main_site(), SECRETS)
    script.open_path = str(write_export(tmp_path / "site.json", main_site()))
    controller = start_app(qtbot)
    dialog = import_dialog(qtbot, controller)
    assert dialog.new_name.text() == "Main site (imported)"
    dialog.new_name.setText("Main site")
    dialog.import_button.click()
    assert dialog.isVisible() and "already exists" in dialog.problem.text()
    dialog.new_name.setText("Copy")
    dialog.import_button.click()
    qtbot.waitUntil(lambda: controller.site == "Copy", timeout=5000)
    assert set(controller.settings.sites) == {"Main site", "Copy"}


def test_replacing_an_existing_site_asks_and_declining_changes_nothing(qtbot, script, tmp_path) -> None:
    save_site(main_site(), SECRETS)
    before = SettingsStore().path.read_bytes()
    drip_site = SiteProfile("Main site", site_url="https://other.example.com", crm="drip",
                            values={"drip": {"account_id": "9876543"}})
    script.open_path = str(write_export(tmp_path / "drip.json", drip_site))
    controller = start_app(qtbot)
    dialog = import_dialog(qtbot, controller)
    dialog.replace.setChecked(True)
    assert dialog.existing.currentText() == "Main site"
    script.confirm = False
    dialog.import_button.click()
    assert len(script.asked) == 1 and "“Main site”" in script.asked[0] and "kept" in script.asked[0]
    assert dialog.isVisible(), "declining leaves the choice open"
    dialog.reject()
    qtbot.wait(100)  # anything queued by mistake would run now
    assert SettingsStore().path.read_bytes() == before
    assert controller.settings.sites["Main site"].crm == "activecampaign"
    assert list(controller.settings.sites) == ["Main site"]


def test_missing_secrets_are_exact_and_enter_them_now_opens_the_wizard_there(qtbot, script, tmp_path) -> None:
    # This computer has the license key and Stripe's *live* key; the imported setup uses test mode.
    save_site(main_site(), {k: SECRETS[k] for k in ("license.license_key", "stripe.live.secret_key")})
    imported = main_site()
    imported.payments = ["stripe"]
    script.open_path = str(write_export(tmp_path / "site.json", imported))
    controller = start_app(qtbot)
    window = controller.window
    window.import_action.trigger()
    qtbot.waitUntil(lambda: shown(window, ImportDialog) is not None, timeout=5000)
    dialog = shown(window, ImportDialog)
    dialog.replace.setChecked(True)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: shown(window, MissingSecretsDialog) is not None, timeout=5000)
    missing = shown(window, MissingSecretsDialog)
    assert [m.name for m in missing.missing] == ["activecampaign.api_key", "stripe.test.secret_key"]
    text = missing.text.text()
    assert "ActiveCampaign — API Key" in text and "Stripe — Secret key (Test mode)" in text
    assert "License" not in text
    assert open_store().store.get("Main site", "license.license_key") == SECRETS["license.license_key"]
    missing.enter_button.click()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    wizard = controller.wizard
    assert wizard.currentId() == PageId.CRM_CREDENTIALS
    api_key = wizard.findChild(QLineEdit, "activecampaign.api_key")
    qtbot.waitUntil(lambda: wizard.focusWidget() is api_key, timeout=5000)
    note = wizard.findChild(QLabel, "note_activecampaign_api_key")
    assert note.isVisible() and "Needed" in note.text()
    wizard.box("stripe"), wizard.box("license")  # the pages the owner has not reached yet, as they will show
    assert "Needed" in wizard.findChild(QLabel, "note_stripe_secret_key").text()
    assert "Needed" not in wizard.findChild(QLabel, "note_license_license_key").text()
    assert wizard.field("activecampaign.account_url") == "https://example.api-us1.com"
    qtbot.keyClicks(api_key, "abc")
    assert "Needed" not in note.text(), "the mark goes once the owner types"
    wizard.close()


def test_nothing_missing_says_so(qtbot, script, tmp_path) -> None:
    save_site(main_site(), SECRETS)
    script.open_path = str(write_export(tmp_path / "site.json", main_site()))
    controller = start_app(qtbot)
    dialog = import_dialog(qtbot, controller)
    dialog.replace.setChecked(True)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: shown(controller.window, MissingSecretsDialog) is not None, timeout=5000)
    missing = shown(controller.window, MissingSecretsDialog)
    assert missing.missing == [] and missing.enter_button is None
    assert "already saved on this computer" in missing.text.text()
    assert controller.settings.sites["Main site"].results == {}, "old test results were for the old values"


GOOD = transfer.export_text(main_site(), exported_at=1_700_000_000)


def _edited(old: str, new: str) -> bytes:
    assert old in GOOD
    return GOOD.replace(old, new, 1).encode()


DAMAGED = {
    "empty": (b"", "This file is empty"),
    "not JSON": (b"Hello, this is a letter.", "is not a site settings file"),
    "binary": (b"\xff\xfe\x00\x81garbage", "is not a site settings file"),
    "other JSON": (b'{"name": "something else"}', "is not a site settings file"),
    "truncated": (GOOD[: len(GOOD) // 2].encode(), "incomplete"),
    "newer format": (_edited('"format_version": 3', '"format_version": 7'), "newer version"),
    "wrong type": (_edited('"payments_later": false', '"payments_later": "yes"'),
                   "“site.payments_later” should be true or false, but it is text"),
    "unknown CRM": (_edited('"crm": "activecampaign"', '"crm": "mailchimp"'), "does not know ('mailchimp')"),
    "unknown service": (_edited('"values": {', '"values": {"mailchimp": {"list": "1"}, '),
                        "does not know ('mailchimp')"),
    "a secret inside": (_edited('"account_url"', '"api_key"'), "contains a secret (the ActiveCampaign API Key)"),
    "unknown field": (_edited('"test.publishable_key"', '"test.color"'), "'test.color' for Stripe"),
    "unknown entry": (_edited('"note"', '"extra"'), "entry this app does not know: “extra”"),
    "bad choice": (_edited('"stripe": "test"', '"stripe": "prod"'), "“site.variants.stripe” is the Stripe mode “prod”"),
    "unknown payment service": (_edited('"payments": [', '"payments": ["square", '), "does not know ('square')"),
    "absurd value": (_edited('"site_url": "https://members.example.com"', '"site_url": "' + "a" * 5000 + '"'),
                     "far too long"),
    "too big": (GOOD.encode() + b" " * transfer.MAX_FILE_BYTES, "too big"),
}


@pytest.mark.parametrize("case", DAMAGED)
def test_each_damaged_file_gets_its_own_message(case) -> None:
    data, phrase = DAMAGED[case]
    with pytest.raises(transfer.TransferError) as caught:
        transfer.parse_export(data)
    assert phrase in str(caught.value)


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_file_is_explained_and_changes_nothing(qtbot, script, tmp_path, case) -> None:
    save_site(main_site(), SECRETS)
    before = SettingsStore().path.read_bytes()
    data, phrase = DAMAGED[case]
    (tmp_path / "file.json").write_bytes(data)
    script.open_path = str(tmp_path / "file.json")
    controller = start_app(qtbot)
    sites = repr(controller.settings.sites)
    controller.window.import_action.trigger()
    qtbot.waitUntil(lambda: bool(script.told), timeout=5000)
    assert phrase in script.told[0] and script.told[0].endswith("Nothing was changed.")
    assert shown(controller.window, ImportDialog) is None
    assert SettingsStore().path.read_bytes() == before and repr(controller.settings.sites) == sites


def test_the_apps_own_settings_file_is_recognised(tmp_path) -> None:
    save_site(main_site(), SECRETS)
    with pytest.raises(transfer.TransferError, match="own settings file, not an export"):
        transfer.read_export(SettingsStore().path)
    with pytest.raises(transfer.TransferError, match="was not found"):
        transfer.read_export(tmp_path / "gone.json")


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000),
                 st.integers(min_value=0, max_value=len(GOOD)).flatmap(
                     lambda cut: st.text(max_size=30).map(lambda junk: (GOOD[:cut] + junk).encode()))))
def test_no_file_makes_the_import_raise_anything_but_a_message(data: bytes) -> None:
    try:
        transfer.parse_export(data)
    except transfer.TransferError as exc:
        assert str(exc) and "Traceback" not in str(exc)


# -- which secrets are missing -----------------------------------------------------------------------


def test_missing_secrets_follow_the_services_and_choices_in_use() -> None:
    profile = main_site()
    assert [m.name for m in transfer.missing_secrets(profile, ())] == [
        "license.license_key", "activecampaign.api_key", "stripe.test.secret_key", "paypal.sandbox.api_password",
        "paypal.sandbox.api_signature"]
    profile.variants["stripe"], profile.kinds["paypal"] = "live", "rest"
    present = {"license.license_key", "stripe.test.secret_key", "paypal.sandbox.api_password"}
    missing = transfer.missing_secrets(profile, present)
    assert [m.name for m in missing] == ["activecampaign.api_key", "stripe.live.secret_key",
                                         "paypal.sandbox.client_secret"]
    assert [m.describe() for m in missing] == ["ActiveCampaign — API Key", "Stripe — Secret key (Live mode)",
                                               "PayPal — Secret (Sandbox)"]
    kit = SiteProfile("Kit site", crm="convertkit")
    assert [(m.wizard_field, m.required) for m in transfer.missing_secrets(kit, {"license.license_key"})] == [
        ("convertkit.api_key", True), ("convertkit.api_secret", False)]
    assert transfer.missing_secrets(SiteProfile("Managed", crm="none"), {"license.license_key"}) == []


def test_names_for_files_and_sites() -> None:
    assert transfer.suggested_file_name('Main: "shop"/2') == "Main- -shop-2 settings.json"
    assert transfer.suggested_file_name("...") == "site settings.json"
    assert transfer.free_site_name("Main site", ["Main site"]) == "Main site (imported)"
    assert transfer.free_site_name("Main site", ["Main site", "Main site (imported)"]) == "Main site (imported 2)"
    assert transfer.free_site_name("a/b", []) == "a-b"
