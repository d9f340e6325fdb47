"""What a page's `<script>` tags are and whether a browser runs them, read with a real HTML parser.

Speed plugins and cookie banners keep a tracking tag on the page but change its `type` so the
browser skips it until the visitor interacts or consents; the tables below name each one. Only
the text of a script (and its attributes) is ever searched with a regex, never the HTML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

# type="…" (lowercase) -> the speed plugin that delays the script until the visitor interacts
DELAYING_TYPES = {
    "rocketlazyloadscript": "WP Rocket",
    "litespeed/javascript": "LiteSpeed Cache",
    "text/rocketscript": "Cloudflare Rocket Loader",
    "pmdelayedscript": "Perfmatters",
}
# Cloudflare Rocket Loader also rewrites type="text/javascript" as type="<hash>-text/javascript"
_ROCKET_LOADER_TYPE = re.compile(r"^[0-9a-f]{16,}-text/javascript$")
# attributes by which cookie banners mark a script that waits for consent -> the category, when the value names one
CONSENT_ATTRIBUTES = ("data-cookieconsent", "data-category", "data-cookiecategory", "data-cookieyes",
                      "data-iub-purposes", "data-cmplz-category", "data-borlabs-cookie-script")
# attributes that hold the file a delayed script will load, besides src
SOURCE_ATTRIBUTES = ("src", "data-rocket-src", "data-src", "data-pmdelayedscript", "data-litespeed-src")
_JAVASCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript",
                     "application/ecmascript", "text/jscript"}
_GTM_CONTAINER = re.compile(r"\bGTM-[A-Z0-9]{4,12}\b")
_GTM_HOST = "googletagmanager.com"


@dataclass(frozen=True)
class Running:
    """How a browser treats a script: "runs", "delayed" (by the speed plugin `by`), "consent"
    (waits for the visitor to accept cookies of category `by`, "" when unnamed) or "never" (a type
    no browser runs)."""

    how: str
    by: str = ""


RUNS = Running("runs")
HOW_IT_RUNS = ("runs", "delayed", "consent", "never")


@dataclass(frozen=True)
class ScriptTag:
    """One `<script>` as written in the page: its attributes (unescaped) and its text."""

    attrs: Mapping[str, str]
    text: str

    @property
    def source(self) -> str:
        """The file it loads (now, or once a speed plugin lets it), "" for an inline script."""
        return next((self.attrs[name] for name in SOURCE_ATTRIBUTES if self.attrs.get(name)), "")

    def searchable(self) -> str:
        """Everything a tracking id can hide in: the text and every attribute (AccessAlly's
        Ontraport tag sets the id in `onload`)."""
        return "\n".join([self.text, *self.attrs.values()])

    def running(self) -> Running:
        kind = self.attrs.get("type", "").strip().lower()
        if kind in DELAYING_TYPES:
            return Running("delayed", DELAYING_TYPES[kind])
        if _ROCKET_LOADER_TYPE.match(kind):
            return Running("delayed", DELAYING_TYPES["text/rocketscript"])
        if kind in _JAVASCRIPT_TYPES:
            return RUNS
        consent = next((name for name in CONSENT_ATTRIBUTES if name in self.attrs), None)
        if consent is not None:
            return Running("consent", _category(self.attrs[consent]))
        return Running("never")


@dataclass(frozen=True)
class ParsedPage:
    """A page's scripts, and the Google Tag Manager containers it loads (not readable from outside)."""

    scripts: tuple[ScriptTag, ...]
    tag_manager: frozenset[str]


def parse_page(html: str) -> ParsedPage:
    parser = _ScriptCollector()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup: keep what it read
        pass
    containers = set()
    for tag in parser.scripts:
        containers |= containers_in(tag.searchable())
    for url in parser.frames:
        containers |= containers_in(url)
    return ParsedPage(tuple(parser.scripts), frozenset(containers))


def containers_in(text: str) -> set[str]:
    """The GTM container ids text refers to, when it loads Google Tag Manager."""
    return set(_GTM_CONTAINER.findall(text)) if _GTM_HOST in text else set()


def _category(value: str) -> str:
    """A consent category worth naming ("marketing"), or "" for a flag, a number or noise."""
    words = value.strip().lower()
    return words if re.fullmatch(r"[a-z][a-z ,_-]{1,40}", words) and words not in ("true", "yes", "1") else ""


class _ScriptCollector(HTMLParser):
    """Collects `<script>` tags (the parser hands their content over as raw text) and
    `<noscript><iframe src>` addresses (GTM's fallback names its container there)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[ScriptTag] = []
        self.frames: list[str] = []
        self._open: dict[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            self._open, self._text = values, []
        elif tag == "iframe" and values.get("src"):
            self.frames.append(values["src"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append(ScriptTag(self._open, "".join(self._text)))
            self._open = None
