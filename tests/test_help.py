"""Help is one click away: the Help menu opens the exact page where each value is found, and About
says who made the app, how to get help, what happens to the keys, and whose services these are."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from accessally_desktop import about
from accessally_desktop.integrations import registry
from accessally_desktop.ui.main import AppController


class OpenedLinks(QObject):
    """Stands in for the browser: Qt hands it every https:// address the app opens."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser():
    links = OpenedLinks()
    QDesktopServices.setUrlHandler("https", links, "open")
    yield links
    QDesktopServices.unsetUrlHandler("https")


@pytest.fixture
def window(qtbot):
    controller = AppController(test_timeout=10)
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    controller.wizard.close()
    return controller.window


def _links(window) -> dict[str, str]:
    window.help_menu.aboutToShow.emit()
    return {a.text(): a.data() for a in window.help_menu.actions() if a.objectName() == "help_link"}


def test_the_help_menu_opens_each_services_own_page_and_the_knowledge_base(window, browser) -> None:
    links = _links(window)
    for service_id in registry.SERVICE_IDS:
        name = registry.display_name(service_id)
        assert links[f"{name}: where to find the keys"].startswith("https://"), name
    assert about.KNOWLEDGE_BASE_URL in links.values()
    stripe = next(a for a in window.help_menu.actions() if a.text() == "Stripe: where to find the keys")
    stripe.trigger()
    assert browser.urls == [registry.get("stripe").help_url]
    assert len(_links(window)) == len(links)  # opening the menu again adds nothing twice


def test_about_names_the_publisher_support_privacy_and_whose_services_these_are(window, qtbot) -> None:
    window.show_about()
    box = window.findChild(QMessageBox, "about_box")
    text = box.text()
    assert about.PUBLISHER in text and about.SUPPORT_URL in text
    assert "never leave this computer except to the service they belong to" in text
    for service_id in (*registry.CRM_IDS, *registry.PAYMENT_IDS):
        assert registry.display_name(service_id) in text
    assert "not made or endorsed by" in text
    assert box.textInteractionFlags() & box.textInteractionFlags().LinksAccessibleByKeyboard
    box.close()


def test_the_wizards_help_button_offers_the_pages_of_the_services_on_that_page(qtbot, browser) -> None:
    from PySide6.QtWidgets import QMenu, QWizard
    from test_wizard import go_next, make_wizard

    wizard = make_wizard(qtbot)
    wizard.show()
    go_next(qtbot, wizard)  # the site's page
    help_button = wizard.button(QWizard.WizardButton.HelpButton)
    assert help_button.isVisible() and help_button.text() == "&Help"
    qtbot.mouseClick(help_button, Qt.MouseButton.LeftButton)
    menu = next(w for w in wizard.findChildren(QMenu, "help_menu"))
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Your WordPress site: where to find the keys", "AccessAlly knowledge base (CRM options and more)"]
    menu.actions()[0].trigger()
    assert browser.urls == [registry.get("wordpress").help_url]
    menu.close()
