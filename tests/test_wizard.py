"""The setup wizard driven like a user would, against the loopback stand-ins."""

from __future__ import annotations

import copy
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QRadioButton, QWizard, QWizardPage

from accessally_desktop.secrets import MemoryStore, open_store
from accessally_desktop.settings import SettingsStore
from accessally_desktop.storage import Storage, secret_names
from accessally_desktop.ui.main import AppController
from accessally_desktop.ui.widgets import StatusBadge
from accessally_desktop.ui.wizard import NO_CRM, PageId, SetupWizard, next_page


@pytest.fixture
def services(serve):
    """Stand-ins for the site, the license, Drip, Stripe and PayPal, with their passing credentials."""
    return {service_id: serve(service_id) for service_id in ("wordpress", "license", "drip", "stripe", "paypal")}


def make_wizard(qtbot, secrets=None, storage=None) -> SetupWizard:
    settings_store = SettingsStore()
    settings = settings_store.load().settings
    settings.current()
    storage = storage or Storage(settings_store, open_store().store)
    wizard = SetupWizard(storage, settings, settings.last_site, secrets or {}, test_timeout=5)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def edit(wizard: SetupWizard, name: str) -> QLineEdit:
    widget = wizard.findChild(QLineEdit, name)
    assert widget is not None, name
    return widget


def type_into(qtbot, wizard: SetupWizard, values: dict[str, str], service_id: str) -> None:
    for name, value in values.items():
        if name == "environment":
            continue
        line = edit(wizard, f"{service_id}.{name}")
        line.clear()
        qtbot.keyClicks(line, value)


def choose(qtbot, wizard: SetupWizard, value: str) -> None:
    """Click a radio choice on its label, as a user would."""
    radio = wizard.findChild(QRadioButton, f"choice_{value}")
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked()


def next_enabled(wizard: SetupWizard) -> bool:
    return wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def run_test(qtbot, wizard: SetupWizard, service_id: str) -> str:
    """Click the service's Test button and wait for the result text."""
    button = wizard.findChild(QPushButton, f"test_{service_id}")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    badge = wizard.box(service_id).panel.badge
    qtbot.waitUntil(lambda: button.isEnabled() and badge.text.text() not in ("", "Testing…"), timeout=10000)
    return badge.text.text()


def go_next(qtbot, wizard: SetupWizard) -> None:
    assert next_enabled(wizard)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def to_license(qtbot, wizard: SetupWizard) -> None:
    """From the welcome page to the license, the site left for later."""
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_site"
    wizard.website.later.setChecked(True)
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_license"


def walk_to_summary(qtbot, wizard: SetupWizard, services) -> None:
    assert wizard.currentPage().objectName() == "page_welcome"
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_site"
    type_into(qtbot, wizard, services["wordpress"].credentials(), "wordpress")
    assert run_test(qtbot, wizard, "wordpress") and wizard.box("wordpress").passed()
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_license"
    assert edit(wizard, "license.site_url").text() == services["wordpress"].credentials()["site_url"]
    type_into(qtbot, wizard, services["license"].credentials(), "license")
    assert not next_enabled(wizard)
    assert run_test(qtbot, wizard, "license") and wizard.box("license").passed()
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_crm"
    choose(qtbot, wizard, "drip")
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_crm_credentials"
    type_into(qtbot, wizard, services["drip"].credentials(), "drip")
    assert run_test(qtbot, wizard, "drip") and wizard.box("drip").passed()
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_payments"
    assert not next_enabled(wizard)  # nothing chosen yet
    wizard.findChild(QCheckBox, "use_stripe").setChecked(True)
    type_into(qtbot, wizard, services["stripe"].credentials(), "stripe")
    assert run_test(qtbot, wizard, "stripe") and wizard.box("stripe").passed()
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_summary"


def files_under(*dirs: Path) -> list[Path]:
    return [p for d in dirs for p in d.rglob("*") if p.is_file()]


def test_page_graph_skips_credentials_for_accessally_managed() -> None:
    assert next_page(PageId.CRM, NO_CRM) == PageId.PAYMENTS
    assert next_page(PageId.CRM, "drip") == PageId.CRM_CREDENTIALS
    assert next_page(PageId.CRM_CREDENTIALS, "drip") == PageId.PAYMENTS
    assert next_page(PageId.WELCOME, "") == PageId.SITE
    assert next_page(PageId.SITE, "") == PageId.LICENSE
    assert next_page(PageId.SUMMARY, "drip") == -1


