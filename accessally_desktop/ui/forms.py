"""The inputs of the wizard and the CRM panel: a secret field with show/hide, a service's credentials
form with format problems shown as you type, and the live-test panel.

Apart from `widgets`, which the main window needs at start-up: nothing here loads until a form opens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QIconEngine, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import integrations
from .widgets import StatusBadge, error_color, plain_text, result_text

if TYPE_CHECKING:
    from ..integrations import CheckResult, Field, FormatReport, Integration


class PaintedIcon(QIconEngine):
    """An icon drawn by code at whatever size is asked for, for icons drawn in a palette colour
    (the files in ui/icons have fixed colours)."""

    SIZES = (16, 24, 32, 48, 64, 128, 256)

    def __init__(self, draw: Callable[[QPainter, float], None]) -> None:
        super().__init__()
        self._draw = draw

    def paint(self, painter: QPainter, rect, mode, state) -> None:
        side = min(rect.width(), rect.height())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2)
        self._draw(painter, side)
        painter.restore()

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        self.paint(painter, pixmap.rect(), mode, state)
        painter.end()
        return pixmap

    def availableSizes(self, mode=None, state=None) -> list[QSize]:
        return [QSize(size, size) for size in self.SIZES]

    def clone(self) -> PaintedIcon:
        return PaintedIcon(self._draw)


def painted_icon(draw: Callable[[QPainter, float], None]) -> QIcon:
    return QIcon(PaintedIcon(draw))


def eye_icon(color: QColor, *, crossed: bool) -> QIcon:
    """An eye ("show") or a crossed eye ("hide"), drawn in the text colour so it suits dark palettes."""
    color = QColor(color)  # a copy: the one passed may belong to a palette gone by the time it is drawn

    def draw(painter: QPainter, size: float) -> None:
        unit = size / 64
        painter.setPen(QPen(color, 5 * unit))
        outline = QPainterPath()
        outline.moveTo(6 * unit, 32 * unit)
        outline.quadTo(32 * unit, 4 * unit, 58 * unit, 32 * unit)
        outline.quadTo(32 * unit, 60 * unit, 6 * unit, 32 * unit)
        painter.drawPath(outline)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(32 * unit, 32 * unit), 9 * unit, 9 * unit)
        if crossed:
            painter.drawLine(QPointF(10 * unit, 54 * unit), QPointF(54 * unit, 10 * unit))

    return painted_icon(draw)


class SecretLineEdit(QLineEdit):
    """A masked input with a show/hide toggle (Ctrl+Shift+H, or the eye action)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.toggle = QAction(eye_icon(self.palette().text().color(), crossed=False), self.tr("Show"), self)
        self.toggle.setCheckable(True)
        self.toggle.setShortcut("Ctrl+Shift+H")
        self.toggle.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.toggle.toggled.connect(self._reveal)
        self.addAction(self.toggle, QLineEdit.ActionPosition.TrailingPosition)
        self.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
                                 | Qt.InputMethodHint.ImhSensitiveData)

    def _reveal(self, shown: bool) -> None:
        self.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setIcon(eye_icon(self.palette().text().color(), crossed=shown))
        self.toggle.setText(self.tr("Hide") if shown else self.tr("Show"))
        self.toggle.setToolTip(self.tr("Hide the value (Ctrl+Shift+H)") if shown else
                               self.tr("Show the value (Ctrl+Shift+H)"))


def _trim_on_edit(edit: QLineEdit) -> None:
    """Pasted values arrive with spaces and line breaks; credentials never contain them at the ends."""

    def trim(text: str) -> None:
        if text != text.strip():
            edit.setText(text.strip())

    edit.textEdited.connect(trim)


