"""Which proxy a request goes through: the usual settings, read the way curl, requests and httpx read them.

HTTPS_PROXY, HTTP_PROXY and ALL_PROXY (any case) name the proxy and NO_PROXY the hosts that skip
it; with none set, urllib's reading of the Windows or macOS proxy settings applies, as in httpx.
httpx would do this itself, but only on a client it builds its own transport for, and every client
here runs on `_AttemptTransport` (the attempt's deadline and cap), so the choice is made here.
Requests to this computer (the stand-ins, a local gateway) never go through a proxy.
"""

from __future__ import annotations

import ipaddress
import urllib.request

from .status import Failure, Status
from .transport import is_loopback_host, redact_url, split_url

USABLE_SCHEMES = ("http", "https")


def proxy_for(url: str) -> str | None:
    """The proxy URL for a request to `url`, or None to connect directly.

    Raises `Failure` for a request no proxy may carry: plain http:// would show the credentials to
    it (https:// is fine: through a proxy it is a tunnel, encrypted end to end), and a proxy of a
    kind this app cannot speak (socks5://) gets a message rather than a connection error."""
    parts = split_url(url)
    host = parts.hostname if parts else None
    if parts is None or not host or is_loopback_host(host):
        return None
    settings = urllib.request.getproxies()
    proxy = settings.get(parts.scheme) or settings.get("all")
    if not proxy or _excluded(host, settings.get("no", "")):
        return None
    proxy = proxy if "://" in proxy else f"http://{proxy}"
    shown = redact_url(proxy).rstrip("/")  # a proxy's own user name and password stay unsaid
    scheme = proxy.partition("://")[0].lower()
    if scheme not in USABLE_SCHEMES:
        raise Failure(Status.NETWORK_ERROR,
                      f"This computer's proxy setting ({shown}) is a {scheme}:// proxy, which this app cannot use. "
                      "Set HTTPS_PROXY to an http:// proxy, or ask your network administrator for one.")
    if parts.scheme != "https":
        raise Failure(Status.NETWORK_ERROR,
                      f"{redact_url(url)} uses plain http://, which would show the credentials to the proxy "
                      f"({shown}). Nothing was sent; use https://.")
    return proxy


def _excluded(host: str, no_proxy: str) -> bool:
    """Whether NO_PROXY names the host: "*", the host or a parent domain (with or without a leading
    dot), an IP address, or a range of them (10.0.0.0/8)."""
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if entry == "*":
            return True
        if not entry:
            continue
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                    return True
            except ValueError:
                pass
            continue
        domain = entry.lstrip(".").rstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False
