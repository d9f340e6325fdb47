"""One way to say when something happened, in the desktop's own date and time format: "just now",
"5 minutes ago", "today at 14:05", "yesterday at 09:12", then the locale's short date."""

from __future__ import annotations

import time

from PySide6.QtCore import QDateTime, QLocale


def when_text(epoch: float, now: float | None = None) -> str:
    """How long ago `epoch` was, for a person; "" for no time at all."""
    if not epoch:
        return ""
    now = time.time() if now is None else now
    ago = now - epoch
    if 0 <= ago < 60:
        return "just now"
    if 0 <= ago < 3600:
        minutes = int(ago // 60)
        return "1 minute ago" if minutes == 1 else f"{minutes} minutes ago"
    locale = QLocale.system()
    moment = QDateTime.fromSecsSinceEpoch(int(epoch))
    clock = locale.toString(moment.time(), QLocale.FormatType.ShortFormat)
    days = moment.date().daysTo(QDateTime.fromSecsSinceEpoch(int(now)).date())
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"yesterday at {clock}"
    return f"{locale.toString(moment.date(), QLocale.FormatType.ShortFormat)} at {clock}"
