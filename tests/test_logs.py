"""The log file and "Copy diagnostics": whatever is logged, by us or a library, no secret reaches them."""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accessally_desktop import __version__, logs
from accessally_desktop.diagnostics import diagnostics_text
from accessally_desktop.integrations import redaction, registry
from accessally_desktop.integrations.status import Status
from accessally_desktop.settings import SavedResult, Settings, SiteProfile

log = logging.getLogger("accessally_desktop.tests.logs")


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    redaction.forget_secrets()
    yield
    logs.close_logging()
    redaction.forget_secrets()
    root.setLevel(level)


def our_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_accessally_desktop", False)]


# Everything here is logged once; none of the SECRET values may reach the file.
SECRETS = {
    "query_secret": "Qs3cretV3ApiSecret0001",
    "query_key": "QkeyV3ApiKey000000002",
    "bearer": "eyJhbGciOiJIUzI1NiJ9.payload.sig003",
    "api_token": "acTokenValue0000000004",
    "api_key": "opApiKeyValue00000005",
    "keap": "KeapAK-0a1b2c3d4e5f6a7b8c9d0006",
    "kit_header": "kit_0a1b2c3d4e5f6a7b8c9d0007",
    "basic": "ZHJpcFRva2VuMDAwODo=",
    "pwd": "PWDvalue000000009",
    "signature": "SIGNATUREvalueAbCdEf0010",
    "sk_live": "sk_live_51AbCdEfGhIjKlMnOp0011",
    "rk_test": "rk_test_51AbCdEfGhIjKlMnOp0012",
    "pk_live": "pk_live_51AbCdEfGhIjKlMnOp0013",
    "whsec": "whsec_AbCdEfGhIjKlMnOp0014",
    "registered": "my own secret/with+plus&amp0015",
    "in_traceback": "sk_test_51TracebackSecret0016",
    "license": "cc22c1ec86304b36883440e2e84cd017",
    "json_secret": "clientSecretInJson000018",
}


def log_everything() -> None:
    s = SECRETS
    redaction.register_secret(s["registered"])
    log.info("GET %s", f"https://api.convertkit.com/v3/account?api_secret={s['query_secret']}&page=2")
    log.info("HTTP Request: GET http://127.0.0.1:1/v3/forms?api_key=%s \"HTTP/1.1 200 OK\"", s["query_key"])
    log.debug("headers %r", {"Authorization": f"Bearer {s['bearer']}", "Api-Token": s["api_token"],
                             "Api-Key": s["api_key"], "X-Keap-API-Key": s["keap"], "X-Kit-Api-Key": s["kit_header"]})
    log.debug("raw headers %r", [(b"authorization", b"Basic " + s["basic"].encode())])
    log.info("Authorization: Basic %s", s["basic"])
    log.debug("NVP body: USER=dana_api1.example.com&PWD=%s&SIGNATURE=%s&METHOD=GetBalance", s["pwd"], s["signature"])
    log.warning("keys %s %s %s %s", s["sk_live"], s["rk_test"], s["pk_live"], s["whsec"])
    log.error("the owner pasted %s into the wrong field", s["registered"])
    log.error("encoded in a URL: %s", "https://x.example/?q=" + quote(s["registered"], safe=""))
    log.error("and in a form: %s", "q=" + quote_plus(s["registered"]))
    log.info("keys pasted as text: %s %s", s["keap"], s["kit_header"])
    log.info("EDD form: edd_action=check_license&license=%s&url=https://members.example.com", s["license"])
    log.debug('body {"client_secret": "%s", "grant_type": "client_credentials"}', s["json_secret"])
    try:
        raise ValueError(f"Stripe said: Invalid API Key provided: {s['in_traceback']}")
    except ValueError:
        log.exception("a call failed")


def test_the_log_file_holds_no_secret_but_keeps_the_rest(user_dirs) -> None:
    path = logs.setup_logging(logging.DEBUG)
    assert path == logs.log_path()
    assert user_dirs["state"] in path.parents  # platformdirs' user log dir, under XDG_STATE_HOME here
    log_everything()
    text = path.read_text(encoding="utf-8")
    leaked = [name for name, value in SECRETS.items() if value in text]
    assert not leaked, leaked
    assert "my%20own%20secret" not in text and "my+own+secret" not in text  # the encoded forms too
    assert "encoded in a URL: https://x.example/?q=••••" in text
    # What is left is still useful: every line arrived, with the parts that are not secret.
    for kept in ("api_secret=••••&page=2", "api_key=••••", "Bearer ••••", "'Api-Token': '••••'", "Basic ••••",
                 "USER=dana_api1.example.com", "PWD=••••", "SIGNATURE=••••", "METHOD=GetBalance", "sk_live_••••",
                 "rk_test_••••", "pk_live_••••", "whsec_••••", "KeapAK-••••", "kit_••••", "license=••••",
                 "url=https://members.example.com", "grant_type", "Traceback (most recent call last)",
                 "ValueError: Stripe said: Invalid API Key provided: sk_test_••••", "the owner pasted •••• into"):
        assert kept in text, kept
    assert logs.recent_lines(3)[-1].startswith("ValueError: Stripe said")


