"""A REAL WordPress 6.1 (Debian's `wordpress` package) for tests: private MariaDB, `php -S`, switchable
real-world conditions. Recipe and pitfalls: ../shared/wordpress.md.

Use the session fixture `real_wordpress` (tests/conftest.py); it starts once per test session (about
3 s on a 2-core machine, see `startup_seconds`) and stops every process it started at the end. Without
the packages (`apt-get install --no-install-recommends wordpress php-cli php-mysql mariadb-server`)
the tests that use it skip, or fail when the `CI` environment variable is set.

Attributes
  url           http://127.0.0.1:PORT — the site's address (WP_ENVIRONMENT_TYPE 'local' by default)
  https_url     https://127.0.0.1:TLSPORT — the same site through a TLS front (a test CA)
  ca_file       the test CA's PEM: `trust_tls(monkeypatch)` points SSL_CERT_FILE at it for the app
  tls           an ssl.SSLContext trusting that CA, for plain httpx: `httpx.get(…, verify=site.tls)`
  home          the home address under the current conditions (changes with force_https/canonical_host)
  rest_index    `home + "/?rest_route=/"` (works with plain and pretty permalinks; add to its query with
                "&…": httpx's `params=` would replace the query, rest_route included)
  admin, author WordPressUser(login, password, app_password, id, role): `password` logs in to wp-admin,
                `app_password` ("abcd efgh …", made by WP_Application_Passwords) authenticates the REST API
  pages         12 published pages, [{"id", "title", "slug"}] with distinct titles
  root          the tmp folder holding everything (site/, db/, logs)

Conditions (read by the PHP side from wp-content/fixture-conditions.json on every request; no restart)
  `with real_wordpress.conditions(tracking={"ontraport": "27875_3_2"}, page_cache=True): ...` sets them
  and restores the previous ones afterwards, even when the test fails. Each keyword (defaults: a plain,
  healthy site):
  app_passwords_off=True    a security plugin: wp_is_application_passwords_available → false
  production_http=True      WP_ENVIRONMENT_TYPE 'production': no application passwords over plain http
                            (they work through https_url, where is_ssl() is true)
  strip_authorization=True  the host drops the Authorization header (HTTP_AUTHORIZATION/PHP_AUTH_* unset)
  rest_blocked="everyone"   (or True) a firewall rule: every REST request (/wp-json/, ?rest_route=) → 404 HTML;
                            "logged_out": the "Disable WP REST API" plugin: 401 `rest_login_required` unless
                            logged in (an application password counts). Both drop the Link header and tag.
  accessally="active" | "inactive" | "missing"   the stub plugin (Version 4.9.2) active, inactive, or its
                            folder absent; it prints the tracking tags, so only "active" shows them
  permalinks="plain" | "pretty"
  canonical_host="localhost"  home = http://localhost:PORT; pages asked for at 127.0.0.1 get a 301 to it
                            (core redirects only www↔non-www; this plays that case), REST answers on both
  force_https=True          home = https_url, and every plain-http request gets a 301 to https_url
  tracking={"ontraport": id, "drip": id}   the app's own tracking_snippet(id) printed in wp_head
  script_style="plain" | "rocket" | "litespeed" | "cloudflare" | "consent" | "aggregated"   how a speed
                            plugin or consent banner rewrites those tags ("aggregated": inline code moves
                            into /wp-content/cache/min/1/<hash>.js loaded by src; Ontraport's external tag,
                            whose id is in its onload, stays as it is)
  page_cache=True           anonymous GETs of plain URLs get HTML cached under the defaults (no tracking)
                            with `X-Cache: HIT` and `Age: 5400`; a query string or a login gets the current
                            page (`X-Cache: BYPASS`). A dict gives the cached copy's conditions instead.
  gtm="GTM-…"               (or True) a Google Tag Manager container snippet in the head
  A non-WordPress server is not part of this fixture: tests use their own small loopback servers.

The Authorize Application flow (tests/support/wordpress_browser.py)
  client = real_wordpress.login(real_wordpress.admin)      an httpx.Client with a wp-admin cookie session
      (already open: close it, e.g. `with contextlib.closing(real_wordpress.login(…)) as client:`)
  approval = real_wordpress.approve(client, authorize_url)  what the browser does on Approve: the
      `location` it is sent to (success_url + site_url, user_login, password; never followed) and the password
  real_wordpress.reject(client, authorize_url) → the reject location
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from support import wordpress_browser
from support.tls_front import TlsFront
from support.wordpress_conditions import Conditions, flag_file, home_url

WORDPRESS_CORE = Path("/usr/share/wordpress")
PACKAGES = "wordpress php-cli php-mysql mariadb-server"
_FILES = Path(__file__).with_name("wordpress")
_SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
_ACCESSALLY = Path("wp-content/plugins/accessally")
_ACCESSALLY_HIDDEN = Path("wp-content/plugins/.accessally-missing")  # get_plugins() skips dot-folders
_CONDITIONS_FILE = Path("wp-content/fixture-conditions.json")


@dataclass(frozen=True)
class WordPressUser:
    login: str
    password: str
    app_password: str
    id: int
    role: str


def missing_packages() -> str:
    """What is missing for a real WordPress, in words ("" when everything is there)."""
    missing = [name for name in ("php", "mariadbd", "mariadb-install-db", "mariadb") if not shutil.which(name, path=_SBIN)]
    if not (WORDPRESS_CORE / "wp-settings.php").is_file():
        missing.append(str(WORDPRESS_CORE))
    if not missing and subprocess.run(["php", "-r", "exit(extension_loaded('mysqli') ? 0 : 1);"]).returncode:
        missing.append("PHP's mysqli extension")
    if not missing:
        return ""
    return (f"a real WordPress needs Debian's packages ({', '.join(missing)} missing): "
            f"sudo apt-get install -y --no-install-recommends {PACKAGES}")


def start_or_skip(root: Path) -> RealWordPress:
    """Start a site under `root`; skip the test without the packages, or fail when CI is set."""
    reason = missing_packages()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return RealWordPress(root).start()


class RealWordPress:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = root / "site"
        self._db = root / "db"
        self._socket = root / "db.sock"
        if len(str(self._socket)) > 100:  # a Unix socket's path holds at most 107 bytes
            raise RuntimeError(f"tmp folder too deep for MariaDB's socket: {self._socket}")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._ca = trustme.CA()
        self._tls_token = secrets.token_hex(16)
        self._tls = TlsFront(_server_context(self._ca), self.port, self._tls_token)
        self.https_url = f"https://127.0.0.1:{self._tls.port}"
        self.ca_file = root / "test-ca.pem"
        self._processes: list[subprocess.Popen] = []
        self.current = Conditions()
        self.startup_seconds = 0.0
        self.admin: WordPressUser
        self.author: WordPressUser
        self.pages: list[dict[str, Any]] = []

    # -- conditions ---------------------------------------------------------------------------------

    @property
    def home(self) -> str:
        return home_url(self.current, self.url, self.https_url)

    @property
    def rest_index(self) -> str:
        return f"{self.home}/?rest_route=/"

    @contextlib.contextmanager
    def conditions(self, **changes: Any) -> Iterator[Conditions]:
        """Set conditions (on top of the defaults) for the block; the previous ones come back after it."""
        previous = self.current
        self.set_conditions(**changes)
        try:
            yield self.current
        finally:
            self._apply(previous)

    def set_conditions(self, **changes: Any) -> None:
        self._apply(Conditions(**changes))

    def reset(self) -> None:
        self._apply(Conditions())

    def _apply(self, conditions: Conditions) -> None:
        data, files = flag_file(conditions, self.url, self.https_url)
        for relative, text in files.items():
            path = self.site / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        hidden = conditions.accessally == "missing"
        source, target = (_ACCESSALLY, _ACCESSALLY_HIDDEN) if hidden else (_ACCESSALLY_HIDDEN, _ACCESSALLY)
        if (self.site / source).exists():
            (self.site / source).rename(self.site / target)
        _write_atomically(self.site / _CONDITIONS_FILE, json.dumps(data))
        self.current = conditions

    @functools.cached_property
    def tls(self) -> ssl.SSLContext:
        """For plain httpx in tests: `httpx.get(site.https_url, verify=site.tls)`."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def trust_tls(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make the app trust https_url's certificate (SSL_CERT_FILE, read by integrations/_http.py)."""
        from accessally_desktop.integrations._http import _ssl_context

        monkeypatch.setenv("SSL_CERT_FILE", str(self.ca_file))
        _ssl_context.cache_clear()

    # -- the Authorize Application flow ------------------------------------------------------------

    def login(self, user: WordPressUser, base: str | None = None) -> httpx.Client:
        return wordpress_browser.login(base or self.home, user.login, user.password, verify=self.tls)

    def approve(self, client: httpx.Client, authorize_url: str) -> wordpress_browser.Approval:
        return wordpress_browser.approve(client, authorize_url)

    def reject(self, client: httpx.Client, authorize_url: str) -> str:
        return wordpress_browser.reject(client, authorize_url)

    # -- start and stop -------------------------------------------------------------------------------

    def start(self) -> RealWordPress:
        began = time.monotonic()
        atexit.register(self.stop)
        try:
            self._start_database()
            self._copy_site()
            self._wait_for_database()
            self._install()
            self._serve()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Stop everything this site started (php -S with its workers, mariadbd), by process id."""
        for process in reversed(self._processes):
            _stop_process_tree(process)
        self._processes.clear()
        with contextlib.suppress(OSError):
            self._tls.stop()
        atexit.unregister(self.stop)

    def _start_database(self) -> None:
        as_root = ["--user=root"] if os.getuid() == 0 else []
        self._run(["mariadb-install-db", "--no-defaults", f"--datadir={self._db}", *as_root, "--skip-test-db",
                   "--auth-root-authentication-method=socket"], "mariadb-install")
        self._spawn(["mariadbd", "--no-defaults", f"--datadir={self._db}", f"--socket={self._socket}",
                     "--skip-networking", *as_root, "--innodb-buffer-pool-size=64M", "--skip-log-bin"], "mariadbd")

    def _wait_for_database(self) -> None:
        me = pwd.getpwuid(os.getuid()).pw_name  # mariadb-install-db gives the OS user a socket-authenticated account
        client = ["mariadb", "--no-defaults", f"--socket={self._socket}", f"--user={me}"]
        deadline = time.monotonic() + 30
        while subprocess.run([*client, "-e", "SELECT 1"], capture_output=True, env=self._env()).returncode:
            self._check_running()
            if time.monotonic() > deadline:
                raise RuntimeError(f"MariaDB did not start; see {self.root / 'mariadbd.log'}")
            time.sleep(0.1)
        sql = ("CREATE DATABASE wordpress; CREATE USER wordpress@localhost IDENTIFIED BY 'wordpress'; "
               "GRANT ALL ON wordpress.* TO wordpress@localhost;")
        self._run([*client, "-e", sql], "mariadb")

    def _copy_site(self) -> None:
        try:  # hard links: fast, and the core is never edited in place (every file we change is replaced)
            subprocess.run(["cp", "-al", str(WORDPRESS_CORE), str(self.site)], check=True, capture_output=True)
        except subprocess.CalledProcessError:  # another file system than /usr: a plain copy
            shutil.rmtree(self.site, ignore_errors=True)
            shutil.copytree(WORDPRESS_CORE, self.site, symlinks=True)
        (self.site / "wp-config.php").unlink()
        shutil.rmtree(self.site / "wp-content")
        shutil.copy(_FILES / "wp-config.php", self.site / "wp-config.php")
        shutil.copytree(_FILES / "wp-content", self.site / "wp-content")
        self._ca.cert_pem.write_to_path(str(self.ca_file))
        site = {"url": self.url, "https_url": self.https_url, "db_socket": str(self._socket),
                "tls_token": self._tls_token, "salt": secrets.token_hex(16)}
        (self.site / "fixture-site.json").write_text(json.dumps(site))
        self.reset()

    def _install(self) -> None:
        output = self._run(["php", str(_FILES / "install.php"), str(self.site)], "install")
        installed = json.loads(output.splitlines()[-1])
        users = {user["login"]: WordPressUser(**user) for user in installed["users"]}
        self.admin, self.author = users["admin"], users["author"]
        self.pages = installed["pages"]

    def _serve(self) -> None:
        self._spawn(["php", "-S", f"127.0.0.1:{self.port}", "-t", str(self.site), str(_FILES / "router.php")],
                    "php-server", PHP_CLI_SERVER_WORKERS="4")  # one worker deadlocks on WordPress's loopback requests
        self._tls.start()
        deadline = time.monotonic() + 30
        while True:
            self._check_running()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.rest_index}&_fields=name", timeout=5).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"WordPress did not answer; see {self.root / 'php-server.log'}")
            time.sleep(0.1)

    def _env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "PATH": _SBIN, **extra}

    def _run(self, command: list[str], log: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True, env=self._env(), timeout=120)
        (self.root / f"{log}.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def _spawn(self, command: list[str], log: str, **env: str) -> None:
        with open(self.root / f"{log}.log", "wb") as output:
            self._processes.append(subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output,
                                                    stderr=subprocess.STDOUT, env=self._env(**env)))

    def _check_running(self) -> None:
        for process in self._processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} stopped ({process.returncode}); see the logs in {self.root}")


def _stop_process_tree(process: subprocess.Popen) -> None:
    """SIGTERM the process and its children (php -S's workers), then SIGKILL what is left after 10 s."""
    children = _children(process.pid)
    for pid in [*children, process.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 5
    for pid in children:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Still running: a zombie (gone, waiting for its new parent to reap it) does not count."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _write_atomically(path: Path, text: str) -> None:
    """php -S's workers read the file on every request: never let one see it half-written."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)
