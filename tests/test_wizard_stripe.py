"""The wizard's Stripe box: keys pasted under the wrong mode, and one result per mode."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from test_wizard import edit, make_wizard, run_test

from accessally_desktop.sandbox import stripe as fake

LIVE = {"publishable_key": fake.LIVE_PUBLISHABLE_KEY, "secret_key": fake.LIVE_SECRET_KEY}
TEST = {"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.SECRET_KEY}


def stripe_box(qtbot):
    wizard = make_wizard(qtbot)
    wizard.payments.use["stripe"].setChecked(True)
    return wizard, wizard.box("stripe")


def paste(qtbot, wizard, values: dict[str, str]) -> None:
    for name, value in values.items():
        line = edit(wizard, f"stripe.{name}")
        line.clear()
        qtbot.keyClicks(line, value)


def test_live_keys_under_test_mode_are_refused_with_one_click_to_move_them(qtbot, serve) -> None:
    server = serve("stripe")
    wizard, box = stripe_box(qtbot)
    paste(qtbot, wizard, LIVE)
    note = box.form.notes["secret_key"]
    assert not note.isHidden() and "Test mode is chosen" in note.text() and "live-mode keys" in note.text()
    assert "Test mode is chosen" in run_test(qtbot, wizard, "stripe") and server.requests == []
    move = wizard.findChild(QPushButton, "stripe_move_keys")
    assert not move.isHidden() and move.text() == "Move these keys to Live mode"
    qtbot.mouseClick(move, Qt.MouseButton.LeftButton)
    assert wizard.field("stripe.mode") == "live" and box.form.values() == LIVE
    assert "LIVE MODE" in wizard.findChild(QLabel, "stripe_mode_badge").text()
    assert move.isHidden() and note.isHidden()
    assert "live mode (real payments)" in run_test(qtbot, wizard, "stripe") and box.passed()
    assert box.values_per_variant()["test"] == {"publishable_key": "", "secret_key": ""}  # nothing left behind


def test_each_mode_keeps_its_own_keys_and_result(qtbot, serve) -> None:
    serve("stripe")
    wizard, box = stripe_box(qtbot)
    paste(qtbot, wizard, TEST)
    assert "test mode" in run_test(qtbot, wizard, "stripe") and box.passed()
    box.variant_choice.button("live").click()
    assert box.form.values() == {"publishable_key": "", "secret_key": ""} and not box.passed()
    assert all(note.isHidden() for note in box.form.notes.values())  # empty is not wrong yet
    box.variant_choice.button("test").click()
    assert box.form.values() == TEST and box.passed()
    assert "test mode" in box.panel.badge.text.text()
