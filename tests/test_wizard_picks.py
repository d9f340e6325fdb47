"""Picks a test can settle in the wizard (Drip's account): what the wizard says is what is saved."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox
from test_wizard import make_wizard, run_test, type_into

from accessally_desktop.integrations import registry
from accessally_desktop.sandbox.drip import ACCOUNT_ONE, ACCOUNT_TWO, ONE_ACCOUNT_TOKEN, TWO_ACCOUNTS_TOKEN


def drip_box(qtbot, token: str):
    wizard = make_wizard(qtbot)
    box = wizard.crm_credentials.crm_box("drip")
    type_into(qtbot, wizard, {"api_token": token}, "drip")
    return wizard, box


def test_the_only_account_a_token_sees_is_filled_in_and_its_pass_kept(qtbot, serve, user_dirs) -> None:
    serve("drip")
    wizard, box = drip_box(qtbot, ONE_ACCOUNT_TOKEN)
    words = run_test(qtbot, wizard, "drip")
    assert "chosen for you" in words
    assert box.values()["account_id"] == ACCOUNT_ONE["id"]  # what Finish saves, and the panel then shows
    assert box.passed()  # filling it in did not undo the pass it came from
    assert wizard.findChild(QComboBox, "drip_account_picker").parentWidget().isHidden()  # nothing to pick


def test_several_accounts_are_offered_and_the_pick_is_tested(qtbot, serve, user_dirs) -> None:
    server = serve("drip")
    wizard, box = drip_box(qtbot, TWO_ACCOUNTS_TOKEN)
    assert "Pick the one" in run_test(qtbot, wizard, "drip")
    picker = wizard.findChild(QComboBox, "drip_account_picker")
    assert not picker.parentWidget().isHidden()
    assert [picker.itemData(i) for i in range(picker.count())] == [ACCOUNT_ONE["id"], ACCOUNT_TWO["id"]]
    assert box.values()["account_id"] == ""  # several: the owner picks, nothing is guessed
    before = len(server.requests)
    picker.setCurrentIndex(1)
    picker.activated.emit(1)
    qtbot.waitUntil(lambda: len(server.requests) > before and not box.running, timeout=5000)
    assert box.values()["account_id"] == ACCOUNT_TWO["id"] and box.passed()


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_every_service_shows_where_to_find_its_values_and_its_advice(qtbot, service_id) -> None:
    """Stripe's and PayPal's advice was declared but never shown; now every box shows its own."""
    from PySide6.QtWidgets import QLabel

    wizard = make_wizard(qtbot)
    box = wizard.box(service_id)
    integration = registry.get(service_id)
    where = box.findChild(QLabel, f"where_{service_id}")
    assert where is not None and integration.where_to_find in where.text(), service_id
    if integration.guidance:
        guidance = box.findChild(QLabel, f"guidance_{service_id}")
        assert guidance is not None and guidance.text() == integration.guidance, service_id
