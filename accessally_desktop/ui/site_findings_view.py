"""What the owner's website does about the CRM options, on screen: a line under each option of the
CRM panel, the notes about the whole site at the top of its section, and the list under the
dashboard's site row. The words are `site_report`'s; these pick the icon and say when the site was
checked. The dashboard's list is built at start-up, so it sets no value through the `Qt` namespace
(see tests/test_startup.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..integrations import registry
from ..integrations.options import Toggle
from .when import when_text
from .widgets import StatusBadge, icon, plain_text

if TYPE_CHECKING:
    from ..integrations.site_findings import SiteFinding
    from ..settings import SiteProfile
    from ..site_report import SiteReport
    from .option_widgets import StatusLine

KIND = {True: "ok", False: "warning", None: "info"}  # a finding's `ok` -> StatusLine kind and ui/icons name
SAID_AS = {True: "Matches", False: "Differs", None: "Note"}  # the icon in words, for screen readers
NOT_CONNECTED = ("Connect your site in the Setup Wizard (Your site) and test it: this app then checks whether your "
                 "website really does this.")
NOT_PASSED = ("Test your site on the Connections page: once its test passes, this app checks whether your website "
              "really does this.")
FOUND_HEADING = "What the last test found on your pages:"


def checked(report: SiteReport) -> str:
    """ "Your site, checked 5 minutes ago: " — the findings are as true as that test is recent."""
    return f"Your site, checked {when_text(report.tested_at)}: "


def not_checked(profile: SiteProfile) -> str:
    """How to have the site checked: connect it first, or test it again until it passes."""
    connected = any(service_id in profile.services() for service_id in registry.SITE_IDS)
    return NOT_PASSED if connected else NOT_CONNECTED


def show_finding(line: StatusLine, finding: SiteFinding | None, report: SiteReport | None) -> None:
    if finding is None or report is None:
        line.clear()
    else:
        line.show_state(KIND[finding.ok], checked(report) + finding.text)


class SiteNotes(QWidget):
    """At the top of a CRM's section: the findings about the whole site (a stale page cache, Google
    Tag Manager), or how to have the site checked. One StatusLine each, named `<name>_<n>`."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.lines: list[StatusLine] = []
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.setVisible(False)

    def show_lines(self, lines: list[tuple[str, str]]) -> None:
        """(kind, words) per line; none hides the notes."""
        from .option_widgets import StatusLine

        while len(self.lines) < len(lines):
            self.lines.append(StatusLine(f"{self.objectName()}_{len(self.lines)}"))
            self.column.addWidget(self.lines[-1])
        for index, line in enumerate(self.lines):
            if index < len(lines):
                line.show_state(*lines[index])
            else:
                line.clear()
        self.setVisible(bool(lines))

    def texts(self) -> list[str]:
        return [line.text.text() for line in self.lines if not line.isHidden()]


class FindingLine(StatusBadge):
    """One finding: the app's icon for it, and its words (selectable)."""

    def show_finding(self, ok: bool | None, words: str) -> None:
        size = self.fontMetrics().height()
        self.icon.setPixmap(icon(KIND[ok]).pixmap(QSize(size, size)))
        self.icon.setVisible(True)
        self.text.setText(words)
        self.setAccessibleName(f"{SAID_AS[ok]}: {words}")


class FindingsList(QWidget):
    """Under the dashboard's site row: each finding of the last passing site test, what it is about
    first ("Add the Drip tracking script to every page: Not on your site — …")."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.heading = plain_text(QLabel(self.tr(FOUND_HEADING)))
        self.lines: list[FindingLine] = []
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.addWidget(self.heading)
        self.setVisible(False)

    def show_profile(self, profile: SiteProfile | None) -> None:
        """The site's findings as kept now; None, or none found, hides the list."""
        from ..site_report import site_report  # the scan's modules: only once a site is connected
        from .option_widgets import plain

        report = site_report(profile) if profile is not None else None
        found = list(report.findings) if report is not None else []
        crm = registry.get(profile.crm) if report is not None and profile.crm in registry.CRM_IDS else None
        about = {o.key: plain(o.label) for o in crm.options if isinstance(o, Toggle)} if crm else {}
        while len(self.lines) < len(found):
            line = FindingLine()
            line.setObjectName(f"{self.objectName()}_{len(self.lines)}")
            self.lines.append(line)
            self.column.addWidget(line)
        for index, line in enumerate(self.lines):
            line.setVisible(index < len(found))
            if index < len(found):
                finding = found[index]
                words = f"{about[finding.option]}: {finding.text}" if finding.option in about else finding.text
                line.show_finding(finding.ok, words)
        self.setVisible(bool(found))

    def texts(self) -> list[str]:
        return [line.text.text() for line in self.lines if not line.isHidden()]
