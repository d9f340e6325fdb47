"""The wizard's path: the page graph (`next_page`), "step 2 of 6" in each page's title, and the Help
button's menu for the page shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWizard

from ..integrations.registry import NO_CRM
from .pages import PageId

if TYPE_CHECKING:
    from .wizard import SetupWizard


def next_page(current: PageId, crm: str) -> int:
    """The page graph: AccessAlly Managed (no CRM) skips the credentials page."""
    if current == PageId.CRM:
        return PageId.PAYMENTS if crm in ("", NO_CRM) else PageId.CRM_CREDENTIALS
    if current == PageId.SUMMARY:
        return -1
    return current + 1


def steps(wizard: SetupWizard) -> list[int]:
    """The pages on the way through, as chosen now (AccessAlly Managed has one page fewer; a CRM not
    chosen yet counts as one that has its page)."""
    crm = (wizard.chosen_crm() if wizard.crm.built else wizard.profile.crm) or "not chosen"  # builds no page
    path, page = [], int(PageId.WELCOME)
    while page != -1:
        path.append(page)
        page = next_page(PageId(page), crm if page == PageId.CRM else "")
    return path


class StepTitles:
    """Puts "step 2 of 6" after each page's own title as the wizard arrives on it."""

    def __init__(self, wizard: SetupWizard) -> None:
        self.wizard = wizard
        self.titles: dict[int, tuple[str, str]] = {}  # page id -> (its own title, the title shown)

    def show(self, page_id: int) -> None:
        page, path = self.wizard.page(page_id), steps(self.wizard)
        if page is None or page_id not in path:
            return
        own, shown = self.titles.get(page_id, ("", ""))
        if page.title() != shown:  # the page set a title of its own since (the CRM's name)
            own = page.title()
        shown = self.wizard.tr("%s — step %d of %d") % (own, path.index(page_id) + 1, len(path))
        page.setTitle(shown)
        self.titles[page_id] = (own, shown)


def show_help(wizard: SetupWizard) -> None:
    """Help for the page shown: where its services show their values, and AccessAlly's articles, in a
    menu under the Help button."""
    from .help import help_menu

    page = wizard.currentPage()
    services = [box.service_id for box in page.boxes()] if hasattr(page, "boxes") else []
    menu = help_menu(wizard, services)
    button = wizard.button(QWizard.WizardButton.HelpButton)
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
