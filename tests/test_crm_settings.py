"""Settings > Payment > CRM Integration, driven like a user would, against the loopback stand-ins."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
)
from support.crm_panel import WAIT, Credentials, child, click, combo_texts, load, pick, status_words, wait_fetched

from accessally_desktop.integrations.drip import tracking_snippet as drip_snippet
from accessally_desktop.integrations.ontraport import (
    tracking_snippet as ontraport_snippet,
)
from accessally_desktop.sandbox.activecampaign import make_form
from accessally_desktop.sandbox.drip import (
    ACCOUNT_ONE,
    ACCOUNT_TWO,
    ONE_ACCOUNT_TOKEN,
    TWO_ACCOUNTS_TOKEN,
)
from accessally_desktop.sandbox.ontraport import ACCOUNT_ID
from accessally_desktop.settings import SavedResult, SiteProfile
from accessally_desktop.ui.option_widgets import COPIED_NOTE_MS

PURCHASES_FORM = ("2", "AccessAlly purchases (no double opt-in)")  # the stand-in's form without double opt-in
NEWSLETTER_FORM = ("1", "Newsletter sign-up")  # the stand-in's double opt-in form


@pytest.fixture
def ac(serve):
    """The ActiveCampaign stand-in without its 5-a-second limit (these tests are not about it)."""
    server = serve("activecampaign")
    server.rate_limit = None
    return server


# -- defaults and what shows ----------------------------------------------------------------------


def test_fresh_profile_defaults_ontraport_tracking_on_sync_off_drip_tracking_on(qtbot, panel) -> None:
    fresh = SiteProfile("Fresh")
    assert (fresh.crm_options("ontraport"), fresh.crm_options("drip")) == ({"tracking": True, "sync": False},
                                                                          {"tracking": True})
    panel.load(SiteProfile("Fresh", crm="ontraport"), Credentials({}))
    assert child(panel, QCheckBox, "ontraport_tracking").isChecked()
    assert not child(panel, QCheckBox, "ontraport_sync").isChecked()
    wait_fetched(qtbot, panel)
    panel.load(SiteProfile("Fresh", crm="drip"), Credentials({}))
    assert child(panel, QCheckBox, "drip_tracking").isChecked()
    wait_fetched(qtbot, panel)
    assert not panel.has_unapplied_changes()
    assert not child(panel, QPushButton, "apply_crm").isEnabled()


# -- ActiveCampaign ---------------------------------------------------------------------------------


def test_ac_form_picker_loads_live_with_a_loading_state_and_shows_the_saved_choice_first(qtbot, panel, ac) -> None:
    profile = SiteProfile("Site", crm="activecampaign",
                          options={"activecampaign": {"form": PURCHASES_FORM[0], "form_name": PURCHASES_FORM[1]}})
    combo = child(panel, QComboBox, "activecampaign_form")
    ac.inject("slow", delay=1.0, times=1)
    credentials = Credentials(ac.credentials())
    panel.load(profile, credentials)
    # Before the forms arrive: the saved choice, a disabled picker, a busy indicator and words.
    assert combo.currentText() == PURCHASES_FORM[1]
    assert not combo.isEnabled() and not child(panel, QPushButton, "refresh_forms").isEnabled()
    assert status_words(panel, "activecampaign_forms_status") == "Loading forms…"
    assert panel.sections["activecampaign"].picks["form"].status.busy.isVisible()
    wait_fetched(qtbot, panel)
    assert combo.isEnabled()
    assert combo_texts(combo) == ["No form chosen", "Newsletter sign-up (double opt-in)", PURCHASES_FORM[1],
                                  "Free webinar (double opt-in)"]
    assert combo.currentText() == PURCHASES_FORM[1]  # still the saved choice, now from the live list
    assert "Found 3" in status_words(panel, "activecampaign_forms_status")
    assert not panel.sections["activecampaign"].picks["form"].status.busy.isVisible()
    assert not panel.has_unapplied_changes()
    assert credentials.threads and all(t is not threading.main_thread() for t in credentials.threads)
    assert [r.path for r in ac.requests] == ["/api/3/forms"]


def test_ac_warns_for_a_double_opt_in_form_and_not_for_the_other(qtbot, panel, ac) -> None:
    load(qtbot, panel, SiteProfile("Site", crm="activecampaign"), ac.credentials())
    combo = child(panel, QComboBox, "activecampaign_form")
    warning = panel.sections["activecampaign"].picks["form"].warning
    assert not warning.isVisible()
    pick(qtbot, combo, "Newsletter sign-up (double opt-in)")
    assert warning.isVisible() and warning.icon.isVisible()  # an icon and words, not colour
    assert "“Newsletter sign-up” uses double opt-in" in warning.text.text()
    assert warning.accessibleName() == warning.text.text()
    pick(qtbot, combo, PURCHASES_FORM[1])
    assert not warning.isVisible()
    assert panel.sections["activecampaign"].picks["form"].chosen() == PURCHASES_FORM


def test_ac_explains_why_the_form_matters(qtbot, panel, ac) -> None:
    load(qtbot, panel, SiteProfile("Site", crm="activecampaign"), ac.credentials())
    text = child(panel, QLabel, "activecampaign_form_explanation").text()
    for words in ("unsubscribed", "inactive", "without double opt-in", "other lead generation"):
        assert words in text


def test_ac_refresh_fetches_the_list_again(qtbot, panel, ac) -> None:
    load(qtbot, panel, SiteProfile("Site", crm="activecampaign"), ac.credentials())
    combo = child(panel, QComboBox, "activecampaign_form")
    pick(qtbot, combo, PURCHASES_FORM[1])
    assert "Spring sale buyers" not in combo_texts(combo)
    ac.forms.append(make_form(4, "Spring sale buyers", double_opt_in=False))
    click(qtbot, child(panel, QPushButton, "refresh_forms"))
    assert panel.fetching
    wait_fetched(qtbot, panel)
    assert "Spring sale buyers" in combo_texts(combo)
    assert combo.currentText() == PURCHASES_FORM[1]  # the refresh did not lose the pick
    assert "Found 4" in status_words(panel, "activecampaign_forms_status")
    assert len([r for r in ac.requests if r.path == "/api/3/forms"]) == 2


@pytest.mark.parametrize("failure", ["forbidden", "bad_token", "offline"])
def test_ac_failing_fetch_says_why_and_keeps_the_chosen_form(qtbot, panel, ac, failure) -> None:
    profile = SiteProfile("Site", crm="activecampaign",
                          options={"activecampaign": {"form": PURCHASES_FORM[0], "form_name": PURCHASES_FORM[1]}})
    values = ac.credentials()
    if failure == "forbidden":
        ac.inject("status", code=403, body={"message": "No Result found for Subscriber with id 0"})
    elif failure == "bad_token":
        values["api_key"] = "0" * 64
    else:
        ac.stop()
    load(qtbot, panel, profile, values)
    combo = child(panel, QComboBox, "activecampaign_form")
    words = status_words(panel, "activecampaign_forms_status")
    assert words.startswith("Could not load the forms.")
    if failure == "offline":
        assert "connect" in words.lower()
    else:
        assert "did not accept this API key" in words and "Setup Wizard" in words
    assert f"“{PURCHASES_FORM[1]}”, is kept" in words
    assert combo.isEnabled() and combo.currentText() == PURCHASES_FORM[1]
    assert panel.sections["activecampaign"].picks["form"].status.icon.isVisible()
    assert panel.current_options()["activecampaign"]["form"] == PURCHASES_FORM[0]
    assert not panel.has_unapplied_changes()


def test_ac_failing_refresh_keeps_the_list_and_the_pick(qtbot, panel, ac) -> None:
    load(qtbot, panel, SiteProfile("Site", crm="activecampaign"), ac.credentials())
    combo = child(panel, QComboBox, "activecampaign_form")
    pick(qtbot, combo, "Free webinar (double opt-in)")
    ac.inject("status", code=403)
    click(qtbot, child(panel, QPushButton, "refresh_forms"))
    wait_fetched(qtbot, panel)
    assert "did not accept this API key" in status_words(panel, "activecampaign_forms_status")
    assert combo.currentText() == "Free webinar (double opt-in)"
    assert combo.count() == 4
    assert panel.sections["activecampaign"].picks["form"].warning.isVisible()  # still warns about the kept double opt-in form


def test_ac_choice_is_applied_through_the_signal_and_revert_restores_it(qtbot, panel, ac) -> None:
    load(qtbot, panel, SiteProfile("Site", crm="activecampaign"), ac.credentials())
    combo = child(panel, QComboBox, "activecampaign_form")
    apply_button = child(panel, QPushButton, "apply_crm")
    revert_button = child(panel, QPushButton, "revert_crm")
    assert not apply_button.isEnabled() and not revert_button.isEnabled()
    pick(qtbot, combo, PURCHASES_FORM[1])
    assert panel.has_unapplied_changes() and apply_button.isEnabled()
    assert child(panel, QLabel, "crm_unapplied").isVisible()
    with qtbot.waitSignal(panel.applied, timeout=1000) as applied:
        click(qtbot, apply_button)
    options = applied.args[0]
    assert options == {"activecampaign": {"form": PURCHASES_FORM[0], "form_name": PURCHASES_FORM[1]}}
    assert not panel.has_unapplied_changes() and not apply_button.isEnabled()
    pick(qtbot, combo, "Free webinar (double opt-in)")
    assert panel.has_unapplied_changes()
    click(qtbot, revert_button)
    assert combo.currentText() == PURCHASES_FORM[1]
    assert not panel.has_unapplied_changes() and not apply_button.isEnabled()
    assert not panel.sections["activecampaign"].picks["form"].warning.isVisible()


def test_the_panel_never_changes_the_profile_it_was_given(qtbot, panel, ac) -> None:
    profile = SiteProfile("Site", crm="activecampaign")
    load(qtbot, panel, profile, ac.credentials())
    pick(qtbot, child(panel, QComboBox, "activecampaign_form"), PURCHASES_FORM[1])
    panel.apply()
    assert profile.options == {}


# -- Kit ------------------------------------------------------------------------------------------


def test_kit_picker_loads_live_forms_without_archived_ones(qtbot, panel, serve) -> None:
    server = serve("convertkit")
    load(qtbot, panel, SiteProfile("Site", crm="convertkit"), server.credentials())
    combo = child(panel, QComboBox, "convertkit_form")
    assert combo.isVisible() and child(panel, QPushButton, "refresh_forms").isVisible()
    assert combo_texts(combo) == ["No form chosen", "Newsletter", "AccessAlly purchases", "Free course landing page"]
    pick(qtbot, combo, "AccessAlly purchases")
    note = panel.sections["convertkit"].picks["form"].warning
    assert note.kind == "info" and "does not say" in note.text.text()  # Kit cannot tell: a note, not an alarm
    with qtbot.waitSignal(panel.applied, timeout=1000) as applied:
        click(qtbot, child(panel, QPushButton, "apply_crm"))
    assert applied.args[0]["convertkit"] == {"form": "1002", "form_name": "AccessAlly purchases"}


def test_kit_bad_key_says_why(qtbot, panel, serve) -> None:
    server = serve("convertkit")
    values = {**server.credentials(), "api_key": "WrongKitApiKey0000000"}
    profile = SiteProfile("Site", crm="convertkit", options={"convertkit": {"form": "1001", "form_name": "Newsletter"}})
    load(qtbot, panel, profile, values)
    assert "Kit did not accept the API Key" in status_words(panel, "convertkit_forms_status")
    assert child(panel, QComboBox, "convertkit_form").currentText() == "Newsletter"


# -- Ontraport ------------------------------------------------------------------------------------


def test_ontraport_snippet_has_the_live_account_id_and_copy_puts_it_on_the_clipboard(qtbot, panel, serve) -> None:
    server = serve("ontraport")
    QApplication.clipboard().setText("something else")
    load(qtbot, panel, SiteProfile("Site", crm="ontraport"), server.credentials())
    preview = child(panel, QPlainTextEdit, "ontraport_snippet")
    assert preview.isReadOnly()
    assert preview.toPlainText() == ontraport_snippet(str(ACCOUNT_ID))
    assert f'_mri="{ACCOUNT_ID}"' in preview.toPlainText()
    assert str(ACCOUNT_ID) in status_words(panel, "ontraport_snippet_status")
    click(qtbot, child(panel, QPushButton, "copy_ontraport_snippet"))
    assert QApplication.clipboard().text() == ontraport_snippet(str(ACCOUNT_ID))
    note = child(panel, QLabel, "ontraport_snippet_copied")
    assert note.text() == "Copied to the clipboard."
    fades = note.parent().copied_fades
    assert fades.isActive() and 2000 <= fades.interval() == COPIED_NOTE_MS <= 6000
    fades.timeout.emit()  # what the timer does after a few seconds: the note goes by itself
    assert note.text() == ""


def test_ontraport_shows_a_loading_state_then_a_failure_keeps_the_snippet(qtbot, panel, serve) -> None:
    server = serve("ontraport")
    load(qtbot, panel, SiteProfile("Site", crm="ontraport"), server.credentials())
    preview = child(panel, QPlainTextEdit, "ontraport_snippet")
    shown = preview.toPlainText()
    server.inject("slow", delay=0.5, times=1)
    click(qtbot, child(panel, QPushButton, "refresh_account"))
    assert status_words(panel, "ontraport_snippet_status") == "Fetching your Ontraport account id…"
    wait_fetched(qtbot, panel)
    server.inject("status", code=401, body="Your App ID and API Key do not authenticate.")
    click(qtbot, child(panel, QPushButton, "refresh_account"))
    wait_fetched(qtbot, panel)
    words = status_words(panel, "ontraport_snippet_status")
    assert "Could not fetch your Ontraport account id" in words and "did not accept" in words
    assert preview.toPlainText() == shown  # what was shown stays


def test_ontraport_offline_shows_the_last_known_snippet_and_why(qtbot, panel, serve) -> None:
    server = serve("ontraport")
    values = server.credentials()
    server.stop()
    profile = SiteProfile("Site", crm="ontraport",
                          results={"ontraport": SavedResult("ok", "Connected.", account_id="11111")})
    load(qtbot, panel, profile, values)
    assert child(panel, QPlainTextEdit, "ontraport_snippet").toPlainText() == ontraport_snippet("11111")
    words = status_words(panel, "ontraport_snippet_status")
    assert "Can't connect" in words and "last account id known" in words


def test_ontraport_options_apply_and_revert(qtbot, panel) -> None:
    panel.load(SiteProfile("Site", crm="ontraport"), Credentials({}))
    sync = child(panel, QCheckBox, "ontraport_sync")
    tracking = child(panel, QCheckBox, "ontraport_tracking")
    click(qtbot, sync)
    click(qtbot, tracking)
    assert "not added while tracking is off" in panel.sections["ontraport"].snippets["snippet"].caption.text()
    with qtbot.waitSignal(panel.applied, timeout=1000) as applied:
        click(qtbot, child(panel, QPushButton, "apply_crm"))
    assert applied.args[0]["ontraport"] == {"sync": True, "tracking": False}
    click(qtbot, sync)
    click(qtbot, child(panel, QPushButton, "revert_crm"))
    assert sync.isChecked() and not tracking.isChecked()
    wait_fetched(qtbot, panel)


# -- Drip -----------------------------------------------------------------------------------------


def drip_profile(account_id: str = ACCOUNT_ONE["id"]) -> SiteProfile:
    return SiteProfile("Site", crm="drip", values={"drip": {"account_id": account_id}})


def test_drip_snippet_shows_the_profile_account_id(qtbot, panel, serve) -> None:
    serve("drip")
    load(qtbot, panel, drip_profile(), {"account_id": ACCOUNT_ONE["id"], "api_token": ONE_ACCOUNT_TOKEN})
    preview = child(panel, QPlainTextEdit, "drip_snippet")
    assert preview.isReadOnly()
    assert preview.toPlainText() == drip_snippet(ACCOUNT_ONE["id"])
    assert f"tag.getdrip.com/{ACCOUNT_ONE['id']}.js" in preview.toPlainText()
    assert not child(panel, QComboBox, "drip_account").isVisible()  # one account: nothing to pick
    assert ACCOUNT_ONE["name"] in child(panel, QLabel, "drip_account_label").text()
    click(qtbot, child(panel, QPushButton, "copy_drip_snippet"))
    assert QApplication.clipboard().text() == drip_snippet(ACCOUNT_ONE["id"])


def test_drip_account_picker_changes_the_snippet_and_apply_hands_over_the_new_id(qtbot, panel, serve) -> None:
    serve("drip")
    profile = drip_profile()
    profile.values["drip"]["other"] = "kept"
    load(qtbot, panel, profile, {"account_id": ACCOUNT_ONE["id"], "api_token": TWO_ACCOUNTS_TOKEN})
    picker = child(panel, QComboBox, "drip_account")
    assert picker.isVisible()
    assert combo_texts(picker) == [f"{ACCOUNT_ONE['name']} ({ACCOUNT_ONE['id']})",
                                   f"{ACCOUNT_TWO['name']} ({ACCOUNT_TWO['id']})"]
    assert picker.currentData() == ACCOUNT_ONE["id"]
    pick(qtbot, picker, f"{ACCOUNT_TWO['name']} ({ACCOUNT_TWO['id']})")
    assert child(panel, QPlainTextEdit, "drip_snippet").toPlainText() == drip_snippet(ACCOUNT_TWO["id"])
    assert panel.has_unapplied_changes()
    order: list[str] = []
    panel.values_applied.connect(lambda service, values: order.append(f"values:{service}:{values}"))
    panel.applied.connect(lambda options: order.append("applied"))
    click(qtbot, child(panel, QPushButton, "apply_crm"))
    assert order == [f"values:drip:{ {'account_id': ACCOUNT_TWO['id'], 'other': 'kept'} }", "applied"]
    assert not panel.has_unapplied_changes()
    assert profile.values["drip"]["account_id"] == ACCOUNT_ONE["id"]  # the main window stores it, not the panel


def test_drip_revert_restores_the_applied_account(qtbot, panel, serve) -> None:
    serve("drip")
    load(qtbot, panel, drip_profile(), {"account_id": ACCOUNT_ONE["id"], "api_token": TWO_ACCOUNTS_TOKEN})
    picker = child(panel, QComboBox, "drip_account")
    pick(qtbot, picker, f"{ACCOUNT_TWO['name']} ({ACCOUNT_TWO['id']})")
    click(qtbot, child(panel, QPushButton, "revert_crm"))
    assert picker.currentData() == ACCOUNT_ONE["id"]
    assert child(panel, QPlainTextEdit, "drip_snippet").toPlainText() == drip_snippet(ACCOUNT_ONE["id"])
    assert not panel.has_unapplied_changes()


def test_drip_failing_lookup_says_why_and_keeps_the_account(qtbot, panel, serve) -> None:
    serve("drip")
    load(qtbot, panel, drip_profile(), {"account_id": ACCOUNT_ONE["id"], "api_token": "f" * 32})
    words = status_words(panel, "drip_accounts_status")
    assert "Drip did not accept this API token" in words and "kept" in words
    assert child(panel, QPlainTextEdit, "drip_snippet").toPlainText() == drip_snippet(ACCOUNT_ONE["id"])


# -- leaving, reloading, and the GUI thread ----------------------------------------------------------


def test_confirm_leave_asks_only_when_something_is_unapplied(qtbot, panel, dialogs) -> None:
    asked = dialogs.asked
    dialogs.answers += [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard,
                        QMessageBox.StandardButton.Apply]
    panel.load(SiteProfile("Site", crm="ontraport"), Credentials({}))
    sync = child(panel, QCheckBox, "ontraport_sync")
    assert panel.confirm_leave() and asked == []
    click(qtbot, sync)
    assert panel.confirm_leave() is False and len(asked) == 1  # Cancel: stay, the change is still there
    assert "without applying them" in asked[0]
    assert sync.isChecked() and panel.has_unapplied_changes()
    assert panel.confirm_leave() is True and len(asked) == 2  # Discard: reverted
    assert not sync.isChecked() and not panel.has_unapplied_changes()
    click(qtbot, sync)
    with qtbot.waitSignal(panel.applied, timeout=1000) as applied:
        assert panel.confirm_leave() is True  # Apply: applied first
    assert applied.args[0]["ontraport"]["sync"] is True and len(asked) == 3
    assert panel.confirm_leave() and len(asked) == 3
    wait_fetched(qtbot, panel)


def test_a_new_load_cancels_and_ignores_the_previous_fetch(qtbot, panel, ac, serve) -> None:
    serve("drip")
    ac.inject("slow", delay=3.0)
    panel.load(SiteProfile("A", crm="activecampaign"), Credentials(ac.credentials()))
    qtbot.waitUntil(lambda: len(ac.requests) == 1, timeout=WAIT)  # the slow request is on the wire
    load(qtbot, panel, drip_profile(), {"account_id": ACCOUNT_ONE["id"], "api_token": ONE_ACCOUNT_TOKEN})
    # Cancelled: the worker ends long before the stand-in's 3 s delay would have.
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=2000)
    QApplication.processEvents()  # deliver any late answer, if one were to come
    assert panel.sections["activecampaign"].picks["form"].items() == ()
    assert status_words(panel, "activecampaign_forms_status") == ""
    assert not panel.sections["activecampaign"].isVisible()
    assert child(panel, QPlainTextEdit, "drip_snippet").toPlainText() == drip_snippet(ACCOUNT_ONE["id"])


def test_a_slow_keyring_never_blocks_the_window(qtbot, panel, ac) -> None:
    release = threading.Event()

    def slow_credentials() -> dict[str, str]:
        assert threading.current_thread() is not threading.main_thread()
        release.wait(5)
        return ac.credentials()

    panel.load(SiteProfile("Site", crm="activecampaign"), slow_credentials)
    assert panel.fetching and status_words(panel, "activecampaign_forms_status") == "Loading forms…"
    release.set()
    wait_fetched(qtbot, panel)
    assert "Found 3" in status_words(panel, "activecampaign_forms_status")


def test_a_failing_keyring_read_is_reported(qtbot, panel) -> None:
    def broken() -> dict[str, str]:
        raise RuntimeError("keyring locked")

    profile = SiteProfile("Site", crm="activecampaign", options={"activecampaign": {"form": "2", "form_name": "Buyers"}})
    panel.load(profile, broken)
    wait_fetched(qtbot, panel)
    words = status_words(panel, "activecampaign_forms_status")
    assert "Could not read the saved ActiveCampaign credentials" in words and "“Buyers”, is kept" in words


def test_tab_order_follows_the_layout(qtbot, panel, ac) -> None:
    load(qtbot, panel, SiteProfile("Site", crm="activecampaign"), ac.credentials())
    pick(qtbot, child(panel, QComboBox, "activecampaign_form"), PURCHASES_FORM[1])  # Apply and Revert enabled
    order = []
    widget = child(panel, QComboBox, "activecampaign_form")
    for _ in range(200):
        if widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus \
                and widget.objectName():
            order.append(widget.objectName())
        widget = widget.nextInFocusChain()
        if widget.objectName() == "activecampaign_form":
            break
    assert order[:4] == ["activecampaign_form", "refresh_forms", "revert_crm", "apply_crm"]


def test_choosing_a_double_opt_in_form_asks_before_apply(qtbot, panel, ac, dialogs) -> None:
    from PySide6.QtWidgets import QMessageBox

    load(qtbot, panel, SiteProfile("Site", crm="activecampaign"), ac.credentials())
    pick(qtbot, child(panel, QComboBox, "activecampaign_form"), "Newsletter sign-up (double opt-in)")
    apply = child(panel, QPushButton, "apply_crm")
    dialogs.answers.append(QMessageBox.StandardButton.Cancel)
    click(qtbot, apply)
    assert "“Newsletter sign-up” uses double opt-in" in dialogs.asked[-1] and "anyway" in dialogs.asked[-1]
    assert panel.has_unapplied_changes()  # Cancel: nothing applied
    dialogs.answers.append(QMessageBox.StandardButton.Apply)
    with qtbot.waitSignal(panel.applied, timeout=1000) as applied:
        click(qtbot, apply)
    assert applied.args[0]["activecampaign"]["form"] == NEWSLETTER_FORM[0]
    asked = len(dialogs.asked)
    pick(qtbot, child(panel, QComboBox, "activecampaign_form"), PURCHASES_FORM[1])
    with qtbot.waitSignal(panel.applied, timeout=1000):
        click(qtbot, apply)  # no double opt-in: nothing to ask
    assert len(dialogs.asked) == asked


def test_apply_says_it_saved_in_this_app_and_that_the_website_is_not_changed(qtbot, panel) -> None:
    from accessally_desktop.ui.crm_settings import SAVED_NOTE_MS

    panel.load(SiteProfile("Site", crm="ontraport"), Credentials({}))
    click(qtbot, child(panel, QCheckBox, "ontraport_sync"))
    click(qtbot, child(panel, QPushButton, "apply_crm"))
    note = child(panel, QLabel, "crm_saved_note")
    assert note.text().startswith("Saved in this app.") and "does not change your website" in note.text()
    assert "AccessAlly › General Settings › Payment › CRM Integration" in note.text()
    assert panel.saved_note_fades.isActive() and panel.saved_note_fades.interval() == SAVED_NOTE_MS
    panel.saved_note_fades.timeout.emit()
    assert note.text() == ""
    wait_fetched(qtbot, panel)


@pytest.mark.parametrize("crm", ["ontraport", "activecampaign", "drip"])
def test_the_panel_says_the_app_keeps_these_and_does_not_change_wordpress(qtbot, panel, crm) -> None:
    panel.load(SiteProfile("Site", crm=crm), Credentials({}))
    words = child(panel, QLabel, "crm_kept_here")
    assert not words.isHidden()
    assert "does not change WordPress" in words.text() and "AccessAlly › General Settings › Payment › CRM" in words.text()
    wait_fetched(qtbot, panel)
