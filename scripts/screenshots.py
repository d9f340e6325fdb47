"""Regenerate the README screenshots from the real app, against the loopback stand-ins.

    xvfb-run -a python scripts/screenshots.py docs/screenshots      # a real X11 window
    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py docs/screenshots
    xvfb-run -a python scripts/screenshots.py --dark docs/screenshots/dark   # as on a dark desktop

Nothing is saved to your real settings or keyring: config dirs go to a temp folder, and the
keyring is replaced by an in-memory one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main(out_dir: str, *, dark: bool = False) -> int:
    scratch = tempfile.mkdtemp(prefix="aad-shots-")
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        os.environ[f"XDG_{name}_HOME"] = os.path.join(scratch, name.lower())
    import keyring

    from accessally_desktop.sandbox.keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # the normal (keyring present) state, kept in memory
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from accessally_desktop.integrations.base import override_env_var
    from accessally_desktop.sandbox import server_class

    app = QApplication.instance() or QApplication(sys.argv[:1])
    if dark:
        from accessally_desktop.sandbox.appearance import dark_palette

        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    servers = {}
    for service_id in ("wordpress", "license", "drip", "stripe", "paypal"):
        servers[service_id] = server_class(service_id)().start()
        os.environ[override_env_var(service_id)] = servers[service_id].url
    from accessally_desktop.sandbox import demo_tracking

    servers["wordpress"].switch(head=demo_tracking())  # the CRM panel and the site row then show what they find
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from accessally_desktop.ui.main import AppController

    controller = AppController(test_timeout=5)
    controller.start()  # a fresh profile: the wizard opens by itself
    window = controller.window
    window.resize(980, 680)

    def settle(ms: int = 150) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    while controller.wizard is None:
        settle(50)
    wizard = controller.wizard

    def tested(service_id: str) -> None:
        box = wizard.box(service_id)
        box.start_test()
        while box.running:
            settle(50)

    def shot(name: str) -> None:
        settle()
        wizard.grab().save(str(out / f"wizard-{name}.png"))
        print("saved", out / f"wizard-{name}.png")

    shot("1-welcome")
    wizard.next()
    wizard.box("wordpress").form.set_values(servers["wordpress"].credentials())
    tested("wordpress")
    shot("2-site")
    wizard.next()
    wizard.box("license").form.set_values(servers["license"].credentials())
    tested("license")
    shot("3-license")
    wizard.next()
    wizard.crm.choice.set_value("drip")
    shot("4-crm")
    wizard.next()
    wizard.box("drip").form.set_values(servers["drip"].credentials())
    tested("drip")
    shot("5-crm-credentials")
    wizard.next()
    wizard.payments.use["stripe"].setChecked(True)
    wizard.box("stripe").form.set_values({k: v for k, v in servers["stripe"].credentials().items() if k != "mode"})
    tested("stripe")
    shot("6-payments")
    wizard.next()
    shot("7-summary")
    wizard.accept()
    while controller.wizard is not None:
        settle(50)
    controller.test(list(window.dashboard.rows))
    settle(300)
    while controller.running:
        settle(50)
    settle(500)  # the Stripe webhook check follows the Stripe test
    window.grab().save(str(out / "main-1-dashboard.png"))
    print("saved", out / "main-1-dashboard.png")
    window.navigation.setCurrentIndex(1)
    settle(1500)  # the CRM panel fetches its forms live
    window.grab().save(str(out / "main-2-crm-settings.png"))
    print("saved", out / "main-2-crm-settings.png")
    window.crm_settings.apply() if window.crm_settings.has_unapplied_changes() else None
    for server in servers.values():
        server.stop()
    app.processEvents()
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="docs/screenshots")
    parser.add_argument("--dark", action="store_true", help="Fusion with a dark palette, as on a dark desktop")
    arguments = parser.parse_args()
    raise SystemExit(main(arguments.out_dir, dark=arguments.dark))
