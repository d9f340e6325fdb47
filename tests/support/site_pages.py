"""A small website on 127.0.0.1 for the site-scan tests and bench: pages by path, served over
HTTP/1.1 keep-alive, counting what a scan does to it (requests with their headers, accepted
connections, requests in flight at once).

    site = SitePages({"/": page(ontraport("27875")), "/about/": page("")}).start()
    site.pages_list(["/about/"])   # answers /wp-json/wp/v2/pages with those links
    ...
    site.stop()

A path's answer may be a `Answer` (status, headers, body) or a function of the request
(path, query) returning one; `delay` holds every answer back that many seconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from accessally_desktop.integrations import drip, ontraport

PAGES_PATH = "/wp-json/wp/v2/pages"


@dataclass
class Answer:
    body: str | bytes = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=UTF-8"})


def page(head: str = "", body: str = "<p>Welcome</p>") -> Answer:
    """A WordPress-like page with `head` printed where wp_head() prints."""
    return Answer(f"<!DOCTYPE html><html><head><title>A page</title>{head}</head><body>{body}</body></html>")


def ontraport_tag(account: str) -> str:
    """The Ontraport script exactly as the app's own snippet (and AccessAlly) prints it."""
    return ontraport.tracking_snippet(account)


def drip_tag(account: str) -> str:
    return drip.tracking_snippet(account)


@dataclass(frozen=True)
class Seen:
    path: str
    query: str
    headers: dict[str, str]


class SitePages:
    def __init__(self, answers: dict[str, Answer | Callable[[str, str], Answer]], *, delay: float = 0.0) -> None:
        self.answers = answers
        self.delay = delay
        self.seen: list[Seen] = []
        self.connections = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SitePages:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def pages_list(self, paths: list[str], *, host: str = "") -> str:
        """Serve the REST list of pages (`_fields=link`) with these links; returns its address."""
        links = [path if "://" in path else f"{host or self.url}{path}" for path in paths]
        self.answers[PAGES_PATH] = Answer(json.dumps([{"link": link} for link in links]),
                                          headers={"Content-Type": "application/json"})
        return f"{self.url}{PAGES_PATH}?_fields=link&per_page=10"

    def paths_seen(self) -> list[str]:
        return [s.path for s in self.seen]

    def _answer(self, path: str, query: str) -> Answer:
        answer = self.answers.get(path)
        if answer is None:
            return Answer("<html><body>Not found</body></html>", 404)
        return answer(path, query) if callable(answer) else answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SitePages

    def process_request(self, request, client_address) -> None:
        with self.site._lock:
            self.site.connections += 1
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a scan's connections are reused
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms wait for an ACK between them
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        site = self.server.site
        parts = urlsplit(self.path)
        with site._lock:
            site.seen.append(Seen(parts.path, parts.query, {k.lower(): v for k, v in self.headers.items()}))
            site.in_flight += 1
            site.most_in_flight = max(site.most_in_flight, site.in_flight)
        try:
            if site.delay:
                time.sleep(site.delay)
            answer = site._answer(parts.path, parts.query)
            body = answer.body.encode() if isinstance(answer.body, str) else answer.body
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with site._lock:
                site.in_flight -= 1

    def log_message(self, format: str, *args: object) -> None:
        pass

