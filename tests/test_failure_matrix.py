"""Every service, every way a real server fails: one status and a clear message, never a raise or a hang."""

from __future__ import annotations

import socket

import pytest

from accessally_desktop.integrations import Attempt, Status, registry

# fault name -> (inject() arguments, expected status)
FAULTS = {
    "forbidden": (("status",), {"code": 403}, Status.FORBIDDEN),
    "not_found": (("status",), {"code": 404}, Status.NOT_FOUND),
    "rate_limited": (("status",), {"code": 429, "headers": {"Retry-After": "30"}}, Status.RATE_LIMITED),
    "server_500": (("status",), {"code": 500}, Status.SERVER_ERROR),
    "server_502": (("status",), {"code": 502, "body": "<html>Bad gateway</html>", "content_type": "text/html"},
                   Status.SERVER_ERROR),
    "server_503": (("status",), {"code": 503}, Status.SERVER_ERROR),
    "html_page": (("html",), {}, Status.BAD_RESPONSE),
    "invalid_json": (("invalid_json",), {}, Status.BAD_RESPONSE),
    "huge_body": (("huge",), {}, Status.BAD_RESPONSE),
    "reset_mid_body": (("reset",), {}, Status.NETWORK_ERROR),
}

# Where a service documents a different meaning for a status code, its own mapping wins.
SERVICE_EXPECTATIONS = {
    ("activecampaign", "forbidden"): Status.INVALID_CREDENTIALS,  # AC answers a bad token with 403
    ("wordpress", "html_page"): Status.NOT_FOUND,  # a site's pages are HTML: one without WordPress's API is no WordPress
}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
@pytest.mark.parametrize("fault", FAULTS)
def test_server_failures_map_to_one_status(serve, service_id: str, fault: str) -> None:
    server = serve(service_id)
    (name,), options, expected = FAULTS[fault]
    server.inject(name, **options)
    result = registry.get(service_id).test(server.credentials(), timeout=5)
    assert result.status == SERVICE_EXPECTATIONS.get((service_id, fault), expected), result
    assert result.message and "Traceback" not in result.message
    assert result.elapsed_ms < 5000


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_good_credentials_pass(serve, service_id: str) -> None:
    server = serve(service_id)
    result = registry.get(service_id).test(server.credentials())
    assert result.status == Status.OK, result
    assert result.message


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_connection_refused(serve, monkeypatch, service_id: str) -> None:
    server = serve(service_id)
    monkeypatch.setenv(registry.get(service_id).env_var(), f"http://127.0.0.1:{_closed_port()}")
    result = registry.get(service_id).test(server.credentials(), timeout=5)
    assert result.status == Status.NETWORK_ERROR, result
    assert "refused" in result.message


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_unknown_host(serve, monkeypatch, service_id: str) -> None:
    server = serve(service_id)
    monkeypatch.setenv(registry.get(service_id).env_var(), "https://api.no-such-host.invalid")
    result = registry.get(service_id).test(server.credentials(), timeout=5)
    assert result.status == Status.NETWORK_ERROR, result
    assert "no-such-host.invalid" in result.message


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_silent_server_times_out_at_the_timeout(serve, service_id: str) -> None:
    server = serve(service_id)
    server.inject("hang")
    result = registry.get(service_id).test(server.credentials(), timeout=0.5)
    assert result.status == Status.TIMEOUT, result
    assert "0.5 seconds" in result.message
    assert 450 <= result.elapsed_ms < 2000


def test_dripping_server_is_cut_off_at_the_timeout(serve) -> None:
    server = serve("ontraport")
    server.inject("drip", interval=0.1)
    result = registry.get("ontraport").test(server.credentials(), timeout=0.6)
    assert result.status == Status.TIMEOUT
    assert 550 <= result.elapsed_ms < 2000


def test_cancel_ends_a_blocked_test_at_once(serve) -> None:
    import threading

    server = serve("ontraport")
    server.inject("hang")
    attempt = Attempt(timeout=30)
    timer = threading.Timer(0.3, attempt.cancel)
    timer.start()
    result = registry.get("ontraport").test(server.credentials(), attempt=attempt)
    timer.join()
    assert result.status == Status.CANCELLED
    assert result.elapsed_ms < 2000


def test_plain_http_to_a_remote_host_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("ACCESSALLY_DESKTOP_ONTRAPORT_URL", "http://api.example.com")
    result = registry.get("ontraport").test({"app_id": "a", "api_key": "b"})
    assert result.status == Status.NETWORK_ERROR
    assert "http://" in result.message and "https://" in result.message
