"""Smoke-test a built app folder: the frozen executable starts, shows its windows, and tests credentials.

    python packaging/smoke_test.py [dist folder, app folder, .app bundle or executable]   (default: dist/)

Every run gets a throwaway home (HOME, XDG_*, APPDATA...), so no real settings, log or keyring
entry is touched. Checks, each printed as PASS, FAIL or SKIP:

- `--version` prints the app's name and the version of this checkout;
- the .dist-info of the app and of every library the About dialog lists is in the folder;
- the window opens offscreen and the app quits with status 0 (hidden `--exit-when-ready`), and its
  log says where secrets go: the system keyring on Windows and macOS; on Linux the session-only
  memory store without a Secret Service, and GNOME Keyring on a private D-Bus when
  `dbus-run-session` and `gnome-keyring-daemon` are installed (proof that keyring's backends are
  found in the frozen app);
- the same with `--sandbox`, and on Linux under a virtual X server if `xvfb-run` is installed;
- a second copy started with an accessally-desktop:// link (as the browser starts it) hands the link to
  the first over the local socket and exits 0 (QtNetwork is bundled for it); on Linux,
  `--register-url-handler` writes an entry that starts this executable;
- `check` passes all eight services against this checkout's stand-ins (started here, on
  127.0.0.1), rejects a wrong Stripe key without printing it, and talks TLS to a stand-in with a
  private CA through SSL_CERT_FILE, refusing it without (needs the `openssl` command).

Exit status 0 when nothing failed. The stand-ins are imported from this checkout and use only the
standard library, so any Python 3.11+ can run this script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the stand-ins and the expected version come from this checkout

from accessally_desktop import APP_NAME, __version__  # noqa: E402 - needs the checkout on sys.path

CLI_NAME = "accessally-desktop"  # the console twin the spec adds on Windows
IS_WINDOWS, IS_MAC, IS_LINUX = sys.platform == "win32", sys.platform == "darwin", sys.platform.startswith("linux")
EXE_SUFFIX = ".exe" if IS_WINDOWS else ""


class Failed(Exception):
    """A check failed; the message says what was expected and what came out."""


class Skipped(Exception):
    """A check cannot run here (a tool is missing); the message says which."""


# -- finding the executables -----------------------------------------------------------------------

def find_executables(target: Path) -> tuple[Path, Path]:
    """(the windowed app, the program for terminal commands) inside whatever path was given."""
    if target.is_file():
        return target, target
    candidates = [target / f"{APP_NAME}.app" / "Contents" / "MacOS" / APP_NAME,  # dist/ on macOS
                  target / "Contents" / "MacOS" / APP_NAME,  # the .app itself
                  target / APP_NAME / f"{APP_NAME}{EXE_SUFFIX}",  # dist/
                  target / f"{APP_NAME}{EXE_SUFFIX}"]  # the app folder
    for gui in candidates:
        if gui.is_file():
            cli = gui.with_name(CLI_NAME + EXE_SUFFIX)
            return gui, cli if IS_WINDOWS and cli.is_file() else gui
    raise SystemExit(f"No {APP_NAME} executable under {target}. Build it first: python packaging/build.py")


# -- a throwaway home --------------------------------------------------------------------------------

def isolated_env(home: Path) -> dict[str, str]:
    """This environment with every per-user folder moved into `home` and no service overrides."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ACCESSALLY_DESKTOP_", "XDG_", "SSL_CERT_", "DBUS_SESSION_BUS_ADDRESS"))}
    env.update(HOME=str(home), USERPROFILE=str(home), QT_QPA_PLATFORM="offscreen")
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        env[f"XDG_{name}_HOME"] = str(home / f"xdg-{name.lower()}")
    if IS_WINDOWS:  # platformdirs reads these (WIN_PD_OVERRIDE_* first, in recent versions)
        for variable, folder in (("APPDATA", "Roaming"), ("LOCALAPPDATA", "Local")):
            env[variable] = env[f"WIN_PD_OVERRIDE_{variable}"] = str(home / "AppData" / folder)
    return env


def app_log(home: Path) -> str:
    logs = sorted(home.rglob("app.log"))
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in logs)


def run(command: list[str], env: dict[str, str], timeout: float, stdin: str = "") -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, check=False, env=env, input=stdin, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise Failed(f"no exit within {timeout:.0f} s: {' '.join(command)}") from exc


