"""The httpx side of the shared transport, loaded with the first request rather than at start-up.

httpx (with ssl and certifi) costs ~100 ms to import; the windows need the integrations' fields,
names and messages long before any network call, so only this module imports it.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
import threading
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx

from .proxies import proxy_for
from .transport import BODY_LIMIT, MAX_BODY_BYTES, USER_AGENT, ResponseTooLarge

if TYPE_CHECKING:
    from .transport import Attempt

log = logging.getLogger(__name__)


_SSL_CONTEXT_LOCK = threading.Lock()  # "test all" starts eight threads at once: build the context once


def _shared_ssl_context() -> ssl.SSLContext:
    with _SSL_CONTEXT_LOCK:
        return _ssl_context()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Built once (loading CAs costs tens of ms). Verification is always on.

    `SSL_CERT_FILE` (the usual OpenSSL variable) adds a private CA, e.g. a corporate gateway's.
    """
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    extra = os.environ.get("SSL_CERT_FILE")
    if extra and os.path.isfile(extra):
        try:
            context.load_verify_locations(cafile=extra)
        except (ssl.SSLError, OSError, ValueError) as exc:  # not a PEM of certificates: OpenSSL's own rule, ignore it
            log.warning("SSL_CERT_FILE %s holds no usable certificate (%s); verifying with the built-in CAs only",
                        extra, exc)
    return context


class _CappedStream(httpx.SyncByteStream):
    """The body, decompressed here (gzip only, the one encoding we ask for) so the cap counts what
    is kept in memory: a 50 KB gzip answer must not become 50 MB.

    Over the shared cap the whole attempt stops (a credential test expects a few KB); over a
    request's own `BODY_LIMIT` only that request fails (one big page must not end a site scan)."""

    def __init__(self, inner: httpx.SyncByteStream, attempt: Attempt, gzip: bool = False,
                 limit: int | None = None) -> None:
        self._inner = inner
        self._attempt = attempt
        self._gzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        self._limit = limit or MAX_BODY_BYTES
        self._stops_attempt = limit is None

    def __iter__(self) -> Iterator[bytes]:
        total = 0
        for chunk in self._inner:
            if self._gzip is not None:
                chunk = self._gzip.decompress(chunk, self._limit + 1 - total)  # never more than the cap
            total += len(chunk)
            if total > self._limit:
                if self._stops_attempt:
                    self._attempt._stop("too_large")
                raise ResponseTooLarge(f"answer larger than {self._limit} bytes")
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _AttemptTransport(httpx.BaseTransport):
    """Applies the attempt's deadline, socket tracking and body cap to every request, and sends it
    directly or through the proxy the usual settings name (`proxies.proxy_for`).

    `limits` bounds each route's connection pool; an `anonymous` transport sends no Authorization
    and no Cookie header, whatever the client or a URL's user part would add."""

    def __init__(self, attempt: Attempt, limits: httpx.Limits | None = None, anonymous: bool = False) -> None:
        self._attempt = attempt
        self._limits = limits or httpx.Limits()
        self._anonymous = anonymous
        self._lock = threading.Lock()  # `Attempt.together` sends on one client from several threads
        self._routes: dict[str | None, httpx.HTTPTransport] = {}  # proxy URL (None: direct) -> its pool

    def _route(self, url: str) -> httpx.HTTPTransport:
        proxy = proxy_for(url)
        with self._lock:
            if proxy not in self._routes:
                context = _shared_ssl_context()
                self._routes[proxy] = httpx.HTTPTransport(verify=context, retries=0, proxy=_proxy(proxy, context),
                                                          limits=self._limits)
            return self._routes[proxy]

    def close(self) -> None:
        with self._lock:
            routes, self._routes = list(self._routes.values()), {}
        for route in routes:
            route.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = self._attempt
        attempt.raise_if_stopped()
        attempt.last_url = str(request.url)
        request.extensions["timeout"] = httpx.Timeout(max(attempt.remaining(), 0.001)).as_dict()
        request.extensions["trace"] = attempt._trace
        request.headers["Accept-Encoding"] = "gzip"
        if self._anonymous:
            for header in ("authorization", "cookie"):
                request.headers.pop(header, None)
        response = self._route(str(request.url)).handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        # httpx would decompress after the cap, unbounded; _CappedStream does it within the cap. Any
        # other encoding was not asked for and stays undecoded (so it reads as an unreadable answer).
        headers = response.headers.copy()
        encoding = headers.pop("content-encoding", "").strip().lower()
        return httpx.Response(response.status_code, headers=headers, extensions=response.extensions,
                              stream=_CappedStream(response.stream, attempt, gzip=encoding in ("gzip", "x-gzip"),
                                                   limit=request.extensions.get(BODY_LIMIT)))


def _proxy(url: str | None, context: ssl.SSLContext) -> httpx.Proxy | None:
    """httpx's Proxy for a proxy URL; an https:// proxy is verified like the services themselves."""
    if url is None:
        return None
    return httpx.Proxy(url, ssl_context=context) if url.lower().startswith("https://") else httpx.Proxy(url)


def make_client(attempt: Attempt, *, connections: int | None = None, anonymous: bool = False) -> httpx.Client:
    """An httpx client bound to an attempt: our User-Agent, no redirects, TLS verified, the usual proxy;
    at most `connections` open to one route when given (kept open and reused), credentials never
    sent when `anonymous`."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections) if connections else None
    return httpx.Client(transport=_AttemptTransport(attempt, limits, anonymous), headers={"User-Agent": USER_AGENT},
                        follow_redirects=False)
