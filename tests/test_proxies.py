"""Company networks: the usual proxy settings are honoured, and no proxy is ever a way round the rules.

The proxy here is real (tests/support/proxy.py) and the services are aimed at names that exist
nowhere (…proxy-test.invalid): only a request that went through the proxy can reach a stand-in.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from support.proxy import Proxy

from accessally_desktop.integrations import Attempt, Status, registry
from accessally_desktop.integrations._http import _ssl_context
from accessally_desktop.integrations.base import override_env_var
from accessally_desktop.integrations.proxies import proxy_for
from accessally_desktop.integrations.status import Failure
from accessally_desktop.sandbox import server_class
from accessally_desktop.sandbox.server import SandboxServer

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits a proxy from the shell that started pytest."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy().start()
    yield server
    server.stop()


@pytest.fixture
def far_away(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """far_away("drip"): the stand-in over https, its certificate for drip.proxy-test.invalid (trusted
    through SSL_CERT_FILE), and the service aimed at that name on the stand-in's port."""
    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    _ssl_context.cache_clear()
    started: list[SandboxServer] = []

    def start(service_id: str) -> SandboxServer:
        host = f"{service_id}.proxy-test.invalid"
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(host).configure_cert(context)
        server = server_class(service_id)(tls=context).start()
        started.append(server)
        port = server.url.rsplit(":", 1)[1]
        monkeypatch.setenv(override_env_var(service_id), f"https://{host}:{port}")
        return server

    yield start
    for server in started:
        server.stop()
    _ssl_context.cache_clear()


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_every_service_goes_through_the_proxy_https_proxy_names(far_away, proxy: Proxy, monkeypatch,
                                                                 service_id: str) -> None:
    server = far_away(service_id)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1,.example.com,10.0.0.0/8")  # does not exclude it
    result = registry.get(service_id).test(server.credentials(), timeout=10)
    assert result.status is Status.OK, result
    port = server.url.rsplit(":", 1)[1]
    assert proxy.seen and set(proxy.seen) == {f"CONNECT {service_id}.proxy-test.invalid:{port}"}
    assert server.requests, "the answer came from the stand-in, through the tunnel"


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
def test_each_usual_spelling_of_the_setting_is_honoured(far_away, proxy: Proxy, monkeypatch, variable: str) -> None:
    server = far_away("drip")
    monkeypatch.setenv(variable, proxy.url.removeprefix("http://"))  # a bare host:port, as often written
    result = registry.get("drip").test(server.credentials(), timeout=10)
    assert result.status is Status.OK, result
    assert proxy.seen


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_stand_ins_on_this_computer_never_go_through_a_proxy(serve, proxy: Proxy, monkeypatch, service_id) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy.url)
    server = serve(service_id)
    result = registry.get(service_id).test(server.credentials(), timeout=10)
    assert result.status is Status.OK, result
    assert proxy.seen == []


def test_plain_http_is_never_handed_to_a_proxy(proxy: Proxy, monkeypatch) -> None:
    """Credentials in plain http would be readable by the proxy: such a request is refused unsent."""
    stand_in = server_class("drip")().start()
    try:
        port = stand_in.url.rsplit(":", 1)[1]
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with Attempt(5) as attempt, pytest.raises(Failure) as caught:
            attempt.request("Drip", "GET", f"http://drip.proxy-test.invalid:{port}/v2/accounts",
                            headers={"Authorization": "Basic c2VjcmV0Og=="})
    finally:
        stand_in.stop()
    assert caught.value.status is Status.NETWORK_ERROR
    assert "plain http://" in caught.value.message and "proxy" in caught.value.message
    assert proxy.seen == [] and stand_in.requests == []


def test_a_proxy_this_app_cannot_use_gets_a_plain_message(far_away, monkeypatch) -> None:
    server = far_away("drip")
    monkeypatch.setenv("ALL_PROXY", "socks5://proxyuser:proxy-secret@127.0.0.1:1080")
    result = registry.get("drip").test(server.credentials(), timeout=10)
    assert result.status is Status.NETWORK_ERROR, result
    assert "socks5://" in result.message and "http://" in result.message and "127.0.0.1:1080" in result.message
    assert "proxy-secret" not in result.message + result.detail and "proxyuser" not in result.message + result.detail
    assert server.requests == []


def test_a_proxy_that_refuses_the_connection_says_so(far_away, proxy: Proxy, monkeypatch) -> None:
    server = far_away("drip")
    proxy.refuse = True
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    result = registry.get("drip").test(server.credentials(), timeout=10)
    assert result.status is Status.NETWORK_ERROR, result
    assert "proxy" in result.message and "drip.proxy-test.invalid" in result.message and "403" in result.message
    assert server.requests == []


@pytest.mark.parametrize(("no_proxy", "host", "bypassed"), [
    ("*", "api.stripe.com", True),
    ("stripe.com", "api.stripe.com", True),
    (".stripe.com", "api.stripe.com", True),
    ("stripe.com", "stripe.com", True),
    ("STRIPE.COM ,  drip.com", "api.getdrip.com", False),
    ("notstripe.com", "api.stripe.com", False),
    ("e.com", "api.stripe.com", False),
    ("10.0.0.0/8", "10.1.2.3", True),
    ("10.0.0.0/8", "11.1.2.3", False),
    ("10.1.2.3", "10.1.2.3", True),
    ("::2", "::2", True),
    ("", "api.stripe.com", False),
])
def test_no_proxy_excludes_hosts_the_way_curl_reads_it(monkeypatch, no_proxy: str, host: str, bypassed: bool) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    shown = f"[{host}]" if ":" in host else host
    assert proxy_for(f"https://{shown}/v1") == (None if bypassed else "http://proxy.example:3128")
