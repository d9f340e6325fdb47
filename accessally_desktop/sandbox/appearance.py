"""A dark desktop palette, as Windows or macOS dark mode or a dark GTK theme hands Qt one.

The tests and the screenshot script use it to check that every text stays readable when the
owner's desktop is dark: the app itself follows whatever palette the desktop gives it.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

_DARK = {
    "Window": "#2d2d2d", "WindowText": "#f0f0f0", "Base": "#1e1e1e", "AlternateBase": "#353535",
    "ToolTipBase": "#3c3c3c", "ToolTipText": "#f0f0f0", "PlaceholderText": "#9a9a9a", "Text": "#f0f0f0",
    "Button": "#3a3a3a", "ButtonText": "#f0f0f0", "BrightText": "#ff6b6b", "Light": "#505050",
    "Midlight": "#444444", "Mid": "#333333", "Dark": "#1a1a1a", "Shadow": "#000000",
    "Highlight": "#3d7fd6", "HighlightedText": "#ffffff", "Link": "#7fb4ff", "LinkVisited": "#c39bff",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(color))
    disabled = QColor("#7a7a7a")
    for role in ("WindowText", "Text", "ButtonText"):
        palette.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), disabled)
    return palette
