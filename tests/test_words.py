"""The words an owner reads: one date format, in the desktop's locale, with "5 minutes ago" where it
reads better; next steps that name the button to click, without "run" or a doubled full stop."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QDateTime, QLocale

from accessally_desktop.ui.dashboard import NEXT_STEP, last_tested_text
from accessally_desktop.ui.when import when_text

NOON = time.mktime((2026, 12, 3, 12, 0, 0, 0, 0, -1))


@pytest.mark.parametrize(("ago", "said"), [(5, "just now"), (60, "1 minute ago"), (5 * 60, "5 minutes ago"),
                                           (59 * 60, "59 minutes ago")])
def test_recent_times_say_how_long_ago(ago: float, said: str) -> None:
    assert when_text(NOON - ago, now=NOON) == said


def test_older_times_use_the_desktops_own_time_and_date_formats() -> None:
    locale = QLocale.system()
    morning = NOON - 3 * 3600
    clock = locale.toString(QDateTime.fromSecsSinceEpoch(int(morning)).time(), QLocale.FormatType.ShortFormat)
    assert when_text(morning, now=NOON) == f"today at {clock}"
    assert when_text(morning - 86400, now=NOON) == f"yesterday at {clock}"
    last_week = QDateTime.fromSecsSinceEpoch(int(morning - 7 * 86400))
    assert when_text(morning - 7 * 86400, now=NOON) == (
        f"{locale.toString(last_week.date(), QLocale.FormatType.ShortFormat)} at {clock}")


def test_a_dashboard_row_says_tested_when_or_never() -> None:
    assert last_tested_text(0.0) == "never tested"
    assert last_tested_text(NOON - 120, now=NOON) == "tested 2 minutes ago"


@pytest.mark.parametrize("status", sorted(NEXT_STEP))
def test_next_steps_name_the_button_without_run_or_a_doubled_stop(status: str) -> None:
    words = NEXT_STEP[status]
    assert "run Fix" not in words and "…." not in words and words.endswith(".")


def test_the_dashboard_keeps_how_long_ago_true_as_time_passes(qtbot, monkeypatch) -> None:
    from accessally_desktop.settings import SavedResult, SiteProfile
    from accessally_desktop.ui.dashboard import Dashboard

    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    profile = SiteProfile("Site", results={"license": SavedResult("ok", "License accepted.", tested_at=NOON)})
    monkeypatch.setattr(time, "time", lambda: NOON + 30)
    dashboard.set_profile(profile)
    assert dashboard.rows["license"].when.text() == "tested just now"
    monkeypatch.setattr(time, "time", lambda: NOON + 5 * 60)
    dashboard.clock.timeout.emit()  # what its one-minute timer does
    assert dashboard.clock.isActive() and dashboard.clock.interval() == 60_000
    assert dashboard.rows["license"].when.text() == "tested 5 minutes ago"


def test_window_titles_name_the_app_once_at_the_end_where_linux_would_not_add_it_again(qtbot) -> None:
    from accessally_desktop import APP_NAME
    from accessally_desktop.ui.main import AppController

    controller = AppController(test_timeout=10)
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    for window in (controller.window, controller.wizard):
        title = window.windowTitle()
        assert title.endswith(f" — {APP_NAME}") and title.count(APP_NAME) == 1, title
    controller.wizard.close()


def test_the_password_store_is_named_as_owners_know_it_never_by_its_python_class() -> None:
    from accessally_desktop.secrets import KeyringStore, MemoryStore

    kinds = {"keyring.backends.macOS": "the macOS Keychain", "keyring.backends.Windows": "Windows Credential Manager",
             "keyring.backends.kwallet": "KWallet", "keyring.backends.SecretService": "GNOME Keyring"}
    for module, words in kinds.items():
        backend = type("Keyring", (), {"__module__": module})()
        shown = KeyringStore(backend).shown_as
        assert words in shown and "Keyring)" not in shown.replace("GNOME Keyring", "") and "." not in shown, shown
    assert MemoryStore().shown_as == "this app's memory, for this session only"


@pytest.mark.parametrize(("kind", "status"), [("ok", "ok"), ("warning", "rate_limited"), ("error", "invalid_credentials")])
def test_the_crm_panel_shows_states_with_the_same_icons_as_the_dashboard(qtbot, kind: str, status: str) -> None:
    from accessally_desktop.ui.option_widgets import StatusLine
    from accessally_desktop.ui.widgets import StatusBadge

    line, badge = StatusLine("line"), StatusBadge()
    qtbot.addWidget(line)
    qtbot.addWidget(badge)
    line.show_state(kind, "Words")
    badge.set_status(status, "Words")
    assert line.icon.pixmap().toImage() == badge.icon.pixmap().toImage()
