"""The `wordpress` service against a REAL WordPress 6.1 (tests/support/real_wordpress.py): every cause
of issue 15 item 1, each with the status and words an owner sees, and `check --json` with its details."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.integrations.wordpress import (
    authorization_endpoint,
    check_issued_password,
    find_authorization,
)

WORDPRESS = registry.get("wordpress")


def values(site, user=None, **changes: str) -> dict[str, str]:
    user = user or site.admin
    return {"site_url": site.url, "username": user.login, "application_password": user.app_password, **changes}


def test_a_healthy_site_connects_with_its_facts(real_wordpress) -> None:
    result = WORDPRESS.test(values(real_wordpress), timeout=20)
    assert result.status is Status.OK, result
    details = result.details()
    assert details["site_url"] == real_wordpress.home and details["site_name"]
    assert (details["user"], details["role"], details["accessally"]) == (real_wordpress.admin.login, "Administrator",
                                                                         "active")
    assert details["accessally_version"] == "4.9.2" and not result.warnings


@pytest.mark.parametrize("permalinks", ["plain", "pretty"])
def test_plain_and_pretty_permalinks(real_wordpress, permalinks: str) -> None:
    with real_wordpress.conditions(permalinks=permalinks):
        assert WORDPRESS.test(values(real_wordpress), timeout=20).ok


def test_the_canonical_host_is_reported_and_used(real_wordpress) -> None:
    with real_wordpress.conditions(canonical_host="localhost"):
        result = WORDPRESS.test(values(real_wordpress), timeout=20)
        assert result.status is Status.OK, result
        assert result.details()["site_url"] == real_wordpress.home and "localhost" in real_wordpress.home
        assert result.warnings == (f"Your site's address is {real_wordpress.home}; this app uses that from now on.",)


def test_http_to_https_is_followed_and_reported(real_wordpress, monkeypatch) -> None:
    real_wordpress.trust_tls(monkeypatch)
    with real_wordpress.conditions(force_https=True):
        result = WORDPRESS.test(values(real_wordpress), timeout=20)
    assert result.status is Status.OK, result
    assert result.details()["site_url"] == real_wordpress.https_url
    assert real_wordpress.https_url in result.warnings[0]


def test_application_passwords_turned_off_by_a_plugin(real_wordpress, monkeypatch) -> None:
    real_wordpress.trust_tls(monkeypatch)
    with real_wordpress.conditions(app_passwords_off=True):
        result = WORDPRESS.test(values(real_wordpress, site_url=real_wordpress.https_url), timeout=20)
        assert result.status is Status.FORBIDDEN, result
        assert "security plugin" in result.message and "Wordfence" in result.message
        over_http = WORDPRESS.test(values(real_wordpress), timeout=20)
        assert over_http.status is Status.FORBIDDEN and "security plugin" in over_http.message


def test_a_production_site_over_plain_http(real_wordpress, monkeypatch) -> None:
    with real_wordpress.conditions(production_http=True):
        result = WORDPRESS.test(values(real_wordpress), timeout=20)
        assert result.status is Status.FORBIDDEN, result
        assert "plain http://" in result.message and "Nothing was sent" in result.message
        real_wordpress.trust_tls(monkeypatch)
        assert WORDPRESS.test(values(real_wordpress, site_url=real_wordpress.https_url), timeout=20).ok


def test_a_host_stripping_the_authorization_header(real_wordpress) -> None:
    """Told apart over XML-RPC where the site can parse it (PHP's xml extension: php-xml); without it the
    message still names the host's fix beside the login; a password just issued is never blamed."""
    with real_wordpress.conditions(strip_authorization=True):
        typed = WORDPRESS.test(values(real_wordpress), timeout=20)
        issued = check_issued_password(values(real_wordpress), timeout=20)
    assert typed.status in (Status.FORBIDDEN, Status.INVALID_CREDENTIALS), typed
    assert "CGIPassAuth on" in typed.message and "RewriteRule" in typed.detail
    assert issued.status is Status.FORBIDDEN and "are right" in issued.message and "CGIPassAuth on" in issued.message


@pytest.mark.parametrize("change", ["password", "user"])
def test_a_wrong_password_or_user(real_wordpress, change: str) -> None:
    good = values(real_wordpress)
    if change == "password":
        wrong = dict(good, application_password=good["application_password"][:-1] +
                     ("a" if good["application_password"][-1] != "a" else "b"))
    else:
        wrong = dict(good, username="nobody-here")
    result = WORDPRESS.test(wrong, timeout=20)
    assert result.status is Status.INVALID_CREDENTIALS, result
    assert "host" not in result.message.split("If both")[0]  # the host is not blamed for a wrong login


def test_the_login_password_instead_of_an_application_password(real_wordpress) -> None:
    result = WORDPRESS.test(values(real_wordpress, application_password=real_wordpress.admin.password), timeout=20)
    assert result.status in (Status.INVALID_FORMAT, Status.INVALID_CREDENTIALS), result
    assert "login password" in result.message


def test_an_author_is_refused_naming_the_role(real_wordpress) -> None:
    result = WORDPRESS.test(values(real_wordpress, real_wordpress.author), timeout=20)
    assert result.status is Status.FORBIDDEN, result
    assert result.message.startswith("This user is an Author")


@pytest.mark.parametrize(("state", "shown"), [("inactive", "inactive"), ("missing", "not installed")])
def test_accessally_inactive_or_missing_passes_with_a_warning(real_wordpress, state: str, shown: str) -> None:
    with real_wordpress.conditions(accessally=state):
        result = WORDPRESS.test(values(real_wordpress), timeout=20)
    assert result.status is Status.OK, result
    assert result.details()["accessally"] == shown and "The connection works" in result.warnings[0]


def test_a_rest_api_blocked_for_everyone(real_wordpress) -> None:
    with real_wordpress.conditions(rest_blocked="everyone"):
        result = WORDPRESS.test(values(real_wordpress), timeout=20)
    assert result.status is Status.NOT_FOUND, result
    assert "REST API is blocked" in result.message


def test_a_rest_api_kept_for_logged_in_users(real_wordpress) -> None:
    with real_wordpress.conditions(rest_blocked="logged_out"):
        assert WORDPRESS.test(values(real_wordpress), timeout=20).ok


def test_connect_my_site_finds_the_authorize_page(real_wordpress) -> None:
    result = find_authorization(real_wordpress.url, timeout=20)
    assert result.ok, result
    assert authorization_endpoint(result) == f"{real_wordpress.home}/wp-admin/authorize-application.php"


def test_check_json_gives_the_status_and_details(real_wordpress) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSALLY_DESKTOP_")}
    document = json.dumps({"wordpress": values(real_wordpress)})
    out = subprocess.run([sys.executable, "-m", "accessally_desktop", "check", "--json", "--timeout", "20",
                          "--credentials", "-"], input=document, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    (result,) = json.loads(out.stdout)
    assert result["status"] == "ok" and result["details"]["accessally"] == "active"
    assert real_wordpress.admin.app_password not in out.stdout + out.stderr


@pytest.mark.parametrize(("style", "how"), [("plain", "runs"), ("rocket", "delayed")])
def test_check_json_reports_the_tracking_scripts_found_on_the_live_pages(real_wordpress, style: str, how: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSALLY_DESKTOP_")}
    document = json.dumps({"wordpress": values(real_wordpress)})
    with real_wordpress.conditions(tracking={"ontraport": "27875_3_2", "drip": "1234567"}, script_style=style):
        out = subprocess.run([sys.executable, "-m", "accessally_desktop", "check", "--json", "--timeout", "30",
                              "--credentials", "-"], input=document, capture_output=True, text=True, env=env,
                             timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    (result,) = json.loads(out.stdout)
    tracking = result["details"]["tracking"]
    assert tracking["pages_sampled"] == 10  # the home page and nine of the twelve public pages
    (ontraport,) = tracking["scripts"]["ontraport"]
    (drip,) = tracking["scripts"]["drip"]
    assert (ontraport["account"], ontraport["pages"], drip["account"], drip["pages"]) == ("27875", 10, "1234567", 10)  # the account, without its suffix
    assert all(h["how"] == how for h in ontraport["how"]), ontraport
    assert real_wordpress.admin.app_password not in out.stdout + out.stderr
