"""`--sandbox`: every service played locally, demo values shown and filled in, nothing real touched."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from accessally_desktop.sandbox import Sandbox
from accessally_desktop.secrets import MemoryStore
from accessally_desktop.settings import SettingsStore, config_dir
from accessally_desktop.ui.main import AppController


@pytest.fixture
def sandbox(monkeypatch):
    running = Sandbox()
    for name, value in running.env.items():
        monkeypatch.setenv(name, value)
    yield running
    running.stop()


def test_every_demo_credential_passes_against_the_stand_ins(sandbox) -> None:
    from accessally_desktop.integrations import registry

    for service_id, values in sandbox.demo_credentials().items():
        result = registry.get(service_id).test(values, timeout=10)
        assert result.ok, (service_id, result)


def test_paypal_wrong_environment_is_shown_in_the_sandbox(sandbox) -> None:
    from accessally_desktop.integrations import Status, registry

    values = dict(sandbox.demo_credentials()["paypal"], environment="live")
    result = registry.get("paypal").test(values, timeout=10)
    assert result.status == Status.WRONG_ENVIRONMENT


def test_the_sandbox_site_carries_the_demo_crms_tracking_scripts(sandbox) -> None:
    """--sandbox shows the whole site check: the demo site's pages carry the demo Ontraport and Drip scripts."""
    from accessally_desktop.integrations import registry
    from accessally_desktop.sandbox import drip, ontraport

    result = registry.get("wordpress").test(sandbox.demo_credentials()["wordpress"], timeout=20)
    assert result.ok, result
    scripts = result.details()["tracking"]["scripts"]
    sampled = result.details()["tracking"]["pages_sampled"]
    assert [(s["account"], s["pages"]) for s in scripts["ontraport"]] == [(str(ontraport.ACCOUNT_ID), sampled)]
    assert [(s["account"], s["pages"]) for s in scripts["drip"]] == [(drip.ACCOUNT_ONE["id"], sampled)]


def test_sandbox_wizard_says_so_and_fills_in_demo_values(qtbot, sandbox, memory_keyring) -> None:
    controller = AppController(SettingsStore(config_dir() / "sandbox"), secret_store=MemoryStore(),
                               sandbox=sandbox.demo_credentials())
    qtbot.addWidget(controller.window)
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None, timeout=5000)
    wizard = controller.wizard
    assert "SANDBOX" in wizard.windowTitle() and "SANDBOX" in controller.window.windowTitle()
    banner = wizard.findChild(QLabel, "sandbox_banner")
    assert banner is not None and sandbox.demo_credentials()["stripe"]["secret_key"] in banner.text()
    wizard.next()
    wizard.findChild(QPushButton, "demo_wordpress").click()
    site = wizard.box("wordpress")
    site.start_test()
    qtbot.waitUntil(lambda: not site.running, timeout=10000)
    assert site.passed(), site.panel.badge.text.text()
    wizard.next()
    wizard.findChild(QPushButton, "demo_license").click()
    box = wizard.box("license")
    box.start_test()
    qtbot.waitUntil(lambda: not box.running, timeout=10000)
    assert box.passed()
    with qtbot.waitSignal(wizard.saved, timeout=5000):
        wizard.license.untested_box.setChecked(True)
        wizard.accept()
    assert (config_dir() / "sandbox" / "settings.json").exists()
    assert not (config_dir() / "settings.json").exists(), "sandbox data never mixes with real sites"
    assert memory_keyring.entries == {}, "the real keyring is never touched in sandbox mode"
    controller.window.close()


def test_sandbox_starts_and_quits_as_a_process(tmp_path) -> None:
    """The real command line, offscreen: starts, shows, and exits cleanly when asked to quit."""
    script = ("import sys; from PySide6.QtCore import QTimer; from PySide6.QtWidgets import QApplication;"
              "app = QApplication(sys.argv[:1]); QTimer.singleShot(1500, app.quit);"
              "from accessally_desktop.app import main; sys.exit(main(['--sandbox']))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSALLY_DESKTOP_")}
    env.update({f"XDG_{n}_HOME": str(tmp_path / n) for n in ("CONFIG", "DATA", "CACHE", "STATE")})
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert (tmp_path / "CONFIG" / "AccessAlly Desktop").exists() is False or \
        not (tmp_path / "CONFIG" / "AccessAlly Desktop" / "settings.json").exists()


def test_a_client_that_leaves_mid_answer_prints_no_traceback(qtbot, capfd) -> None:
    """A cancelled test or a quitting app hangs up on the stand-in: normal, and not worth a traceback
    on the terminal of a --sandbox session."""
    import socket
    import struct
    import threading

    from accessally_desktop.sandbox.ontraport import OntraportSandbox

    def handler_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name.endswith("(process_request_thread)")}

    elsewhere = handler_threads()  # other tests' stand-ins may still be answering: not this server's
    with OntraportSandbox() as server:
        server.inject("slow", delay=0.2)
        host, port = server.url.removeprefix("http://").split(":")
        for sent in range(1, 4):
            with socket.create_connection((host, int(port))) as client:
                client.sendall(b"GET /1/objects/meta HTTP/1.1\r\nHost: x\r\n\r\n")
                # hang up only once the stand-in has read the request, so it is mid-answer (a reset that
                # comes first makes the read fail instead, and the request is never counted)
                qtbot.waitUntil(lambda: len(server.requests) == sent, timeout=5000)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset

        def answered() -> bool:  # each request's thread wrote its answer into a reset connection and ended
            return len(server.requests) == 3 and not handler_threads() - elsewhere

        qtbot.waitUntil(answered, timeout=5000)
    assert "Traceback" not in capfd.readouterr().err
