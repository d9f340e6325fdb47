"""What the start-up loads: a configured site opens its main window without PySide's `Qt` namespace
or `QKeySequence`.

The first use of `PySide6.QtCore.Qt` (an attribute, or an overload check that involves one of its
types) creates all of its ~100 Python enums, a fifth of a bare window's start-up; `QKeySequence`
brings its 70 standard keys (bench/startup.py measures the start; this only checks what is loaded,
never how fast). The start-up path sets such values from text instead (`widgets.set_by_key`). Each
case runs in a fresh interpreter, as these are process-wide and other tests have long created them here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from accessally_desktop.app import NO_ARGUMENTS, build_parser
from accessally_desktop.settings import SavedResult, Settings, SettingsStore, SiteProfile

# Starts the app as the command does; once the main window is shown and the event loop idle, says
# which of the watched enums exist, and where each was first created.
START = r"""
import enum, json, os, traceback
WATCHED = {"AlignmentFlag": "PySide6.QtCore.Qt", "StandardKey": "QKeySequence"}  # an enum each brings
first_use = {}
create = enum.EnumType.__call__
def watch(cls, *args, **kwargs):
    if len(args) >= 2 and args[0] in WATCHED and WATCHED[args[0]] not in first_use:
        first_use[WATCHED[args[0]]] = "".join(traceback.format_stack(limit=14)[:-1])
    return create(cls, *args, **kwargs)
enum.EnumType.__call__ = watch

from accessally_desktop.app import load_gui
ui = load_gui()
from PySide6.QtCore import QTimer
started = ui.AppController.start
def start_then_report(controller):
    started(controller)
    exec(os.environ.get("THEN", ""))
    def report():
        print(json.dumps({"window": controller.window_shown(), "first_use": first_use}), flush=True)
        os._exit(0)
    QTimer.singleShot(0, report)
ui.AppController.start = start_then_report
from accessally_desktop.app import main
main([])
"""


def start_app(home: Path, then: str = "") -> dict:
    """Start the app in `home`; `then` is run right after the controller's start (it sees `controller`)."""
    env = dict(os.environ, THEN=then, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_STATE_HOME=str(home / "state"))
    out = subprocess.run([sys.executable, "-c", START], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_configured_start_loads_neither_the_qt_namespace_nor_qkeysequence(tmp_path: Path) -> None:
    profile = SiteProfile(name="My site", crm="activecampaign", payments=["stripe", "paypal"])
    for service in profile.services():  # every kind of row, with a result of each kind
        profile.results[service] = {"license": _saved("ok"), "activecampaign": _saved("invalid_credentials"),
                                    "stripe": _saved("timeout")}.get(service, _saved("ok", untested=True))
    settings = Settings(sites={"My site": profile}, last_site="My site")
    SettingsStore(tmp_path / "config" / "AccessAlly Desktop").save(settings)
    report = start_app(tmp_path)
    assert report["window"]
    assert not report["first_use"], _where(report)


def test_a_fresh_install_opens_the_wizard_without_either(tmp_path: Path) -> None:
    report = start_app(tmp_path, then="assert controller.wizard.currentId() == 0")
    assert report["window"]
    assert not report["first_use"], _where(report)


def test_the_watch_sees_the_namespace_when_it_is_built(tmp_path: Path) -> None:
    """The checks above can fail: the wizard's next page builds the credential forms, which use `Qt`."""
    report = start_app(tmp_path, then="controller.wizard.next()")
    assert "forms.py" in report["first_use"]["PySide6.QtCore.Qt"]


def test_the_watch_sees_qkeysequence_when_it_is_used(tmp_path: Path) -> None:
    report = start_app(tmp_path, then="from PySide6.QtGui import QKeySequence; QKeySequence.StandardKey.Quit")
    assert "QKeySequence" in report["first_use"]


def _where(report: dict) -> str:
    return "".join(f"the start-up used {what} here:\n{stack}" for what, stack in report["first_use"].items())


def _saved(status: str, *, untested: bool = False) -> SavedResult:
    return SavedResult(status=status, message=f"{status} message", tested_at=1.0, untested=untested)


def test_every_icon_draws(qtbot) -> None:
    """The status and window icons are SVG files drawn by Qt's SVG icon engine: each gives a picture."""
    from PySide6.QtCore import QSize

    from accessally_desktop.ui.widgets import ICONS, app_icon, icon

    names = sorted(path.stem for path in ICONS.glob("*.svg"))
    assert {"ok", "failed", "warning", "unknown", "app"} <= set(names)
    for image in [icon(name) for name in names] + [app_icon()]:
        picture = image.pixmap(QSize(24, 24)).toImage()
        assert not picture.isNull() and picture.pixelColor(12, 12).alpha() == 255  # drawn, and opaque mid-icon


def test_no_arguments_mean_what_the_parser_gives_for_none() -> None:
    """A start without arguments skips the parser; what it uses instead must not drift from it."""
    assert vars(NO_ARGUMENTS) == vars(build_parser().parse_args([]))
