"""Registering accessally-desktop:// with the operating system, and undoing it: Linux into tmp XDG folders
(the desktop's own launcher, gio, opens a link with it), Windows with a stand-in for `winreg`."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.fake_winreg import FakeWinreg

from accessally_desktop import url_scheme
from accessally_desktop.url_scheme import DESKTOP_FILE, MIME_TYPE

LINK = "accessally-desktop://wordpress-connected?state=a1&site_url=https%3A%2F%2Fexample.com&password=b%20c"


@pytest.fixture
def desktop(tmp_path: Path, user_dirs) -> dict[str, str]:
    """An environment whose PATH has no desktop tools (so the app edits mimeapps.list itself)."""
    bare = tmp_path / "no-tools"
    bare.mkdir()
    return dict(os.environ, PATH=str(bare))


def fake_tool(folder: Path, name: str) -> Path:
    """A desktop tool that only writes down how it was called."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "$@" >> "{folder}/{name}.calls"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder / f"{name}.calls"


def test_register_writes_an_entry_that_claims_the_scheme_and_makes_it_the_default(desktop, user_dirs) -> None:
    done = url_scheme.register_linux(["/opt/app/run"], env=desktop)
    entry = user_dirs["data"] / "applications" / DESKTOP_FILE
    text = entry.read_text()
    assert f"MimeType={MIME_TYPE};" in text and "Exec=/opt/app/run %u" in text and "NoDisplay=true" in text
    mimeapps = user_dirs["config"] / "mimeapps.list"
    assert mimeapps.read_text() == f"[Default Applications]\n{MIME_TYPE}={DESKTOP_FILE};\n"
    assert str(entry) in done[0] and str(mimeapps) in done[1]  # it says exactly what it wrote


def test_register_and_unregister_leave_every_other_line_as_it_was(desktop, user_dirs) -> None:
    mimeapps = user_dirs["config"] / "mimeapps.list"
    before = ("# my own notes\n[Added Associations]\ntext/html=firefox.desktop;\n"
              f"{MIME_TYPE}=other.desktop;\n\n[Default Applications]\ntext/html=firefox.desktop;\n"
              f"{MIME_TYPE}=other.desktop;\n\n[Removed Associations]\nimage/png=gimp.desktop;\n")
    mimeapps.write_text(before)
    url_scheme.register_linux(["/opt/app/run"], env=desktop)
    registered = mimeapps.read_text()
    assert f"[Default Applications]\n{MIME_TYPE}={DESKTOP_FILE};\ntext/html=firefox.desktop;\n" in registered
    assert f"{MIME_TYPE}=other.desktop;" in registered.split("[Default Applications]")[0]  # only the default moved
    assert registered.count(MIME_TYPE) == 2 and "# my own notes" in registered and "gimp.desktop" in registered
    done = url_scheme.unregister_linux(env=desktop)
    assert not (user_dirs["data"] / "applications" / DESKTOP_FILE).exists()
    assert mimeapps.read_text() == before.replace(f"{MIME_TYPE}=other.desktop;\n\n[Removed", "\n[Removed")
    assert any("Removed" in line and DESKTOP_FILE in line for line in done)


def test_unregister_takes_the_app_out_of_a_shared_line(desktop, user_dirs) -> None:
    old_place = user_dirs["data"] / "applications" / "mimeapps.list"  # where older tools wrote it
    old_place.parent.mkdir(parents=True)
    old_place.write_text(f"[Added Associations]\n{MIME_TYPE}=other.desktop;{DESKTOP_FILE};\n")
    url_scheme.unregister_linux(env=desktop)
    assert old_place.read_text() == f"[Added Associations]\n{MIME_TYPE}=other.desktop;\n"


def test_unregister_with_nothing_registered_says_so(desktop) -> None:
    assert url_scheme.unregister_linux(env=desktop) == [
        "Nothing to undo: no accessally-desktop:// handler of this app was registered."]


def test_with_xdg_mime_the_desktops_own_tools_do_it(desktop, tmp_path: Path, user_dirs) -> None:
    tools = tmp_path / "tools"
    xdg_mime = fake_tool(tools, "xdg-mime")
    database = fake_tool(tools, "update-desktop-database")
    env = dict(desktop, PATH=str(tools))
    done = url_scheme.register_linux(["/opt/app/run"], env=env)
    assert xdg_mime.read_text() == f"default {DESKTOP_FILE} {MIME_TYPE}\n"
    assert database.read_text() == f"{user_dirs['data'] / 'applications'}\n"
    assert not (user_dirs["config"] / "mimeapps.list").exists()  # left to xdg-mime
    assert any("xdg-mime default" in line for line in done) and any("update-desktop-database" in line for line in done)


def test_an_unwritable_place_fails_with_a_plain_message(desktop, user_dirs) -> None:
    (user_dirs["data"] / "applications").write_text("a file where the folder should be")
    with pytest.raises(url_scheme.RegistrationError, match="Could not write .*applications"):
        url_scheme.register_linux(["/opt/app/run"], env=desktop)


