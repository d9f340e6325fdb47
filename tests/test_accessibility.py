"""What a screen reader gets: every focusable widget in the tab order has a name and a role."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QWidget

from accessally_desktop.integrations import registry
from accessally_desktop.secrets import open_store
from accessally_desktop.settings import SettingsStore
from accessally_desktop.storage import Storage
from accessally_desktop.ui.main import AppController
from accessally_desktop.ui.pages import PageId
from accessally_desktop.ui.wizard import SetupWizard


def tab_order(window: QWidget) -> list[QWidget]:
    """The widgets Tab visits, in order, starting from the window's first focusable widget."""
    window.activateWindow()
    first = window.nextInFocusChain()
    while first is not window and not _takes_tab(first):
        first = first.nextInFocusChain()
    seen: list[QWidget] = []
    widget = first
    for _ in range(500):
        if _takes_tab(widget) and widget not in seen:
            seen.append(widget)
        widget = widget.nextInFocusChain()
        if widget is first:
            break
    return seen


def _takes_tab(widget: QWidget) -> bool:
    return (widget.isVisible() and widget.isEnabled()
            and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus))


def unnamed(window: QWidget) -> list[str]:
    """Focusable widgets a screen reader could not name (or give a role)."""
    missing = []
    for widget in tab_order(window):
        interface = QAccessible.queryAccessibleInterface(widget)
        name = interface.text(QAccessible.Text.Name).strip() if interface else ""
        role = interface.role() if interface else None
        if not name or role in (None, QAccessible.Role.NoRole, QAccessible.Role.Client):
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} role={role}")
    return missing


@pytest.fixture
def wizard(qtbot) -> SetupWizard:
    store = SettingsStore()
    settings = store.load().settings
    settings.current()
    wizard = SetupWizard(Storage(store, open_store().store), settings, settings.last_site, {})
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


@pytest.mark.parametrize("page", list(PageId))
@pytest.mark.parametrize("crm", registry.CRM_IDS)
def test_every_wizard_page_is_named_for_screen_readers(qtbot, wizard, page: PageId, crm: str) -> None:
    wizard.crm.choice.set_value(crm)
    wizard.payments.use["stripe"].setChecked(True)
    wizard.payments.use["paypal"].setChecked(True)
    wizard.setStartId(page)
    wizard.restart()
    QApplication.processEvents()
    assert wizard.currentId() == page
    order = tab_order(wizard)
    assert len(order) >= 2, "at least the page's inputs and the wizard's buttons take focus"
    assert unnamed(wizard) == []


def test_the_main_window_is_named_for_screen_readers(qtbot) -> None:
    controller = AppController()
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    controller.wizard.close()
    window = controller.window
    qtbot.waitExposed(window)
    for page in (0, 1):
        window.navigation.setCurrentIndex(page)
        QApplication.processEvents()
        assert unnamed(window) == [], f"page {page}"
