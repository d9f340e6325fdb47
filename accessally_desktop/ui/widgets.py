"""What the main window and the dialogs share: the status badge and its icons, a scrolling area,
plain words for each status, a readable red, and Alt-letters that never clash on a page.

The main window builds these at start-up, so nothing here touches PySide's `Qt` namespace (see
`set_by_key`). The wizard's and the CRM panel's inputs live in `forms`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Property, QEvent, QObject, QSize, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..integrations import Status
from ..integrations.status import STATUS_WORDS

if TYPE_CHECKING:
    from ..integrations import CheckResult

ICONS = Path(__file__).with_name("icons")


def window_title(what: str) -> str:
    """"<what> — AccessAlly Desktop": the app's name once, at the end, where Qt on Linux would otherwise
    add it a second time (it appends the application's display name to any title not ending in it)."""
    from .. import APP_NAME

    return f"{what} — {APP_NAME}"

# Plain words for each status; the badge always shows an icon *and* these words.


def set_by_key(target: QObject, name: str, keys: str) -> None:
    """Set an enum, flags or key-sequence property from its text: `set_by_key(label,
    "textInteractionFlags", "TextSelectableByMouse")` does what `label.setTextInteractionFlags(
    Qt.TextInteractionFlag.TextSelectableByMouse)` does, `set_by_key(action, "shortcut", "Ctrl+T")`
    what `action.setShortcut(QKeySequence("Ctrl+T"))` does.

    Only on the start-up path (the main window, the wizard's first page): the first use of PySide's
    `Qt` namespace creates all of its ~100 Python enums, a fifth of a bare window's start-up, and
    `QKeySequence` its 70 standard keys, where Qt's property system reads the text in C++.
    tests/test_startup.py keeps the start free of both.
    """
    if not target.setProperty(name, keys):
        raise ValueError(f"{type(target).__name__} has no property {name!r} that takes {keys!r}")


def plain_text(label: QLabel) -> QLabel:
    """A label that shows its text as typed, never as markup: for anything a server, a file or the
    owner provides (`<h1 style=…>` in an account name stays those characters). Rich text is only
    for the app's own fixed strings."""
    set_by_key(label, "textFormat", "PlainText")
    return label


def scrolling(content: QWidget) -> QScrollArea:
    """Long content scrolls instead of squeezing at large font sizes. The area itself takes no
    focus: Tab goes to the inputs inside, and the area scrolls to show the focused one."""
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    set_by_key(area, "focusPolicy", "NoFocus")
    return area


def result_text(result: CheckResult) -> str:
    """A pass speaks for itself (with its icon); a failure leads with what kind it is."""
    if result.ok:
        return result.message
    return f"{STATUS_WORDS.get(result.status, str(result.status))}: {result.message}"


def error_color(widget: QWidget) -> str:
    """A red that reads on the widget's background: dark red on a light palette, light red on a dark one."""
    return "#ff8a80" if widget.palette().window().color().lightness() < 128 else "#b3261e"


def icon(name: str) -> QIcon:
    """An icon of ui/icons: SVG, so it is sharp at any size and display scale."""
    return QIcon(str(ICONS / f"{name}.svg"))


_status_icons: dict[str, QIcon] = {}


def status_icon(status: Status | str | None) -> QIcon:
    """A check, a cross, a warning triangle or a question mark: each a different shape, so the
    status reads without colour, and the same on every platform and palette."""
    if status is None or status == "":
        kind = "unknown"
    elif status == Status.OK:
        kind = "ok"
    elif status in (Status.RATE_LIMITED, Status.TIMEOUT, Status.SERVER_ERROR, Status.CANCELLED, "untested"):
        kind = "warning"
    else:
        kind = "failed"
    if kind not in _status_icons:
        _status_icons[kind] = icon(kind)
    return _status_icons[kind]


class StatusBadge(QWidget):
    """An icon plus words: status is never shown by colour alone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon = QLabel()
        self.text = plain_text(QLabel())
        set_by_key(self.text, "textInteractionFlags", "TextSelectableByMouse")
        self.text.setWordWrap(True)
        icon_column = QVBoxLayout()  # the icon stays beside the first line when the words wrap
        icon_column.addWidget(self.icon)
        icon_column.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(icon_column)
        layout.addWidget(self.text, 1)
        self.set_status(None, "")

    def set_status(self, status: Status | str | None, words: str) -> None:
        size = self.fontMetrics().height()
        self.icon.setPixmap(status_icon(status).pixmap(QSize(size, size)) if words else QIcon().pixmap(1, 1))
        self.icon.setVisible(bool(words))
        self.text.setText(words)
        self.setAccessibleName(words or "No result yet")


def app_icon() -> QIcon:
    """The window icon: a rounded badge with a check mark."""
    return icon("app")


def heading(text: str) -> QLabel:
    """A label of the app's own rich text (links open in the browser)."""
    label = QLabel(text)
    label.setWordWrap(True)
    set_by_key(label, "textFormat", "RichText")  # the welcome page's: the wizard opens without `Qt`
    label.setOpenExternalLinks(True)
    set_by_key(label, "textInteractionFlags", "TextBrowserInteraction")
    set_by_key(label, "focusPolicy", "NoFocus")  # Tab goes from input to input, not through explanations
    return label


class ChoiceGroup(QWidget):
    """Radio buttons with one string `value` property, so a choice can be a wizard field."""

    valueChanged = Signal(str)

    def __init__(self, choices: list[tuple[str, str]], title: str, parent: QWidget | None = None,
                 horizontal: bool = False) -> None:
        super().__init__(parent)
        self._group = QButtonGroup(self)
        self._buttons: dict[str, QRadioButton] = {}
        layout = QHBoxLayout(self) if horizontal else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for value, label in choices:
            button = QRadioButton(label)
            button.setObjectName(f"choice_{value}")
            self._group.addButton(button)
            self._buttons[value] = button
            layout.addWidget(button)
            button.toggled.connect(lambda on, v=value: on and self.valueChanged.emit(v))
        if horizontal:
            layout.addStretch(1)
        self.setAccessibleName(title)

    def get_value(self) -> str:
        return next((v for v, b in self._buttons.items() if b.isChecked()), "")

    def set_value(self, value: str) -> None:
        if value in self._buttons:
            self._buttons[value].setChecked(True)

    def button(self, value: str) -> QRadioButton:
        return self._buttons[value]

    value = Property(str, get_value, set_value, notify=valueChanged)


def alt_letter(text: str) -> str:
    """The letter Alt+ triggers for a button's or label's text ("Use &Stripe" -> "s"), or ""."""
    i = text.find("&")
    while 0 <= i < len(text) - 1:
        if text[i + 1] != "&":
            return text[i + 1].lower()
        i = text.find("&", i + 2)
    return ""


def without_alt_letter(text: str) -> str:
    """The text as shown, minus its Alt-letter marker ("&&" is a shown "&" and stays)."""
    return "&&".join(part.replace("&", "") for part in text.split("&&"))


def letter_choices(text: str) -> dict[str, int]:
    """The letters an Alt-letter could be for a text, best first (a word's first letter, then any
    other), each with where it stands in the text as shown."""
    plain = without_alt_letter(text)
    starts = [i for i, c in enumerate(plain) if c.isalnum() and (i == 0 or not plain[i - 1].isalnum())]
    choices: dict[str, int] = {}
    for i in (*starts, *range(len(plain))):
        if plain[i].isalnum():
            choices.setdefault(plain[i].lower(), i)
    return choices


def free_letters(texts: list[str], taken: set[str]) -> list[str]:
    """A distinct free letter for each text where one can be found ("" where none): each takes the
    letter it has, else its best free one; only when none is free does an earlier one move to another
    letter to free one (augmenting paths), so as many texts as possible get one."""
    options = [[letter for letter in dict.fromkeys([alt_letter(text), *letter_choices(text)])
                if letter and letter not in taken] for text in texts]
    owner: dict[str, int] = {}

    def place(i: int, tried: set[str]) -> bool:
        free = next((letter for letter in options[i] if letter not in owner), None)
        if free is not None:  # a free letter first: others move only when nothing else is left
            owner[free] = i
            return True
        for letter in options[i]:
            if letter not in tried:
                tried.add(letter)
                if letter not in owner or place(owner[letter], tried):
                    owner[letter] = i
                    return True
        return False

    for i in range(len(texts)):
        place(i, set())
    letters = [""] * len(texts)
    for letter, i in owner.items():
        letters[i] = letter
    return letters


def with_alt_letter(text: str, letter: str) -> str:
    """The text with `letter` marked as its Alt-letter (unmarked if "")."""
    plain = without_alt_letter(text)
    if not letter:
        return plain
    i = letter_choices(text)[letter]
    return plain[:i] + "&" + plain[i:]


class Mnemonics(QObject):
    """Gives every button, radio, check box and field label shown on a page its own Alt-letter, taken
    from its own words, and keeps them unique as parts of the page show and hide (another credential
    kind, a second processor). A letter written in the text is kept unless another holder has it;
    `reserved` gives letters used outside the page (the wizard's Next, Back, Finish)."""

    def __init__(self, page: QWidget, reserved: Callable[[], Iterable[str]] = tuple, *,
                 skip_unfocusable: bool = True) -> None:
        super().__init__(page)
        self.page = page
        self.reserved = reserved
        self.skip_unfocusable = skip_unfocusable  # False where no button refuses focus (the dashboard, at start-up)
        self._watched: set[int] = set()

    def holders(self) -> list[QWidget]:
        """The page's shown widgets an Alt-letter can reach (the show/hide buttons inside a password
        field take no focus and have their own shortcut)."""
        def focusable(button: QAbstractButton) -> bool:
            from PySide6.QtCore import Qt  # the Qt namespace: with a credential page, never at start-up

            return button.focusPolicy() != Qt.FocusPolicy.NoFocus

        buttons = [b for b in self.page.findChildren(QAbstractButton) if b.text() and b.isVisibleTo(self.page)
                   and (not self.skip_unfocusable or focusable(b))]
        labels = [label for label in self.page.findChildren(QLabel)
                  if label.buddy() is not None and label.isVisibleTo(self.page)]
        return [*buttons, *labels]

    def refresh(self) -> None:
        taken = {letter.lower() for letter in self.reserved() if letter}
        holders = self.holders()
        marked = [w for w in holders if alt_letter(w.text())]  # first, so they keep their letters if they can
        ordered = [*marked, *(w for w in holders if w not in marked)]
        for widget, letter in zip(ordered, free_letters([w.text() for w in ordered], taken), strict=True):
            if letter != alt_letter(widget.text()):
                widget.setText(with_alt_letter(widget.text(), letter))
        for widget in [*self.page.findChildren(QAbstractButton), *self.page.findChildren(QLabel)]:
            if id(widget) not in self._watched:  # hidden ones too: they refresh the letters when shown
                self._watched.add(id(widget))
                widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:  # a part just shown may bring a letter another has
            self.refresh()
        return False


class MoneyBadge(QLabel):
    """Which of a service's variants is shown, and whether it moves real money, in words and colour."""

    def show_variant(self, label: str, *, real_money: bool) -> None:
        name = label.upper()
        self.setText(self.tr("● %s — real payments") % name if real_money else self.tr("● %s — no real money") % name)
        self.setStyleSheet("padding: 2px 8px; border-radius: 8px; font-weight: bold; color: white; "
                           + ("background: #1b7f3b;" if real_money else "background: #b35c00;"))
        self.setAccessibleName(self.text())