def test_live_calls_of_every_service_leave_no_secret_in_the_log(serve) -> None:
    """httpx logs each request URL at INFO, stripe and httpcore log at DEBUG: all of it is redacted,
    even for secrets nobody registered."""
    path = logs.setup_logging(logging.DEBUG)
    secrets: list[str] = []
    for service_id in registry.SERVICE_IDS:
        server = serve(service_id)
        values = server.credentials()
        integration = registry.get(service_id)
        secrets += [values[name] for name in integration.secret_fields if values.get(name)]
        result = integration.test(values)
        assert result.status is Status.OK, result
    text = path.read_text(encoding="utf-8")
    assert text.count("HTTP Request:") >= len(registry.SERVICE_IDS)  # httpx's own lines were captured
    assert "api_secret=••••" in text  # Kit v3 sends its secret in the query string
    leaked = [s for s in secrets if s in text]
    assert not leaked, leaked


def test_the_log_rotates_and_recent_lines_reach_across(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    path = logs.setup_logging(directory=folder, max_bytes=2_000, backup_count=2)
    for i in range(300):
        log.warning("line %04d", i)
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["app.log", "app.log.1", "app.log.2"], files  # older ones are deleted
    assert all((folder / name).stat().st_size <= 2_000 for name in files)
    in_current = len(path.read_text(encoding="utf-8").splitlines())
    recent = logs.recent_lines(in_current + 5)
    assert len(recent) == in_current + 5
    numbers = [int(line.rsplit(" ", 1)[1]) for line in recent]
    assert numbers == list(range(300 - len(recent), 300))
    assert logs.recent_lines(0) == []


def test_setting_up_twice_keeps_one_handler(tmp_path: Path) -> None:
    logs.setup_logging(directory=tmp_path)
    path = logs.setup_logging(directory=tmp_path)
    assert len(our_handlers()) == 1
    log.warning("only once")
    assert path.read_text(encoding="utf-8").count("only once") == 1
    logs.close_logging()
    assert our_handlers() == [] and logs.log_path() is None


def test_an_unwritable_log_folder_falls_back_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    path = logs.setup_logging(directory=blocker / "logs")
    assert path == blocker / "logs" / "app.log" and logs.log_path() is None
    assert len(our_handlers()) == 1
    log.warning("still redacted: %s", SECRETS["sk_live"])
    err = capsys.readouterr().err
    assert "Cannot write the log file" in err and "console only" in err
    assert "still redacted: sk_live_••••" in err and SECRETS["sk_live"] not in err


@settings(max_examples=150, deadline=None, database=None)
@given(secret=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="•"), min_size=8, max_size=40),
       before=st.text(max_size=20), after=st.text(max_size=20))
def test_a_registered_secret_never_survives_redaction(secret: str, before: str, after: str) -> None:
    redaction.forget_secrets()
    redaction.register_secret(secret)
    assert secret not in redaction.redact(before + secret + after)


def lower_hex(encoded: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)


def exposed(secret: str, text: str, window: int = 10) -> list[str]:
    """Every 10-character piece of the secret, in any form a server or a log call may carry it, found in text."""
    forms = {secret, quote(secret, safe=""), lower_hex(quote(secret, safe="")), quote_plus(secret), html.escape(secret),
             json.dumps(secret)[1:-1], base64.b64encode(secret.encode()).decode(),
             base64.b64encode(f"{secret}:".encode()).decode()}
    return sorted({form[i:i + window] for form in forms for i in range(len(form) - window + 1)
                   if form[i:i + window] in text})


