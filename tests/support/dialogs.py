"""Scripted answers for the app's static dialogs (QMessageBox.question / warning / information,
QInputDialog.getText and the site dialogs), so no modal box ever blocks a test and a test can read what the owner was
asked, warned of or told. conftest.py installs one `Dialogs` for every test as the `dialogs` fixture."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox

from accessally_desktop.ui import site_dialogs

Button = QMessageBox.StandardButton


@dataclass
class Dialogs:
    """What was shown, in order, and the answers still to give: a button for a question, a text
    for an input dialog. A question with no scripted answer left gets `default`."""

    default: QMessageBox.StandardButton = Button.Discard
    answers: list = field(default_factory=list)
    asked: list[str] = field(default_factory=list)  # questions and input labels
    warned: list[str] = field(default_factory=list)
    told: list[str] = field(default_factory=list)

    def question(self, parent, title, text, *args, **kwargs) -> QMessageBox.StandardButton:
        self.asked.append(text)
        return self.answers.pop(0) if self.answers else self.default

    def get_text(self, parent, title, label, *args, **kwargs) -> tuple[str, bool]:
        self.asked.append(label)
        return (self.answers.pop(0) if self.answers else "", True)

    def site_name(self, parent, title, prompt, taken, name="", accept_text="") -> str | None:
        """The Add / Rename site dialog: the next scripted text (None: Cancel)."""
        self.asked.append(prompt)
        return self.answers.pop(0) if self.answers else None

    def remove(self, parent, name) -> bool:
        """Remove site's confirmation: Yes removes."""
        self.asked.append(f"Remove “{name}” from this app? This cannot be undone here.")
        answer = self.answers.pop(0) if self.answers else self.default
        return answer == Button.Yes

    def warning(self, parent, title, text, *args, **kwargs) -> QMessageBox.StandardButton:
        self.warned.append(text)
        return Button.Ok

    def information(self, parent, title, text, *args, **kwargs) -> QMessageBox.StandardButton:
        self.told.append(text)
        return Button.Ok


def answer_dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    """Put a fresh `Dialogs` in place of the real boxes until the test ends."""
    dialogs = Dialogs()
    monkeypatch.setattr(QMessageBox, "question", dialogs.question)
    monkeypatch.setattr(QMessageBox, "warning", dialogs.warning)
    monkeypatch.setattr(QMessageBox, "information", dialogs.information)
    monkeypatch.setattr(QInputDialog, "getText", dialogs.get_text)
    monkeypatch.setattr(site_dialogs, "ask_site_name", dialogs.site_name)
    monkeypatch.setattr(site_dialogs, "confirm_remove", dialogs.remove)
    return dialogs
