"""Under a dark desktop palette (and a light one) every text stays readable, measured on the rendered pixels.

Each visible label is drawn as the owner would see it, and its text colour is compared with its
background by the WCAG contrast ratio (4.5:1 for body text). Failure states are included: a
format problem under a field, a rejected test with its details, a failing dashboard row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from accessally_desktop.integrations import CheckResult, Status
from accessally_desktop.sandbox.appearance import dark_palette
from accessally_desktop.settings import SavedResult, SettingsStore
from accessally_desktop.ui.main import AppController

MIN_CONTRAST = 4.5


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rendered_contrast(label: QLabel) -> float:
    """The background is the commonest colour drawn; the text, the pixel farthest from it."""
    image = label.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    data = bytes(image.constBits())
    stride = image.bytesPerLine()
    colours: Counter[tuple[int, int, int]] = Counter()
    for y in range(image.height()):
        row = data[y * stride: y * stride + image.width() * 4]
        colours.update(zip(row[2::4], row[1::4], row[0::4]))
    background = colours.most_common(1)[0][0]
    return max(contrast(background, colour) for colour in colours)


def unreadable_labels(window: QWidget) -> list[str]:
    problems = []
    for label in window.findChildren(QLabel):
        text = label.text().strip()
        if not label.isVisible() or not text or label.width() < 4 or label.pixmap() and not text:
            continue
        ratio = rendered_contrast(label)
        if ratio < MIN_CONTRAST:
            problems.append(f"{label.objectName() or text[:40]!r}: {ratio:.1f}:1")
    return problems


@contextmanager
def fusion(qapp: QApplication, dark: bool) -> Iterator[None]:
    """The whole app in Fusion with a dark palette, as a dark desktop gives it (or Fusion's light one)."""
    style, palette = qapp.style().name(), qapp.palette()
    qapp.setStyle("Fusion")
    qapp.setPalette(dark_palette() if dark else qapp.style().standardPalette())
    try:
        yield
    finally:
        qapp.setPalette(palette)
        qapp.setStyle(style)


@pytest.fixture(params=["dark", "light"])
def appearance(request, qapp) -> Iterator[None]:
    with fusion(qapp, request.param == "dark"):
        yield


def test_the_check_itself_tells_readable_from_unreadable(qtbot, qapp) -> None:
    with fusion(qapp, dark=True):
        readable, unreadable = QLabel("Readable text"), QLabel("Dark red text")
        unreadable.setStyleSheet("color: #b3261e;")
        for label in (readable, unreadable):
            qtbot.addWidget(label)
            label.show()
        assert rendered_contrast(readable) >= MIN_CONTRAST
        assert rendered_contrast(unreadable) < MIN_CONTRAST


def test_wizard_failures_read_well_in_a_dark_palette(qtbot, appearance) -> None:
    controller = AppController(test_timeout=5)
    qtbot.addWidget(controller.window)
    controller.start()  # a fresh profile: the wizard opens
    qtbot.waitUntil(lambda: controller.wizard is not None)
    wizard = controller.wizard
    qtbot.waitExposed(wizard)
    assert unreadable_labels(wizard) == []
    wizard.next()  # the site's page, left for later
    wizard.website.later.setChecked(True)
    wizard.next()  # the license page
    box = wizard.box("license")
    box.form.set_values({"license_key": "short", "site_url": "not a site"})
    box.form.show_problems(all_fields=True)
    box.panel.show_result(CheckResult("license", Status.INVALID_CREDENTIALS, "The license key was not accepted.",
                                      "HTTPStatusError on https://accessally.com/ (403)"))
    box.panel.details_toggle.setChecked(True)
    QApplication.processEvents()
    assert any("✖" in label.text() for label in wizard.findChildren(QLabel) if label.isVisible())
    assert unreadable_labels(wizard) == []


def test_dashboard_failures_read_well_in_a_dark_palette(qtbot, appearance) -> None:
    store = SettingsStore()
    settings = store.load().settings
    profile = settings.current()
    profile.crm, profile.payments = "drip", ["stripe"]
    profile.results = {
        "license": SavedResult("ok", "Active until 25 November 2027.", account_name="Jane Doe", tested_at=1.7e9),
        "drip": SavedResult("invalid_credentials", "Drip did not accept this API token.", tested_at=1.7e9),
        "stripe": SavedResult("untested", "Saved without a passing test.", tested_at=1.7e9, untested=True),
    }
    store.save(settings)
    controller = AppController(test_timeout=5)
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitExposed(controller.window)
    controller.window.add_notice("Your settings file could not be read and was set aside.", "settings_notice")
    QApplication.processEvents()
    assert "did not accept" in controller.window.dashboard.rows["drip"].badge.text.text()
    assert unreadable_labels(controller.window) == []
