"""Canary: a PySide6 release that drops references to None/True kills the app on Python 3.11.

PySide6-Essentials 6.12.0 on Python 3.11 releases one reference to `None` on calls such as
`QLabel.setVisible`, and to `True` on the signal path; on 3.11 these objects are not immortal,
so after a few thousand calls the interpreter aborts ("Fatal Python error: none_dealloc").
pyproject.toml excludes that pairing; these tests make the next such release fail CI instead of
an owner's session. Each runs one everyday UI step many times in a fresh interpreter (a release
with the bug may abort it outright) and checks that the reference counts of None, True and False
did not fall with it (on 3.12+ they are immortal and never move).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROUNDS = 300
# A real leak loses at least one reference per round; allocator and cache noise moves a few.
TOLERATED_DROP = ROUNDS // 4

ROUND = r"""
import gc, json, sys
from PySide6.QtCore import QCoreApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
from accessally_desktop.ui import workers

app = QApplication(sys.argv[:1])
label = QLabel("Credentials rejected")
field = QLineEdit()
field.show()
field.textEdited.connect(lambda text: field.setToolTip(text[-3:]))
arrived = []
held = [None] * 10_000

def show_and_hide_a_label():
    label.setVisible(True)
    label.setVisible(False)
    label.setText("Checking…")

def a_worker_result_reaches_the_gui():
    before = len(arrived)
    workers.submit(lambda: True, arrived.append)
    workers.submit(lambda: None, arrived.append)
    while len(arrived) < before + 2:
        QCoreApplication.processEvents()

def type_a_key():
    QTest.keyClicks(field, "k")
    if len(field.text()) > 50:
        field.clear()

def drop_a_reference():  # the canary's own check that it can see a leak
    held.pop()

step = globals()[sys.argv[1]]
for _ in range(20):  # warm caches (enum lookups, signal signatures) before measuring
    step()
gc.collect()
before = [sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)]
for _ in range(int(sys.argv[2])):
    step()
gc.collect()
after = [sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)]
print(json.dumps({name: was - now for name, was, now in zip(("None", "True", "False"), before, after)}))
"""


def _dropped(step: str) -> dict[str, int]:
    """References to None/True/False that ROUNDS runs of `step` lost, measured in a fresh interpreter."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", ROUND, step, str(ROUNDS)], env=env, capture_output=True,
                          text=True, timeout=120)
    import PySide6

    where = f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]}"
    assert done.returncode == 0, (
        f"{step.replace('_', ' ')} {ROUNDS} times aborted the interpreter ({where}, exit {done.returncode}): "
        f"{done.stderr[-600:]}")
    dropped = json.loads(done.stdout.strip().splitlines()[-1])
    return {name: count for name, count in dropped.items() if count >= TOLERATED_DROP} | {"where": where}


@pytest.mark.parametrize("step", ["show_and_hide_a_label", "a_worker_result_reaches_the_gui", "type_a_key"])
def test_everyday_ui_steps_keep_none_and_true_alive(step: str) -> None:
    dropped = _dropped(step)
    where = dropped.pop("where")
    assert not dropped, (
        f"{ROUNDS} rounds of {step.replace('_', ' ')} dropped references {dropped}: {where} would abort "
        "the app (\"none_dealloc\"); exclude this pairing in pyproject.toml and packaging/requirements-build.txt")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and True are immortal from Python 3.12")
def test_the_canary_sees_a_step_that_drops_references() -> None:
    dropped = _dropped("drop_a_reference")
    assert dropped.get("None", 0) >= ROUNDS - 5
