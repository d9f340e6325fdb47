"""Help: links to the exact page where each value is found, AccessAlly's knowledge base, and About.

The main window adds the links when its Help menu first opens, so start-up loads no service module.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from .. import APP_NAME, __version__, about
from ..diagnostics import bundled_libraries
from ..integrations import registry


def help_links(services: list[str] | None = None) -> list[tuple[str, str]]:
    """(menu text, address): where each service (all, or those given) shows its values, then
    AccessAlly's articles."""
    chosen = registry.SERVICE_IDS if not services else services
    links = [(f"{registry.display_name(s)}: where to find the keys", registry.get(s).help_url)
             for s in chosen if registry.get(s).help_url]
    return [*links, ("AccessAlly knowledge base (CRM options and more)", about.KNOWLEDGE_BASE_URL)]


def help_menu(parent: QWidget, services: list[str]) -> QMenu:
    """A menu of the help links for these services (every service's when none)."""
    menu = QMenu(parent)
    menu.setObjectName("help_menu")
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    end = menu.addSeparator()
    add_help_links(menu, before=end, services=services)
    menu.removeAction(end)
    return menu


def open_link(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


def add_help_links(menu: QMenu, before: QAction, services: list[str] | None = None) -> None:
    """The help links, above `before`; each opens its page in the browser."""
    for text, url in help_links(services):
        action = QAction(text, menu)
        action.setObjectName("help_link")
        action.setData(url)
        action.setStatusTip(url)
        action.triggered.connect(lambda _=False, url=url: open_link(url))
        menu.insertAction(before, action)
    menu.insertSeparator(before)


def show_about(parent: QWidget) -> QMessageBox:
    """Who made this, how to get help, what happens to the keys, and the libraries inside."""
    rows = "".join(f"<tr><td>{escape(name)}</td><td>{escape(version)}</td><td>{escape(licence)}</td></tr>"
                   for name, version, licence in bundled_libraries())
    box = QMessageBox(parent)
    box.setObjectName("about_box")
    box.setWindowTitle(parent.tr("About %s") % APP_NAME)
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    support = f"<a href='{about.SUPPORT_URL}'>{escape(about.SUPPORT_URL)}</a>"
    box.setText(parent.tr(
        "<h3>%s %s</h3><p>Connect your AccessAlly site's license, CRM and payment processor, and test every "
        "credential live.</p><p>Made by %s. Help: %s — Help › Copy diagnostics puts what support needs on "
        "the clipboard, never a key.</p><p><b>Your privacy:</b> %s</p><p>%s</p>")
        % (APP_NAME, __version__, escape(about.PUBLISHER), support, escape(about.PRIVACY),
           escape(about.not_made_by())))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)  # links reachable by Tab too
    box.setInformativeText(parent.tr("Built with these libraries:") + f"<table cellspacing='6'>{rows}</table>")
    box.open()
    return box
