"""Settings › Payment › CRM Integration: the site's CRM options, built from what each CRM declares.

AccessAlly keeps these under General Settings › Payment › CRM Integration. Each CRM's module
declares its options (`integrations.options`: toggles, picks from a live list, tracking scripts);
this panel builds one section per CRM by matching on those types and names no CRM. Lists are
fetched on the thread pool with the credentials the main window hands in (read from the keyring
there, so also off the GUI thread).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from ..integrations import Attempt, CheckResult, registry
from ..settings import SiteProfile
from ..site_report import SiteReport, site_report
from .crm_section import Answer, CrmSection, Fetch
from .option_widgets import paragraph
from .site_findings_view import not_checked
from .widgets import scrolling
from .workers import submit

log = logging.getLogger(__name__)

DEFAULT_FETCH_TIMEOUT = 15.0
WHERE_THEY_LIVE = ("This app keeps these settings to check your site against; it does not change WordPress. "
                   "Set them on your site in WordPress: AccessAlly › General Settings › Payment › CRM Integration.")
SAVED_NOTE_MS = 8000  # how long Apply's "Saved in this app" stays (when the site does not differ)
SAVED = ("Saved in this app. It does not change your website: set the same in WordPress, AccessAlly › General "
         "Settings › Payment › CRM Integration.")
SAVED_BUT_SITE_DIFFERS = "Saved in this app, which does not change your website. Your site, as last checked: %s"

Credentials = Callable[[], dict[str, str]]


class CrmSettingsPanel(QWidget):
    """General Settings › Payment › CRM Integration for one site: only its CRM's section shows.

    Signals:
        applied(dict): after Apply, a copy of the site's complete new options (service id -> values).
        values_applied(str, dict): after Apply, when a pick kept in a CRM's own fields changed (Drip's
            account is its `account_id`): the service id and its complete new values. Emitted before
            applied(), so a handler that saves on applied() sees both.
        setup_wizard_requested(): the owner clicked "Open the Setup Wizard".

    The panel never changes the SiteProfile it was given: the main window stores what the signals
    carry, saves, and may call load() again. `credentials()` is only ever called on the thread
    pool; a new load() cancels and ignores every fetch still running for the previous one.
    """

    applied = Signal(object)
    values_applied = Signal(str, object)
    setup_wizard_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, timeout: float = DEFAULT_FETCH_TIMEOUT) -> None:
        super().__init__(parent)
        self.setObjectName("settings_crm")
        self.timeout = timeout
        self._profile: SiteProfile | None = None
        self._credentials: Credentials | None = None
        self._crm = ""
        self._baseline: dict[str, Any] = {}  # the shown CRM's options as last applied
        self._fields: dict[str, str] = {}  # its values as last applied
        self._fetches: dict[str, Attempt] = {}
        fetches = self._fetches
        self.destroyed.connect(lambda *_: [attempt.cancel() for attempt in list(fetches.values())])

        self.title = QLabel()
        self.title.setObjectName("crm_settings_title")
        self.title.setWordWrap(True)
        # The app keeps these to check the site against; WordPress is where they take effect.
        self.kept_here = paragraph(self.tr(WHERE_THEY_LIVE), name="crm_kept_here")
        self.sections: dict[str, QWidget] = {}
        for crm_id in registry.CRM_IDS:
            section = CrmSection(registry.get(crm_id), self._fetcher(crm_id))
            section.edited.connect(self._update_buttons)
            section.edited.connect(self.show_site_findings)
            self.sections[crm_id] = section
        self.sections[registry.NO_CRM] = self._build_no_crm()
        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.title)
        column.addWidget(self.kept_here)
        for crm_id, section in self.sections.items():
            section.setObjectName(f"crm_section_{crm_id}")
            column.addWidget(section)
        column.addStretch(1)

        self.unapplied = QLabel(self.tr("You have changes that are not applied yet."))
        self.unapplied.setObjectName("crm_unapplied")
        self.revert_button = QPushButton(self.tr("Re&vert"))
        self.revert_button.setObjectName("revert_crm")
        self.revert_button.setAccessibleName(self.tr("Revert the CRM settings"))
        self.revert_button.setToolTip(self.tr("Go back to the settings as they were last applied"))
        self.apply_button = QPushButton(self.tr("&Apply"))
        self.apply_button.setObjectName("apply_crm")
        self.apply_button.setAccessibleName(self.tr("Apply the CRM settings"))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(column.contentsMargins().left(), 0, column.contentsMargins().right(),
                                   column.contentsMargins().bottom())
        self.saved_note = QLabel()  # says what Apply did, then goes
        self.saved_note.setWordWrap(True)
        self.saved_note.setObjectName("crm_saved_note")
        self.saved_note_fades = QTimer(self)
        self.saved_note_fades.setSingleShot(True)
        self.saved_note_fades.setInterval(SAVED_NOTE_MS)
        self.saved_note_fades.timeout.connect(self.saved_note.clear)
        buttons.addWidget(self.unapplied)
        buttons.addWidget(self.saved_note, 1)  # all the room beside the buttons: it may name what the site does
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scrolling(content), 1)
        layout.addLayout(buttons)
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.revert)
        inputs = [w for s in self.sections.values() if isinstance(s, CrmSection) for w in s.focus_order]
        self._set_tab_order([*inputs, self.open_wizard, self.revert_button, self.apply_button])
        self._show_section("")
        self._update_buttons()

    def _build_no_crm(self) -> QWidget:
        self.no_crm_note = paragraph(name="no_crm_note")
        self.open_wizard = QPushButton(self.tr("Open the Setup &Wizard…"))
        self.open_wizard.setObjectName("open_setup_wizard")
        self.open_wizard.setAccessibleName(self.tr("Open the Setup Wizard"))
        self.open_wizard.clicked.connect(self.setup_wizard_requested)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.open_wizard)
        row.addStretch(1)
        section = QWidget()
        layout = QVBoxLayout(section)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.no_crm_note)
        layout.addLayout(row)
        return section

    @staticmethod
    def _set_tab_order(widgets: Iterable[QWidget]) -> None:
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)

    @property
    def section(self) -> CrmSection | None:
        """The shown CRM's section (None without a CRM)."""
        section = self.sections.get(self._crm)
        return section if isinstance(section, CrmSection) else None

    # -- public API -------------------------------------------------------------------------------

    def load(self, profile: SiteProfile, credentials: Credentials) -> None:
        """Show a site's CRM options and start fetching its lists; any earlier fetch is cancelled."""
        self.cancel_fetches()
        self._profile = profile
        self._credentials = credentials
        self._crm = profile.crm
        self._show_section(self._crm)
        section = self.section
        if section is not None:
            self._baseline = profile.crm_options(self._crm)
            self._fields = dict(profile.values.get(self._crm, {}))
            saved = profile.results.get(self._crm)
            looked_up = saved.account_id if saved is not None and saved.status == "ok" else ""
            section.reset(self._baseline, self._fields, looked_up)
            section.look_up_all()
        self.saved_note.clear()  # it spoke of the site shown before
        self.show_site_findings()
        self._update_buttons()

    def current_options(self) -> dict[str, dict[str, Any]]:
        """The site's options as shown now (the shown CRM's edits over the last applied options)."""
        options = copy.deepcopy(self._profile.options) if self._profile is not None else {}
        if self.section is not None:
            options[self._crm] = {**self._baseline, **self.section.options()}
        return options

    def _fields_changed(self) -> bool:
        return self.section is not None and self.section.fields_changed(self._fields)

    def has_unapplied_changes(self) -> bool:
        if self._profile is None or self.section is None:
            return False
        return self.section.options() != self._baseline or self._fields_changed()

    def apply(self) -> None:
        """Make what is shown the applied settings and announce them (values_applied, then applied)."""
        if not self.has_unapplied_changes() or not self._double_opt_in_confirmed():
            return
        section = self.section
        options = self.current_options()
        if self._fields_changed():
            self._fields = section.fields(self._fields)
            self.values_applied.emit(self._crm, dict(self._fields))
        self._baseline = dict(options[self._crm])
        self._update_buttons()
        self.applied.emit(options)
        self.show_site_findings()
        report = self._site_report()
        differs = [f.text for f in report.findings if f.option and f.ok is False] if report is not None else []
        if differs:  # what the owner still has to do in WordPress: it stays until the next edit
            self.saved_note_fades.stop()
            self.saved_note.setText(self.tr(SAVED_BUT_SITE_DIFFERS) % " ".join(differs))
        else:
            self.saved_note.setText(self.tr(SAVED))
            self.saved_note_fades.start()

    def _double_opt_in_confirmed(self) -> bool:
        """A newly chosen item the panel warns of (a form with double opt-in) is applied only when the
        owner says so."""
        questions = [picker.double_opt_in_question() for key, picker in self.section.picks.items()
                     if self.section.options().get(key) != self._baseline.get(key)]
        questions = [q for q in questions if q]
        if not questions:
            return True
        answer = QMessageBox.question(
            self, self.tr("Apply with double opt-in?"),
            "\n\n".join(questions) + "\n\n" + self.tr("Apply this choice anyway?"),
            QMessageBox.StandardButton.Apply | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Apply

    def revert(self) -> None:
        """Show the last applied settings again; fetched lists stay."""
        if self.section is not None:
            self.section.show(self._baseline, self._fields)
        self.show_site_findings()
        self._update_buttons()

    def confirm_leave(self) -> bool:
        """Whether the owner may leave this page: asks Apply / Discard / Cancel when changes are unapplied."""
        if not self.has_unapplied_changes():
            return True
        answer = self._ask_leave()
        if answer == QMessageBox.StandardButton.Apply:
            self.apply()
            return True
        if answer == QMessageBox.StandardButton.Discard:
            self.revert()
            return True
        return False

    def _ask_leave(self) -> QMessageBox.StandardButton:
        buttons = (QMessageBox.StandardButton.Apply | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(
            self, self.tr("Apply your CRM settings?"),
            self.tr("You changed CRM settings without applying them. Apply them now, discard them, or stay "
                    "on this page?"), buttons, QMessageBox.StandardButton.Cancel)

    def show_site_findings(self) -> None:
        """What the site does against the options shown now (a new site test, an edit, Apply)."""
        if self.section is not None and self._profile is not None:
            self.section.show_site(self._site_report(), not_checked(self._profile))

    def _site_report(self) -> SiteReport | None:
        """The site's last passing test held against the shown CRM's options and fields, applied or not."""
        shown = dataclasses.replace(self._profile, values={**self._profile.values,
                                                           self._crm: self.section.fields(self._fields)})
        return site_report(shown, {**self._baseline, **self.section.options()})

    @property
    def fetching(self) -> bool:
        """Whether a live fetch is still running."""
        return bool(self._fetches)

    def cancel_fetches(self) -> None:
        """Stop every running fetch; their answers are ignored."""
        attempts = list(self._fetches.values())
        self._fetches.clear()
        for attempt in attempts:
            attempt.cancel()

    # -- showing ----------------------------------------------------------------------------------

    def _show_section(self, crm: str) -> None:
        shown = crm if crm in registry.CRM_IDS else registry.NO_CRM
        for crm_id, section in self.sections.items():
            section.setVisible(crm_id == shown)
        if crm in registry.CRM_IDS:
            self.title.setText(self.tr("<b>CRM Integration</b> — options for %s") % registry.display_name(crm))
        else:
            self.title.setText(self.tr("<b>CRM Integration</b>"))
        if crm == registry.NO_CRM:
            self.no_crm_note.setText(self.tr(
                "This site uses %s (no CRM), so there is no CRM to configure. To connect a CRM, run the Setup "
                "Wizard.") % registry.NO_CRM_NAME)
        elif crm not in registry.CRM_IDS:
            self.no_crm_note.setText(self.tr(
                "No CRM is chosen for this site yet, so there is nothing to configure here. Run the Setup Wizard "
                "to connect your CRM."))

    def _update_buttons(self) -> None:
        changed = self.has_unapplied_changes()
        if changed:
            self.saved_note.clear()
        self.apply_button.setEnabled(changed)
        self.revert_button.setEnabled(changed)
        self.unapplied.setVisible(changed)
        has_options = self.section is not None and self.section.has_options
        self.apply_button.setVisible(has_options)
        self.revert_button.setVisible(has_options)

    # -- fetching ---------------------------------------------------------------------------------

    def _fetcher(self, service_id: str) -> Fetch:
        return lambda lookup, on_answer: self._fetch(service_id, lookup, on_answer)

    def _fetch(self, service_id: str, lookup: str, on_answer: Callable[[Answer], None]) -> None:
        """Fetch one list on the pool; only the newest fetch per list is answered."""
        credentials = self._credentials
        if credentials is None or service_id != self._crm:
            return
        previous = self._fetches.pop(lookup, None)
        if previous is not None:
            previous.cancel()
        attempt = Attempt(self.timeout)
        self._fetches[lookup] = attempt
        integration = registry.get(service_id)

        def work() -> CheckResult:
            values = credentials()  # the keyring may be slow: never on the GUI thread
            return integration.fetch_list(lookup, values, timeout=attempt.timeout, attempt=attempt)

        def deliver(answer: Answer) -> None:
            if self._fetches.get(lookup) is not attempt:
                return  # cancelled, superseded, or from a previous load()
            del self._fetches[lookup]
            on_answer(answer)

        submit(work, deliver, deliver, context=self)
