"""File › Import Site Settings: read and check a file, choose where it goes, then the secrets to enter.

The format and its checks are in `..transfer` (no Qt). The file and the keyring are read only on a
worker, and nothing changes until the owner has chosen (and, to replace a site, confirmed) where an
import goes. Loaded on first use.
"""

from __future__ import annotations

import calendar
import copy
import html
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from .. import transfer
from ..settings import SiteProfile, site_name_problem
from ..storage import secret_names
from .transfer import NOTHING_CHANGED, cancel_or, describe, documents_folder, failure_text, prompts, summary_form
from .when import when_text
from .widgets import error_color
from .widgets import icon as app_icon
from .workers import submit

if TYPE_CHECKING:
    from .main_window import MainWindow


def _when(exported_at: str) -> str:
    try:
        return when_text(calendar.timegm(time.strptime(exported_at, "%Y-%m-%dT%H:%M:%SZ")))
    except (ValueError, OverflowError, OSError):
        return exported_at or "unknown"


class ImportDialog(QDialog):
    """Where an import goes: a new site (named from the file) or an existing one, replaced only after
    a confirmation naming it. Signals: chosen(site name), emitted once decided; nothing changes before.
    """

    chosen = Signal(str)

    def __init__(self, imported: transfer.Imported, file_name: str, sites: list[str], current: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_dialog")
        self.setWindowTitle(self.tr("Import site settings"))
        self.sites = sites
        profile = imported.profile
        heading = QLabel(self.tr("<b>%s</b> holds these site settings (exported %s):")
                         % (html.escape(file_name), html.escape(_when(imported.exported_at))))
        heading.setWordWrap(True)
        self.as_new = QRadioButton(self.tr("Import as a &new site named:"))
        self.as_new.setObjectName("import_as_new")
        self.new_name = QLineEdit(transfer.free_site_name(profile.name, sites))
        self.new_name.setObjectName("import_new_name")
        self.new_name.setAccessibleName(self.tr("Name of the new site"))
        self.replace = QRadioButton(self.tr("&Replace the settings of this site:"))
        self.replace.setObjectName("import_replace")
        self.existing = QComboBox()
        self.existing.setObjectName("import_existing")
        self.existing.setAccessibleName(self.tr("Site to replace"))
        self.existing.addItems(sites)
        self.existing.setCurrentText(profile.name if profile.name in sites else current)
        self.problem = QLabel()
        self.problem.setObjectName("import_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {error_color(self.problem)};")
        self.problem.setVisible(False)
        self.as_new.setChecked(True)
        self.as_new.toggled.connect(self._choice_changed)
        self.new_name.textEdited.connect(lambda: self.problem.setVisible(False))
        choice = QGridLayout()
        choice.addWidget(self.as_new, 0, 0)
        choice.addWidget(self.new_name, 0, 1)
        choice.addWidget(self.replace, 1, 0)
        choice.addWidget(self.existing, 1, 1)
        choice.setColumnStretch(1, 1)
        keep = QLabel(self.tr("The file holds no passwords or API keys. Next you'll see exactly which ones "
                              "to enter on this computer."))
        keep.setWordWrap(True)
        buttons, self.import_button = cancel_or(self, self.tr("&Import"), "import_go")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(summary_form(describe(profile)))
        layout.addSpacing(8)
        layout.addLayout(choice)
        layout.addWidget(self.problem)
        layout.addWidget(keep)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._choice_changed()
        self.setMinimumWidth(560)

    def _choice_changed(self) -> None:
        self.new_name.setEnabled(self.as_new.isChecked())
        self.existing.setEnabled(self.replace.isChecked())
        self.problem.setVisible(False)

    def target(self) -> tuple[str, str]:
        """The chosen site name, and a problem with it to show ("" when fine)."""
        if self.replace.isChecked():
            return self.existing.currentText(), ""
        name = self.new_name.text().strip()
        problem = site_name_problem(name, self.sites)
        if problem and name in self.sites:
            problem += " " + self.tr("Choose another name, or choose Replace.")
        return name, problem

    def accept(self) -> None:
        name, problem = self.target()
        if problem:
            self.problem.setText(problem)
            self.problem.setVisible(True)
            self.new_name.setFocus()
            return
        if self.replace.isChecked() and not prompts.confirm(
                self, self.tr("Replace site settings?"),
                self.tr("Replace the settings of “%s” with the ones in the file?\n\nIts site address, CRM and "
                        "payment choices, account IDs and CRM Integration options will be overwritten, and its "
                        "last test results cleared. Its passwords and API keys saved on this computer are kept.")
                % name, self.tr("Replace “%s”") % name):
            return
        self.chosen.emit(name)
        super().accept()


def import_site(window: MainWindow) -> None:
    """Ask for a file, read and check it on a worker, then ask where it goes."""
    controller = window.controller
    title = window.tr("Import site settings")
    if controller.wizard is not None:
        prompts.warn(window, title, window.tr("Finish or close the setup wizard first, then import."))
        return
    # Unapplied CRM settings: ask Apply / Discard / Cancel first, as switching sites does.
    if window._crm_panel_with_changes() and not window._crm_panel.confirm_leave():
        return
    path = prompts.open_path(window, title, str(documents_folder()))
    if not path:
        return
    submit(lambda: transfer.read_export(path), lambda imported: _choose_target(window, Path(path).name, imported),
           lambda exc: prompts.warn(window, title, failure_text(exc, "import") + "\n\n" + NOTHING_CHANGED),
           context=window)


def _choose_target(window: MainWindow, file_name: str, imported: transfer.Imported) -> ImportDialog:
    controller = window.controller
    dialog = ImportDialog(imported, file_name, list(controller.settings.sites), controller.site, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.chosen.connect(lambda name: _apply(window, imported.profile, name))
    dialog.open()
    return dialog


def _apply(window: MainWindow, imported: SiteProfile, site: str) -> None:
    """Put the profile in place through the controller's usual saving path, then check the keyring."""
    controller = window.controller
    if controller.wizard is not None:  # opened meanwhile: its Finish would overwrite the import
        prompts.warn(window, window.tr("Import site settings"),
                     window.tr("Finish or close the setup wizard first, then import.") + " " + NOTHING_CHANGED)
        return
    profile = copy.deepcopy(imported)
    profile.name = site
    controller.cancel_tests()
    controller.settings.sites[site] = profile
    if site == controller.site:
        controller.save_settings()
        controller.site_changed.emit()
    else:
        controller.switch_site(site)  # saves, and shows the site
    names = secret_names(profile.services())
    storage = controller.storage
    window.set_busy(window.tr("Checking which passwords and API keys are saved on this computer…"))

    def found(present: set[str]) -> None:
        window.set_busy("")
        show_missing(window, site, transfer.missing_secrets(profile, present))

    def unreadable(exc: Exception) -> None:
        window.set_busy("")
        show_missing(window, site, transfer.missing_secrets(profile, ()), problem=str(exc))

    submit(lambda: set(storage.read_secrets(site, names)), found, unreadable, context=window)


# -- after an import -------------------------------------------------------------------------------


class MissingSecretsDialog(QDialog):
    """Lists exactly the secrets an imported site still needs here. Signals: enter_requested()."""

    enter_requested = Signal()

    def __init__(self, site: str, missing: list[transfer.MissingSecret], problem: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("missing_secrets_dialog")
        self.setWindowTitle(self.tr("Site settings imported"))
        self.missing = missing
        icon = QLabel()
        icon.setPixmap(app_icon("info" if missing else "ok").pixmap(32, 32))  # the app's own set
        if missing:
            intro = self.tr("<p><b>The settings of “%s” were imported.</b></p><p>Passwords and API keys never "
                            "travel in a settings file. Enter these on this computer; they will be kept in your "
                            "system keyring:</p>") % html.escape(site)
            items = "".join(f"<li>{html.escape(secret.describe())}</li>" for secret in missing)
            intro += f"<ul>{items}</ul>"
        else:
            intro = self.tr("<p><b>The settings of “%s” were imported.</b></p><p>All the passwords and API keys "
                            "it uses are already saved on this computer. Test the connections to make sure they "
                            "work.</p>") % html.escape(site)
        if problem:
            intro += "<p>" + html.escape(self.tr("Every secret this site uses is listed, because the keyring "
                                                 "could not be checked: %s") % problem) + "</p>"
        self.text = QLabel(intro)
        self.text.setObjectName("missing_secrets")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox()
        self.enter_button: QPushButton | None = None
        if missing:
            self.enter_button = buttons.addButton(self.tr("&Enter them now"), QDialogButtonBox.ButtonRole.AcceptRole)
            self.enter_button.setObjectName("enter_secrets_now")
            self.enter_button.setDefault(True)
            buttons.addButton(self.tr("&Later"), QDialogButtonBox.ButtonRole.RejectRole)
            buttons.accepted.connect(self._enter)
        else:
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QGridLayout()
        row.addWidget(icon, 0, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 0, 1)
        row.setColumnStretch(1, 1)
        row.setHorizontalSpacing(12)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _enter(self) -> None:
        self.accept()
        self.enter_requested.emit()


def show_missing(window: MainWindow, site: str, missing: list[transfer.MissingSecret],
                 problem: str = "") -> MissingSecretsDialog:
    """The list of secrets still to enter; "Enter them now" opens the wizard at the first, marked."""
    controller = window.controller
    dialog = MissingSecretsDialog(site, missing, problem, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    needed = frozenset(secret.wizard_field for secret in missing)

    def enter() -> None:
        if site != controller.site and site in controller.settings.sites:
            controller.switch_site(site)
        if site == controller.site:
            controller.open_wizard(needed=needed)

    dialog.enter_requested.connect(enter)
    dialog.open()
    return dialog
