"""Run as a script on a small screen (see tests/test_small_screens.py): opens each wizard page and
the main window, and prints, as JSON, what it looked at and every window edge, button or label that is
off the screen or cut off.

    QT_QPA_PLATFORM=offscreen:configfile=screen.json python tests/support/screen_fit.py [--sandbox] [--shots DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QLabel, QWidget

from accessally_desktop.integrations import registry
from accessally_desktop.secrets import open_store
from accessally_desktop.settings import SettingsStore
from accessally_desktop.ui.main import AppController
from accessally_desktop.ui.pages import PageId


def off_screen(window: QWidget, where: str) -> list[str]:
    """The window's frame, where it is not wholly inside the screen's available area, and each visible
    button or label that is cut off (a window edge, a squeezed layout) outside a scroll area."""
    area = window.screen().availableGeometry()
    problems = []
    if not area.contains(window.frameGeometry()):
        problems.append(f"{where}: window {window.frameGeometry().getRect()} outside {area.getRect()}")
    for widget in [*window.findChildren(QAbstractButton), *window.findChildren(QLabel)]:
        if not widget.isVisible() or widget.width() <= 0 or in_scroll_area(widget, window):
            continue
        rect = widget.rect().translated(widget.mapToGlobal(widget.rect().topLeft()))
        shown = widget.visibleRegion().boundingRect() == widget.rect()
        if not (area.contains(rect) and shown):
            text = widget.text()[:40]
            problems.append(f"{where}: {type(widget).__name__} {text!r} at {rect.getRect()} cut off")
    return problems


def in_scroll_area(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area's viewport: the owner can scroll to it."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent.parentWidget(), QAbstractScrollArea) and parent is parent.parentWidget().viewport():
            return True
        parent = parent.parentWidget()
    return False


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()


def wizard_pages(app: QApplication, controller: AppController, shots: Path | None, seen: list[str]) -> list[str]:
    wizard = controller.wizard
    problems = []
    crm = wizard.crm.choice
    for page in PageId:
        for chosen in (registry.CRM_IDS if page == PageId.CRM_CREDENTIALS else registry.CRM_IDS[:1]):
            crm.set_value(chosen)
            for check in wizard.payments.use.values():
                check.setChecked(True)
            wizard.setStartId(page)
            wizard.restart()
            settle(app)
            name = f"wizard {page.name} ({chosen})"
            seen.append(name)
            problems += off_screen(wizard, name)
            if shots:
                wizard.grab().save(str(shots / f"wizard-{page.name.lower()}-{chosen}.png"))
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sandbox", action="store_true")
    parser.add_argument("--shots", type=Path)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    sandbox = None
    if args.sandbox:
        import os

        from accessally_desktop.sandbox import Sandbox

        sandbox = Sandbox()
        os.environ.update(sandbox.env)
    controller = AppController(SettingsStore(), secret_store=open_store().store,
                               sandbox=sandbox.demo_credentials() if sandbox else None)
    controller.start()
    while controller.wizard is None:
        settle(app)
    settle(app)
    seen: list[str] = []
    problems = wizard_pages(app, controller, args.shots, seen)
    controller.wizard.hide()  # closing would ask whether to discard what was typed
    controller.show_window()
    window = controller.window
    for page in (0, 1):
        window.navigation.setCurrentIndex(page)
        settle(app)
        seen.append(f"main window page {page}")
        problems += off_screen(window, seen[-1])
        if args.shots:
            window.grab().save(str(args.shots / f"main-{page}.png"))
    if sandbox:
        sandbox.stop()
    print(json.dumps({"seen": seen, "problems": problems}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
