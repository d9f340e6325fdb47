"""File › Export / Import Site Settings: what both flows share (the standard dialogs they ask through,
a site's settings in words, the summary and buttons both dialogs show, the failure message).

The format and its checks are in `..transfer` (no Qt); the flows are in `transfer_export` and
`transfer_import`, which only ask and show. Loaded on first use, with them.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from .. import transfer
from ..integrations import Status, registry
from ..settings import SiteProfile
from .widgets import StatusBadge

log = logging.getLogger(__name__)

FILE_FILTER = "Site settings (*.json);;All files (*)"
NO_SECRETS = "No passwords, API keys, tokens or other secrets are included: you enter those on the other computer."
NOTHING_CHANGED = "Nothing was changed."


class Prompts:
    """The standard dialogs these flows ask through: one small seam, so tests can answer them."""

    def save_path(self, parent: QWidget, title: str, suggested: str) -> str:
        return QFileDialog.getSaveFileName(parent, title, suggested, FILE_FILTER)[0]

    def open_path(self, parent: QWidget, title: str, directory: str) -> str:
        return QFileDialog.getOpenFileName(parent, title, directory, FILE_FILTER)[0]

    def confirm(self, parent: QWidget, title: str, text: str, action: str) -> bool:
        """Ask before something that cannot be undone; Cancel is the default answer."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent)
        go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def inform(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def warn(self, parent: QWidget, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)


prompts = Prompts()


def documents_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def describe(profile: SiteProfile) -> list[tuple[str, str]]:
    """What a site's settings say, in words an owner reads (the export preview, the import dialog)."""
    if profile.crm == registry.NO_CRM:
        crm = "AccessAlly Managed (no CRM)"
    else:
        crm = registry.display_name(profile.crm) if profile.crm in registry.CRM_IDS else "not chosen yet"
    payments = []
    for service_id in (s for s in registry.PAYMENT_IDS if s in profile.payments):
        integration = registry.get(service_id)
        chosen = [v.label for v in integration.variants if v.id == profile.variant(service_id)]
        chosen += [k.short_label for k in integration.kinds if k.id == profile.kind(service_id)]
        payments.append(integration.name + (f" ({', '.join(chosen)})" if chosen else ""))
    paying = ", ".join(payments) or ("set up later" if profile.payments_later else "none")
    rows = [("Site", profile.name), ("Site address", profile.site_url or "not entered yet"), ("CRM", crm),
            ("Payments", paying)]
    rows += [(registry.display_name(s), text) for s, text in _saved_values(profile) if text]
    return [*rows, ("Also included", "CRM Integration options")]


def _saved_values(profile: SiteProfile) -> list[tuple[str, str]]:
    """Each service's saved non-secret values by their labels ("Account ID: 1234567", "Publishable key
    (Test mode): pk_test_…"), in the site's order."""
    out = []
    for service_id in (s for s in profile.services() if s in profile.values):
        integration = registry.get(service_id)
        labels = {f.name: f.label for f in integration.fields}
        parts = []
        for key, value in profile.values[service_id].items():
            variant, _, name = key.rpartition(".")  # a value kept per variant: "test.publishable_key"
            if value and name in labels:
                which = next((f" ({v.label})" for v in integration.variants if v.id == variant), "")
                parts.append(f"{labels[name]}{which}: {value}")
        out.append((service_id, "\n".join(parts)))
    return out


def summary_form(rows: list[tuple[str, str]]) -> QFormLayout:
    form = QFormLayout()
    for label, value in rows:
        text = QLabel(value)
        text.setTextFormat(Qt.TextFormat.PlainText)  # a name or address from the file, as written there
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(QLabel(f"<b>{html.escape(label)}:</b>"), text)
    return form


def cancel_or(dialog: QDialog, label: str, name: str) -> tuple[QDialogButtonBox, QPushButton]:
    """Cancel, and the dialog's own accepting button (the default one)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    button = buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
    button.setObjectName(name)
    button.setDefault(True)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, button


def no_secrets_badge() -> StatusBadge:
    badge = StatusBadge()
    badge.setObjectName("no_secrets_note")
    badge.set_status(Status.OK, NO_SECRETS)
    return badge


def failure_text(exc: Exception, what: str) -> str:
    """The owner's message for a failed read or write; a bug is logged, never shown as a traceback."""
    if isinstance(exc, transfer.TransferError):
        return str(exc)
    log.error("site settings %s failed unexpectedly", what, exc_info=exc)
    return f"The {what} stopped because of an unexpected problem ({type(exc).__name__})."