@pytest.mark.skipif(not shutil.which("gio"), reason="needs gio (libglib2.0-bin), the launcher GNOME's xdg-open uses")
def test_the_desktop_opens_a_link_with_the_registered_command_exactly(qtbot, desktop, tmp_path: Path,
                                                                     user_dirs) -> None:
    """A command that needs quoting ($ and spaces in its path, % in an argument) gets the link unchanged,
    through GLib's launcher. (GLib looks a program up without turning %% back into %: a % in the program's
    own path would not run there, though the specification allows it.)"""
    folder = tmp_path / "my apps $HOME"
    folder.mkdir()
    got = tmp_path / "got.txt"
    handler = folder / "run it.sh"
    handler.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{got}"\n')
    handler.chmod(0o755)
    url_scheme.register_linux([str(handler), "--flag=a b", "100%"], env=desktop)
    env = dict(os.environ, XDG_DATA_HOME=str(user_dirs["data"]), XDG_CONFIG_HOME=str(user_dirs["config"]),
               XDG_DATA_DIRS=str(tmp_path / "none"))
    subprocess.run(["gio", "open", LINK], env=env, check=True, timeout=30, capture_output=True)
    qtbot.waitUntil(got.exists, timeout=10000)  # gio starts the handler and returns without waiting for it
    assert got.read_text() == f"--flag=a b\n100%\n{LINK}\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="--register-url-handler is for Linux")
def test_the_command_says_what_it_wrote_and_how_to_undo_it(user_dirs) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(user_dirs["data"]), XDG_CONFIG_HOME=str(user_dirs["config"]))
    run = [sys.executable, "-m", "accessally_desktop"]
    done = subprocess.run([*run, "--register-url-handler"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    entry = user_dirs["data"] / "applications" / DESKTOP_FILE
    assert f"Wrote {entry}" in done.stdout
    assert done.stdout.rstrip().endswith("To undo all of it: accessally-desktop --unregister-url-handler")
    assert f"Exec={url_scheme.exec_line(run)} %u" in entry.read_text()  # this app, started from anywhere
    undone = subprocess.run([*run, "--unregister-url-handler"], env=env, capture_output=True, text=True, timeout=60)
    assert undone.returncode == 0 and f"Removed {entry}." in undone.stdout
    assert not entry.exists() and MIME_TYPE not in (user_dirs["config"] / "mimeapps.list").read_text()


def test_the_command_fails_in_words_when_it_cannot_write(user_dirs) -> None:
    (user_dirs["data"] / "applications").write_text("")
    env = dict(os.environ, XDG_DATA_HOME=str(user_dirs["data"]), XDG_CONFIG_HOME=str(user_dirs["config"]))
    done = subprocess.run([sys.executable, "-m", "accessally_desktop", "--register-url-handler"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Could not write" in done.stderr and "Traceback" not in done.stderr


def test_on_another_system_the_command_says_what_does_it_there(monkeypatch, capsys) -> None:
    from accessally_desktop import app

    monkeypatch.setattr(sys, "platform", "darwin")
    assert app.main(["--register-url-handler"]) == 2
    assert "is for Linux" in capsys.readouterr().err


# -- Windows ----------------------------------------------------------------------------------------

APP = r"C:\Users\Dana Owner\AppData\Local\AccessAlly Desktop\AccessAlly Desktop.exe"
COMMAND_KEY = r"Software\Classes\accessally-desktop\shell\open\command"


def test_windows_registration_writes_the_url_protocol_keys_under_the_user() -> None:
    registry = FakeWinreg()
    url_scheme.register_windows([APP], registry=registry)
    assert registry.value(r"Software\Classes\accessally-desktop") == "URL:AccessAlly Desktop"
    assert registry.value(r"Software\Classes\accessally-desktop", "URL Protocol") == ""
    assert registry.value(COMMAND_KEY) == f'"{APP}" "%1"'
    assert url_scheme.windows_registered([APP], registry=registry)
    assert url_scheme.unregister_windows(registry=registry) == [
        r"Removed HKEY_CURRENT_USER\Software\Classes\accessally-desktop."]
    assert registry.keys.keys() <= {"software", r"software\classes"}
    assert "Nothing to undo" in url_scheme.unregister_windows(registry=registry)[0]


def test_the_built_app_registers_on_its_first_start_and_after_moving_only(monkeypatch) -> None:
    registry = FakeWinreg()
    monkeypatch.setattr(sys, "executable", APP)
    assert url_scheme.register_at_start(platform="win32", frozen=True, registry=registry)  # first start
    assert registry.value(COMMAND_KEY) == f'"{APP}" "%1"'
    assert url_scheme.register_at_start(platform="win32", frozen=True, registry=registry) == []  # nothing to do
    moved = APP.replace("Local", "Roaming")
    monkeypatch.setattr(sys, "executable", moved)
    assert url_scheme.register_at_start(platform="win32", frozen=True, registry=registry)
    assert registry.value(COMMAND_KEY) == f'"{moved}" "%1"'
    assert url_scheme.register_at_start(platform="win32", frozen=False, registry=FakeWinreg()) == []  # from source
    assert url_scheme.register_at_start(platform="linux", frozen=True, registry=FakeWinreg()) == []
