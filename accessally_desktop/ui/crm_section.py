"""One CRM's section of Settings › Payment › CRM Integration, built from the options it declares."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QPushButton, QVBoxLayout, QWidget

from ..integrations import CheckResult, Integration
from ..integrations.options import Lookup, Pick, Snippet, Toggle, stored_keys
from ..secrets import KeyringLockedError, SecretStoreError
from .option_widgets import ChoicePicker, SnippetBox, StatusLine, failure_text, paragraph, plain
from .site_findings_view import KIND, SiteNotes, checked, show_finding

if TYPE_CHECKING:
    from ..site_report import SiteReport

log = logging.getLogger(__name__)

Answer = CheckResult | Exception  # what a fetch delivers: the result, or why the credentials could not be read
Fetch = Callable[[str, Callable[[Answer], None]], None]  # (lookup name, answer handler)


def credentials_problem(exc: Exception, crm_name: str) -> str:
    """What to do when the saved keys could not be read: unlock the store, or enter them again.
    A store's own message (`SecretStoreError`) is written for the owner; anything else is not shown."""
    log.warning("reading the %s credentials failed: %s", crm_name, type(exc).__name__)
    if isinstance(exc, KeyringLockedError):
        return "Your computer's password store is locked. Unlock it, then click Refresh to look again."
    if isinstance(exc, SecretStoreError):
        return f"Could not read the saved {crm_name} credentials: {exc} Open the Setup Wizard to enter them again."
    return f"Could not read the saved {crm_name} credentials. Open the Setup Wizard to enter them again."


