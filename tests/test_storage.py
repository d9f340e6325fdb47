"""Settings file and keyring: defaults, recovery from damage, all-or-nothing saves, a real Secret Service."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from accessally_desktop.secrets import KEYRING_SERVICE, KeyringStore, MemoryStore, SecretStoreError, open_store
from accessally_desktop.settings import SavedResult, SettingsStore, config_dir
from accessally_desktop.storage import SaveError, Storage, secret_names


def test_fresh_install_has_one_site_with_documented_defaults(user_dirs) -> None:
    loaded = SettingsStore().load()
    assert loaded.problem == ""
    site = loaded.settings.current()
    assert site.crm_options("ontraport") == {"tracking": True, "sync": False}
    assert site.crm_options("drip") == {"tracking": True}
    assert site.crm_options("activecampaign") == {"form": "", "form_name": ""}
    assert not site.configured
    assert config_dir().is_relative_to(user_dirs["config"])


def test_settings_round_trip_is_versioned_and_human_readable() -> None:
    store = SettingsStore()
    settings = store.load().settings
    site = settings.current()
    site.crm = "activecampaign"
    site.values["activecampaign"] = {"account_url": "https://acme.api-us1.com"}
    site.results["activecampaign"] = SavedResult("ok", "Connected.", account_name="Acme", tested_at=1700000000.0)
    store.save(settings)
    text = store.path.read_text()
    assert json.loads(text)["version"] == 3
    assert "\n  " in text  # indented, readable
    again = store.load().settings.current()
    assert again.crm == "activecampaign"
    assert again.results["activecampaign"].account_name == "Acme"
    assert [p.name for p in store.directory.iterdir()] == ["settings.json"]  # no temp files left


@pytest.mark.parametrize("content", [b"{not json", b"\x00\xff\xfe garbage", b"[1, 2, 3]",
                                     b'{"version": 1, "sites": {"a": {"stripe": "yes"}}}',
                                     b'{"version": 1, "sites": []}'])
def test_damaged_settings_file_is_moved_aside_and_defaults_used(content: bytes) -> None:
    store = SettingsStore()
    store.directory.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(content)
    loaded = store.load()
    assert "damaged" in loaded.problem
    assert loaded.settings.current().crm == ""
    kept = [p for p in store.directory.iterdir() if p.name.startswith("settings.json.corrupt-")]
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert kept[0].name in loaded.problem


def test_open_store_uses_the_keyring_when_one_works(memory_keyring) -> None:
    opened = open_store()
    assert isinstance(opened.store, KeyringStore) and opened.problem == ""
    opened.store.set("Site", "stripe.test.secret_key", "sk_test_abc")
    assert memory_keyring.entries[(KEYRING_SERVICE, "Site/stripe.test.secret_key")] == "sk_test_abc"


def test_no_keyring_means_memory_only_and_a_plain_explanation() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    opened = open_store()
    assert isinstance(opened.store, MemoryStore)
    assert "this session only" in opened.problem and "GNOME Keyring" in opened.problem
    assert "sudo" not in opened.problem and "apt" not in opened.problem


class RefusingKeyring(keyring.backend.KeyringBackend):
    """Refuses writes to the entries in `refused`: a keyring that fails half-way through a save."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        if username in self.refused:
            raise keyring.errors.PasswordSetError("locked")
        self.entries[(service, username)] = password

    def delete_password(self, service, username):
        self.entries.pop((service, username), None)


def test_a_keyring_failing_half_way_leaves_the_previous_setup_intact() -> None:
    backend = RefusingKeyring()
    storage = Storage(SettingsStore(), KeyringStore(backend))
    settings = SettingsStore().load().settings
    storage.commit(settings, "Site", {"stripe.test.secret_key": "sk_test_old", "drip.api_token": "old-token"})
    backend.refused = {"Site/drip.api_token"}  # the next save writes the Stripe key, then is refused
    settings.current().crm = "drip"
    with pytest.raises(SaveError, match="previous setup is still saved"):
        storage.commit(settings, "Site", {"stripe.test.secret_key": "sk_test_new", "drip.api_token": "new-token"})
    assert backend.get_password(KEYRING_SERVICE, "Site/stripe.test.secret_key") == "sk_test_old"
    assert backend.get_password(KEYRING_SERVICE, "Site/drip.api_token") == "old-token"


def test_an_unwritable_settings_file_rolls_the_secrets_back(tmp_path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the config dir should be")
    secrets = MemoryStore()
    secrets.set("Site", "drip.api_token", "old-token")
    storage = Storage(SettingsStore(blocked), secrets)
    with pytest.raises(SaveError, match="settings file could not be written"):
        storage.commit(SettingsStore().load().settings, "Site", {"drip.api_token": "new-token"})
    assert secrets.get("Site", "drip.api_token") == "old-token"


def test_secret_names_cover_each_stripe_mode_and_every_secret_field() -> None:
    names = secret_names()
    assert {"stripe.test.secret_key", "stripe.live.secret_key", "license.license_key", "drip.api_token",
            "convertkit.api_secret", "paypal.api_signature", "paypal.client_secret"} <= set(names)
    assert not any(name.endswith(("site_url", "account_url", "account_id", "app_id")) for name in names)


# -- a real OS keyring (GNOME Keyring over D-Bus) ----------------------------------------------------

CHILD = """
import json, sys
from accessally_desktop.secrets import open_store
store = open_store().store
names = json.loads(sys.argv[1])
print(json.dumps({"backend": store.description, "values": {n: store.get("Real site", n) for n in names}}))
"""


def _read_in_new_process(names: list[str]) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}  # discover, like the app
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(names)], capture_output=True, text=True,
                         timeout=60, check=True, env=env)
    return json.loads(out.stdout)


@pytest.mark.real_keyring
def test_every_kind_of_secret_round_trips_through_a_real_secret_service(secret_service) -> None:
    keyring.set_keyring(secret_service)
    store = open_store().store
    assert "SecretService" in store.description  # the log and diagnostics name the backend
    assert store.shown_as == "computer's password store (GNOME Keyring or another Secret Service)"  # the owner, not
    storage = Storage(SettingsStore(), store)
    names = secret_names()
    first = {name: f"first-{i}-{name}" for i, name in enumerate(names)}
    storage.commit(SettingsStore().load().settings, "Real site", first)

    seen = _read_in_new_process(names)
    assert "SecretService" in seen["backend"]
    assert seen["values"] == first

    updated = {name: value.replace("first", "second") for name, value in first.items()}
    storage.commit(SettingsStore().load().settings, "Real site", updated)
    assert _read_in_new_process(names)["values"] == updated

    storage.commit(SettingsStore().load().settings, "Real site", {name: None for name in names})
    assert _read_in_new_process(names)["values"] == {name: None for name in names}
    for name in names:
        assert secret_service.get_password(KEYRING_SERVICE, f"Real site/{name}") is None


@pytest.mark.real_keyring
def test_real_keyring_errors_are_plain_messages(secret_service) -> None:
    store = KeyringStore(secret_service)
    with pytest.raises(SecretStoreError):
        store.set("Site", "drip.api_token", None)  # type: ignore[arg-type]
