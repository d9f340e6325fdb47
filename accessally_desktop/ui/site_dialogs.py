"""Asking for a site's name (Add site, Rename site) and confirming Remove, as real dialogs: a name that
cannot be used is said in place, under the field, and OK waits until it can."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QMessageBox, QVBoxLayout, QWidget

from ..settings import MAX_SITE_NAME, site_name_problem
from .widgets import error_color, plain_text, window_title


class SiteNameDialog(QDialog):
    """One line for a site name, checked as it is typed against the names already taken."""

    def __init__(self, parent: QWidget, title: str, prompt: str, taken: Iterable[str], name: str = "",
                 accept_text: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("site_name_dialog")
        self.setWindowTitle(window_title(title))
        self.taken = [t for t in taken if t != name]  # renaming: its own name is no clash
        self.original = name
        self.prompt = plain_text(QLabel(prompt))
        self.prompt.setWordWrap(True)
        self.field = QLineEdit(name)
        self.field.setObjectName("site_name")
        self.field.setMaxLength(MAX_SITE_NAME + 1)  # one more: the problem is said, not silently cut
        self.field.setAccessibleName(title)
        self.prompt.setBuddy(self.field)
        self.problem = plain_text(QLabel())
        self.problem.setObjectName("site_name_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {error_color(self)}")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        if accept_text:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(accept_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.prompt, self.field, self.problem, self.buttons):
            layout.addWidget(widget)
        self.field.textEdited.connect(self._check)
        self.field.selectAll()
        self._edited = False
        self._check()
        self.setMinimumWidth(min(420, parent.width() if parent else 420))

    def name(self) -> str:
        return self.field.text().strip()

    def problem_now(self) -> str:
        name = self.name()
        if name == self.original and name:
            return "This is already the site's name."
        return site_name_problem(name, self.taken)

    def _check(self, _text: str = "") -> None:
        self._edited = self._edited or bool(_text) or self.field.isModified()
        problem = self.problem_now()
        # Nothing typed yet: OK simply waits; a problem is said once there is something to say it about.
        self.problem.setText(problem if self._edited or (self.name() and problem) else "")
        self.problem.setVisible(bool(self.problem.text()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        problem = self.problem_now()
        if problem:  # Enter pressed with a name that cannot be used: say it, keep the dialog
            self.problem.setText(problem)
            self.problem.setVisible(True)
            return
        super().accept()


def ask_site_name(parent: QWidget, title: str, prompt: str, taken: Iterable[str], name: str = "",
                  accept_text: str = "") -> str | None:
    dialog = SiteNameDialog(parent, title, prompt, taken, name, accept_text)
    return dialog.name() if dialog.exec() == QDialog.DialogCode.Accepted else None


def confirm_remove(parent: QWidget, name: str) -> bool:
    """Remove forgets the site here; the website itself and its services are not touched."""
    box = QMessageBox(QMessageBox.Icon.Warning, window_title(parent.tr("Remove site")),
                      parent.tr("Remove “%s” from this app?") % name,
                      QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("remove_site_box")
    box.setInformativeText(parent.tr(
        "This app forgets the site's settings and deletes its keys from this computer's password store. "
        "Your website, its WordPress and AccessAlly settings, and your accounts with the services are not "
        "affected. This cannot be undone here."))
    remove = box.addButton(parent.tr("&Remove site"), QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is remove