class CrmSection(QWidget):
    """One CRM's options: a check box per toggle, a picker per pick, a preview per snippet.

    Holds what is shown (maybe edited, not applied); `show` puts saved values on screen and
    `options()` / `fields()` read them back in the settings' shape."""

    edited = Signal()

    def __init__(self, integration: Integration, fetch: Fetch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.integration = integration
        self._fetch = fetch
        self.toggles: dict[str, QCheckBox] = {}
        self.picks: dict[str, ChoicePicker] = {}
        self.snippets: dict[str, SnippetBox] = {}
        self.site_lines: dict[str, StatusLine] = {}  # toggle key -> what the site does about it
        self.focus_order: list[QWidget] = []
        self._looked_up: dict[str, str] = {}  # snippet key -> the id its lookup last gave
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(layout.spacing() + 6)  # one option's block from the next
        self.site_notes = SiteNotes(f"{integration.id}_site_notes")
        layout.addWidget(self.site_notes)
        for option in integration.options:
            layout.addWidget(self._build(option))
        if not integration.options:
            layout.addWidget(paragraph(integration.options_note, name=f"{integration.id}_note"))

    @property
    def has_options(self) -> bool:
        return bool(self.integration.options)

    def _build(self, option: Toggle | Pick | Snippet) -> QWidget:
        name = f"{self.integration.id}_{option.key}"
        if isinstance(option, Toggle):
            box = QCheckBox(option.label)
            box.setObjectName(name)
            box.setAccessibleName(plain(option.label))
            box.toggled.connect(self._changed)
            self.toggles[option.key] = box
            self.focus_order.append(box)
            below: list[QWidget] = []
            if option.explanation:
                below.append(paragraph(option.explanation, name=f"{name}_explanation"))
            if option.script is not None:  # the site test looks for it on the site's pages
                self.site_lines[option.key] = StatusLine(f"site_{option.key}")
                below.append(self.site_lines[option.key])
            if not below:
                return box
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(box)
            for widget in below:
                widget.setContentsMargins(24, 0, 0, 0)
                column.addWidget(widget)
            return holder
        if isinstance(option, Pick):
            picker = ChoicePicker(self.integration.id, self.integration.name, option)
            picker.changed.connect(self._changed)
            picker.refresh_requested.connect(lambda: self._look_up_pick(option))
            self.picks[option.key] = picker
            self.focus_order += [picker.combo, picker.refresh]
            return picker
        box = SnippetBox(name, option.lines)
        self.snippets[option.key] = box
        self.focus_order += [box.preview, box.copy]
        if option.lookup is not None:
            refresh = box.add_refresh(option.lookup)
            refresh.clicked.connect(lambda: self._look_up_snippet(option))
            self.focus_order.append(refresh)
        return box

    # -- values ----------------------------------------------------------------------------------

    def show(self, options: dict[str, Any], fields: dict[str, str]) -> None:
        """Put saved values on screen without counting it as an edit."""
        for option in self.integration.options:
            if isinstance(option, Toggle):
                box = self.toggles[option.key]
                box.blockSignals(True)
                box.setChecked(bool(options[option.key]))
                box.blockSignals(False)
            elif isinstance(option, Pick):
                if option.field:
                    self.picks[option.key].set_chosen(fields.get(option.field, ""))
                else:
                    self.picks[option.key].set_chosen(options[option.key], options[option.name_key])
        self._show_snippets()

    def reset(self, options: dict[str, Any], fields: dict[str, str], looked_up: str) -> None:
        """Another site or new credentials: forget fetched lists; `looked_up` is the account id a
        passing test saved, shown by a snippet until its lookup answers."""
        for option in self.integration.options:
            if isinstance(option, Pick):
                self.picks[option.key].reset("")
            elif isinstance(option, Snippet):
                self.snippets[option.key].status.clear()
                self._looked_up[option.key] = looked_up if option.lookup is not None else ""
        self.show(options, fields)

    def options(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for option in self.integration.options:
            if isinstance(option, Toggle):
                out[option.key] = self.toggles[option.key].isChecked()
            elif isinstance(option, Pick) and stored_keys(option):
                out[option.key], out[option.name_key] = self.picks[option.key].chosen()
        return out

    def fields(self, saved: dict[str, str]) -> dict[str, str]:
        """The service's values with what its field picks show over them."""
        return {**saved, **self._picked_fields()}

    def fields_changed(self, saved: dict[str, str]) -> bool:
        return any(saved.get(name, "") != value for name, value in self._picked_fields().items())

    def _picked_fields(self) -> dict[str, str]:
        return {option.field: self.picks[option.key].chosen()[0] for option in self.integration.options
                if isinstance(option, Pick) and option.field}

    def _changed(self, *_args: object) -> None:
        self._show_snippets()
        self.edited.emit()

    def show_site(self, report: SiteReport | None, not_checked: str) -> None:
        """What the site does about each toggle it can be checked for, and about the whole site; with
        no report, `not_checked` (how to have it checked), once, where the toggles can be checked."""
        for key, line in self.site_lines.items():
            show_finding(line, report.for_option(key) if report is not None else None, report)
        if report is None:
            self.site_notes.show_lines([("info", not_checked)] if self.site_lines else [])
        else:
            self.site_notes.show_lines([(KIND[f.ok], checked(report) + f.text) for f in report.site_wide])

    # -- snippets --------------------------------------------------------------------------------

    def _show_snippets(self) -> None:
        for option in self.integration.options:
            if isinstance(option, Snippet):
                self._show_snippet(option)

    def _show_snippet(self, option: Snippet) -> None:
        box = self.snippets[option.key]
        box.show_added(self.toggles[option.toggle].isChecked())
        value = self.picks[option.pick].chosen()[0] if option.pick else self._looked_up.get(option.key, "")
        try:
            box.set_snippet(option.render(value) if value else "", option.placeholder)
        except ValueError as exc:
            box.set_snippet("", f"The saved value “{value}” cannot be used ({exc}). Fix it with the Setup Wizard.")

    # -- lookups ---------------------------------------------------------------------------------

    def look_up_all(self) -> None:
        for option in self.integration.options:
            if isinstance(option, Pick):
                self._look_up_pick(option)
            elif isinstance(option, Snippet) and option.lookup is not None:
                self._look_up_snippet(option)

    def _look_up_pick(self, option: Pick) -> None:
        picker = self.picks[option.key]
        picker.set_loading(True)

        def answered(answer: Answer) -> None:
            if isinstance(answer, Exception):
                picker.show_failure(credentials_problem(answer, self.integration.name))
            else:
                picker.show_answer(answer)
            self._show_snippets()

        self._fetch(option.lookup.name, answered)

    def _look_up_snippet(self, option: Snippet) -> None:
        box = self.snippets[option.key]
        lookup: Lookup = option.lookup
        refresh: QPushButton = box.refresh
        refresh.setEnabled(False)
        box.status.show_state("loading", lookup.loading)

        def answered(answer: Answer) -> None:
            refresh.setEnabled(True)
            kept = " The script shown is from the last account id known." if box.snippet() else ""
            if isinstance(answer, Exception):
                box.status.show_state("error", credentials_problem(answer, self.integration.name) + kept)
            elif not answer.ok or not answer.account.id:
                box.status.show_state("error", failure_text(lookup, self.integration.name, answer) + kept)
            else:
                self._looked_up[option.key] = answer.account.id
                self._show_snippet(option)
                box.status.show_state("ok", lookup.fetched % answer.account.id)

        self._fetch(lookup.name, answered)
