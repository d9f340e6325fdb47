"""Settings > Payment > CRM Integration: the configured CRM's options, with its lists fetched live.

AccessAlly keeps these under General Settings > Payment > CRM Integration: Ontraport's tracking
script and commerce sync, the ActiveCampaign / Kit opt-in form for purchases, Drip's tracking
script and account. Forms, account ids and accounts are fetched on the thread pool with the
credentials the main window hands in (read from the keyring there, so also off the GUI thread).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Callable, Iterable
from typing import ClassVar

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ..integrations import Attempt, CheckResult, Choice, Status, registry
from ..integrations.drip import tracking_snippet as drip_snippet
from ..integrations.ontraport import tracking_snippet as ontraport_snippet
from ..settings import CrmOptions, SiteProfile
from .widgets import result_text, scrolling
from .workers import submit

log = logging.getLogger(__name__)

NO_CRM = "none"
DEFAULT_FETCH_TIMEOUT = 15.0
# Failures the owner fixes by entering the credentials again, which the Setup Wizard does.
_CREDENTIAL_PROBLEMS = (Status.INVALID_FORMAT, Status.INVALID_CREDENTIALS, Status.FORBIDDEN, Status.NOT_FOUND)

Credentials = Callable[[], dict[str, str]]
Answer = CheckResult | Exception  # what a fetch delivers: the result, or why the credentials could not be read


def _paragraph(text: str = "", *, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def _plain(text: str) -> str:
    """A label's text without its mnemonic marker, for accessible names."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class StatusLine(QWidget):
    """A busy indicator or an icon, plus words: a state is never shown by colour alone.

    Kinds: "loading" (busy bar), "ok", "info", "warning", "error".
    """

    _ICONS: ClassVar[dict[str, QStyle.StandardPixmap]] = {"ok": QStyle.StandardPixmap.SP_DialogApplyButton,
                                                          "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
                                                          "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
                                                          "error": QStyle.StandardPixmap.SP_MessageBoxCritical}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(80, self.fontMetrics().height())
        self.busy.setAccessibleName(self.tr("Loading"))
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # results quote what a server sent (form names)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.clear()

    def show_state(self, kind: str, words: str) -> None:
        self.kind = kind
        self.busy.setVisible(kind == "loading")
        pixmap = self._ICONS.get(kind)
        if pixmap is not None:
            size = self.fontMetrics().height()
            self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(QSize(size, size)))
        self.icon.setVisible(pixmap is not None)
        self.text.setText(words)
        self.setAccessibleName(words)
        self.setVisible(bool(words))

    def clear(self) -> None:
        self.show_state("", "")


class SnippetBox(QWidget):
    """A read-only, monospace preview of a tracking script, a Copy button and the fetch status."""

    def __init__(self, service_id: str, caption: str, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(caption)
        self.caption.setWordWrap(True)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName(f"{service_id}_snippet")
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setAccessibleName(_plain(caption).rstrip(":"))
        self.preview.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustIgnored)
        spacing = self.preview.fontMetrics().lineSpacing()
        self.preview.setFixedHeight(spacing * lines + 2 * self.preview.frameWidth() + 12)
        self.caption.setBuddy(self.preview)
        self.copy = QPushButton(self.tr("&Copy script"))
        self.copy.setObjectName(f"copy_{service_id}_snippet")
        self.copy.setAccessibleName(self.tr("Copy the tracking script"))
        self.copy.setToolTip(self.tr("Copy the script to the clipboard"))
        self.copied = QLabel()
        self.copied.setObjectName(f"{service_id}_snippet_copied")
        self.status = StatusLine()
        self.status.setObjectName(f"{service_id}_snippet_status")
        self.buttons = QHBoxLayout()
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.buttons.addWidget(self.copy)
        self.buttons.addWidget(self.copied, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.preview)
        layout.addLayout(self.buttons)
        layout.addWidget(self.status)
        self.copy.clicked.connect(self._copy)
        self.set_snippet("", "")

    def set_snippet(self, snippet: str, placeholder: str) -> None:
        if snippet != self.snippet():
            self.copied.clear()
        self.preview.setPlainText(snippet)
        self.preview.setPlaceholderText(placeholder)
        self.copy.setEnabled(bool(snippet))

    def snippet(self) -> str:
        return self.preview.toPlainText()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.snippet())
        self.copied.setText(self.tr("Copied to the clipboard."))


