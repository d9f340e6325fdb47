"""A TLS-terminating front for `php -S` (which speaks only plain http), as a host's load balancer is.

Each connection's first request head gets `X-Fixture-Tls: <token>` (the fixture's wp-config.php then
sets `$_SERVER['HTTPS']`, as hosts do from X-Forwarded-Proto); any such header the client sent is
dropped. php -S answers one request per connection and closes it, so the rest is piped as it is.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading

_HEADER = b"x-fixture-tls:"


class TlsFront:
    def __init__(self, context: ssl.SSLContext, upstream_port: int, token: str, port: int = 0) -> None:
        self._context = context
        self._upstream_port = upstream_port
        self._token = token.encode()
        self._listener = socket.create_server(("127.0.0.1", port))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="tls-front", daemon=True)

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def start(self) -> TlsFront:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            raw.settimeout(30)
            with self._context.wrap_socket(raw, server_side=True) as client:
                head, rest = _read_head(client)
                if head is None:
                    return
                with socket.create_connection(("127.0.0.1", self._upstream_port), timeout=30) as upstream:
                    upstream.sendall(self._marked(head) + rest)
                    _pipe(client, upstream)
        except (OSError, ssl.SSLError):
            pass  # a client that gave up, or one that does not trust the test CA: nothing to serve
        finally:
            raw.close()

    def _marked(self, head: bytes) -> bytes:
        first, *headers = head.split(b"\r\n")
        kept = [line for line in headers if line and not line.lower().startswith(_HEADER)]
        return b"\r\n".join([first, b"X-Fixture-Tls: " + self._token, *kept]) + b"\r\n\r\n"


def _read_head(client: ssl.SSLSocket) -> tuple[bytes | None, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _pipe(client: ssl.SSLSocket, upstream: socket.socket) -> None:
    sockets = [client, upstream]
    while True:
        # TLS may hold decrypted bytes that select() cannot see.
        ready = [client] if client.pending() else select.select(sockets, [], [], 30)[0]
        if not ready:
            return
        for source in ready:
            data = source.recv(65536)
            if not data:
                return
            (upstream if source is client else client).sendall(data)
