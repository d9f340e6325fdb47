"""A whole scripted session, then every file it could have written is searched for every secret used."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QCheckBox
from test_wizard import walk_to_summary

from accessally_desktop import logs
from accessally_desktop.integrations import redaction, registry
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.ui.main import AppController


@pytest.fixture
def logging_to_file():
    """The app's real log file, at DEBUG so httpx, httpcore and stripe log every request they make."""
    path = logs.setup_logging(logging.DEBUG)
    yield path
    logs.close_logging()
    redaction.forget_secrets()


@pytest.fixture
def services(serve):
    return {service_id: serve(service_id) for service_id in ("wordpress", "license", "drip", "stripe")}


def test_no_secret_reaches_any_file_after_a_full_session(qtbot, services, user_dirs, tmp_path,
                                                         logging_to_file) -> None:
    password = services["wordpress"].credentials()["application_password"]  # shown in groups of four
    secrets = [services["license"].credentials()["license_key"], services["drip"].credentials()["api_token"],
               services["stripe"].credentials()["secret_key"], password, password.replace(" ", "")]
    exports = tmp_path / "exports"
    exports.mkdir()

    # 1. The wizard, start to Finish.
    controller = AppController(test_timeout=5)
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    wizard = controller.wizard
    walk_to_summary(qtbot, wizard, services)
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        wizard.accept()

    # 2. A CRM setting changed and applied.
    window = controller.window
    window.navigation.setCurrentIndex(1)
    window.crm_settings.findChild(QCheckBox, "drip_tracking").setChecked(False)
    window.crm_settings.apply()

    # 3. Test all, with one failing test (Stripe answers 401 this time).
    services["stripe"].inject("status", code=401, times=1, body={"error": {
        "message": "Invalid API Key provided: sk_test_****1234", "type": "invalid_request_error"}})
    controller.test(list(window.dashboard.rows))
    qtbot.waitUntil(lambda: not controller.running and not window.dashboard.running(), timeout=15000)
    assert window.dashboard.rows["stripe"].badge.text.text().startswith("Credentials rejected")

    # 4. The check command, its JSON output kept as a file.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSALLY_DESKTOP_")}
    env.update({override_env_var(s): server.url for s, server in services.items()})
    credentials = {s: server.credentials() for s, server in services.items()}
    out = subprocess.run([sys.executable, "-m", "accessally_desktop", "check", "--json", "--credentials", "-"],
                         input=json.dumps(credentials), capture_output=True, text=True, env=env, timeout=120)
    (exports / "check.json").write_text(out.stdout + out.stderr)
    assert json.loads(out.stdout)

    # 5. Diagnostics exported.
    window.copy_diagnostics()
    diagnostics = QApplication.clipboard().text()
    assert "AccessAlly Desktop" in diagnostics and "stripe" in diagnostics.lower()
    (exports / "diagnostics.txt").write_text(diagnostics)
    window.close()

    logging.getLogger("accessally_desktop").debug("last line: %s", credentials)  # even a careless log call
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = [p for d in (*user_dirs.values(), exports) for p in Path(d).rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"settings.json", "app.log", "check.json", "diagnostics.txt"} <= names, names
    assert logging_to_file.stat().st_size > 0
    hits = [(p.name, s[:8]) for p in files for s in secrets if s.encode() in p.read_bytes()]
    assert hits == [], f"secrets found on disk: {hits}"
    assert all(registry.get(s) for s in services)
