"""Start-up with odd files in the config folder: a settings file whose values this version cannot use,
a settings path that is a pipe or a device, a garbled or misplaced instance lock, a read-only folder.

Each start runs the app as the command does, in a fresh interpreter, and reports what the owner sees:
whether a window is up, the notices in it, and any dialog (each is closed once seen).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accessally_desktop import cli
from accessally_desktop.app import build_parser
from accessally_desktop.settings import SettingsStore

START = r"""
import json, os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
app = QApplication(sys.argv[:1])
dialogs = []
def close_dialogs():
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            dialogs.append(widget.text())
            widget.done(0)
watcher = QTimer()
watcher.timeout.connect(close_dialogs)
watcher.start(20)
from accessally_desktop.app import load_gui
ui = load_gui()
exec(os.environ.get("BEFORE", ""))
started = ui.AppController.start
def start_then_report(controller):
    def report():
        window = controller._window
        print(json.dumps({"window": controller.window_shown(), "main_window": bool(window and window.isVisible()),
                          "notices": controller.notices, "dialogs": dialogs}), flush=True)
        os._exit(0)
    QTimer.singleShot(500, report)
    started(controller)
ui.AppController.start = start_then_report
from accessally_desktop.app import main
code = main([])
print(json.dumps({"window": False, "exit": code, "dialogs": dialogs}), flush=True)
"""


def config(home: Path) -> Path:
    return home / "config" / "AccessAlly Desktop"


def start_app(home: Path, prefix: list[str] | None = None, before: str = "") -> dict:
    """Start the app with its user folders in `home` (`before` runs first); what the owner saw."""
    env = dict(os.environ, BEFORE=before, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_STATE_HOME=str(home / "state"), PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    out = subprocess.run([*(prefix or []), sys.executable, "-c", START], env=env, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_settings(home: Path, site: dict, **top) -> None:
    folder = config(home)
    folder.mkdir(parents=True, exist_ok=True)
    document = {"version": 1, "sites": {"My site": {"site_url": "https://example.com", **site}},
                "last_site": "My site", **top}
    (folder / "settings.json").write_text(json.dumps(document), encoding="utf-8")


def saved(home: Path) -> dict:
    return json.loads((config(home) / "settings.json").read_text(encoding="utf-8"))


# -- values this version cannot use -------------------------------------------------------------------


def test_an_unknown_crm_is_left_out_with_a_notice_and_the_window_opens(tmp_path: Path) -> None:
    write_settings(tmp_path, {"crm": "hubspot", "stripe": True, "values": {"hubspot": {"portal": "1"}}})
    seen = start_app(tmp_path)
    assert seen["main_window"] and not seen["dialogs"]
    notice = seen["notices"]["settings_notice"]
    assert "left out" in notice and "the CRM “hubspot”" in notice and "“My site”" in notice
    site = SettingsStore(config(tmp_path)).load().settings.sites["My site"]  # the file itself is left as it was
    assert site.site_url == "https://example.com" and site.payments == ["stripe"]


@pytest.mark.parametrize("tested_at", [1e300, float("nan"), -1e18], ids=["far-future", "nan", "far-past"])
def test_an_impossible_test_time_is_left_out_and_the_result_kept(tmp_path: Path, tested_at: float) -> None:
    result = {"status": "ok", "message": "Connected.", "account_name": "Acme", "tested_at": tested_at}
    write_settings(tmp_path, {"crm": "drip", "results": {"drip": result}})
    seen = start_app(tmp_path)
    assert seen["main_window"] and not seen["dialogs"]
    assert "the time of the last Drip test" in seen["notices"]["settings_notice"]
    loaded = SettingsStore(config(tmp_path)).load().settings.sites["My site"].results["drip"]
    assert loaded.account_name == "Acme" and loaded.tested_at == 0.0


def test_a_non_ascii_window_geometry_is_left_out(tmp_path: Path) -> None:
    write_settings(tmp_path, {"crm": "drip"}, window={"geometry": "géométrie", "page": 0})
    seen = start_app(tmp_path)
    assert seen["main_window"] and not seen["dialogs"]
    assert "the window's size and position" in seen["notices"]["settings_notice"]


def test_check_says_what_it_left_out_instead_of_crashing(user_dirs, serve, capsys) -> None:
    serve("license")
    folder = user_dirs["config"] / "AccessAlly Desktop"
    folder.mkdir()
    (folder / "settings.json").write_text(json.dumps(
        {"version": 1, "last_site": "S", "sites": {"S": {"crm": "hubspot", "results": {"license": {
            "status": "ok", "message": "m", "elapsed_ms": 10 ** 400}}}}}), encoding="utf-8")
    code = cli.run(build_parser().parse_args(["check"]), stdout=sys.stdout, stderr=sys.stderr)
    said = capsys.readouterr()
    assert code in (cli.EXIT_OK, cli.EXIT_FAILED), said.err
    assert "the CRM “hubspot”" in said.err and "how long the last AccessAlly license test took" in said.err
    assert "Traceback" not in said.err and "AccessAlly license" in said.out


# -- a settings path that is not an ordinary file -----------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "link to a fifo"])
def test_a_settings_pipe_is_not_read_and_the_window_opens(tmp_path: Path, kind: str) -> None:
    folder = config(tmp_path)
    folder.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(folder / "settings.json")
    else:
        os.mkfifo(tmp_path / "pipe")
        (folder / "settings.json").symlink_to(tmp_path / "pipe")
    seen = start_app(tmp_path)
    assert seen["main_window"] and not seen["dialogs"]
    assert "is not an ordinary file" in seen["notices"]["settings_notice"]


def test_a_settings_link_to_a_device_is_refused(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.path.symlink_to("/dev/zero")  # endless: reading it would never finish
    outcome = store.load()
    assert "is not an ordinary file" in outcome.problem and outcome.settings.sites == {}
    assert store.path.is_symlink(), "left as it is"


def test_damaged_files_set_aside_in_the_same_second_keep_every_copy(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    for attempt in range(3):
        start = int(time.time())
        problems = []
        for n in range(3):
            store.path.write_text(f"damaged {n}", encoding="utf-8")
            problems.append(store.load().problem)
        if int(time.time()) == start:  # all three in one second: the case to check
            break
        for old in tmp_path.glob("settings.json.corrupt-*"):
            old.unlink()
    kept = sorted(tmp_path.glob("settings.json.corrupt-*"))
    assert sorted(p.read_text(encoding="utf-8") for p in kept) == ["damaged 0", "damaged 1", "damaged 2"]
    assert all(any(p.name in problem for p in kept) for problem in problems)


# -- the instance lock --------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\xff\x00garbage\n"], ids=["empty", "garbage"])
def test_an_unreadable_lock_is_stale_and_the_app_starts(tmp_path: Path, content: bytes) -> None:
    write_settings(tmp_path, {"crm": "drip"})
    (config(tmp_path) / "instance.lock").write_bytes(content)
    seen = start_app(tmp_path)
    assert seen["main_window"] and not seen["dialogs"] and "lock_notice" not in seen["notices"]


def test_a_folder_in_place_of_the_lock_starts_the_app_with_a_message(tmp_path: Path) -> None:
    write_settings(tmp_path, {"crm": "drip"})
    (config(tmp_path) / "instance.lock").mkdir()
    seen = start_app(tmp_path)
    assert seen["main_window"] and not seen["dialogs"]
    assert "instance.lock" in seen["notices"]["lock_notice"]
    assert "a second copy of the app would not be noticed" in seen["notices"]["lock_notice"]


def test_a_read_only_config_folder_starts_the_app_saying_settings_cannot_be_saved(tmp_path: Path) -> None:
    write_settings(tmp_path, {"crm": "drip"})
    config(tmp_path).chmod(0o555)
    try:
        seen = start_app(tmp_path, prefix=_without_root_powers())
    finally:
        config(tmp_path).chmod(0o755)
    assert seen["main_window"] and not seen["dialogs"]
    assert "is read-only: settings cannot be saved" in seen["notices"]["lock_notice"]


def test_a_lock_held_by_a_live_copy_still_keeps_a_second_one_out(tmp_path: Path) -> None:
    from PySide6.QtCore import QLockFile

    write_settings(tmp_path, {"crm": "drip"})
    held = QLockFile(str(config(tmp_path) / "instance.lock"))
    assert held.tryLock(0)
    try:
        seen = start_app(tmp_path)
    finally:
        held.unlock()
    assert not seen["window"] and seen["dialogs"] and "already open" in seen["dialogs"][0]


def test_a_start_that_fails_shows_the_crash_dialog_and_ends_releasing_the_lock(tmp_path: Path) -> None:
    """Whatever else could break the start must not leave a windowless app holding the lock."""
    write_settings(tmp_path, {"crm": "drip"})
    fault = "from accessally_desktop.ui.main_window import MainWindow\nMainWindow.restore_state = lambda self: 1 / 0"
    seen = start_app(tmp_path, before=fault)
    assert not seen["window"] and seen["exit"] == 1
    assert len(seen["dialogs"]) == 1 and "Something went wrong" in seen["dialogs"][0]
    again = start_app(tmp_path)
    assert again["main_window"] and not again["dialogs"], "the next start is not told the app is already open"


def _without_root_powers() -> list[str]:
    """What to start the app with so that a folder's permissions apply to it (root ignores them)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root, and setpriv (util-linux) is missing to drop root's override")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", "--"]
