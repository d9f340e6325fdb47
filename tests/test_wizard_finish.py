"""Finish changes only what the wizard knows: its own site, and secrets it read or the owner typed."""

from __future__ import annotations

import keyring
import keyring.errors
from test_main_window import configured, no_dialogs, start_app  # noqa: F401 - fixtures used by name

from accessally_desktop.sandbox import stripe as fake
from accessally_desktop.sandbox.keyring import MemoryKeyring
from accessally_desktop.secrets import open_store


class LockableKeyring(MemoryKeyring):
    """A keyring whose unlock prompt the owner cancelled: every read fails until `locked` is False."""

    locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")
        return super().get_password(service, username)


def open_wizard(qtbot, controller):
    controller.open_wizard()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    return controller.wizard


def test_rename_and_remove_wait_for_an_open_wizard(qtbot, configured, no_dialogs) -> None:  # noqa: F811
    warned = no_dialogs.warned
    controller = start_app(qtbot)
    first = controller.site
    open_wizard(qtbot, controller)
    no_dialogs.answers.append("Renamed site")
    controller.window.ask_rename_site()
    qtbot.waitUntil(lambda: any("close the setup wizard first" in text for text in warned), timeout=5000)
    controller.window.ask_remove_site()
    qtbot.waitUntil(lambda: any("then remove the site" in text for text in warned), timeout=5000)
    assert list(controller.settings.sites) == [first]
    assert open_store().store.get(first, "drip.api_token") == configured["drip"].credentials()["api_token"]
    wizard = controller.wizard
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        wizard.accept()
    assert list(controller.settings.sites) == [first]


def test_a_wizard_opened_on_a_locked_keyring_deletes_no_secret_it_never_read(qtbot, configured,  # noqa: F811
                                                                              no_dialogs) -> None:  # noqa: F811
    before = dict(keyring.get_keyring().entries)
    lockable = LockableKeyring()
    lockable.entries = before | {("AccessAlly Desktop", f"{_site()}/stripe.live.secret_key"): fake.LIVE_SECRET_KEY}
    keyring.set_keyring(lockable)
    controller = start_app(qtbot)
    lockable.locked = True
    wizard = open_wizard(qtbot, controller)
    assert wizard.box("stripe").form.values()["secret_key"] == ""  # nothing could be read
    lockable.locked = False  # the owner unlocks it and types the one key the page needs
    wizard.box("stripe").form.inputs["secret_key"].setText(fake.SECRET_KEY)
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        wizard.accept()
    after = lockable.entries
    assert after[("AccessAlly Desktop", f"{_site()}/stripe.live.secret_key")] == fake.LIVE_SECRET_KEY
    assert after[("AccessAlly Desktop", f"{_site()}/stripe.test.secret_key")] == fake.SECRET_KEY
    for name in ("license.license_key", "drip.api_token"):
        assert after[("AccessAlly Desktop", f"{_site()}/{name}")] == before[("AccessAlly Desktop", f"{_site()}/{name}")]


def _site() -> str:
    from accessally_desktop.settings import SettingsStore

    return SettingsStore().load().settings.last_site


def test_finish_on_a_locked_keyring_says_to_unlock_it_and_keeps_the_wizard(qtbot, configured,  # noqa: F811
                                                                           no_dialogs) -> None:  # noqa: F811
    lockable = LockableKeyring()
    lockable.entries = dict(keyring.get_keyring().entries)
    keyring.set_keyring(lockable)
    controller = start_app(qtbot)
    wizard = open_wizard(qtbot, controller)
    wizard.box("stripe").form.inputs["secret_key"].setText(fake.SECRET_KEY)
    lockable.locked = True  # the owner cancels the unlock prompt Finish brings up
    wizard.accept()
    qtbot.waitUntil(lambda: bool(no_dialogs.warned), timeout=5000)
    assert "Your computer's password store is locked. Unlock it" in no_dialogs.warned[0]
    assert "KeyringLocked" not in no_dialogs.warned[0]
    assert wizard.isVisible()
