"""File › Export Site Settings: say in a list what the file will hold (its exact contents behind a button),
then ask where and save it.

The text is made by `..transfer` (no Qt); the file is written on a worker. Loaded on first use.
"""

from __future__ import annotations

import copy
import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from .. import transfer
from ..settings import SiteProfile
from .screen_fit import fit_to_screen
from .transfer import cancel_or, describe, documents_folder, failure_text, no_secrets_badge, prompts, summary_form
from .workers import submit

if TYPE_CHECKING:
    from .main_window import MainWindow


class ExportDialog(QDialog):
    """Shows exactly what the file will hold, and that it holds no secret. Accepting means "choose where"."""

    def __init__(self, profile: SiteProfile, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle(self.tr("Export site settings"))
        self.text = text
        heading = QLabel(self.tr("<b>Export the settings of “%s”</b> to a file you can import on another "
                                 "computer.") % html.escape(profile.name))
        heading.setWordWrap(True)
        self.preview = QPlainTextEdit(text)
        self.preview.setObjectName("export_preview")
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setMinimumHeight(160)
        self.preview.setAccessibleName(self.tr("Exact contents of the file"))
        self.preview.setVisible(False)  # the list above says it in words; the file itself is for the curious
        self.details = QPushButton(self.tr("Show the file's exact &contents"))
        self.details.setObjectName("export_details")
        self.details.setCheckable(True)
        self.details.toggled.connect(self._show_details)
        buttons, self.save_button = cancel_or(self, self.tr("&Save to file…"), "export_save")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(no_secrets_badge())
        layout.addLayout(summary_form(describe(profile)))
        layout.addWidget(self.details, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.preview, 1)
        layout.addStretch(1)  # while the contents are hidden, the room goes below the list
        layout.addWidget(buttons)
        fit_to_screen(self, 600, 500)
        self.save_button.setFocus()

    def _show_details(self, shown: bool) -> None:
        self.preview.setVisible(shown)
        self.details.setText(self.tr("Hide the file's exact &contents") if shown
                             else self.tr("Show the file's exact &contents"))
        if shown:
            fit_to_screen(self, max(self.width(), 640), max(self.height(), 560))


def export_site(window: MainWindow) -> ExportDialog:
    """Preview the current site's export; on Save, ask where and write it (on a worker)."""
    profile = copy.deepcopy(window.controller.profile)
    dialog = ExportDialog(profile, transfer.export_text(profile), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: _save_export(window, profile.name, dialog.text))
    dialog.open()
    return dialog


def _save_export(window: MainWindow, site: str, text: str) -> None:
    title = window.tr("Export site settings")
    path = prompts.save_path(window, title, str(documents_folder() / transfer.suggested_file_name(site)))
    if not path:
        return
    if not Path(path).suffix:
        path += ".json"

    def saved(_: object) -> None:
        prompts.inform(window, title, window.tr(
            "The settings of “%s” were saved to:\n%s\n\nNo passwords or API keys are in this file. On the other "
            "computer, choose File › Import Site Settings… and enter them when asked.") % (site, path))

    def failed(exc: Exception) -> None:
        prompts.warn(window, title, failure_text(exc, "export") + " " + window.tr("Nothing was written."))

    submit(lambda: transfer.write_export(path, text), saved, failed, context=window)
