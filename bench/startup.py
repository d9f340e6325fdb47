"""Cold start: process start -> first window painted and the event loop idle, against a bare QWizard.

The app starts through its real entry point (`accessally_desktop.app.main`), as the command does.

    python bench/startup.py [--runs 9] [--instructions]

Runs the app and the baseline alternately in fresh processes (offscreen), each with a fresh
config dir, and prints the medians and the ratio app/baseline for time and peak memory.
Two cases: a fresh install (the wizard opens) and a configured site (the main window opens).
With --instructions, each start also runs once under valgrind, and the instructions it executed
give a second ratio that this shared machine's noise does not move.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Both sides report the same way: once Qt has painted their first window (what the owner sees) and the
# event loop is next idle. Reporting at show() alone favoured the bare QWizard: shown before its event
# loop ran, it reported before it had painted anything, while the app, which shows its window from inside
# the loop, had already painted its own.
REPORT = r"""
import resource, sys, time, json, os
from PySide6.QtCore import QObject, QTimer

def idle(wizard):
    print(json.dumps({"idle": time.time(), "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "wizard": wizard}), flush=True)
    os._exit(0)

class FirstPaint(QObject):
    # Watches one window: once Qt paints it (what the owner sees), reports when the loop is next idle.
    def __init__(self, window, wizard):
        super().__init__()
        self.wizard = wizard
        window.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == event.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: idle(self.wizard))
        return False
"""

BASELINE = REPORT + r"""
from PySide6.QtWidgets import QApplication, QWizard, QWizardPage
app = QApplication(sys.argv[:1])
wizard = QWizard()
wizard.addPage(QWizardPage())
watch = FirstPaint(wizard, True)
wizard.show()
app.exec()
"""

# Not a target, a yardstick: about the least a main window needs (a list, a menu, a toolbar, a
# few labels and buttons, logging and a config dir), to show how much of the ratio any window pays.
MINIMAL_WINDOW = REPORT + r"""
import logging.handlers, platformdirs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QLabel, QListWidget, QMainWindow, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)
app = QApplication(sys.argv[:1])
window = QMainWindow()
navigation = QListWidget()
navigation.addItems(["Connections", "Settings"])
navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
body = QWidget()
column = QVBoxLayout(body)
for number in range(3):
    column.addWidget(QLabel(f"<b>Service {number}</b> connected"))
    column.addWidget(QPushButton("Test"))
splitter = QSplitter()
splitter.addWidget(navigation)
splitter.addWidget(body)
window.setCentralWidget(splitter)
window.menuBar().addMenu("&File").addAction("Run Setup Wizard…")
window.addToolBar("Main").addAction("Test all")
window.statusBar().showMessage("Ready")
watch = FirstPaint(window, False)
window.show()
app.exec()
"""

# The real entry point in the real order, started without arguments as from the desktop; the report
# watches the window the controller's start shows (the wizard on a fresh install) until it is painted.
# No app-wide event filter: it would make PySide resolve every lazily loaded class.
APP = r"""
from accessally_desktop.app import load_gui, main
ui = load_gui()  # as main([]) does: the ui loads before anything of Qt
""" + REPORT + r"""

started = ui.AppController.start

def start_then_report(controller):
    global watch
    started(controller)
    wizard = controller.wizard is not None
    watch = FirstPaint(controller.wizard if wizard else controller.window, wizard)

ui.AppController.start = start_then_report
main([])
"""


def configured_site(config_home: str) -> None:
    """Write a configured profile (no secrets needed to show the main window)."""
    directory = os.path.join(config_home, "AccessAlly Desktop")
    os.makedirs(directory, exist_ok=True)
    site = {"name": "Bench site", "crm": "drip", "stripe": True,
            "results": {"license": {"status": "ok", "message": "Active.", "tested_at": 1.0},
                        "drip": {"status": "ok", "message": "Connected.", "tested_at": 1.0},
                        "stripe": {"status": "ok", "message": "Connected.", "tested_at": 1.0}}}
    with open(os.path.join(directory, "settings.json"), "w") as out:
        json.dump({"version": 1, "last_site": "Bench site", "sites": {"Bench site": site}}, out)


def bench_env(home: str, configured: bool) -> dict[str, str]:
    """A fresh home for one run (a configured site in it, or nothing), offscreen."""
    # Bytecode caching on, as on an owner's machine (pip compiles at install): some shells here set
    # PYTHONDONTWRITEBYTECODE, which would charge the app ~70 ms of compiling on every start.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = dict(env, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"), XDG_CACHE_HOME=os.path.join(home, "cache"),
               XDG_STATE_HOME=os.path.join(home, "state"))
    if configured:
        configured_site(env["XDG_CONFIG_HOME"])
    return env


def run_once(script: str, configured: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as home:
        env = bench_env(home, configured)
        started = time.time()
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise SystemExit(f"run failed:\n{out.stderr}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
        if script is APP and report["wizard"] == configured:
            raise SystemExit(f"expected the {'main window' if configured else 'wizard'} to open first")
        return (report["idle"] - started) * 1000, report["rss_kb"]


def instructions(script: str, configured: bool) -> int:
    """Instructions executed up to the idle report, counted by valgrind: the same figure on a busy
    machine as on a quiet one (it leaves out waiting on the disk, which a warm start barely does)."""
    with tempfile.TemporaryDirectory() as home:
        out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                              sys.executable, "-c", script], env=bench_env(home, configured), capture_output=True,
                             text=True, timeout=600)
        found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
        if out.returncode != 0 or not found:
            raise SystemExit(f"valgrind run failed:\n{out.stderr[-2000:]}")
        return int(found.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="one run of each: shows the script works, measures nothing")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the instructions each start executes (valgrind; ~1 min): a noise-free ratio")
    args = parser.parse_args()
    if args.instructions and not shutil.which("valgrind"):
        parser.error("--instructions needs valgrind (Debian: apt install valgrind)")
    if args.quick:
        args.runs = 1
    print(f"{'case':<22}{'baseline ms':>12}{'app ms':>10}{'ratio':>8}{'base MB':>10}{'app MB':>9}{'ratio':>8}")
    cases = (("fresh (wizard)", APP, False), ("configured (main)", APP, True),
             ("minimal window *", MINIMAL_WINDOW, False))
    for label, script, configured in cases:
        base_t, base_m, app_t, app_m = [], [], [], []
        run_once(BASELINE, configured)  # warm the OS file cache (and write .pyc files) before measuring
        run_once(script, configured)
        for _ in range(args.runs):
            t, m = run_once(BASELINE, configured)
            base_t.append(t)
            base_m.append(m)
            t, m = run_once(script, configured)
            app_t.append(t)
            app_m.append(m)
        bt, at = statistics.median(base_t), statistics.median(app_t)
        bm, am = statistics.median(base_m) / 1024, statistics.median(app_m) / 1024
        print(f"{label:<22}{bt:>12.0f}{at:>10.0f}{at / bt:>8.2f}{bm:>10.1f}{am:>9.1f}{am / bm:>8.2f}")
    print(f"medians of {args.runs} alternating runs each; targets: time ratio <= 1.3, memory ratio <= 1.3")
    if args.instructions:
        print(f"\n{'case':<22}{'baseline Minstr':>16}{'app Minstr':>12}{'ratio':>8}")
        for label, script, configured in cases:
            base, app = instructions(BASELINE, configured), instructions(script, configured)
            print(f"{label:<22}{base / 1e6:>16.0f}{app / 1e6:>12.0f}{app / base:>8.2f}")
    print("* not the app: the least a main window needs, a yardstick for what any window pays")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
