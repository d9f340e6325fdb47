"""Small and scaled screens: on 800x600, and on 1920x1080 at 200 % (960x540 logical), every wizard page
and the main window fit the screen, their buttons are on it, and what does not fit scrolls.

Each case runs tests/support/screen_fit.py in its own process: Qt's screen is fixed when it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow

from accessally_desktop.settings import SettingsStore

SCRIPT = Path(__file__).parent / "support" / "screen_fit.py"
SCREENS = {  # name: (physical width, height, scale)
    "800x600": (800, 600, 1),
    "1920x1080 at 200 %": (1920, 1080, 2),
}


def problems_on(tmp_path: Path, screen: str, *args: str) -> list[str]:
    width, height, scale = SCREENS[screen]
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "small", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "QT_SCALE_FACTOR": str(scale),
           "PYTHON_KEYRING_BACKEND": "accessally_desktop.sandbox.keyring.MemoryKeyring",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), str(Path(__file__).parent)])}
    run = subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert {"wizard SUMMARY (infusionsoft)", "main window page 0", "main window page 1"} <= set(report["seen"])
    assert len(report["seen"]) == 13, report["seen"]  # every page, the CRM credentials page once per CRM
    return report["problems"]


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("sandbox", [False, True], ids=["own sites", "sandbox"])
def test_every_wizard_page_and_the_main_window_fit_a_small_screen(tmp_path: Path, screen: str, sandbox: bool) -> None:
    assert problems_on(tmp_path, screen, *(["--sandbox"] if sandbox else [])) == []


def test_a_size_remembered_from_a_bigger_screen_is_shrunk_to_fit(qtbot, tmp_path: Path) -> None:
    big = QMainWindow()
    qtbot.addWidget(big)
    big.setGeometry(100, 100, 1700, 1000)
    store = SettingsStore()
    settings = store.load().settings
    settings.window = {"geometry": bytes(big.saveGeometry().toBase64()).decode("ascii"), "page": 0}
    store.save(settings)
    assert QByteArray.fromBase64(settings.window["geometry"].encode()).size() > 0
    assert [problem for problem in problems_on(tmp_path, "800x600") if problem.startswith("main window")] == []
