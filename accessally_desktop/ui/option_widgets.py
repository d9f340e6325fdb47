"""The widgets a CRM's declared options are shown with: a status line, a script preview, a picker.

Each knows nothing of a particular CRM: its words come from the declaration (`integrations.options`).
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..integrations import CheckResult, Choice, Status
from ..integrations.options import Lookup, Pick
from .widgets import icon, result_text

# Failures the owner fixes by entering the credentials again, which the Setup Wizard does.
COPIED_NOTE_MS = 4000  # how long "Copied to the clipboard." stays
CREDENTIAL_PROBLEMS = (Status.INVALID_FORMAT, Status.INVALID_CREDENTIALS, Status.FORBIDDEN, Status.NOT_FOUND)


def paragraph(text: str = "", *, name: str = "") -> QLabel:
    """A wrapped paragraph of the app's own words (they may hold <b>); never server text."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


def plain(text: str) -> str:
    """A label's text without its mnemonic marker, for accessible names."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def failure_text(lookup: Lookup, crm_name: str, result: CheckResult) -> str:
    """Why a lookup failed, and what fixes it when the credentials are the cause."""
    text = f"{lookup.failed} {result_text(result)}"
    if result.status in CREDENTIAL_PROBLEMS:
        text += f" Fix the {crm_name} credentials with the Setup Wizard."
    return text


class StatusLine(QWidget):
    """A busy indicator or an icon, plus words: a state is never shown by colour alone.

    Kinds: "loading" (busy bar), "ok", "info", "warning", "error".
    """

    _ICONS: ClassVar[dict[str, str]] = {"ok": "ok", "info": "info", "warning": "warning", "error": "failed"}  # ui/icons

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
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
        name = self._ICONS.get(kind)
        if name is not None:  # the app's own set, as the dashboard's and the wizard's badges use
            size = self.fontMetrics().height()
            self.icon.setPixmap(icon(name).pixmap(QSize(size, size)))
        self.icon.setVisible(name is not None)
        self.text.setText(words)
        self.setAccessibleName(words)
        self.setVisible(bool(words))

    def clear(self) -> None:
        self.show_state("", "")


class SnippetBox(QWidget):
    """A read-only, monospace preview of a tracking script, a Copy button and the fetch status."""

    def __init__(self, name: str, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName(name)
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setAccessibleName(self.tr("Tracking script preview"))
        self.preview.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustIgnored)
        spacing = self.preview.fontMetrics().lineSpacing()
        self.preview.setFixedHeight(spacing * lines + 2 * self.preview.frameWidth() + 12)
        self.caption.setBuddy(self.preview)
        self.copy = QPushButton(self.tr("&Copy script"))
        self.copy.setObjectName(f"copy_{name}")
        self.copy.setAccessibleName(self.tr("Copy the tracking script"))
        self.copy.setToolTip(self.tr("Copy the script to the clipboard"))
        self.refresh: QPushButton | None = None  # when the script's id comes from a lookup: see add_refresh
        self.copied = QLabel()
        self.copied.setObjectName(f"{name}_copied")
        self.copied_fades = QTimer(self)  # the note says what just happened, then goes
        self.copied_fades.setSingleShot(True)
        self.copied_fades.setInterval(COPIED_NOTE_MS)
        self.copied_fades.timeout.connect(self.copied.clear)
        self.status = StatusLine(f"{name}_status")
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
        self.show_added(True)
        self.set_snippet("", "")

    def add_refresh(self, lookup: Lookup) -> QPushButton:
        """A button that fetches the script's id again."""
        self.refresh = QPushButton(lookup.refresh)
        self.refresh.setObjectName(f"refresh_{lookup.name}")
        self.refresh.setAccessibleName(lookup.refresh_name)
        self.buttons.addWidget(self.refresh)
        return self.refresh

    def show_added(self, added: bool) -> None:
        """Say whether AccessAlly adds the script (its toggle), so a preview never suggests more."""
        if added:
            self.caption.setText(self.tr("Tracking script &preview (AccessAlly adds this to every page):"))
        else:
            self.caption.setText(self.tr("Tracking script &preview (not added while tracking is off):"))

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
        self.copied_fades.start()


