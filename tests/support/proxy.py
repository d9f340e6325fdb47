"""A tiny real HTTP proxy on 127.0.0.1, like the one a company network makes every program use.

It speaks the two ways clients use a proxy: CONNECT host:port (a tunnel; for https the TLS runs
end to end through it) and a request line with an absolute URI (plain http, forwarded). It has its
own name lookup, as a company proxy does for names only it can resolve: every host name it is
asked for is this computer. So a test can aim a service at a name that exists nowhere
(https://drip.proxy-test.invalid:PORT) and reach the stand-in on that port only through the proxy.
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Proxy:
    """Start with `Proxy().start()`; `seen` lists "CONNECT host:port" or "GET http://…" per request.
    Set `refuse` to answer every tunnel with 403, as a proxy does for a site its policy blocks."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.refuse = False
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> Proxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_CONNECT(self) -> None:
        self.server.proxy.seen.append(f"CONNECT {self.path}")  # type: ignore[attr-defined]
        if self.server.proxy.refuse:  # type: ignore[attr-defined]
            self.send_error(403, "Blocked by policy")
            return
        _, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        except (OSError, ValueError):
            self.send_error(502, "Bad Gateway")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        _pipe(self.connection, upstream)
        self.close_connection = True

    def _forward(self) -> None:
        self.server.proxy.seen.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.port:
            self.send_error(400, "Absolute http:// URI with a port expected")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
        upstream.request(self.command, (target.path or "/") + ("?" + target.query if target.query else ""),
                         body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = _forward


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes: the proxy never sees inside the tunnel."""
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 10)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()
