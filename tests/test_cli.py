"""`accessally-desktop check` as a subprocess: exit codes, JSON shape, stdin input, no secrets printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from accessally_desktop import __version__
from accessally_desktop.integrations import registry
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.sandbox import server_class


@pytest.fixture
def stand_ins():
    """Every service's stand-in, with the environment that points the app at them."""
    servers = {service_id: server_class(service_id)().start() for service_id in registry.SERVICE_IDS}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSALLY_DESKTOP_")}
    env.update({override_env_var(service_id): server.url for service_id, server in servers.items()})
    yield servers, env
    for server in servers.values():
        server.stop()


def run_check(args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accessally_desktop", "check", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=env)


def wrong(value: str) -> str:
    """The same shape with the last character changed: what a mistyped key looks like."""
    last = value[-1]
    return value[:-1] + ("b" if last == "a" else "a" if last.isalpha() else "1" if last != "1" else "2")


def all_secrets(credentials: dict[str, dict[str, str]]) -> list[str]:
    return [value for service_id, fields in credentials.items() for name, value in fields.items()
            if value and name in registry.get(service_id).secret_fields]


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "accessally_desktop", "--version"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and __version__ in out.stdout


def test_good_credentials_of_all_eight_services_pass_as_json_in_input_order(stand_ins) -> None:
    servers, env = stand_ins
    order = list(reversed(registry.SERVICE_IDS))
    credentials = {service_id: servers[service_id].credentials() for service_id in order}
    out = run_check(["--json", "--credentials", "-"], env, json.dumps(credentials))
    assert out.returncode == 0, out.stdout + out.stderr
    results = json.loads(out.stdout)
    assert [r["service"] for r in results] == order
    for r in results:
        assert set(r) == {"service", "ok", "status", "message", "details", "elapsed_ms"}
        assert r["ok"] is True and r["status"] == "ok", r
        assert isinstance(r["elapsed_ms"], int) and isinstance(r["details"], dict)
    for secret in all_secrets(credentials):
        assert secret not in out.stdout and secret not in out.stderr


def test_bad_credentials_of_all_eight_services_are_rejected_and_never_printed(stand_ins) -> None:
    servers, env = stand_ins
    credentials = {}
    for service_id in registry.SERVICE_IDS:
        good = servers[service_id].credentials()
        secret = registry.get(service_id).secret_fields
        credentials[service_id] = {k: wrong(v) if k in secret and v else v for k, v in good.items()}
    out = run_check(["--json", "--credentials", "-"], env, json.dumps(credentials))
    assert out.returncode == 1, out.stdout + out.stderr
    results = {r["service"]: r for r in json.loads(out.stdout)}
    assert set(results) == set(registry.SERVICE_IDS)
    for service_id, r in results.items():
        assert r["ok"] is False and r["status"] == "invalid_credentials", r
        assert r["message"]
    for secret in all_secrets(credentials):
        assert secret not in out.stdout and secret not in out.stderr


def test_a_missing_field_is_that_services_invalid_format(stand_ins, tmp_path) -> None:
    servers, env = stand_ins
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"drip": servers["drip"].credentials(), "ontraport": {"app_id": "123"}}))
    out = run_check(["--json", "--credentials", str(path)], env)
    assert out.returncode == 1
    results = {r["service"]: r for r in json.loads(out.stdout)}
    assert results["drip"]["status"] == "ok"
    assert results["ontraport"]["status"] == "invalid_format"
    assert "API Key" in results["ontraport"]["message"]


def test_service_filter_and_readable_table(stand_ins) -> None:
    servers, env = stand_ins
    credentials = {service_id: servers[service_id].credentials() for service_id in ("drip", "stripe")}
    out = run_check(["--service", "stripe", "--credentials", "-"], env, json.dumps(credentials))
    assert out.returncode == 0, out.stderr
    assert "Stripe" in out.stdout and "Drip" not in out.stdout
    assert out.stdout.splitlines()[0].split()[:3] == ["Service", "Status", "Time"]


