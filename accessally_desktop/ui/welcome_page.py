"""The wizard's first page: what to have at hand, where the keys will be kept (said before anything is
typed), and in the sandbox the demo values that pass (and each box's button that fills them in)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget, QWizardPage

from ..integrations import registry
from ..integrations.characters import shorten
from ..settings import MAX_SITE_NAME
from .widgets import StatusBadge, heading, plain_text, scrolling

if TYPE_CHECKING:
    from ..integrations import Integration
    from .wizard import SetupWizard


def _sandbox_banner(demo: dict[str, dict[str, str]]) -> QLabel:
    """Says plainly that this is a sandbox, and lists the demo values that pass."""
    rows = "".join(
        f"<tr><td><b>{registry.get(sid).name}</b></td><td>"
        + "<br>".join(f"{_label(registry.get(sid), k)}: <code>{v}</code>" for k, v in values.items() if v)
        + "</td></tr>" for sid, values in demo.items())
    label = heading(
        "<p style='background:#fff3cd; color:#5c4400; padding:6px'><b>SANDBOX</b> — every service is a local "
        "stand-in on this computer. Nothing reaches real services, and nothing touches your real sites, "
        "settings or keyring. Use the demo values below (each page has a button that fills them in); change "
        "one character to see a failure.</p><table cellspacing='4'>" + rows + "</table>")
    label.setObjectName("sandbox_banner")
    return label


def add_demo_button(layout: QVBoxLayout, service_id: str, fill: Callable[[], None]) -> None:
    """A service box's "Fill in the sandbox's demo values", at its top."""
    from PySide6.QtCore import Qt  # the sandbox only: the wizard itself opens without `Qt`
    from PySide6.QtWidgets import QPushButton

    button = QPushButton()
    button.setText(button.tr("Fill in the sandbox's demo values"))
    button.setObjectName(f"demo_{service_id}")
    button.clicked.connect(fill)
    layout.insertWidget(0, button, 0, Qt.AlignmentFlag.AlignLeft)


def _label(integration: Integration, name: str) -> str:
    """A demo value's label: its field's, or the variant's choice ("Environment")."""
    try:
        return integration.field(name).label
    except KeyError:
        return name.capitalize()


class WelcomePage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setObjectName("page_welcome")
        self.setTitle(self.tr("Welcome to AccessAlly setup"))
        self.setSubTitle(self.tr("Connect your website, your license, your CRM and your payment processor. "
                                 "Each connection is tested live before you go on."))
        content = QWidget()  # scrolls: the sandbox's demo values alone are taller than a small screen
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        QVBoxLayout(self).addWidget(scrolling(content), 1)

        def names(service_ids: tuple[str, ...]) -> str:  # from the registry: no service module loads here
            shown = [html.escape(registry.display_name(s)) for s in service_ids]
            return ", ".join(shown[:-1]) + self.tr(" or ") + shown[-1] if len(shown) > 1 else "".join(shown)

        layout.addWidget(heading(self.tr(
            "<p>Have these at hand (each is checked as you enter it):</p><ul>"
            "<li><b>%s</b> — its address and an administrator's login: you approve this app in your browser, "
            "so that it can check what your website really does (it never changes your site). You can also do "
            "this later.</li>"
            "<li><b>Your AccessAlly license key</b> — in your AccessAlly customer account "
            "(<a href='https://accessally.com'>accessally.com</a>), and your site's address.</li>"
            "<li><b>Your CRM's API credentials</b> — %s. The next pages say where each one is found.</li>"
            "<li><b>Your payment keys</b> — %s. The payments page says where to find them.</li></ul>"
            "<p>Nothing is saved until you click <b>Finish</b>. You can run this wizard again at any "
            "time.</p>") % (names(registry.SITE_IDS), names(registry.CRM_IDS), names(registry.PAYMENT_IDS))))
        self.storage = StatusBadge()  # where keys will be kept: said before anything is typed
        self.storage.setObjectName("welcome_storage_badge")
        self.storage.text.setObjectName("welcome_storage")
        self.storage.text.setWordWrap(True)
        self.storage.set_status("ok", self.tr("Your keys will be kept in your computer's password store, "
                                              "never in a file."))
        layout.addWidget(self.storage)
        if wizard.sandbox:  # memory only, by design: the banner says so
            self.storage.setVisible(False)
            layout.insertWidget(0, _sandbox_banner(wizard.sandbox))
        self.site_label = plain_text(QLabel())  # the site's name, as typed
        self.site_label.setObjectName("welcome_site")
        layout.addWidget(self.site_label)
        layout.addStretch(1)
        self.site_label.setText(self.tr("Setting up site: %s") % shorten(wizard.profile.name, MAX_SITE_NAME))

    def show_storage(self, problem: str) -> None:
        """No password store: keys typed now will be forgotten when the app closes."""
        self.storage.set_status("untested", problem)
