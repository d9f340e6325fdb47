"""The Connections dashboard: one row per configured service, Test / Test all, Fix…

Rows only show; the controller (ui/main.py) reads secrets, runs the tests and saves results.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..integrations import registry
from ..integrations.characters import shorten
from ..integrations.fields import Field
from ..integrations.status import STATUS_WORDS
from ..settings import MAX_SITE_NAME, SavedResult, SiteProfile
from .site_findings_view import FindingsList
from .when import when_text
from .widgets import Mnemonics, StatusBadge, plain_text, scrolling, set_by_key

# What a failing row tells the owner to do next, by status.
NEXT_STEP = {
    "invalid_credentials": "Copy the credentials again, then click Fix… to enter them.",
    "invalid_format": "Click Fix… to correct the values.",
    "forbidden": "Check the account's permissions or license, then click Fix… to test again.",
    "wrong_environment": "Click Fix… to switch the environment.",
    "not_found": "Click Fix… to check the address.",
    "rate_limited": "Wait a little and test again.",
    "server_error": "The service has a problem; test again later.",
    "timeout": "Check your internet connection and test again.",
    "network_error": "Check your internet connection and test again.",
    "tls_error": "Try another network; the connection was not secure.",
    "bad_response": "Test again later. If it keeps happening, click Fix… to check the address.",
    "untested": "Test it now.",
    "keys_lost": "Click Fix… to enter it again.",
}
LOCKED = "Your computer's password store is locked. Unlock it and click Test again."
NOT_CONNECTED = "Not connected yet: connect your website to check what it really does."
KEYS_LOST = ("Needs your key again: this computer has no password store, so the key entered last time was "
             "forgotten when the app closed.")


def mode_text(service_id: str, result: SavedResult | None, profile: SiteProfile) -> str:
    """The active variant's name ("Live mode"); else the mode the last test reported, if any."""
    variant = profile.variant(service_id)
    if variant:
        return next(v.label for v in registry.get(service_id).variants if v.id == variant)
    return result.mode if result and result.mode else ""


def last_tested_text(tested_at: float, now: float | None = None) -> str:
    return "tested " + when_text(tested_at, now) if tested_at else "never tested"


def needed_fields(service_id: str, profile: SiteProfile) -> tuple[Field, ...]:
    """Required values the saved settings lack (saved by an older version, or edited by hand)."""
    return registry.get(service_id).missing_saved(profile.values.get(service_id, {}))


def _needs_text(fields: tuple[Field, ...]) -> str:
    labels = [f.label if f.label[1:2].isupper() else f.label[:1].lower() + f.label[1:] for f in fields]
    return f"Needs your {' and '.join(labels)} before it can be checked. Click Fix… to enter it."


def extra_text(service_id: str, result: SavedResult | None) -> str:
    """The facts a row adds, worded by the service (the license's latest version, Stripe's webhook)."""
    return registry.get(service_id).facts_text(result.extra) if result is not None else ""


