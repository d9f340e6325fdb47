"""A small loopback HTTP server that answers like one real service.

Each service's stand-in subclasses `SandboxServer`, declares demo credentials and routes, and
answers with the status codes and bodies the real service documents. The tests use them over
real HTTP, and `--sandbox` (later) points the app at them. A server can also be told to
misbehave (`inject`) the ways real servers do: slow, silent, reset, HTML, huge, 4xx/5xx.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import ssl
import struct
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

HANG_LIMIT = 120.0  # a "never answers" server still gives up eventually, so no test can hang forever

log = logging.getLogger(__name__)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})


def text_response(text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8",
                  headers: dict[str, str] | None = None) -> Response:
    return Response(status, text.encode(), {"Content-Type": content_type, **(headers or {})})


Route = Callable[["SandboxServer", Request], Response]

HTML_PAGE = ("<!DOCTYPE html><html><head><title>Maintenance</title></head>"
             "<body><h1>We'll be back soon</h1></body></html>")


class SandboxServer:
    """Base stand-in. Subclasses fill `routes` with `(METHOD, path) -> handler` and `demo`."""

    service: ClassVar[str]
    demo: ClassVar[dict[str, str]] = {}  # credentials that pass, shown to sandbox users
    routes: ClassVar[dict[tuple[str, str], Route]] = {}
    # The service's documented limit: (requests, seconds) in a rolling window, or None.
    default_rate_limit: ClassVar[tuple[int, float] | None] = None

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self._host, self._port, self._tls = host, port, tls
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._fault: tuple[str, dict[str, Any]] | None = None
        self._fault_times: int | None = None
        self.requests: list[Request] = []
        self.rate_limit = self.default_rate_limit  # a test may change or clear it
        self._hits: deque[float] = deque()
        self._hits_lock = threading.Lock()

    # -- lifetime ----------------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        server = self

        class Handler(_Handler):
            sandbox = server

        httpd = _Server((self._host, self._port), Handler)
        if self._tls is not None:
            httpd.socket = self._tls.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{self.service}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{host}:{port}"

    def credentials(self) -> dict[str, str]:
        """Values that pass this stand-in's live test (the demo values, plus any address)."""
        return dict(self.demo)

    # -- misbehaviour --------------------------------------------------------------------------

    def inject(self, fault: str | None, *, times: int | None = None, **options: Any) -> None:
        """Make the next answers fail: 'status' (code=, body=, headers=), 'echo' (code=, template=: see
        `echo`), 'slow' (delay=),
        'hang', 'reset', 'html', 'invalid_json', 'huge' (size=), 'drip' (interval=).
        `times` limits how many requests it hits; None means until cleared."""
        self._fault = (fault, options) if fault else None
        self._fault_times = times

    def _take_fault(self) -> tuple[str, dict[str, Any]] | None:
        fault = self._fault
        if fault is not None and self._fault_times is not None:
            self._fault_times -= 1
            if self._fault_times <= 0:
                self._fault = None
        return fault

    def over_limit(self) -> int | None:
        """Count this request against `rate_limit`; the seconds to wait when it is over, else None."""
        if self.rate_limit is None:
            return None
        limit, window = self.rate_limit
        now = time.monotonic()
        with self._hits_lock:
            while self._hits and now - self._hits[0] >= window:
                self._hits.popleft()
            if len(self._hits) >= limit:
                return max(1, math.ceil(window - (now - self._hits[0])))
            self._hits.append(now)
        return None

    def remaining_requests(self) -> int:
        """What is left of the current window (for the service's rate-limit headers)."""
        if self.rate_limit is None:
            return 0
        with self._hits_lock:
            return max(0, self.rate_limit[0] - len(self._hits))

    def wait(self, seconds: float) -> None:
        """Sleep that ends early when the server stops."""
        self._stopping.wait(seconds)

    # -- dispatch --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        route = self.routes.get((request.method, request.path))
        if route is None:
            return self.not_found(request)
        return route(self, request)

    def not_found(self, request: Request) -> Response:
        return json_response({"error": f"No route {request.method} {request.path}"}, 404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer (a cancelled test, an app that quit, a refused
        certificate) is normal here; anything else goes to the log, not as a traceback on the
        terminal of a --sandbox session."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            log.warning("stand-in request from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    sandbox: ClassVar[SandboxServer]
    protocol_version = "HTTP/1.1"
    server_version = "SandboxServer/1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, parts.path, {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                          {k.lower(): v for k, v in self.headers.items()}, body)
        sandbox = self.sandbox
        sandbox.requests.append(request)
        fault = sandbox._take_fault()
        if fault is not None and self._misbehave(*fault, request):
            return
        try:
            response = sandbox.handle(request)
        except Exception as exc:  # a stand-in bug shows as a 500, like a real server's would
            response = text_response(f"sandbox error: {exc!r}", 500)
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _misbehave(self, fault: str, options: dict[str, Any], request: Request) -> bool:
        """Act out a fault. Returns True when the answer is fully handled here."""
        sandbox = self.sandbox
        if fault == "echo":
            self._send(text_response(echo(request, self.requestline, options.get("template", "{request}")),
                                     options.get("code", 403)))
            return True
        if fault == "slow":
            sandbox.wait(options.get("delay", 2.0))
            return False
        if fault == "hang":
            sandbox.wait(options.get("limit", HANG_LIMIT))
            self.close_connection = True
            return True
        if fault == "reset":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"acc"
            self.wfile.write(head)
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return True
        if fault == "html":
            self._send(text_response(HTML_PAGE, options.get("code", 200), "text/html; charset=utf-8"))
            return True
        if fault == "invalid_json":
            self._send(Response(200, b'{"account": {"name": "Acme", ', {"Content-Type": "application/json"}))
            return True
        if fault == "huge":
            size = options.get("size", 10 * 1024 * 1024)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            try:
                sent = 0
                while sent < size and not sandbox._stopping.is_set():
                    piece = chunk[: size - sent]
                    self.wfile.write(piece)
                    sent += len(piece)
            except OSError:
                pass
            self.close_connection = True
            return True
        if fault == "drip":
            interval = options.get("interval", 1.0)
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                deadline = time.monotonic() + HANG_LIMIT
                while time.monotonic() < deadline and not sandbox._stopping.is_set():
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    sandbox.wait(interval)
            except OSError:
                pass
            self.close_connection = True
            return True
        if fault == "status":
            code = options.get("code", 500)
            body = options.get("body")
            if body is None:
                body = {"error": "injected failure"}
            response = json_response(body, code) if not isinstance(body, (bytes, str)) else text_response(
                body if isinstance(body, str) else body.decode(), code, options.get("content_type", "text/plain"))
            response.headers.update(options.get("headers", {}))
            self._send(response)
            return True
        raise ValueError(f"unknown fault {fault!r}")


def echo(request: Request, request_line: str, template: str) -> str:
    """What a WAF or a debugging proxy shows of the request it refused, filled into `template`:
    {request} the whole request as sent, {auth} the Authorization value without its scheme,
    {raw[NAME]} a query or form value still %-encoded, {value[NAME]} the same decoded ("" when absent)."""
    body = request.body.decode("utf-8", "replace")
    pairs = [pair.partition("=") for part in (urlsplit(request_line.split(" ")[1]).query, body)
             for pair in part.split("&") if pair]
    raw = defaultdict(str, {name: value for name, _, value in pairs})
    whole = "\n".join([request_line, *(f"{k}: {v}" for k, v in request.headers.items()), "", body])
    return template.format(request=whole, auth=request.header("authorization").partition(" ")[2], raw=raw,
                           value=defaultdict(str, {**request.query, **request.form()}))
