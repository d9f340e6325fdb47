"""Driving Settings › Payment › CRM Integration in a test: the keyring stand-in, the waits, and
finding, picking and clicking its widgets the way a user would."""

from __future__ import annotations

import threading

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QComboBox, QWidget

from accessally_desktop.settings import SiteProfile
from accessally_desktop.ui.crm_settings import CrmSettingsPanel

WAIT = 10000  # ms: generous for a loaded CI machine; every wait ends as soon as its condition holds


class Credentials:
    """A stand-in for the keyring read: records the thread it runs on and how often it is called."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = dict(values)
        self.threads: list[threading.Thread] = []

    def __call__(self) -> dict[str, str]:
        self.threads.append(threading.current_thread())
        return dict(self.values)


def load(qtbot, panel: CrmSettingsPanel, profile: SiteProfile, values: dict[str, str]) -> Credentials:
    """Load a profile and wait until every live fetch has answered."""
    credentials = Credentials(values)
    panel.load(profile, credentials)
    wait_fetched(qtbot, panel)
    return credentials


def wait_fetched(qtbot, panel: CrmSettingsPanel) -> None:
    qtbot.waitUntil(lambda: not panel.fetching, timeout=WAIT)


def child(panel: QWidget, cls: type, name: str):
    """The widget with this object name, preferring a visible one (both form pickers have "refresh_forms")."""
    widgets = panel.findChildren(cls, name)
    assert widgets, name
    return next((w for w in widgets if w.isVisible()), widgets[0])


def combo_texts(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def pick(qtbot, combo: QComboBox, text: str) -> None:
    """Open nothing: select the item with this text the way the keyboard does (activated + current)."""
    index = combo.findText(text)
    assert index >= 0, (text, combo_texts(combo))
    combo.setFocus()
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def click(qtbot, button: QAbstractButton) -> None:
    """Click a button; a check box on its box (its row is wider than its hit area)."""
    assert button.isVisible() and button.isEnabled(), button.objectName()
    pos = QPoint(8, button.height() // 2) if isinstance(button, QCheckBox) else button.rect().center()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)


def status_words(panel: QWidget, name: str) -> str:
    line = panel.findChild(QWidget, name)
    assert line is not None, name
    return line.text.text() if line.isVisible() else ""