class ServiceRow(QFrame):
    """One service's line; a site's lists what its last passing test found on its pages.

    Signals: test_requested(service_id), fix_requested(service_id) (Fix…, or Connect… for a site not
    connected yet: see show_unconnected)."""

    test_requested = Signal(str)
    fix_requested = Signal(str)

    def __init__(self, service_id: str, parent: QWidget | None = None,
                 keys_lost: Callable[[str], bool] = lambda _: False) -> None:
        super().__init__(parent)
        self.service_id = service_id
        self.keys_lost = keys_lost
        name = registry.display_name(service_id)
        self.setObjectName(f"row_{service_id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(name)
        self.name = QLabel(f"<b>{name}</b>")
        self.badge = StatusBadge()
        self.badge.setObjectName(f"status_{service_id}")
        self.account = QLabel()
        self.account.setObjectName(f"account_{service_id}")
        self.mode = QLabel()
        self.mode.setObjectName(f"mode_{service_id}")
        self.when = QLabel()
        self.when.setObjectName(f"when_{service_id}")
        self.tested_at = 0.0
        self._pass_counts = False  # whether the last pass still holds (no value missing, no key lost)
        self.extra = QLabel()
        self.extra.setObjectName(f"extra_{service_id}")
        self.extra.setWordWrap(True)
        self.next_step = QLabel()
        self.next_step.setObjectName(f"next_{service_id}")
        self.next_step.setWordWrap(True)
        self.findings = FindingsList(f"findings_{service_id}") if service_id in registry.SITE_IDS else None
        set_by_key(self.when, "alignment", "AlignRight|AlignVCenter")
        for label in (self.account, self.mode, self.when, self.extra, self.next_step):
            plain_text(label)
            set_by_key(label, "textInteractionFlags", "TextSelectableByMouse")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(80)
        self.busy.setVisible(False)
        self.busy.setAccessibleName(self.tr("Testing %s") % name)
        # The service in the words: every row's buttons then have letters of their own for Alt (`Mnemonics`).
        self.test_button = QPushButton(self.tr("Test %s") % name)
        self.test_button.setObjectName(f"rowtest_{service_id}")
        self.test_button.setAccessibleName(self.tr("Test %s") % name)
        self.fix_button = QPushButton(self.tr("Fix %s…") % name)
        self.fix_button.setObjectName(f"fix_{service_id}")
        self.fix_button.setAccessibleName(self.tr("Fix %s in the setup wizard") % name)
        self.test_button.clicked.connect(lambda: self.test_requested.emit(service_id))
        self.fix_button.clicked.connect(lambda: self.fix_requested.emit(service_id))

        grid = QGridLayout(self)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.badge, 0, 1, 1, 2)
        buttons = QHBoxLayout()  # at the top right of their cell, however tall the row grows
        buttons.addStretch(1)
        buttons.addWidget(self.busy)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.fix_button)
        corner = QVBoxLayout()
        corner.addLayout(buttons)
        corner.addStretch(1)
        grid.addLayout(corner, 0, 3)
        grid.addWidget(self.account, 1, 1)
        grid.addWidget(self.mode, 1, 2)
        grid.addWidget(self.when, 1, 3)
        grid.addWidget(self.extra, 2, 1, 1, 3)
        if self.findings is not None:
            grid.addWidget(self.findings, 3, 1, 1, 3)
        grid.addWidget(self.next_step, 4, 1, 1, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)

    def show_saved(self, result: SavedResult | None, profile: SiteProfile) -> None:
        needed = needed_fields(self.service_id, profile)
        if needed:  # an old pass does not count: the next test cannot run without these
            status, message = "invalid_format", _needs_text(needed)
        elif self.keys_lost(self.service_id):  # nor does one tested with keys that are gone
            status, message = "keys_lost", self.tr(KEYS_LOST)
        elif result is None or result.untested:
            status, message = "untested", (result.message if result else self.tr("Not tested yet."))
        else:
            status, message = result.status, result.message
        words = self.tr("Untested") if status == "untested" else STATUS_WORDS.get(status, status)
        self.badge.set_status(status, message if status in ("ok", "keys_lost") else f"{words}: {message}")
        account = result.account_name or result.account_id if result else ""
        self.account.setText(self.tr("Account: %s") % account if account else "")
        mode = mode_text(self.service_id, result, profile)
        self.mode.setText(self.tr("Mode: %s") % mode if mode else "")
        self.tested_at = result.tested_at if result else 0.0
        self.when.setText(last_tested_text(self.tested_at))
        self.extra.setText("" if needed or status == "keys_lost" else extra_text(self.service_id, result))
        failing = status != "ok"
        self.next_step.setText(self.tr("What to do: %s") % NEXT_STEP.get(status, "") if failing else "")
        self.next_step.setVisible(failing)
        self.fix_button.setVisible(failing)
        self._pass_counts = not needed and status != "keys_lost"
        self.show_findings(profile)

    def show_findings(self, profile: SiteProfile) -> None:
        """A site's findings as kept now: its last passing test's scan against the CRM's options."""
        if self.findings is not None:
            self.findings.show_profile(profile if self._pass_counts else None)

    def show_unconnected(self) -> None:
        """A site the owner has not connected: what connecting gives, and the button that opens the
        wizard there. Nothing to test yet."""
        name = registry.display_name(self.service_id)
        self.badge.set_status("untested", self.tr(NOT_CONNECTED))
        self.fix_button.setText(self.tr("Connect %s…") % name)
        self.fix_button.setAccessibleName(self.tr("Connect %s in the setup wizard") % name)
        for part in (self.test_button, self.account, self.mode, self.when, self.extra, self.next_step):
            part.setVisible(False)  # nothing tested, so nothing to say of it: one line

    def show_locked(self) -> None:
        """The keyring is locked, so the test could not start: the saved result stays as it was."""
        self.badge.set_status("untested", self.tr(LOCKED))
        self.next_step.setVisible(False)
        self.fix_button.setVisible(False)

    def set_running(self, running: bool) -> None:
        self.busy.setVisible(running)
        self.test_button.setEnabled(not running)
        if running:
            self.badge.set_status(None, self.tr("Testing…"))