def test_fields_follow_the_naming_contract(qtbot) -> None:
    wizard = make_wizard(qtbot)
    wizard.chosen_crm()  # pages build (and register their fields) when first needed
    for service_id in ("license", "activecampaign", "drip", "stripe", "paypal"):
        wizard.box(service_id)
    for name in ("stripe.secret_key", "stripe.publishable_key", "activecampaign.account_url", "drip.api_token",
                 "license.license_key", "paypal.api_signature", "paypal.client_id", "crm.provider",
                 "payments.stripe", "payments.paypal", "stripe.mode", "paypal.environment"):
        assert wizard.field(name) is not None, name
    assert wizard.field("stripe.mode") == "test"
    for page in ("welcome", "site", "license", "crm", "crm_credentials", "payments", "summary"):
        assert wizard.findChild(QWizardPage, f"page_{page}") is not None


def test_opening_the_wizard_builds_only_the_page_it_shows(qtbot) -> None:
    wizard = make_wizard(qtbot)
    assert wizard.findChildren(QLineEdit) == []  # the welcome page has no credential form
    assert not any(page.built for page in (wizard.crm, *wizard.credential_pages()))
    wizard.next()
    assert wizard.website.built and wizard.findChild(QLineEdit, "wordpress.site_url") is not None
    assert not wizard.license.built and not wizard.payments.built


def test_good_path_saves_everything_and_no_secret_lands_in_a_file(qtbot, services, user_dirs, memory_keyring) -> None:
    wizard = make_wizard(qtbot)
    walk_to_summary(qtbot, wizard, services)
    summary = wizard.findChild(StatusBadge, "summary_stripe")
    assert "Connected to Stripe account" in summary.text.text()
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    profile = SettingsStore().load().settings.current()
    assert profile.crm == "drip" and profile.payments == ["stripe"]
    assert profile.results["stripe"].status == "ok"
    assert profile.values["drip"]["account_id"] == services["drip"].credentials()["account_id"]
    site = profile.name
    assert memory_keyring.entries[("AccessAlly Desktop", f"{site}/stripe.test.secret_key")] == \
        services["stripe"].credentials()["secret_key"]
    site = services["wordpress"].credentials()
    assert profile.results["wordpress"].status == "ok" and profile.site_url == site["site_url"]
    password = site["application_password"].replace(" ", "")
    assert memory_keyring.entries[("AccessAlly Desktop", f"{profile.name}/wordpress.application_password")] == password
    secrets = [services["license"].credentials()["license_key"], services["drip"].credentials()["api_token"],
               services["stripe"].credentials()["secret_key"], password, site["application_password"]]
    files = files_under(*user_dirs.values())
    assert files, "the settings file should exist"
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"{secret[:6]}… found in {path}"


def test_a_failing_credential_blocks_next_until_continue_untested(qtbot, services) -> None:
    wizard = make_wizard(qtbot)
    to_license(qtbot, wizard)
    values = dict(services["license"].credentials(), license_key="0" * 32)
    type_into(qtbot, wizard, values, "license")
    text = run_test(qtbot, wizard, "license")
    assert text.startswith("Credentials rejected") and "license" in text.lower()
    assert not wizard.box("license").passed()
    assert not next_enabled(wizard)
    wizard.license.untested_box.setChecked(True)
    assert next_enabled(wizard)
    go_next(qtbot, wizard)
    choose(qtbot, wizard, NO_CRM)
    go_next(qtbot, wizard)
    assert wizard.currentPage().objectName() == "page_payments"  # no credentials page for AccessAlly Managed
    wizard.payments.later.setChecked(True)
    go_next(qtbot, wizard)
    assert "Not tested" in wizard.findChild(StatusBadge, "summary_license").text.text()


def test_editing_a_field_clears_its_stale_result(qtbot, services) -> None:
    wizard = make_wizard(qtbot)
    to_license(qtbot, wizard)
    type_into(qtbot, wizard, services["license"].credentials(), "license")
    run_test(qtbot, wizard, "license")
    assert next_enabled(wizard)
    qtbot.keyClicks(edit(wizard, "license.license_key"), "x")
    assert wizard.box("license").panel.badge.text.text() == ""
    assert not next_enabled(wizard)


def test_format_problems_show_while_typing(qtbot) -> None:
    wizard = make_wizard(qtbot)
    wizard.payments.use["stripe"].setChecked(True)
    qtbot.keyClicks(edit(wizard, "stripe.secret_key"), "pk_test_abcdefghijklmnop")
    note = wizard.box("stripe").form.notes["secret_key"]
    assert not note.isHidden() and "publishable" in note.text().lower()


def test_pasted_values_are_trimmed(qtbot) -> None:
    wizard = make_wizard(qtbot)
    wizard.box("drip")
    line = edit(wizard, "drip.api_token")
    line.setFocus()
    line.insert("  abc123\n")
    line.textEdited.emit(line.text())
    assert line.text() == "abc123"


