"""A save cut short — a kill mid-Finish, a keyring that locks half-way — is never left half-done
without a word: the next start finishes or undoes it, and a failed undo names what it could not restore."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accessally_desktop.secrets import KEYRING_SERVICE, KeyringStore, MemoryStore, SecretStoreError
from accessally_desktop.settings import SettingsStore
from accessally_desktop.storage import SaveError, Storage

SUPPORT = Path(__file__).parent / "support"
sys.path.insert(0, str(SUPPORT))
from file_keyring import FileKeyring  # noqa: E402

SITE = "My site"
OLD = {"license.license_key": "AA-OLD-SERIAL-0001", "drip.api_token": "old-drip-token-0001",
       "stripe.test.secret_key": "sk_test_OldSecretKey0000000001"}
NEW = {"license.license_key": "AA-NEW-SERIAL-0002", "drip.api_token": "new-drip-token-0002",
       "stripe.test.secret_key": "sk_test_NewSecretKey0000000002", "stripe.live.secret_key": "sk_live_NewLive000002"}


def saved_site(store: SettingsStore, crm: str):
    settings = store.load().settings
    settings.current().crm = crm
    return settings


class LocksHalfWay(MemoryStore):
    """A keyring that locks after `writes` writes (the owner walked away, D-Bus dropped) and stays locked."""

    def __init__(self, writes: int) -> None:
        super().__init__()
        self.writes_left = writes

    def _write(self) -> None:
        if self.writes_left <= 0:
            raise SecretStoreError("The system keyring refused to save the entry (KeyringLocked).")
        self.writes_left -= 1

    def set(self, site: str, name: str, value: str) -> None:
        self._write()
        super().set(site, name, value)

    def delete(self, site: str, name: str) -> None:
        self._write()
        super().delete(site, name)


def test_a_rollback_that_fails_too_names_what_could_not_be_put_back_and_is_finished_at_next_start() -> None:
    store = SettingsStore()
    secrets = LocksHalfWay(writes=len(OLD))
    Storage(store, secrets).commit(saved_site(store, "drip"), SITE, OLD)
    secrets.writes_left = len(OLD) + 2  # keeps the 3 old values, writes 2 new ones, then locks
    with pytest.raises(SaveError) as failed:
        Storage(store, secrets).commit(saved_site(store, "ontraport"), SITE, NEW)
    message = str(failed.value)
    assert "Nothing was changed" not in message
    assert "could not be put back" in message and "Serial Key (AccessAlly license)" in message
    assert "next start" in message
    secrets.writes_left = 1000  # unlocked again: the next start undoes the rest
    notice = Storage(store, secrets).recover()
    assert "undone" in notice
    assert {name: secrets.get(SITE, name) for name in NEW} == {**OLD, "stripe.live.secret_key": None}
    assert not any("/previous." in key for key in secrets._values)
    assert store.load().settings.current().crm == "drip" and Storage(store, secrets).recover() == ""


def _kill_mid_save(tmp_path: Path, user_dirs: dict[str, Path], after_writes: int) -> tuple[FileKeyring, bool]:
    """Save NEW over OLD in a child process whose keyring writes take 0.2 s; kill -9 it after
    `after_writes` keyring writes. Returns the keyring and whether the child wrote the settings file."""
    ring = FileKeyring(tmp_path / "keyring.json", delay=0)
    store = SettingsStore()
    Storage(store, KeyringStore(ring)).commit(saved_site(store, "drip"), SITE, OLD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SUPPORT), *sys.path]),
           "PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring", "ACCESSALLY_TEST_KEYRING_DELAY": "0.2",
           "ACCESSALLY_TEST_KEYRING_FILE": str(ring.path),
           **{f"XDG_{d.upper()}_HOME": str(p) for d, p in user_dirs.items()}}
    code = ("import keyring, json; from accessally_desktop.settings import SettingsStore; "
            "from accessally_desktop.secrets import KeyringStore; from accessally_desktop.storage import Storage; "
            "store = SettingsStore(); settings = store.load().settings; settings.current().crm = 'ontraport'; "
            f"Storage(store, KeyringStore(keyring.get_keyring())).commit(settings, {SITE!r}, {NEW!r}); print('saved')")
    before, saved_before = ring.path.stat().st_mtime_ns, store.load().settings.save_id
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL)
    writes, seen = 0, before
    deadline = time.monotonic() + 30
    while writes < after_writes and child.poll() is None and time.monotonic() < deadline:
        now = ring.path.stat().st_mtime_ns
        if now != seen:
            writes, seen = writes + 1, now
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    return ring, store.load().settings.save_id != saved_before


@pytest.mark.parametrize("after_writes", [1, 3, 5, 8, 9])
def test_a_save_killed_at_any_point_is_finished_or_undone_at_the_next_start(tmp_path, user_dirs,
                                                                             after_writes) -> None:
    ring, settings_written = _kill_mid_save(tmp_path, user_dirs, after_writes)
    store = SettingsStore()
    secrets = KeyringStore(ring)
    notice = Storage(store, secrets).recover()
    values = {name: secrets.get(SITE, name) for name in NEW}
    crm = store.load().settings.current().crm
    if settings_written:  # the save got that far: it is completed
        assert "completed" in notice and values == NEW and crm == "ontraport"
    else:
        assert "undone" in notice and values == {**OLD, "stripe.live.secret_key": None} and crm == "drip"
    assert not [key for key in ring.entries() if "previous." in key], ring.entries()
    assert not (store.directory / "pending-save.json").exists()


def test_the_app_says_at_start_that_an_interrupted_save_was_undone(qtbot, tmp_path, user_dirs) -> None:
    import keyring

    from accessally_desktop.ui.main import AppController

    ring, settings_written = _kill_mid_save(tmp_path, user_dirs, 3)
    assert not settings_written
    (SettingsStore().directory / ".settings-leftover.tmp").write_text("{half")
    keyring.set_keyring(ring)
    controller = AppController(test_timeout=5)
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: "recovery_notice" in controller.notices, timeout=10000)
    assert "interrupted" in controller.notices["recovery_notice"]
    assert "undone" in controller.notices["recovery_notice"]
    assert KeyringStore(ring).get(SITE, "drip.api_token") == OLD["drip.api_token"]
    assert not list(SettingsStore().directory.glob(".*.tmp"))
    assert json.loads(ring.path.read_text())[f"{KEYRING_SERVICE}\n{SITE}/drip.api_token"] == OLD["drip.api_token"]


def test_check_warns_that_a_save_was_interrupted(tmp_path, user_dirs) -> None:
    ring, _ = _kill_mid_save(tmp_path, user_dirs, 3)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SUPPORT), *sys.path]),
           "PYTHON_KEYRING_BACKEND": "file_keyring.FileKeyring", "ACCESSALLY_TEST_KEYRING_FILE": str(ring.path),
           **{f"XDG_{d.upper()}_HOME": str(p) for d, p in user_dirs.items()}}
    from accessally_desktop.integrations import registry
    from accessally_desktop.integrations.base import override_env_var

    env.update({override_env_var(s): "http://127.0.0.1:9" for s in registry.SERVICE_IDS})  # never the internet
    out = subprocess.run([sys.executable, "-m", "accessally_desktop", "check", "--json", "--timeout", "1"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert "A save of the app was interrupted" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