def tail(text: str, lines: int = 15) -> str:
    return "\n".join("      " + line for line in text.strip().splitlines()[-lines:])


# -- the checks -----------------------------------------------------------------------------------------

class Smoke:
    """The checks, run one by one by `check`, which prints PASS/FAIL/SKIP and counts failures."""

    def __init__(self, gui: Path, cli: Path, timeout: float, scratch: Path) -> None:
        self.gui, self.cli, self.timeout, self.scratch = gui, cli, timeout, scratch
        self.failed = 0
        self._homes = 0

    def home(self) -> Path:
        self._homes += 1
        path = self.scratch / f"home{self._homes}"
        path.mkdir()
        return path

    def check(self, title: str, test: Callable[[], str]) -> None:
        started = time.monotonic()
        try:
            detail = test()
        except Skipped as exc:
            print(f"SKIP  {title}: {exc}", flush=True)
            return
        except Failed as exc:
            self.failed += 1
            print(f"FAIL  {title}: {exc}", flush=True)
            return
        except Exception as exc:  # noqa: BLE001 - e.g. the executable cannot be started: a FAIL, not a crash
            self.failed += 1
            print(f"FAIL  {title}: {type(exc).__name__}: {exc}", flush=True)
            return
        print(f"PASS  {title} ({time.monotonic() - started:.1f} s){': ' + detail if detail else ''}", flush=True)

    def version(self) -> str:
        out = run([str(self.cli), "--version"], isolated_env(self.home()), self.timeout)
        expected = f"{APP_NAME} {__version__}"
        if out.returncode != 0 or out.stdout.strip() != expected:
            raise Failed(f"expected {expected!r} and status 0, got status {out.returncode}, "
                         f"stdout {out.stdout.strip()!r}\n{tail(out.stderr)}")
        return expected

    def metadata(self) -> str:
        """The .dist-info the About dialog reads each bundled library's version and licence from."""
        from accessally_desktop.diagnostics import BUNDLED

        def norm(name: str) -> str:
            return re.sub(r"[-_.]+", "-", name).lower()

        folder = self.gui.parent.parent if IS_MAC else self.gui.parent  # Contents/ in a .app
        found = {norm(path.name.split("-", 1)[0]) for path in folder.rglob("*.dist-info")}  # name-version.dist-info
        linux_only = {"secretstorage", "jeepney"}
        wanted = {norm(name) for name in ("accessally-desktop", *BUNDLED)} - (set() if IS_LINUX else linux_only)
        missing = sorted(wanted - found)
        if missing:
            raise Failed(f"no .dist-info for {', '.join(missing)}")
        return f"{len(wanted)} distributions"

    def icons(self) -> str:
        """The SVG icons (status badges, window) and Qt's SVG icon engine, which draws them; without either
        the badges would show their words with no icon, and nothing would say why."""
        from accessally_desktop.ui.widgets import ICONS

        folder = self.gui.parent.parent if IS_MAC else self.gui.parent
        wanted = sorted(path.name for path in ICONS.glob("*.svg"))
        bundled = {path.name for path in folder.rglob("*.svg")}
        missing = [name for name in wanted if name not in bundled]
        engines = [path.name for path in folder.rglob("*qsvgicon*")]
        if missing or not engines:
            raise Failed(f"missing: {', '.join(missing + ([] if engines else ['the qsvgicon plugin']))}")
        return f"{len(wanted)} icons, {engines[0]}"

    def gui_start(self, *args: str, expect: str, wrapper: list[str] | None = None,
                  env_extra: dict[str, str] | None = None) -> str:
        """Start the window, require a clean exit 0 and a log line saying where secrets go."""
        home = self.home()
        env = {**isolated_env(home), **(env_extra or {})}
        out = run([*(wrapper or []), str(self.gui), "--exit-when-ready", *args], env, self.timeout)
        log = app_log(home)
        ready = [line for line in log.splitlines() if "ready; secrets go to" in line]
        problem = ""
        if out.returncode != 0:
            problem = f"exit status {out.returncode}"
        elif not ready:
            problem = "the log has no 'ready' line"
        elif "Traceback" in log or "unexpected error" in log:
            problem = "the log holds an error"
        elif expect not in ready[-1]:
            problem = f"expected secrets to go to {expect!r}"
        if problem:
            raise Failed(f"{problem}\n    stderr:\n{tail(out.stderr)}\n    log:\n{tail(log)}")
        return "secrets go to " + ready[-1].split("secrets go to ", 1)[1].split(";")[0]

    def handoff(self) -> str:
        """The browser starts a second copy with the owner's site's answer: it goes to the first copy."""
        home = self.home()
        env = isolated_env(home)
        link = "accessally-desktop://wordpress-connected?state=smoke&success=false"
        first = subprocess.Popen([str(self.gui)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self._wait_for_log(home, "hand-off: listening", first)
            second = run([str(self.gui), link], env, self.timeout)
            if second.returncode != 0:
                raise Failed(f"the second copy ended with status {second.returncode}\n{tail(second.stderr)}")
            self._wait_for_log(home, "a link from the owner's site arrived", first)
        finally:
            first.terminate()
            try:
                first.wait(10)
            except subprocess.TimeoutExpired:
                first.kill()
                first.wait()
        return "the first copy received the link; the second exited 0"

    def _wait_for_log(self, home: Path, words: str, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + self.timeout
        while words not in app_log(home):
            if process.poll() is not None or time.monotonic() > deadline:
                raise Failed(f"the log never said {words!r}\n    log:\n{tail(app_log(home))}")
            time.sleep(0.1)

    def register_url_handler(self) -> str:
        if not IS_LINUX:
            raise Skipped("Linux only (Windows registers at start, macOS through Info.plist)")
        from accessally_desktop.url_scheme import desktop_entry, desktop_file_path

        env = isolated_env(self.home())
        out = run([str(self.gui), "--register-url-handler"], env, self.timeout)
        entry = desktop_file_path(env)
        if out.returncode != 0 or not entry.is_file():
            raise Failed(f"status {out.returncode}, no {entry}\n{tail(out.stdout)}\n{tail(out.stderr)}")
        if entry.read_text(encoding="utf-8") != desktop_entry([str(self.gui)]):
            raise Failed(f"{entry} does not start {self.gui}:\n{tail(entry.read_text(encoding='utf-8'))}")
        return str(entry)

    def gui_with_secret_service(self) -> str:
        if not IS_LINUX:
            raise Skipped("Linux only (Windows and macOS have their keyring built in, checked above)")
        missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(tool)]
        if missing:
            raise Skipped(f"needs {' and '.join(missing)}")
        # A private session bus with an unlocked GNOME Keyring in the throwaway home; both end with the app.
        script = ('printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null '
                  '&& exec "$0" "$@"')
        return self.gui_start(expect="system keyring (SecretService.", wrapper=["dbus-run-session", "--", "sh", "-c",
                                                                                 script])

    def gui_on_x11(self) -> str:
        if not IS_LINUX:
            raise Skipped("Linux only")
        if not shutil.which("xvfb-run"):
            raise Skipped("needs xvfb-run")
        return self.gui_start(expect="memory", wrapper=["xvfb-run", "-a"], env_extra={"QT_QPA_PLATFORM": "xcb"})

    def check_command(self, credentials: dict, overrides: dict[str, str], *, expect_ok: bool,
                      env_extra: dict[str, str] | None = None) -> list[dict]:
        env = {**isolated_env(self.home()), **overrides, **(env_extra or {})}
        out = run([str(self.cli), "check", "--json", "--credentials", "-", "--timeout", "20"], env,
                  self.timeout, json.dumps(credentials))
        try:
            results = json.loads(out.stdout)
        except ValueError:
            raise Failed(f"status {out.returncode}, output is not JSON:\n{tail(out.stdout)}\n{tail(out.stderr)}") \
                from None
        if out.returncode != (0 if expect_ok else 1):
            raise Failed(f"status {out.returncode}:\n{tail(json.dumps(results, indent=1), 40)}\n{tail(out.stderr)}")
        from accessally_desktop.integrations import registry

        for service_id, fields in credentials.items():
            for name in registry.get(service_id).secret_fields:
                if fields.get(name) and fields[name] in out.stdout + out.stderr:
                    raise Failed(f"the {service_id} {name} was printed")
        return results

    def check_all_services(self, sandbox) -> str:
        results = self.check_command(sandbox.demo_credentials(), sandbox.env, expect_ok=True)
        bad = [r for r in results if not r["ok"]]
        if bad or len(results) != len(sandbox.servers):
            raise Failed(f"not all ok: {bad or results}")
        return ", ".join(f"{r['service']} {r['status']} {r['elapsed_ms']} ms" for r in results)

    def check_wrong_stripe_key(self, sandbox) -> str:
        stripe = dict(sandbox.demo_credentials()["stripe"])
        key = stripe["secret_key"]
        stripe["secret_key"] = key[:-1] + ("b" if key[-1] == "a" else "a")
        [result] = self.check_command({"stripe": stripe}, sandbox.env, expect_ok=False)
        if result["status"] != "invalid_credentials":
            raise Failed(f"expected invalid_credentials, got {result}")
        return f"{result['status']}: {result['message']}"

    def check_tls(self, sandbox) -> str:
        if not shutil.which("openssl"):
            raise Skipped("needs the openssl command to make a private CA")
        import ssl

        from accessally_desktop.sandbox import server_class

        ca, chain, key = make_private_ca(self.scratch / "tls")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain, key)
        server = server_class("stripe")(tls=context).start()
        url = server.url
        try:
            overrides = {**sandbox.env, "ACCESSALLY_DESKTOP_STRIPE_URL": url}
            credentials = {"stripe": server.credentials()}
            self.check_command(credentials, overrides, expect_ok=True, env_extra={"SSL_CERT_FILE": str(ca)})
            [untrusted] = self.check_command(credentials, overrides, expect_ok=False)
        finally:
            server.stop()
        if untrusted["status"] != "tls_error":
            raise Failed(f"without SSL_CERT_FILE expected tls_error, got {untrusted}")
        return f"{url}: ok with SSL_CERT_FILE, {untrusted['status']} without"


def make_private_ca(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate + CA, server key) for 127.0.0.1, made with the openssl command."""
    folder.mkdir()
    ca_key, ca, key, csr, cert, chain = (folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr",
                                                               "server.pem", "chain.pem"))
    ext = folder / "server.ext"
    ext.write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
                   "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n", encoding="ascii")

    def openssl(*args: str) -> None:
        out = subprocess.run(["openssl", *args], check=False, capture_output=True, text=True)
        if out.returncode != 0:
            raise Skipped(f"openssl {args[0]} failed: {out.stderr.strip()[-300:]}")

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", str(ca_key), "-out", str(ca), "-days", "2", "-subj",
            "/CN=AccessAlly Desktop smoke test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
            "-out", str(cert), "-days", "2", "-extfile", str(ext))
    chain.write_text(cert.read_text() + ca.read_text())
    return ca, chain, key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", type=Path, default=ROOT / "dist",
                        help="the dist folder, the app folder, the .app bundle or the executable (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=90, metavar="S",
                        help="seconds each start of the app may take (default: %(default)s)")
    args = parser.parse_args(argv)
    gui, cli = find_executables(args.target.resolve())
    print(f"Smoke-testing {gui}" + (f" and {cli.name}" if cli != gui else ""), flush=True)
    with tempfile.TemporaryDirectory(prefix="aad-smoke-") as scratch:
        smoke = Smoke(gui, cli, args.timeout, Path(scratch))
        system_keyring = "memory" if IS_LINUX else "system keyring"
        smoke.check("--version", smoke.version)
        smoke.check("metadata for the About dialog is bundled", smoke.metadata)
        smoke.check("icons and Qt's SVG icon engine are bundled", smoke.icons)
        smoke.check("window opens and quits (offscreen)", lambda: smoke.gui_start(expect=system_keyring))
        smoke.check("window with a Secret Service keyring (private D-Bus)", smoke.gui_with_secret_service)
        smoke.check("--sandbox window opens and quits", lambda: smoke.gui_start("--sandbox", expect="memory"))
        smoke.check("window on X11 (xvfb)", smoke.gui_on_x11)
        smoke.check("a second copy hands its link to the first", smoke.handoff)
        smoke.check("--register-url-handler names this executable", smoke.register_url_handler)
        from accessally_desktop.sandbox import Sandbox

        sandbox = Sandbox()
        try:
            smoke.check("check: all eight services against the stand-ins", lambda: smoke.check_all_services(sandbox))
            smoke.check("check: a wrong Stripe secret key is rejected", lambda: smoke.check_wrong_stripe_key(sandbox))
            smoke.check("check: TLS with a private CA (SSL_CERT_FILE)", lambda: smoke.check_tls(sandbox))
        finally:
            sandbox.stop()
    print(f"\n{'FAILED' if smoke.failed else 'PASSED'}: {smoke.failed} check(s) failed", flush=True)
    return 1 if smoke.failed else 0


if __name__ == "__main__":
    sys.exit(main())