def test_cancel_mid_test_returns_to_idle_at_once(qtbot, services) -> None:
    services["license"].inject("hang")
    wizard = make_wizard(qtbot)
    to_license(qtbot, wizard)
    type_into(qtbot, wizard, services["license"].credentials(), "license")
    box = wizard.box("license")
    qtbot.mouseClick(box.panel.button, Qt.MouseButton.LeftButton)
    assert box.panel.cancel.isVisible() and "Testing" in box.panel.badge.text.text()
    assert not next_enabled(wizard)
    qtbot.mouseClick(box.panel.cancel, Qt.MouseButton.LeftButton)
    assert box.panel.button.isEnabled() and not box.panel.cancel.isVisible()
    assert "cancelled" in box.panel.badge.text.text().lower()
    assert not next_enabled(wizard)


def saved_then_reopened(qtbot, services, start: PageId = PageId.WELCOME) -> SetupWizard:
    """Walk the wizard to Finish, then open it again as the app does: prefilled from settings and keyring."""
    first = make_wizard(qtbot)
    walk_to_summary(qtbot, first, services)
    with qtbot.waitSignal(first.saved, timeout=5000):
        first.accept()
    settings_store = SettingsStore()
    storage = Storage(settings_store, open_store().store)
    settings = settings_store.load().settings
    secrets = storage.read_secrets(settings.last_site, secret_names())
    again = SetupWizard(storage, settings, settings.last_site, secrets, test_timeout=5, start=start)
    qtbot.addWidget(again)
    again.show()
    return again


def test_rerun_opens_prefilled_from_settings_and_keyring(qtbot, services) -> None:
    again = saved_then_reopened(qtbot, services)
    go_next(qtbot, again)
    assert again.currentId() == PageId.SITE and next_enabled(again), "a saved pass counts until a value changes"
    password = services["wordpress"].credentials()["application_password"]
    assert again.field("wordpress.application_password") == password.replace(" ", "")  # as WordPress reads it
    go_next(qtbot, again)
    assert again.currentId() == PageId.LICENSE and next_enabled(again)
    go_next(qtbot, again)
    assert again.field("crm.provider") == "drip"
    go_next(qtbot, again)
    assert again.field("drip.api_token") == services["drip"].credentials()["api_token"] and next_enabled(again)
    go_next(qtbot, again)
    assert again.currentId() == PageId.PAYMENTS and again.field("payments.stripe") is True
    assert again.field("stripe.secret_key") == services["stripe"].credentials()["secret_key"] and next_enabled(again)


def test_finish_failure_keeps_the_wizard_open_with_everything_typed(qtbot, services, tmp_path, monkeypatch) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("not a directory")
    storage = Storage(SettingsStore(blocked), MemoryStore())
    wizard = make_wizard(qtbot, storage=storage)
    walk_to_summary(qtbot, wizard, services)
    shown = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.warning", lambda *a: shown.append(a[2]))
    wizard.accept()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "could not be written" in shown[0]
    assert wizard.isVisible()
    assert wizard.field("stripe.secret_key") == services["stripe"].credentials()["secret_key"]


def test_keyring_unavailable_is_said_and_the_app_goes_on(qtbot) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    controller = AppController()
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.store_future.done(), timeout=5000)
    notice = controller.window.findChild(StatusBadge, "keyring_notice")
    assert notice is not None and "this session only" in notice.text.text()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    assert controller.wizard.isVisible()
    assert "memory for this session only" in controller.wizard.storage_description()
    controller.wizard.close()


def test_corrupt_settings_file_is_reported_and_the_wizard_opens(qtbot) -> None:
    store = SettingsStore()
    store.directory.mkdir(parents=True, exist_ok=True)
    store.path.write_text("{ this is not json")
    controller = AppController()
    qtbot.addWidget(controller.window)
    controller.start()
    notice = controller.window.findChild(StatusBadge, "settings_notice")
    assert notice is not None and "damaged" in notice.text.text()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    assert controller.wizard.currentPage().objectName() == "page_welcome"


def test_closing_an_untouched_wizard_does_not_ask(qtbot, dialogs) -> None:
    wizard = make_wizard(qtbot)
    wizard.close()
    assert not wizard.isVisible()
    assert dialogs.asked == []


def test_closing_with_typed_values_asks_before_discarding(qtbot, dialogs) -> None:
    wizard = make_wizard(qtbot)
    wizard.next()
    qtbot.keyClicks(edit(wizard, "wordpress.username"), "abc")
    wizard.close()
    assert dialogs.asked and "discard" in dialogs.asked[0].lower()