class CredentialsForm(QWidget):
    """The inputs of one service, built from its field list, with format problems shown as you type.

    Signals: edited() whenever a value changes.
    """

    edited = Signal()

    def __init__(self, integration: Integration, fields: tuple[Field, ...] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.integration = integration
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.notes: dict[str, QLabel] = {}
        self.needed: dict[str, str] = {}  # field -> note shown under it while it is empty (see mark_needed)
        self._touched: set[str] = set()
        self.context: dict[str, str] = {}  # values the check needs that are not inputs here (Stripe's mode)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in fields if fields is not None else integration.fields:
            widget = self._make_input(f)
            optional = not f.required and not f.group  # grouped fields count together, checked by the service
            label = QLabel(f"&{f.label} (optional):" if optional else f"&{f.label}:")
            label.setBuddy(widget)
            note = plain_text(QLabel())  # a problem may quote what was typed
            note.setWordWrap(True)
            note.setVisible(False)
            note.setObjectName(f"note_{integration.id}_{f.name}")
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(note)
            form.addRow(label, column)
            self.inputs[f.name] = widget
            self.notes[f.name] = note

    def _make_input(self, f: Field) -> QLineEdit | QComboBox:
        name = f"{self.integration.id}.{f.name}"
        if f.choices:
            combo = QComboBox()
            for value, label in f.choices:
                combo.addItem(label, value)
            combo.setCurrentIndex(max(0, combo.findData(f.default)))
            combo.currentIndexChanged.connect(lambda *_: self._changed(f.name))
            widget: QLineEdit | QComboBox = combo
        else:
            edit = SecretLineEdit() if f.secret else QLineEdit()
            edit.setPlaceholderText(f.placeholder)
            edit.setClearButtonEnabled(not f.secret)
            _trim_on_edit(edit)
            edit.textChanged.connect(lambda *_: self._changed(f.name))
            edit.editingFinished.connect(lambda: self._touch(f.name))
            widget = edit
        widget.setObjectName(name)
        widget.setToolTip(f.help)
        widget.setAccessibleName(f"{self.integration.name} {f.label}")
        widget.setAccessibleDescription(f.help)
        return widget

    def values(self) -> dict[str, str]:
        return {name: (w.currentData() if isinstance(w, QComboBox) else w.text()) for name, w in self.inputs.items()}

    def set_values(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            widget = self.inputs.get(name)
            if isinstance(widget, QComboBox):
                index = widget.findData(value)
                if index >= 0:
                    widget.setCurrentIndex(index)
            elif widget is not None:
                widget.setText(value)

    def report(self) -> FormatReport:
        return self.integration.check_format({**self.values(), **self.context})

    def forget_edits(self) -> None:
        """Treat the values as freshly loaded: empty fields stay quiet until edited (or a test)."""
        self._touched.clear()
        self.show_problems()

    def mark_needed(self, names: set[str], note: str) -> list[QLineEdit | QComboBox]:
        """Point out fields still to fill in (an import's missing secrets): `note` shows under each,
        like a problem, until it has a value. Returns the inputs marked, in form order."""
        self.needed = {name: note for name in self.inputs if name in names}
        self.show_problems()
        return [self.inputs[name] for name in self.needed]

    def show_problems(self, *, all_fields: bool = False) -> FormatReport:
        """Show format problems under each field (empty, untouched fields stay quiet unless all_fields)."""
        if all_fields:
            self._touched.update(self.inputs)
        report = self.report()
        marks = {"error": "✖ ", "warning": "⚠ ", "note": "ℹ "}  # a note says what the check cleaned away
        order = {"error": 0, "warning": 1, "note": 2}
        for name, note in self.notes.items():
            problems = sorted(report.for_field(name), key=lambda p: order[p.severity])
            if name not in self._touched and not report.values.get(name):
                problems = [integrations.Problem(name, "warning", self.needed[name])] if name in self.needed else []
            note.setText("\n".join(marks[p.severity] + p.message for p in problems))
            note.setVisible(bool(problems))
            first = problems[0].severity if problems else "note"
            note.setStyleSheet({"warning": "color: palette(link);", "error": f"color: {error_color(note)};"}
                               .get(first, ""))
        return report

    def _touch(self, name: str) -> None:
        self._touched.add(name)
        self.show_problems()

    def _changed(self, name: str) -> None:
        if self.values().get(name):
            self._touched.add(name)
        self.show_problems()
        self.edited.emit()


class CheckPanel(QWidget):
    """Test button, Cancel, busy indicator, result with icon and words, and a Details disclosure.

    Signals: start_requested(), cancel_requested().
    """

    start_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, service_id: str, label: str = "&Test connection", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service_id = service_id
        self.button = QPushButton(self.tr(label))
        self.button.setObjectName(f"test_{service_id}")
        self.button.setAccessibleName(self.button.text().replace("&", ""))
        self.cancel = QPushButton(self.tr("Cancel test"))
        self.cancel.setObjectName(f"cancel_{service_id}")
        self.cancel.setVisible(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.setVisible(False)
        self.busy.setAccessibleName(self.tr("Testing"))
        self.badge = StatusBadge()
        self.badge.setObjectName(f"result_{service_id}")
        self.details_toggle = QToolButton()
        self.details_toggle.setText(self.tr("Details"))
        self.details_toggle.setCheckable(True)
        self.details_toggle.setVisible(False)
        self.details = plain_text(QLabel())  # an excerpt of what the server answered
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(False)
        self.details.setStyleSheet("font-family: monospace;")
        self.details_toggle.toggled.connect(self.details.setVisible)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.cancel)
        row.addWidget(self.busy)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        result_row = QHBoxLayout()
        result_row.addWidget(self.badge, 1)
        result_row.addWidget(self.details_toggle, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(result_row)
        layout.addWidget(self.details)
        self.button.clicked.connect(self.start_requested)
        self.cancel.clicked.connect(self.cancel_requested)

    def set_running(self, running: bool) -> None:
        self.button.setEnabled(not running)
        self.cancel.setVisible(running)
        self.busy.setVisible(running)
        if running:
            self.badge.set_status(None, self.tr("Testing…"))
            self._set_details("")
            self.cancel.setFocus()
        elif self.cancel.hasFocus():
            self.button.setFocus()

    def show_result(self, result: CheckResult | None) -> None:
        if result is None:
            self.badge.set_status(None, "")
            self._set_details("")
            return
        text = result_text(result)
        if result.warnings:
            text += "".join(f"\n⚠ {w}" for w in result.warnings)
        self.badge.set_status(result.status, text)
        self._set_details(result.detail)

    def _set_details(self, detail: str) -> None:
        self.details.setText(detail)
        self.details_toggle.setVisible(bool(detail))
        if not detail:
            self.details_toggle.setChecked(False)
