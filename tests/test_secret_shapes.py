"""A secret pasted into a field that is no secret (issue 17, item 5) never reaches a file: the wizard
refuses to finish, the settings file and an export leave it out, and an import refuses a file with one."""

from __future__ import annotations

import pytest
from test_transfer import GOOD, main_site
from test_wizard import make_wizard
from test_wizard_stripe import TEST, paste

from accessally_desktop import transfer
from accessally_desktop.sandbox import stripe as fake
from accessally_desktop.settings import Settings, SettingsStore
from accessally_desktop.ui.workers import pool

LIVE_SECRET = fake.LIVE_SECRET_KEY


def test_a_secret_key_in_the_other_modes_publishable_field_stops_finish(qtbot, dialogs) -> None:
    wizard = make_wizard(qtbot)
    wizard.payments.use["stripe"].setChecked(True)
    box = wizard.box("stripe")
    box.variant_choice.button("live").click()
    paste(qtbot, wizard, {"publishable_key": LIVE_SECRET})
    box.variant_choice.button("test").click()
    paste(qtbot, wizard, TEST)
    shown = dialogs.warned
    saved: list[object] = []
    wizard.saved.connect(saved.append)
    wizard.accept()
    qtbot.waitUntil(lambda: bool(shown or saved), timeout=5000)
    assert not saved and shown, "Finish saved the settings"
    assert "Publishable key" in shown[0] and "Live mode" in shown[0] and "secret" in shown[0]
    assert LIVE_SECRET not in shown[0] and "sk_live_51" not in shown[0]
    assert wizard.isVisible()
    path = SettingsStore().path
    assert not path.exists() or LIVE_SECRET not in path.read_text(encoding="utf-8")
    pool().waitForDone(10000)  # the Stripe box's warm-up, so it does not answer a closed wizard


def test_the_settings_file_never_holds_a_secret_shaped_value() -> None:
    profile = main_site()
    profile.values["stripe"]["live.publishable_key"] = LIVE_SECRET
    profile.options["activecampaign"]["form_name"] = f"Buyers {LIVE_SECRET}"
    store = SettingsStore()
    store.save(Settings(sites={profile.name: profile}, last_site=profile.name))
    text = store.path.read_text(encoding="utf-8")
    assert "sk_live_51" not in text
    assert "pk_test_51PUBLIC" in text  # the rest is kept


def test_an_export_leaves_out_a_secret_shaped_value() -> None:
    profile = main_site()
    profile.values["stripe"]["live.publishable_key"] = LIVE_SECRET
    profile.options["activecampaign"]["form_name"] = "whsec_AbCdEfGhIjKlMnOp0014"
    text = transfer.export_text(profile)
    assert "sk_live_51" not in text and "whsec_" not in text
    assert "pk_test_51PUBLIC" in text


@pytest.mark.parametrize(("old", "new", "where"), [
    ('"name": "Main site"', f'"name": "Main {LIVE_SECRET}"', "site.name"),
    ('"note": "Site settings', '"note": "kit_0a1b2c3d4e5f6a7b8c9d0007 Site settings', "note"),
    ('"form_name": "Buyers list"', '"form_name": "KeapAK-0a1b2c3d4e5f6a7b8c9d"',
     "site.options.activecampaign.form_name"),
    ('"site_url": "https://members.example.com"', f'"site_url": "https://members.example.com/{LIVE_SECRET}"',
     "site.site_url"),
    ('"pk_live_51PUBLIC"', f'"{LIVE_SECRET}"', "site.values.stripe.live.publishable_key"),
])
def test_an_import_refuses_a_secret_in_a_free_text_field_without_repeating_it(old, new, where) -> None:
    assert old in GOOD
    with pytest.raises(transfer.TransferError) as caught:
        transfer.parse_export(GOOD.replace(old, new, 1).encode())
    message = str(caught.value)
    assert "looks like a password or API key" in message and where in message
    for secret in (LIVE_SECRET, "kit_0a1b", "KeapAK-0a1b", "sk_live_"):
        assert secret not in message
