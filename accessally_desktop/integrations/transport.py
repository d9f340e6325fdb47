"""One shared HTTP setup for every service, and the one place HTTP failures become a Status.

An `Attempt` is one live test: it owns the deadline (a real wall-clock limit, so a server that
drips a byte a second is still cut off), the sockets it opened (so `cancel()` from another
thread ends a blocked read at once), and the body-size cap. Every httpx client a service uses,
including the one inside the official `stripe` package, goes through `Attempt.client()`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qsl, quote_plus, urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx

from .. import APP_NAME, __version__
from .characters import shorten
from .rate_limits import RateLimit, wait_words
from .redaction import SENSITIVE_PARAMS, redact
from .status import DEFAULT_TIMEOUT, Failure, Status

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # every verify call answers in a few KB
BODY_LIMIT = "accessally.body_limit"  # a request extension: this request's own cap, failing only that request
USER_AGENT = f"{APP_NAME.replace(' ', '-')}/{__version__} (accessally.com)"
EXCERPT_CHARS = 300


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`, the one name every system keeps for this computer; any other
    name (localhost.localdomain, 127.0.0.1.nip.io) is whatever DNS or a hosts file says it is."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def split_url(url: str) -> SplitResult | None:
    """`urlsplit`, or None for text that cannot be a URL at all ("http://[", a port over 65535).

    Fields, environment variables and servers' replies can hold anything; urlsplit and its
    `hostname`/`port` raise ValueError on such text, which would otherwise reach the owner as a
    crash instead of a message saying the address is not a web address."""
    try:
        parts = urlsplit(url)
        parts.hostname, parts.port  # both parse on access, and may raise
    except ValueError:
        return None
    return parts


def redact_url(url: str) -> str:
    """A URL safe for logs and details: credential-like query values are masked."""
    parts = split_url(str(url))
    if parts is None:
        return "(an address that is not valid)"
    port = parts.port
    # Joined by hand: urlencode(safe="•") would still percent-encode the non-ASCII mask.
    query = "&".join(f"{quote_plus(k)}={'••••' if SENSITIVE_PARAMS.search(k) else quote_plus(v)}"
                     for k, v in parse_qsl(parts.query, keep_blank_values=True))
    netloc = parts.hostname or ""
    if port:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class ResponseTooLarge(Exception):
    """An answer went over its cap (`MAX_BODY_BYTES`, or the request's own `BODY_LIMIT`)."""


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer, read within the cap, with the parsing every service needs."""

    service: str
    status: int
    headers: httpx.Headers
    body: bytes
    url: str
    rate_limit: RateLimit = RateLimit()  # what a 429 without Retry-After means for this service
    secrets: tuple[str, ...] = ()  # the values tested, masked in any excerpt (servers echo requests)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def excerpt(self, limit: int = EXCERPT_CHARS) -> str:
        """The start of the body on one line, secrets masked before it is cut (a cut secret is no
        longer recognisable)."""
        text = " ".join(self.body[: 8 * limit].decode("utf-8", "replace").split())
        return shorten(redact(text, self.secrets), limit + 1)

    def describe(self) -> str:
        return f"HTTP {self.status} from {redact_url(self.url)}: {self.excerpt() or '(empty body)'}"

    def looks_like_html(self) -> bool:
        head = self.body[:512].lstrip().lower()
        return "html" in self.headers.get("content-type", "").lower() or head.startswith((b"<!doctype", b"<html"))

    def json(self) -> Any:
        """The parsed body, or a BAD_RESPONSE failure saying why it is not data."""
        if self.looks_like_html():
            raise Failure(Status.BAD_RESPONSE,
                          f"{self.service} answered with a web page instead of data. "
                          "Check the address, or try again later if the service is down.", self.describe())
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            raise Failure(Status.BAD_RESPONSE, f"{self.service} sent an answer this app could not read.",
                          self.describe()) from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise Failure(Status.BAD_RESPONSE, f"{self.service} sent an answer in an unexpected shape.", self.describe())
        return data

    def retry_after(self) -> float | None:
        """Seconds the service asked us to wait (Retry-After as seconds or an HTTP date)."""
        return self.wait_in("retry-after")

    def wait_in(self, header: str) -> float | None:
        """Seconds to wait that a header holds (as seconds or an HTTP date), or None."""
        value = self.headers.get(header, "").strip()
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            pass
        else:
            return max(0.0, seconds) if math.isfinite(seconds) else None
        try:
            import email.utils

            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        return max(0.0, when.timestamp() - time.time())

    def fail_for_status(self, *, invalid_credentials: str | None = None, forbidden: str | None = None,
                        not_found: str | None = None) -> None:
        """Return on 2xx; otherwise raise the shared mapping, with the service's own wording."""
        if 200 <= self.status < 300:
            return
        raise self.failure(invalid_credentials=invalid_credentials, forbidden=forbidden, not_found=not_found)

    def failure(self, *, invalid_credentials: str | None = None, forbidden: str | None = None,
                not_found: str | None = None) -> Failure:
        name, code, detail = self.service, self.status, self.describe()
        if code == 401:
            return Failure(Status.INVALID_CREDENTIALS,
                           invalid_credentials or f"{name} did not accept these credentials. Copy them again.", detail)
        if code == 403:
            return Failure(Status.FORBIDDEN, forbidden or
                           f"{name} recognised the credentials but refused access. "
                           "Check that the user or key has the needed permissions.", detail)
        if code == 404:
            return Failure(Status.NOT_FOUND, not_found or
                           f"{name} has nothing at this address. Check the account address.", detail)
        if code == 429:
            wait = self.retry_after()
            if wait is None:
                return Failure(Status.RATE_LIMITED, self.rate_limit.without_wait(self), detail)
            return Failure(Status.RATE_LIMITED,
                           f"{name} is limiting how fast it answers right now. Try again in {wait_words(wait)}.", detail)
        if code >= 500:
            return Failure(Status.SERVER_ERROR,
                           f"{name} has a problem on its side (HTTP {code}). Try again in a few minutes.", detail)
        if 300 <= code < 400:
            return Failure(Status.BAD_RESPONSE,
                           f"{name} sent us to another address ({redact_url(self.headers.get('location', '?'))}); "
                           "credentials are never followed there. Check the address.", detail)
        return Failure(Status.BAD_RESPONSE, f"{name} gave an unexpected answer (HTTP {code}).", detail)


class Attempt:
    """One live test: a deadline, cancellable from any thread, that closes what it opened.

    Use as a context manager around the calls (`Integration.test` does); call `cancel()` from
    another thread to end it at once. A cancelled or timed-out attempt ends its blocked socket
    reads immediately and leaves no thread or socket behind.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = float(timeout)
        self.stopped: str | None = None  # "cancelled", "timeout" or "too_large"
        self.last_url = ""
        self.rate_limit = RateLimit()  # the tested service's, set by `Integration.test`; every Reply carries it
        self.secrets: tuple[str, ...] = ()  # the values tested, set by `Integration.test`; every Reply masks them
        self._deadline = time.monotonic() + self.timeout
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._clients: list[httpx.Client] = []
        self._shared: httpx.Client | None = None  # the first ordinary client: `request` sends on it
        self._timer: threading.Timer | None = None

    # -- lifetime ----------------------------------------------------------------------------------

    def __enter__(self) -> Attempt:
        self._deadline = time.monotonic() + self.timeout
        self._timer = threading.Timer(self.timeout, self._stop, ("timeout",))
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer:
            self._timer.cancel()
        with self._lock:
            clients, self._clients, self._shared = self._clients, [], None
            self._sockets = []
        for client in clients:
            client.close()

    @property
    def started(self) -> bool:
        """Entered as a context manager (its deadline is running)."""
        return self._timer is not None

    def cancel(self) -> None:
        """End the attempt now; the running call returns a CANCELLED result."""
        self._stop("cancelled")

    def remaining(self) -> float:
        return self._deadline - time.monotonic()

    def raise_if_stopped(self) -> None:
        if self.stopped or self.remaining() <= 0:
            self._stop("timeout")
            import httpx

            raise httpx.ReadTimeout("attempt stopped: " + str(self.stopped))

    def _stop(self, reason: str) -> None:
        with self._lock:
            if self.stopped is None:
                self.stopped = reason
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def _trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        with self._lock:
            self._sockets.append(sock)
            stopped = self.stopped
        if stopped:
            _shutdown(sock)

    # -- HTTP ------------------------------------------------------------------------------------

    def client(self, *, connections: int | None = None, anonymous: bool = False) -> httpx.Client:
        """An httpx client bound to this attempt: our User-Agent, no redirects, TLS verified.

        `connections` caps the connections open at once to one host (they are kept and reused);
        an `anonymous` client never sends an Authorization or Cookie header (public pages)."""
        from ._http import make_client

        client = make_client(self, connections=connections, anonymous=anonymous)
        with self._lock:
            self._clients.append(client)
            if self._shared is None and not (connections or anonymous):
                self._shared = client
        return client

    def together(self, *calls: Callable[[], Any]) -> list[Any]:
        """Run a test's independent reads at the same time (a service that needs two answers).

        Results come back in order; if several fail, the first call's failure is the one raised.
        """
        if len(calls) == 1:
            return [calls[0]()]
        with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="together") as pool:
            futures = [pool.submit(call) for call in calls]
            return [future.result() for future in futures]

    def request(self, service: str, method: str, url: str, *, client: httpx.Client | None = None,
                **kwargs: Any) -> Reply:
        """Send one request (on `client`, else the attempt's first ordinary client) and read the
        whole (capped) answer; failures become `Failure`."""
        if client is None:
            client = self._shared or self.client()
        try:
            response = client.request(method, url, **kwargs)
            body = response.read()
        except Exception as exc:
            status, message, detail = self.explain(exc, service)
            raise Failure(status, message, detail) from None
        log.debug("%s %s -> %s (%d bytes)", method, redact_url(url), response.status_code, len(body))
        return Reply(service, response.status_code, response.headers, body, str(response.url), self.rate_limit,
                     self.secrets)

    def explain(self, exc: BaseException, service: str) -> tuple[Status, str, str]:
        """Map any exception raised while talking to a service to (status, message, detail)."""
        import ssl  # with httpx: loaded by the first request, not at start (5 MB of OpenSSL)

        import httpx

        host = urlsplit(self.last_url).hostname or service
        where = f"{type(exc).__name__} on {redact_url(self.last_url) or service}"
        chain = list(_cause_chain(exc))
        for err in chain:
            if isinstance(err, Failure):  # already said in plain words (a proxy that may not be used)
                return err.status, err.message, err.detail or where
        if self.stopped == "cancelled":
            return Status.CANCELLED, "The test was cancelled.", where
        if self.stopped == "timeout" or any(isinstance(e, (httpx.TimeoutException, TimeoutError, socket.timeout)) for e in chain):
            return (Status.TIMEOUT, f"{service} did not answer within {self.timeout:g} seconds. "
                    "Check your internet connection, or try again later.", where)
        if self.stopped == "too_large" or any(isinstance(e, ResponseTooLarge) for e in chain):
            return (Status.BAD_RESPONSE, f"{service} sent a far larger answer than expected. "
                    "Check the address: it does not look like the service's API.", where)
        for err in chain:
            if isinstance(err, ssl.SSLCertVerificationError):
                return (Status.TLS_ERROR, f"The secure connection to {host} could not be verified "
                        f"({err.verify_message or 'untrusted certificate'}). Nothing was sent. If you are on a "
                        "company or public network, try another one.", f"{where}: {err}")
            if isinstance(err, ssl.SSLError):
                return (Status.TLS_ERROR, f"A secure connection to {host} could not be set up. Nothing was sent.",
                        f"{where}: {err}")
        for err in chain:
            if isinstance(err, socket.gaierror):
                return (Status.NETWORK_ERROR, f"Could not find {host}. Check the address and your internet "
                        "connection.", f"{where}: {err}")
            if isinstance(err, ConnectionRefusedError):
                return (Status.NETWORK_ERROR, f"Could not connect to {host}: the connection was refused. "
                        "Check the address, or try again later.", f"{where}: {err}")
        for err in chain:
            if isinstance(err, httpx.ProxyError):
                return (Status.NETWORK_ERROR, f"The proxy set for this computer would not connect to {host} ({err}). "
                        f"Ask your network administrator to allow {host}.", f"{where}: {err}")
        if any(isinstance(e, httpx.ConnectError) for e in chain):
            return (Status.NETWORK_ERROR, f"Could not connect to {host}. Check the address and your internet "
                    "connection.", f"{where}: {exc}")
        if any(isinstance(e, (httpx.TransportError, ConnectionError, OSError)) for e in chain):
            return (Status.NETWORK_ERROR, f"The connection to {service} broke off before it answered. "
                    "Try again.", f"{where}: {exc}")
        return (Status.BAD_RESPONSE, f"{service} gave an answer this app does not understand.",
                f"{where}: {exc}")


def _cause_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