class ChoicePicker(QWidget):
    """One declared `Pick`: the chosen item from a list fetched live, with its advice.

    The item chosen before (id and name from the settings) shows even before any fetch, and a
    failed fetch keeps it. A pick that allows none ("No form chosen") is always a list; one that
    needs an item (an account) reads as text when the list holds just the chosen one.
    Signals: changed() when the owner picks another item; refresh_requested() on Refresh.
    """

    changed = Signal()
    refresh_requested = Signal()

    def __init__(self, service_id: str, crm_name: str, pick: Pick, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pick = pick
        self.crm_name = crm_name
        name = f"{service_id}_{pick.key}"
        self._items: dict[str, Choice] = {}
        self._loaded = False  # a fetch succeeded, so an item missing from the list is really gone
        self._chosen: tuple[str, str] = ("", "")
        self.label = QLabel(pick.label)
        self.combo = QComboBox()
        self.combo.setObjectName(name)
        self.combo.setAccessibleName(f"{crm_name} {plain(pick.label).rstrip(':')}")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.label.setBuddy(self.combo)
        self.single = paragraph(name=f"{name}_label")
        self.refresh = QPushButton(pick.lookup.refresh)
        self.refresh.setObjectName(f"refresh_{pick.lookup.name}")
        self.refresh.setAccessibleName(pick.lookup.refresh_name)
        self.status = StatusLine(f"{service_id}_{pick.lookup.name}_status")
        self.warning = StatusLine(f"{name}_warning")
        self.explanation = paragraph(pick.explanation, name=f"{name}_explanation")
        self.explanation.setVisible(bool(pick.explanation))

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.single, 1)
        row.addWidget(self.combo, 1)
        row.addWidget(self.refresh, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.explanation)
        layout.addWidget(self.label)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.warning)
        self.combo.activated.connect(self._picked)
        self.refresh.clicked.connect(self.refresh_requested)
        self._rebuild()

    # -- what is chosen --------------------------------------------------------------------------

    def chosen(self) -> tuple[str, str]:
        """The chosen item's (id, name); ("", "") when none is chosen."""
        return self._chosen

    def set_chosen(self, item_id: str, name: str = "") -> None:
        known = self._items.get(item_id)
        self._chosen = (item_id, name or (known.name if known else "")) if item_id else ("", "")
        self._rebuild()

    def reset(self, item_id: str, name: str = "") -> None:
        """Forget any fetched list (another site, or new credentials) and show the saved choice."""
        self._items = {}
        self._loaded = False
        self.status.clear()
        self.set_loading(False)
        self.set_chosen(item_id, name)

    def items(self) -> tuple[Choice, ...]:
        """The items the last successful fetch listed."""
        return tuple(self._items.values())

    # -- fetching --------------------------------------------------------------------------------

    def set_loading(self, loading: bool) -> None:
        self.combo.setEnabled(not loading)
        self.refresh.setEnabled(not loading)
        if loading:
            self.status.show_state("loading", self.pick.lookup.loading)

    def show_answer(self, result: CheckResult) -> None:
        """A fetch's result: the new list on success, the reason (and the kept choice) on failure."""
        self.set_loading(False)
        if not result.ok:
            self.status.show_state("error", failure_text(self.pick.lookup, self.crm_name, result) + self._kept())
            self._rebuild()
            return
        self._items = {c.id: c for c in result.choices}
        self._loaded = True
        item_id = self._chosen[0]
        if item_id in self._items:  # the name may have changed in the CRM
            self._chosen = (item_id, self._items[item_id].name)
        lines = [result.message, *result.warnings]
        kind = "warning" if result.warnings or not result.choices else "ok"
        if self._needs_choosing() and self.pick.changing_note:
            lines.append(self.pick.changing_note)
            kind = "info" if kind == "ok" else kind
        self.status.show_state(kind, " ".join(lines))
        self._rebuild()

    def show_failure(self, text: str) -> None:
        self.set_loading(False)
        self.status.show_state("error", text + self._kept())

    # -- internals -------------------------------------------------------------------------------

    def _kept(self) -> str:
        shown = self._chosen_label()
        return f" The chosen {self.pick.item}, {shown}, is kept." if shown else ""

    def _chosen_label(self) -> str:
        item_id, name = self._chosen
        if not item_id:
            return ""
        return f"\u201c{name}\u201d" if name else f"{self.pick.item} {item_id}"

    def _item_text(self, choice: Choice) -> str:
        text = f"{choice.name} ({choice.id})" if self.pick.show_ids else choice.name
        return f"{text} (double opt-in)" if choice.double_opt_in else text

    def _needs_choosing(self) -> bool:
        """Whether there is a choice to make: always for an optional pick; for a needed one, when
        the list offers more than one item or not the chosen one."""
        if self.pick.none_label:
            return True
        return self._loaded and (len(self._items) > 1 or self._chosen[0] not in self._items)

    def _rebuild(self) -> None:
        item_id, name = self._chosen
        self.combo.blockSignals(True)
        self.combo.clear()
        if self.pick.none_label:
            self.combo.addItem(self.pick.none_label, "")
        elif not item_id:
            article = "an" if self.pick.item[:1] in "aeiou" else "a"
            self.combo.addItem(f"Choose {article} {self.pick.item}", "")
        for choice in self._items.values():
            self.combo.addItem(self._item_text(choice), choice.id)
        if item_id and item_id not in self._items:
            label = name or f"{self.pick.item.capitalize()} {item_id}"
            if self._loaded:
                label = f"{label} (not in {self.crm_name} now)"
            self.combo.addItem(label, item_id)
        self.combo.setCurrentIndex(max(0, self.combo.findData(item_id)))
        self.combo.blockSignals(False)
        as_list = self._needs_choosing()
        self.combo.setVisible(as_list)
        self.label.setVisible(as_list)
        self.single.setVisible(not as_list)
        if item_id:
            known = self._items.get(item_id)
            who = self._item_text(known) if known else (name or item_id)
            self.single.setText(f"{plain(self.pick.label).rstrip(':')}: <b>{escape(who)}</b>")
        else:
            self.single.setText(f"No {self.crm_name} {self.pick.item} is chosen yet.")
        self._update_warning()

    def _picked(self, index: int) -> None:
        item_id = self.combo.itemData(index) or ""
        if item_id == self._chosen[0]:
            return
        self._chosen = (item_id, self._items[item_id].name) if item_id in self._items else ("", "")
        self._rebuild()
        self.changed.emit()

    def double_opt_in_question(self) -> str:
        """What to ask before Apply keeps a chosen item the owner was warned of (a form with double
        opt-in); "" when there is nothing to ask."""
        choice = self._items.get(self._chosen[0])
        if choice is None or not choice.double_opt_in or not self.pick.double_opt_in_warning:
            return ""
        return self.pick.double_opt_in_warning % self._chosen_label()

    def _update_warning(self) -> None:
        item_id = self._chosen[0]
        choice = self._items.get(item_id)
        pick = self.pick
        if not item_id or (choice is None and not self._loaded):
            self.warning.clear()
        elif choice is None:
            self.warning.show_state("warning", f"The chosen {pick.item}, {self._chosen_label()}, is not in "
                                               f"{self.crm_name} now. Choose another {pick.item}.")
        elif choice.double_opt_in and pick.double_opt_in_warning:
            self.warning.show_state("warning", pick.double_opt_in_warning % self._chosen_label())
        elif choice.double_opt_in is None and pick.unknown_opt_in_note:
            self.warning.show_state("info", pick.unknown_opt_in_note % self._chosen_label())
        else:
            self.warning.clear()


class ResultPicker(QWidget):
    """In the wizard: a `Pick` kept in one of the service's fields (Drip's account), offered when
    a test finds more than one item. Signal: picked(str) with the chosen item's id."""

    picked = Signal(str)

    def __init__(self, service_id: str, crm_name: str, pick: Pick, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pick = pick
        self.combo = QComboBox()
        self.combo.setObjectName(f"{service_id}_{pick.key}_picker")
        self.combo.setAccessibleName(f"{crm_name} {pick.item}")
        label = QLabel(f"This token sees several {crm_name} {pick.item}s. &Use {pick.item}:")
        label.setBuddy(self.combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        self.combo.activated.connect(lambda index: self.picked.emit(self.combo.itemData(index) or ""))
        self.setVisible(False)

    def offer(self, choices: tuple[Choice, ...], chosen: str) -> None:
        """Show the items when there is a choice to make; hide otherwise."""
        several = len(choices) > 1
        self.setVisible(several)
        if several:
            self.combo.clear()
            for choice in choices:
                self.combo.addItem(f"{choice.name} ({choice.id})" if self.pick.show_ids else choice.name, choice.id)
            self.combo.setCurrentIndex(self.combo.findData(chosen))
