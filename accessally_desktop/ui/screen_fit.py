"""Windows fit the screen they open on: a small laptop, or a big screen at 200 % (960x540 logical)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

FRAME = QSize(16, 48)  # room for the desktop's title bar and borders, not known before the window is shown


def available_area(window: QWidget) -> QRect:
    """The screen's area less its panels, less room for the window's frame."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    return QRect(area.topLeft(), area.size() - FRAME)


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Open at the preferred size, or smaller where the screen is: the content scrolls inside."""
    area = available_area(window)
    window.resize(QSize(width, height).boundedTo(area.size()).expandedTo(window.minimumSizeHint()))
    clamp_to_screen(window)


def clamp_to_screen(window: QWidget) -> None:
    """A size or place remembered from a bigger screen: shrink the window and move it back inside."""
    area = available_area(window)
    if window.isMaximized() or window.isFullScreen():
        return
    size = window.size().boundedTo(area.size())
    if size != window.size():
        window.resize(size)
    x = min(max(window.x(), area.left()), area.right() + 1 - size.width())
    y = min(max(window.y(), area.top()), area.bottom() + 1 - size.height())
    if (x, y) != (window.x(), window.y()):
        window.move(x, y)
