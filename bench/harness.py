"""What the benchmark scripts share: isolated user dirs, an in-memory keyring, quiet offscreen Qt,
the stand-ins in a child process, and a configured site saved for the dashboard cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

# -- isolation: temp config dirs, offscreen Qt, an in-memory keyring --------------------------------

def isolate() -> str:
    """Point every user dir at a temp dir before the app is imported; returns the temp dir."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="accessally-bench-")
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        path = os.path.join(home, name.lower())
        os.makedirs(path)
        os.environ[f"XDG_{name}_HOME"] = path
    for key in [k for k in os.environ if k.startswith("ACCESSALLY_DESKTOP_") and k.endswith("_URL")]:
        del os.environ[key]
    return home


def install_memory_keyring() -> None:
    import keyring

    from accessally_desktop.sandbox.keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


def quiet_offscreen_warnings() -> None:
    """The offscreen platform says "does not support ..." for window hints: not worth a line each."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(kind, context, message: str) -> None:
        if "This plugin does not support" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


# -- the stand-ins, in a child process --------------------------------------------------------------

STANDINS = r"""
import json, sys
from accessally_desktop.sandbox import server_class
servers = {sid: server_class(sid)().start() for sid in sys.argv[1:]}
print(json.dumps({sid: {"url": s.url, "credentials": s.credentials()} for sid, s in servers.items()}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    for sid in ([] if cmd.get("count") else cmd.get("services") or list(servers)):
        servers[sid].inject(cmd.get("fault"), times=cmd.get("times"), **cmd.get("options", {}))
    print(json.dumps({sid: len(s.requests) for sid, s in servers.items()}), flush=True)
for s in servers.values():
    s.stop()
"""


class StandIns:
    """Loopback stand-ins for some services in a child process; `inject` forwards to each server."""

    def __init__(self, services: tuple[str, ...] | list[str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", STANDINS, *services], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the stand-in servers did not start")
        info = json.loads(line)
        self.urls = {sid: v["url"] for sid, v in info.items()}
        self.credentials = {sid: v["credentials"] for sid, v in info.items()}

    def inject(self, fault: str | None, *, services: list[str] | None = None, times: int | None = None,
               **options: object) -> dict[str, int]:
        """Set a fault on the servers (all by default); returns each server's request count so far."""
        self.proc.stdin.write(json.dumps({"fault": fault, "services": services, "times": times,
                                          "options": options}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def counts(self) -> dict[str, int]:
        """Each server's request count so far (changes no fault)."""
        self.proc.stdin.write(json.dumps({"count": True}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def point_environment(self, env: dict[str, str] | os._Environ) -> None:
        from accessally_desktop.integrations.base import override_env_var

        for sid, url in self.urls.items():
            env[override_env_var(sid)] = url

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def save_configured_site(credentials: dict[str, dict[str, str]], services: tuple[str, ...]) -> None:
    """Save the current site using `services` (license, a CRM, stripe, paypal), secrets in the keyring."""
    from accessally_desktop.integrations import registry
    from accessally_desktop.secrets import open_store
    from accessally_desktop.settings import SettingsStore
    from accessally_desktop.storage import Storage, stored_name

    store = SettingsStore()
    settings = store.load().settings
    profile = settings.current()
    profile.crm = next((s for s in services if s in registry.CRM_IDS), "none")
    profile.payments = [s for s in services if s in registry.PAYMENT_IDS]
    profile.site_url = credentials["license"]["site_url"]
    for sid in services:  # the variant the stand-in's demo values name ("environment": "sandbox")
        integration = registry.get(sid)
        if integration.variants and credentials[sid].get(integration.variant_key):
            profile.variants[sid] = credentials[sid][integration.variant_key]
    secrets: dict[str, str | None] = {}
    values: dict[str, dict[str, str]] = {}
    for sid in services:
        variant = profile.variant(sid)
        for f in registry.get(sid).fields:
            value = credentials[sid].get(f.name, "")
            if not value:
                continue
            if f.secret:
                secrets[stored_name(sid, f.name, variant)] = value
            else:
                values.setdefault(sid, {})[stored_name("", f.name, variant)] = value
    profile.values = values
    Storage(store, open_store().store).commit(settings, profile.name, secrets)


def settle_pool(linger: float = 0.05, wait_ms: int = 30000) -> None:
    """Let every pool worker finish, then deliver their queued answers for `linger` seconds."""
    from PySide6.QtCore import QCoreApplication, QThreadPool

    QThreadPool.globalInstance().waitForDone(wait_ms)
    end = time.monotonic() + linger
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.005)


def start_configured_app(test_timeout: float, services: tuple[str, ...]):
    """Start the app on the saved configured site, wait for its keyring, check its dashboard rows."""
    from PySide6.QtCore import QCoreApplication

    from accessally_desktop.ui.main import AppController

    controller = AppController(test_timeout=test_timeout)
    controller.start()
    deadline = time.monotonic() + 10
    while not controller.store_future.done() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.005)
    rows = list(controller.window.dashboard.rows)
    if rows != list(services):
        raise SystemExit(f"the configured site shows {rows}, expected {list(services)}")
    return controller