def test_a_fix_started_on_the_payments_page_keeps_every_other_page_as_saved(qtbot, services) -> None:
    """Pages never shown are built from the saved setup when Finish collects them: nothing is lost."""
    fix = saved_then_reopened(qtbot, services, start=PageId.PAYMENTS)
    settings_store, storage = SettingsStore(), fix.storage
    before, site = copy.deepcopy(fix.settings), fix.site
    secrets_before = dict(fix.initial_secrets)
    assert fix.currentId() == PageId.PAYMENTS and not fix.license.built and not fix.crm_credentials.built
    go_next(qtbot, fix)  # the saved Stripe pass still counts
    assert fix.currentPage().objectName() == "page_summary"
    with qtbot.waitSignal(fix.saved, timeout=5000):
        fix.accept()
    after = settings_store.load().settings.sites[site]
    saved = before.sites[site]
    assert (after.crm, after.payments, after.values, after.site_url) == (saved.crm, saved.payments, saved.values,
                                                                       saved.site_url)
    assert {name: result.status for name, result in after.results.items()} == {
        "wordpress": "ok", "license": "ok", "drip": "ok", "stripe": "ok"}
    assert storage.read_secrets(site, secret_names()) == secrets_before


def test_a_pasted_invisible_character_is_pointed_out_and_never_saved(qtbot, services) -> None:
    wizard = make_wizard(qtbot)
    to_license(qtbot, wizard)
    creds = services["license"].credentials()
    dirty = {**creds, "license_key": creds["license_key"][:4] + "\u200b" + creds["license_key"][4:],
             "email": creds["email"] + "\u00a0"}
    from PySide6.QtWidgets import QApplication

    for name, value in dirty.items():  # pasted, as owners do: the clipboard carries the invisible ones
        QApplication.clipboard().setText(value)
        line = edit(wizard, f"license.{name}")
        line.selectAll()
        line.paste()
    note = wizard.findChild(QLabel, "note_license_license_key")
    assert note.isVisibleTo(wizard) and note.text().startswith("ℹ ") and "zero-width space" in note.text()
    assert run_test(qtbot, wizard, "license").startswith("Connected") or wizard.box("license").passed()
    settings, secrets = wizard.collect()
    assert secrets["license.license_key"] == creds["license_key"]
    assert settings.current().values["license"]["email"] == creds["email"]


def test_setting_up_payments_later_clears_the_processors_and_gives_them_back_when_unticked(qtbot) -> None:
    from accessally_desktop.integrations import registry

    wizard = make_wizard(qtbot)
    page = wizard.payments
    first, *others = registry.PAYMENT_IDS
    page.use[first].setChecked(True)
    page.later.setChecked(True)
    assert not any(use.isChecked() or use.isEnabled() for use in page.use.values())
    assert page.chosen() == [] and not page.groups[first].isVisibleTo(page)
    page.later.setChecked(False)
    assert page.use[first].isChecked() and page.use[first].isEnabled()
    assert not any(page.use[s].isChecked() for s in others)


def test_an_empty_field_turns_red_only_after_it_was_edited_or_a_test(qtbot) -> None:
    wizard = make_wizard(qtbot)
    to_license(qtbot, wizard)
    box = wizard.box("license")
    notes = box.form.notes
    assert all(note.isHidden() for note in notes.values())  # a fresh page: nothing is a mistake yet
    line = edit(wizard, "license.email")
    qtbot.keyClicks(line, "a")
    qtbot.keyClick(line, Qt.Key.Key_Backspace)
    assert not notes["email"].isHidden() and "Enter the License e-mail" in notes["email"].text()
    assert notes["license_key"].isHidden()  # not touched: still quiet
    qtbot.mouseClick(wizard.findChild(QPushButton, "test_license"), Qt.MouseButton.LeftButton)
    assert not notes["license_key"].isHidden()  # the test asks for everything it needs


def test_each_page_says_which_step_it_is_of_how_many_along_the_chosen_path(qtbot) -> None:
    wizard = make_wizard(qtbot)
    wizard.show()
    assert wizard.currentPage().title().endswith("— step 1 of 7")
    go_next(qtbot, wizard)
    assert wizard.currentPage().title() == "Your website — step 2 of 7"
    wizard.website.later.setChecked(True)
    go_next(qtbot, wizard)
    assert wizard.currentPage().title() == "Your AccessAlly license — step 3 of 7"
    type_into(qtbot, wizard, {"email": "jane@example.com", "license_key": "a" * 32,
                              "site_url": "https://members.example.com"}, "license")
    wizard.license.untested_box.setChecked(True)
    go_next(qtbot, wizard)
    choose(qtbot, wizard, NO_CRM)
    go_next(qtbot, wizard)  # AccessAlly Managed: no CRM credentials page, one step fewer
    assert wizard.currentPage().title() == "Connect your payment processor — step 5 of 6"
    wizard.back()
    choose(qtbot, wizard, "drip")
    go_next(qtbot, wizard)
    assert wizard.currentPage().title() == "Connect Drip — step 5 of 7"