class Dashboard(QWidget):
    """Rows for the site's services. Signals: test_requested(list of ids), fix_requested(id)."""

    test_requested = Signal(list)
    fix_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.rows: dict[str, ServiceRow] = {}  # the site's services: what Test all tests
        self.unconnected: dict[str, ServiceRow] = {}  # its website, while not connected: a Connect… button
        self.keys_lost: Callable[[str], bool] = lambda _: False  # set by the controller: see Storage.keys_lost
        self.title = plain_text(QLabel())  # shows the site's name: a heading by its font, not by markup
        heading = self.title.font()
        heading.setBold(True)
        heading.setPointSizeF(heading.pointSizeF() * 1.5)
        self.title.setFont(heading)
        self.reserved_letters: Callable[[], list[str]] = list  # the window's menus': set by the main window
        self.mnemonics = Mnemonics(self, lambda: self.reserved_letters(), skip_unfocusable=False)
        self.test_all = QPushButton(self.tr("Test &all connections"))
        self.test_all.setObjectName("test_all")
        self.test_all.clicked.connect(lambda: self.test_requested.emit(list(self.rows)))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.test_all)
        self.empty = QLabel(self.tr("Nothing is set up for this site yet. Run the Setup Wizard to begin."))
        self.empty.setWordWrap(True)
        self.rows_box = QVBoxLayout()
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.addLayout(self.rows_box)
        column.addStretch(1)
        area = scrolling(holder)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.empty)
        layout.addWidget(area, 1)
        self.clock = QTimer(self)  # "tested 5 minutes ago" stays true
        self.clock.setInterval(60_000)
        self.clock.timeout.connect(self.refresh_times)
        self.clock.start()

    def refresh_times(self) -> None:
        for row in self.rows.values():
            row.when.setText(last_tested_text(row.tested_at))

    def set_profile(self, profile: SiteProfile) -> None:
        for row in [*self.unconnected.values(), *self.rows.values()]:
            row.deleteLater()
        self.rows, self.unconnected = {}, {}
        self.title.setText(self.tr("Connections — %s") % shorten(profile.name, MAX_SITE_NAME))
        services = profile.services() if profile.configured else []
        self.empty.setVisible(not services)
        self.test_all.setEnabled(bool(services))
        for service_id in (s for s in registry.SITE_IDS if services and s not in services):
            row = ServiceRow(service_id)
            row.fix_requested.connect(self.fix_requested)
            row.show_unconnected()
            self.rows_box.addWidget(row)
            self.unconnected[service_id] = row
        for service_id in services:
            row = ServiceRow(service_id, keys_lost=lambda sid: self.keys_lost(sid))
            row.test_requested.connect(lambda sid: self.test_requested.emit([sid]))
            row.fix_requested.connect(self.fix_requested)
            row.show_saved(profile.results.get(service_id), profile)
            self.rows_box.addWidget(row)
            self.rows[service_id] = row
        self.mnemonics.refresh()

    def show_saved(self, profile: SiteProfile) -> None:
        for service_id, row in self.rows.items():
            row.show_saved(profile.results.get(service_id), profile)

    def show_findings(self, profile: SiteProfile) -> None:
        """The site's findings again: a new test of the site or of its CRM, or new CRM options, changes them."""
        for row in self.rows.values():
            row.show_findings(profile)

    def show_locked(self, services: list[str]) -> None:
        for row in (self.rows[s] for s in services if s in self.rows):
            row.set_running(False)
            row.show_locked()

    def running(self) -> bool:
        return any(not row.busy.isHidden() for row in self.rows.values())