AWKWARD = "Tr1cky+Secret/\\with\"quotes\"&(regex).*[chars]?"
AWKWARD_FORMS = {
    "split over two arguments": lambda s: ("joined: %s%s", s[:11], s[11:]),
    "repr-quoted": lambda s: ("args %r", (s,)),
    "JSON-quoted": lambda s: ("body %s", json.dumps({"value": s})),
    "%-encoded, lower-case hex": lambda s: ("url %s", "https://x.example/?q=" + lower_hex(quote(s, safe=""))),
    "HTML-escaped": lambda s: ("page %s", f"<p>{html.escape(s)}</p>"),
    "base64 as Basic user name": lambda s: ("echoed %s", base64.b64encode(f"{s}:".encode()).decode()),
    "base64 after a user name": lambda s: ("echoed %s", base64.b64encode(f"dana:{s}".encode()).decode()),
    "glued to letters": lambda s: ("glued xyz%sabc", s),
    "cut by an excerpt": lambda s: ("excerpt: %s…", "x" * 40 + s[:-5]),
    "cut at the end of the line": lambda s: ("last words %s", s[:20]),
}


@pytest.mark.parametrize("form", AWKWARD_FORMS)
def test_a_registered_secret_is_masked_in_every_awkward_form(form: str) -> None:
    path = logs.setup_logging(logging.DEBUG)
    redaction.register_secret(AWKWARD)
    log.info(*AWKWARD_FORMS[form](AWKWARD))
    text = path.read_text(encoding="utf-8")
    assert "••••" in text
    assert exposed(AWKWARD, text) == [], text


def test_a_cut_that_leaves_only_a_few_characters_of_a_secret_is_kept() -> None:
    """Masking is for what could give the secret away; five letters at a cut could be any word."""
    redaction.register_secret("Password12345678")
    assert redaction.redact("the word Passw…") == "the word Passw…"


def test_short_values_are_not_registered() -> None:
    redaction.register_secret("abc")
    redaction.register_secret(None)
    assert redaction.redact("abc def") == "abc def"


def _settings() -> Settings:
    site = SiteProfile("Yoga studio", crm="activecampaign", payments=["stripe"])
    site.results = {
        "license": SavedResult("ok", "Active until 5 July 2026. Licensed to Jane Doe.", elapsed_ms=412,
                               tested_at=1_750_000_000.0),
        "stripe": SavedResult("invalid_credentials", f"Stripe rejected {SECRETS['sk_live']}.", elapsed_ms=233,
                              tested_at=1_750_000_100.0, mode="live"),
        "activecampaign": SavedResult("timeout", "ActiveCampaign did not answer within 15 seconds.",
                                      elapsed_ms=15003, tested_at=0.0, untested=True),
    }
    return Settings(sites={"Yoga studio": site, "Empty": SiteProfile("Empty")}, last_site="Yoga studio")


def test_diagnostics_has_versions_and_statuses_and_no_secret() -> None:
    redaction.register_secret(SECRETS["registered"])
    recent = ["2026-01-01 INFO httpx HTTP Request: GET https://h/v3/account?api_secret=" + SECRETS["query_secret"],
              f"2026-01-01 ERROR app pasted {SECRETS['registered']}"]
    text = diagnostics_text(_settings(), "SecretService Keyring (GNOME Keyring)", recent)
    import PySide6
    from PySide6 import QtCore

    expected_tested_at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1_750_000_000.0))
    for needed in (f"AccessAlly Desktop {__version__}", f"Python {sys.version_info.major}.{sys.version_info.minor}.",
                   f"PySide6 {PySide6.__version__}, Qt {QtCore.qVersion()}", "OS: ", "Keyring: SecretService Keyring",
                   "Site 'Yoga studio' (last used): AccessAlly license, ActiveCampaign, Stripe",
                   "AccessAlly license: ok (412 ms, tested " + expected_tested_at,
                   "Active until 5 July 2026. Licensed to Jane Doe.",
                   "Stripe: invalid_credentials, live (233 ms", "Stripe rejected sk_live_••••.",
                   "ActiveCampaign: timeout, continued without a passing test (15003 ms, tested never)",
                   "Site 'Empty'", "no tests yet", "Recent log (2 lines):", "api_secret=••••", "ERROR app pasted ••••"):
        assert needed in text, needed
    leaked = [name for name, value in SECRETS.items() if value in text]
    assert not leaked, leaked


def test_diagnostics_of_a_fresh_install() -> None:
    text = diagnostics_text(Settings(), "", [])
    assert "Sites: none set up yet" in text and "Keyring: unknown" in text and "(empty)" in text


def test_logs_and_diagnostics_do_not_import_qt() -> None:
    code = ("import sys, accessally_desktop.logs, accessally_desktop.diagnostics; "
            "print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_long_word_from_a_server_is_redacted_at_once() -> None:
    """A reply of one 20 000-letter word (minified script, a blob) took minutes: every letter
    started the parameter rule again."""
    redaction.register_secret("Password12345678")
    started = time.monotonic()
    text = redaction.redact("A" * 20_000 + " api_key=abc")
    assert time.monotonic() - started < 1.0
    assert text.endswith("api_key=••••")