class FormPicker(QWidget):
    """A CRM's opt-in form for purchases, chosen from the account's forms fetched live.

    The form chosen before (id and name from the settings) shows even before any fetch, and a
    failed fetch keeps it. Signals: changed() when the owner picks another form;
    refresh_requested() when the owner clicks Refresh.
    """

    changed = Signal()
    refresh_requested = Signal()

    def __init__(self, service_id: str, crm_name: str, explanation: str, double_opt_in_warning: str,
                 unknown_opt_in_note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service_id = service_id
        self.crm_name = crm_name
        self._warning_text = double_opt_in_warning
        self._unknown_text = unknown_opt_in_note
        self._forms: dict[str, Choice] = {}
        self._loaded = False  # a fetch succeeded, so a form missing from the list is really gone
        self._chosen: tuple[str, str] = ("", "")
        self.label = QLabel(self.tr("&Opt-in form for purchases:"))
        self.combo = QComboBox()
        self.combo.setObjectName(f"{service_id}_form")
        self.combo.setAccessibleName(self.tr("%s opt-in form for purchases") % crm_name)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.label.setBuddy(self.combo)
        self.refresh = QPushButton(self.tr("&Refresh forms"))
        self.refresh.setObjectName("refresh_forms")
        self.refresh.setAccessibleName(self.tr("Refresh the list of %s forms") % crm_name)
        self.refresh.setToolTip(self.tr("Fetch the forms from %s again") % crm_name)
        self.status = StatusLine()
        self.status.setObjectName(f"{service_id}_forms_status")
        self.warning = StatusLine()
        self.warning.setObjectName(f"{service_id}_form_warning")
        self.explanation = _paragraph(explanation, name=f"{service_id}_form_explanation")

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.explanation)
        layout.addSpacing(4)
        layout.addWidget(self.label)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.warning)
        self.combo.currentIndexChanged.connect(self._picked)
        self.refresh.clicked.connect(self.refresh_requested)
        self._rebuild()

    # -- what is chosen --------------------------------------------------------------------------

    def chosen(self) -> tuple[str, str]:
        """The chosen form's (id, name); ("", "") when none is chosen."""
        return self._chosen

    def set_chosen(self, form_id: str, name: str) -> None:
        self._chosen = (form_id, name or (self._forms[form_id].name if form_id in self._forms else ""))
        self._rebuild()

    def reset(self, form_id: str, name: str) -> None:
        """Forget any fetched list (another site, or new credentials) and show the saved choice."""
        self._forms = {}
        self._loaded = False
        self.status.clear()
        self.set_loading(False)
        self.set_chosen(form_id, name)

    def forms(self) -> tuple[Choice, ...]:
        return tuple(self._forms.values())

    # -- fetching --------------------------------------------------------------------------------

    def set_loading(self, loading: bool) -> None:
        self.combo.setEnabled(not loading)
        self.refresh.setEnabled(not loading)
        if loading:
            self.status.show_state("loading", self.tr("Loading forms…"))

    def show_answer(self, result: CheckResult) -> None:
        """A fetch's result: the new list on success, the reason (and the kept choice) on failure."""
        self.set_loading(False)
        if not result.ok:
            kept = self._chosen_label()
            text = self.tr("Could not load the forms. %s") % result_text(result)
            if result.status in _CREDENTIAL_PROBLEMS:
                text += " " + self.tr("Fix the %s credentials with the Setup Wizard.") % self.crm_name
            if kept:
                text += " " + self.tr("The chosen form, %s, is kept.") % kept
            self.status.show_state("error", text)
            self._update_warning()
            return
        self._forms = {c.id: c for c in result.choices}
        self._loaded = True
        form_id = self._chosen[0]
        if form_id in self._forms:  # the name may have changed in the CRM
            self._chosen = (form_id, self._forms[form_id].name)
        lines = [result.message, *result.warnings]
        self.status.show_state("warning" if result.warnings or not result.choices else "ok", "\n".join(lines))
        self._rebuild()

    def show_failure(self, text: str) -> None:
        self.set_loading(False)
        kept = self._chosen_label()
        if kept:
            text += " " + self.tr("The chosen form, %s, is kept.") % kept
        self.status.show_state("error", text)

    # -- internals -------------------------------------------------------------------------------

    def _chosen_label(self) -> str:
        form_id, name = self._chosen
        if not form_id:
            return ""
        return f"\u201c{name}\u201d" if name else self.tr("form %s") % form_id

    def _rebuild(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(self.tr("No form chosen"), "")
        for choice in self._forms.values():
            label = choice.name
            if choice.double_opt_in:
                label = self.tr("%s (double opt-in)") % choice.name
            self.combo.addItem(label, choice.id)
        form_id, name = self._chosen
        if form_id and form_id not in self._forms:
            label = name or self.tr("Form %s") % form_id
            if self._loaded:
                label = self.tr("%s (no longer in %s)") % (label, self.crm_name)
            self.combo.addItem(label, form_id)
        self.combo.setCurrentIndex(max(0, self.combo.findData(form_id)))
        self.combo.blockSignals(False)
        self._update_warning()

    def _picked(self, index: int) -> None:
        form_id = self.combo.itemData(index) or ""
        if form_id == self._chosen[0]:
            return
        if form_id in self._forms:
            self._chosen = (form_id, self._forms[form_id].name)
        else:
            self._chosen = ("", "")
        self._update_warning()
        self.changed.emit()

    def _update_warning(self) -> None:
        form_id = self._chosen[0]
        choice = self._forms.get(form_id)
        if not form_id:
            self.warning.clear()
        elif choice is None and self._loaded:
            self.warning.show_state("warning", self.tr("The chosen form, %s, is no longer in %s. Choose another "
                                                       "form.") % (self._chosen_label(), self.crm_name))
        elif choice is None:
            self.warning.clear()
        elif choice.double_opt_in:
            self.warning.show_state("warning", self._warning_text % self._chosen_label())
        elif choice.double_opt_in is None and self._unknown_text:
            self.warning.show_state("info", self._unknown_text % self._chosen_label())
        else:
            self.warning.clear()


class CrmSettingsPanel(QWidget):
    """General Settings > Payment > CRM Integration for one site: only its CRM's options show.

    Signals:
        applied(CrmOptions): after Apply, a copy of the site's complete new CRM options.
        values_applied(str, dict): after Apply, when a CRM's non-secret profile values changed:
            the service id and its complete new values. Today only Drip: picking another Drip
            account means ("drip", {**profile.values["drip"], "account_id": "<new id>"}). It is
            emitted before applied(), so a handler that saves on applied() sees both.
        setup_wizard_requested(): the owner clicked "Open the Setup Wizard".

    The panel never changes the SiteProfile it was given: the main window stores what the
    signals carry (profile.options = options; profile.values["drip"] = values), saves, and may
    call load() again. `credentials()` is only ever called on the thread pool, never on the GUI
    thread; a new load() cancels and ignores every fetch still running for the previous one.
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
        self._baseline = CrmOptions()
        self._drip_values: dict[str, str] = {}
        self._drip_account = ""  # the Drip account shown (maybe picked, not applied yet)
        self._drip_choices: tuple[Choice, ...] = ()
        self._ontraport_account = ""
        self._fetches: dict[str, Attempt] = {}
        fetches = self._fetches
        self.destroyed.connect(lambda *_: [attempt.cancel() for attempt in list(fetches.values())])

        self.title = QLabel()
        self.title.setObjectName("crm_settings_title")
        self.title.setWordWrap(True)
        self.sections: dict[str, QWidget] = {
            "ontraport": self._build_ontraport(),
            "activecampaign": self._build_activecampaign(),
            "convertkit": self._build_convertkit(),
            "drip": self._build_drip(),
            "infusionsoft": self._build_keap(),
            NO_CRM: self._build_no_crm(),
        }
        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.title)
        for crm_id, section in self.sections.items():
            section.setObjectName(f"crm_section_{crm_id}")
            column.addWidget(section)
        column.addStretch(1)
        scroll = scrolling(content)

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
        buttons.addWidget(self.unapplied)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.apply_button.clicked.connect(self.apply)
        self.revert_button.clicked.connect(self.revert)
        self._set_tab_order([
            self.ontraport_tracking, self.ontraport_sync, self.ontraport_box.preview, self.ontraport_box.copy,
            self.ontraport_refresh,
            self.activecampaign_picker.combo, self.activecampaign_picker.refresh,
            self.convertkit_picker.combo, self.convertkit_picker.refresh,
            self.drip_tracking, self.drip_picker, self.drip_refresh, self.drip_box.preview, self.drip_box.copy,
            self.open_wizard,
            self.revert_button, self.apply_button,
        ])
        self._show_section("")
        self._update_buttons()

    # -- building ---------------------------------------------------------------------------------

    def _checkbox(self, name: str, text: str) -> QCheckBox:
        box = QCheckBox(text)
        box.setObjectName(name)
        box.setAccessibleName(_plain(text))
        box.toggled.connect(self._edited)
        return box

    def _build_ontraport(self) -> QWidget:
        section = QWidget()
        self.ontraport_tracking = self._checkbox(
            "ontraport_tracking", self.tr("Add the Ontraport &tracking script to every page"))
        self.ontraport_tracking.toggled.connect(self._show_ontraport_snippet)
        self.ontraport_sync = self._checkbox(
            "ontraport_sync", self.tr("&Sync AccessAlly's commerce system with Ontraport's"))
        sync_note = _paragraph(self.tr(
            "Optional: AccessAlly works without it. Turned on, the purchases made through AccessAlly are also "
            "recorded in Ontraport's own commerce system (its transactions), so Ontraport's sales reports and "
            "purchase-based automations include them."), name="ontraport_sync_explanation")
        sync_note.setContentsMargins(24, 0, 0, 0)
        self.ontraport_box = SnippetBox("ontraport", self.tr("Tracking script &preview:"), 3)
        self.ontraport_refresh = QPushButton(self.tr("Re&fresh account id"))
        self.ontraport_refresh.setObjectName("refresh_account")
        self.ontraport_refresh.setAccessibleName(self.tr("Fetch the Ontraport account id again"))
        self.ontraport_refresh.clicked.connect(self._fetch_ontraport)
        self.ontraport_box.buttons.addWidget(self.ontraport_refresh)
        layout = QVBoxLayout(section)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ontraport_tracking)
        layout.addWidget(self.ontraport_sync)
        layout.addWidget(sync_note)
        layout.addSpacing(8)
        layout.addWidget(self.ontraport_box)
        return section

    def _build_activecampaign(self) -> QWidget:
        self.activecampaign_picker = FormPicker(
            "activecampaign", "ActiveCampaign",
            self.tr("When a contact who unsubscribed later buys, ActiveCampaign marks them <b>inactive</b>: "
                    "automations can no longer add them, so no password is generated and they get no further "
                    "emails. To re-activate such buyers, AccessAlly submits an opt-in form for them. Choose a "
                    "form <b>without double opt-in</b>, and do not use that form for any other lead "
                    "generation."),
            self.tr("%s uses double opt-in: an unsubscribed buyer would have to confirm by email first, so "
                    "AccessAlly could not re-activate them. Choose a form without double opt-in, or turn "
                    "double opt-in off for this form in ActiveCampaign."),
            self.tr("ActiveCampaign did not say whether %s uses double opt-in. Check it in ActiveCampaign "
                    "under Website > Forms: it must not."))
        self.activecampaign_picker.changed.connect(self._edited)
        self.activecampaign_picker.refresh_requested.connect(lambda: self._fetch_forms("activecampaign"))
        return self._wrap(self.activecampaign_picker)

    def _build_convertkit(self) -> QWidget:
        self.convertkit_picker = FormPicker(
            "convertkit", "Kit",
            self.tr("When a subscriber who unsubscribed later buys, Kit keeps them unsubscribed, so tags and "
                    "automations no longer reach them. AccessAlly adds buyers to the form you choose here so "
                    "they are subscribed again. Use a form that is meant for purchases, and do not use it for "
                    "any other lead generation."),
            self.tr("%s sends a confirmation email first, so an unsubscribed buyer stays unsubscribed until "
                    "they confirm. Choose a form without one."),
            self.tr("Kit does not say whether %s sends a confirmation (incentive) email. Check the form's "
                    "settings in Kit: for purchases it should not."))
        self.convertkit_picker.changed.connect(self._edited)
        self.convertkit_picker.refresh_requested.connect(lambda: self._fetch_forms("convertkit"))
        return self._wrap(self.convertkit_picker)

    def _build_drip(self) -> QWidget:
        section = QWidget()
        self.drip_tracking = self._checkbox("drip_tracking", self.tr("Add the Drip &tracking script to every page"))
        self.drip_tracking.toggled.connect(self._show_drip_snippet)
        self.drip_account_label = _paragraph(name="drip_account_label")
        self.drip_picker_label = QLabel(self.tr("&Drip account:"))
        self.drip_picker = QComboBox()
        self.drip_picker.setObjectName("drip_account")
        self.drip_picker.setAccessibleName(self.tr("Drip account"))
        self.drip_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.drip_picker.setMinimumContentsLength(16)
        self.drip_picker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.drip_picker_label.setBuddy(self.drip_picker)
        self.drip_picker.activated.connect(self._drip_picked)
        self.drip_refresh = QPushButton(self.tr("&Refresh accounts"))
        self.drip_refresh.setObjectName("refresh_accounts")
        self.drip_refresh.setAccessibleName(self.tr("Look up the Drip accounts again"))
        self.drip_refresh.clicked.connect(self._fetch_drip)
        self.drip_status = StatusLine()
        self.drip_status.setObjectName("drip_accounts_status")
        self.drip_box = SnippetBox("drip", self.tr("Tracking script &preview:"), 8)
        account_row = QHBoxLayout()  # the label, or the picker when there is a choice; Refresh beside either
        account_row.setContentsMargins(0, 0, 0, 0)
        account_row.addWidget(self.drip_account_label, 1)
        account_row.addWidget(self.drip_picker_label)
        account_row.addWidget(self.drip_picker, 1)
        account_row.addWidget(self.drip_refresh, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(section)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.drip_tracking)
        layout.addSpacing(8)
        layout.addLayout(account_row)
        layout.addWidget(self.drip_status)
        layout.addSpacing(8)
        layout.addWidget(self.drip_box)
        return section

    def _build_keap(self) -> QWidget:
        return self._wrap(_paragraph(self.tr(
            "Keap (Infusionsoft) has no extra CRM options: AccessAlly uses the connection made in the Setup "
            "Wizard as it is."), name="infusionsoft_note"))

    def _build_no_crm(self) -> QWidget:
        self.no_crm_note = _paragraph(name="no_crm_note")
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
    def _wrap(widget: QWidget) -> QWidget:
        section = QWidget()
        layout = QVBoxLayout(section)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget)
        return section

    @staticmethod
    def _set_tab_order(widgets: Iterable[QWidget]) -> None:
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)

    # -- public API -------------------------------------------------------------------------------

    def load(self, profile: SiteProfile, credentials: Credentials) -> None:
        """Show a site's CRM options and start fetching its lists; any earlier fetch is cancelled."""
        self.cancel_fetches()
        self._profile = profile
        self._credentials = credentials
        self._crm = profile.crm
        self._baseline = dataclasses.replace(profile.options)
        self._drip_values = dict(profile.values.get("drip", {}))
        self._drip_choices = ()
        saved = profile.results.get("ontraport")
        self._ontraport_account = saved.account_id if saved is not None and saved.status == Status.OK else ""
        self.ontraport_box.status.clear()
        self.drip_status.clear()
        self.activecampaign_picker.reset(self._baseline.activecampaign_form, self._baseline.activecampaign_form_name)
        self.convertkit_picker.reset(self._baseline.convertkit_form, self._baseline.convertkit_form_name)
        self._show_section(self._crm)
        self._show_options(self._baseline, self._drip_values.get("account_id", ""))
        if self._crm == "ontraport":
            self._fetch_ontraport()
        elif self._crm in ("activecampaign", "convertkit"):
            self._fetch_forms(self._crm)
        elif self._crm == "drip":
            self._fetch_drip()

    def current_options(self) -> CrmOptions:
        """The options as shown now (the configured CRM's edits over the last applied options)."""
        options = dataclasses.replace(self._baseline)
        if self._crm == "ontraport":
            options.ontraport_tracking = self.ontraport_tracking.isChecked()
            options.ontraport_sync = self.ontraport_sync.isChecked()
        elif self._crm == "activecampaign":
            options.activecampaign_form, options.activecampaign_form_name = self.activecampaign_picker.chosen()
        elif self._crm == "convertkit":
            options.convertkit_form, options.convertkit_form_name = self.convertkit_picker.chosen()
        elif self._crm == "drip":
            options.drip_tracking = self.drip_tracking.isChecked()
        return options

    def has_unapplied_changes(self) -> bool:
        if self._profile is None:
            return False
        if self.current_options() != self._baseline:
            return True
        return self._crm == "drip" and self._drip_account != self._drip_values.get("account_id", "")

    def apply(self) -> None:
        """Make what is shown the applied settings and announce them (values_applied, then applied)."""
        if self._profile is None or not self.has_unapplied_changes():
            return
        options = self.current_options()
        if self._crm == "drip" and self._drip_account != self._drip_values.get("account_id", ""):
            self._drip_values = {**self._drip_values, "account_id": self._drip_account}
            self.values_applied.emit("drip", dict(self._drip_values))
        self._baseline = dataclasses.replace(options)
        self._update_buttons()
        self.applied.emit(dataclasses.replace(options))

    def revert(self) -> None:
        """Show the last applied settings again; fetched lists stay."""
        self._show_options(self._baseline, self._drip_values.get("account_id", ""))

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
        shown = crm if crm in self.sections else NO_CRM
        for crm_id, section in self.sections.items():
            section.setVisible(crm_id == shown)
        if crm in registry.CRM_IDS:
            name = registry.get(crm).name
            self.title.setText(self.tr("<b>CRM Integration</b> — options for %s") % name)
        else:
            self.title.setText(self.tr("<b>CRM Integration</b>"))
        if crm == NO_CRM:
            self.no_crm_note.setText(self.tr(
                "This site uses AccessAlly Managed (no CRM), so there is no CRM to configure. To connect a CRM, "
                "run the Setup Wizard."))
        elif crm not in self.sections:
            self.no_crm_note.setText(self.tr(
                "No CRM is chosen for this site yet, so there is nothing to configure here. Run the Setup Wizard "
                "to connect your CRM."))

    def _show_options(self, options: CrmOptions, drip_account: str) -> None:
        """Put options on screen without counting it as an edit."""
        widgets = (self.ontraport_tracking, self.ontraport_sync, self.drip_tracking)
        for widget in widgets:
            widget.blockSignals(True)
        self.ontraport_tracking.setChecked(options.ontraport_tracking)
        self.ontraport_sync.setChecked(options.ontraport_sync)
        self.drip_tracking.setChecked(options.drip_tracking)
        for widget in widgets:
            widget.blockSignals(False)
        self.activecampaign_picker.set_chosen(options.activecampaign_form, options.activecampaign_form_name)
        self.convertkit_picker.set_chosen(options.convertkit_form, options.convertkit_form_name)
        self._drip_account = drip_account
        self._show_drip_accounts()
        self._show_ontraport_snippet()
        self._show_drip_snippet()
        self._update_buttons()

    def _edited(self, *_args: object) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        changed = self.has_unapplied_changes()
        self.apply_button.setEnabled(changed)
        self.revert_button.setEnabled(changed)
        self.unapplied.setVisible(changed)
        has_crm_options = self._crm in ("ontraport", "activecampaign", "convertkit", "drip")
        self.apply_button.setVisible(has_crm_options)
        self.revert_button.setVisible(has_crm_options)

    def _show_ontraport_snippet(self, *_args: object) -> None:
        box = self.ontraport_box
        if self.ontraport_tracking.isChecked():
            box.caption.setText(self.tr("Tracking script &preview (AccessAlly adds this to every page):"))
        else:
            box.caption.setText(self.tr("Tracking script &preview (not added while tracking is off):"))
        account = self._ontraport_account
        box.set_snippet(ontraport_snippet(account) if account else "",
                        self.tr("The script appears here once your Ontraport account id is known."))

    def _show_drip_snippet(self, *_args: object) -> None:
        box = self.drip_box
        if self.drip_tracking.isChecked():
            box.caption.setText(self.tr("Tracking script &preview (AccessAlly adds this to every page):"))
        else:
            box.caption.setText(self.tr("Tracking script &preview (not added while tracking is off):"))
        account = self._drip_account
        try:
            snippet = drip_snippet(account) if account else ""
            placeholder = self.tr("Choose a Drip account to see its tracking script.")
        except ValueError:
            snippet = ""
            placeholder = self.tr("The saved Drip account id “%s” is not a number. Fix it with the Setup "
                                  "Wizard.") % account
        box.set_snippet(snippet, placeholder)

    def _show_drip_accounts(self) -> None:
        """The account label, and the picker when there is a choice to make."""
        account = self._drip_account
        choices = self._drip_choices
        names = {c.id: c.name for c in choices}
        if account:
            who = f"{names[account]} ({account})" if account in names else account
            self.drip_account_label.setText(self.tr("Drip account: <b>%s</b>") % _escape(who))
        else:
            self.drip_account_label.setText(self.tr("No Drip account is chosen yet."))
        fetched = bool(choices)
        need_picker = fetched and (len(choices) > 1 or account not in names)
        self.drip_picker.clear()
        if need_picker:
            if not account:
                self.drip_picker.addItem(self.tr("Choose an account"), "")
            for choice in choices:
                self.drip_picker.addItem(f"{choice.name} ({choice.id})", choice.id)
            if account and account not in names:
                self.drip_picker.addItem(self.tr("%s (not visible to this API token)") % account, account)
            self.drip_picker.setCurrentIndex(max(0, self.drip_picker.findData(account)))
        self.drip_picker.setVisible(need_picker)
        self.drip_picker_label.setVisible(need_picker)
        self.drip_account_label.setVisible(not need_picker)

    def _drip_picked(self, index: int) -> None:
        account = self.drip_picker.itemData(index) or ""
        if account == self._drip_account:
            return
        self._drip_account = account
        self._show_drip_snippet()
        self._update_buttons()

    # -- fetching ---------------------------------------------------------------------------------

    def _fetch(self, key: str, service_id: str, list_name: str, on_answer: Callable[[Answer], None]) -> None:
        """Fetch one list on the pool; only the newest fetch per key is answered."""
        credentials = self._credentials
        if credentials is None:
            return
        previous = self._fetches.pop(key, None)
        if previous is not None:
            previous.cancel()
        attempt = Attempt(self.timeout)
        self._fetches[key] = attempt
        integration = registry.get(service_id)

        def work() -> CheckResult:
            values = credentials()  # the keyring may be slow: never on the GUI thread
            return integration.fetch_list(list_name, values, timeout=attempt.timeout, attempt=attempt)

        def deliver(answer: Answer) -> None:
            if self._fetches.get(key) is not attempt:
                return  # cancelled, superseded, or from a previous load()
            del self._fetches[key]
            on_answer(answer)

        submit(work, deliver, deliver, context=self)

    def _credentials_problem(self, exc: Exception, crm_name: str) -> str:
        log.warning("reading the %s credentials failed: %s", crm_name, type(exc).__name__)
        return self.tr("Could not read the saved %s credentials (%s). Open the Setup Wizard to enter them "
                       "again.") % (crm_name, type(exc).__name__)

    def _fetch_forms(self, crm: str) -> None:
        picker = self.activecampaign_picker if crm == "activecampaign" else self.convertkit_picker
        picker.set_loading(True)

        def answered(answer: Answer) -> None:
            if isinstance(answer, Exception):
                picker.show_failure(self._credentials_problem(answer, picker.crm_name))
            else:
                picker.show_answer(answer)

        self._fetch("forms", crm, "forms", answered)

    def _fetch_ontraport(self) -> None:
        box = self.ontraport_box
        self.ontraport_refresh.setEnabled(False)
        box.status.show_state("loading", self.tr("Fetching your Ontraport account id…"))
        self._fetch("account", "ontraport", "account", self._ontraport_answered)

    def _ontraport_answered(self, answer: Answer) -> None:
        self.ontraport_refresh.setEnabled(True)
        box = self.ontraport_box
        kept = self.tr(" The script shown is from the last account id known.") if box.snippet() else ""
        if isinstance(answer, Exception):
            box.status.show_state("error", self._credentials_problem(answer, "Ontraport") + kept)
            return
        if not answer.ok or not answer.account.id:
            text = self.tr("Could not fetch your Ontraport account id. %s") % result_text(answer)
            if answer.status in _CREDENTIAL_PROBLEMS:
                text += " " + self.tr("Fix the Ontraport credentials with the Setup Wizard.")
            box.status.show_state("error", text + kept)
            return
        self._ontraport_account = answer.account.id
        self._show_ontraport_snippet()
        box.status.show_state("ok", self.tr("Account id %s, fetched live from Ontraport.") % answer.account.id)

    def _fetch_drip(self) -> None:
        self.drip_refresh.setEnabled(False)
        self.drip_status.show_state("loading", self.tr("Looking up the Drip accounts this API token can see…"))
        self._fetch("accounts", "drip", "accounts", self._drip_answered)

    def _drip_answered(self, answer: Answer) -> None:
        self.drip_refresh.setEnabled(True)
        kept = self.tr(" The account shown is kept.") if self._drip_account else ""
        if isinstance(answer, Exception):
            self.drip_status.show_state("error", self._credentials_problem(answer, "Drip") + kept)
            return
        if not answer.ok:
            text = self.tr("Could not look up your Drip accounts. %s") % result_text(answer)
            if answer.status in _CREDENTIAL_PROBLEMS:
                text += " " + self.tr("Fix the Drip credentials with the Setup Wizard.")
            self.drip_status.show_state("error", text + kept)
            return
        self._drip_choices = answer.choices
        self._show_drip_accounts()
        ids = {c.id for c in answer.choices}
        if self._drip_account and self._drip_account not in ids:
            self.drip_status.show_state("warning", self.tr(
                "This API token cannot see Drip account %s. Choose one it can see, or fix the Drip credentials "
                "with the Setup Wizard.") % self._drip_account)
        elif len(answer.choices) > 1 or not self._drip_account:
            self.drip_status.show_state("info", self.tr(
                "%s Changing the account changes the tracking script and where AccessAlly sends contacts.")
                % answer.message)
        else:
            self.drip_status.show_state("ok", answer.message)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