@pytest.mark.parametrize("args, stdin, expected", [
    (["--service", "mailchimp", "--credentials", "-"], "{}", "Known services: license, infusionsoft"),
    (["--credentials", "-"], '{"mailchimp": {}}', "Known services:"),
    (["--credentials", "-"], "{not json", "not valid JSON"),
    (["--credentials", "-"], '["stripe"]', "must be a JSON object"),
    (["--credentials", "-"], '{"stripe": "sk_test_x"}', "must map to an object"),
    (["--credentials", "/nonexistent/creds.json"], "", "Cannot read"),
    (["--credentials", "-", "--timeout", "-3"], "{}", "--timeout"),
    ([], "", "Nothing is configured"),
])
def test_bad_usage_exits_2_with_a_message_and_no_traceback(args, stdin, expected) -> None:
    out = run_check(args, stdin=stdin)
    assert out.returncode == 2, out
    assert expected in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_check_takes_stripes_optional_mode_and_names_both_modes(stand_ins) -> None:
    servers, env = stand_ins
    credentials = {"stripe": {**servers["stripe"].credentials(), "mode": "live"}}
    out = run_check(["--json", "--credentials", "-"], env, json.dumps(credentials))
    assert out.returncode == 1, out.stdout + out.stderr
    [result] = json.loads(out.stdout)
    assert result["status"] == "invalid_format"
    assert "Live mode is chosen" in result["message"] and "test-mode keys" in result["message"]
    assert credentials["stripe"]["secret_key"] not in out.stdout + out.stderr
    credentials["stripe"]["mode"] = "test"
    out = run_check(["--json", "--credentials", "-"], env, json.dumps(credentials))
    assert out.returncode == 0 and json.loads(out.stdout)[0]["status"] == "ok", out.stdout + out.stderr


@pytest.mark.real_keyring
def test_check_tests_the_saved_configuration_of_the_last_site(stand_ins, secret_service, user_dirs) -> None:
    import keyring

    from accessally_desktop.secrets import open_store
    from accessally_desktop.settings import SavedResult, SettingsStore
    from accessally_desktop.storage import Storage

    servers, env = stand_ins
    keyring.set_keyring(secret_service)
    store = SettingsStore()
    settings = store.load().settings
    profile = settings.current()
    profile.crm = "drip"
    drip = servers["drip"].credentials()
    lic = servers["license"].credentials()
    profile.values = {"drip": {"account_id": drip["account_id"]}, "license": {"site_url": lic["site_url"],
                                                                                      "email": lic["email"]}}
    profile.results = {"drip": SavedResult("ok", "Connected.")}
    Storage(store, open_store().store).commit(settings, profile.name, {"drip.api_token": drip["api_token"],
                                                                       "license.license_key": lic["license_key"]})
    env = {**env, **{f"XDG_{d.upper()}_HOME": str(p) for d, p in user_dirs.items()}}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    out = run_check(["--json"], env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert [r["service"] for r in json.loads(out.stdout)] == ["license", "drip"]
    out = run_check(["--site", "Elsewhere"], env)
    assert out.returncode == 2 and "No saved site named 'Elsewhere'" in out.stderr


def test_the_table_uses_the_apps_words_wraps_to_the_terminal_and_says_how_many_work() -> None:
    from accessally_desktop.cli import format_table
    from accessally_desktop.integrations import CheckResult, Status

    long = "Stripe did not accept this secret key. " * 4
    results = [CheckResult("license", Status.OK, "Active until 2027."),
               CheckResult("stripe", Status.INVALID_CREDENTIALS, long.strip(), elapsed_ms=300),
               CheckResult("drip", Status.OK, "Connected to Drip.")]
    table = format_table(results, width=80)
    lines = table.splitlines()
    assert "Credentials rejected" in table and "invalid_credentials" not in table
    assert all(len(line) <= 80 for line in lines), table
    assert " ".join(table.split()).count("did not accept") == 4  # wrapped, nothing cut
    assert lines[-1] == "2 of 3 connections work."
    assert format_table(results[:1], width=80).splitlines()[-1] == "The connection works."
