"""The real-world conditions the WordPress fixture plays (tests/support/real_wordpress.py), and the
flag file that carries them to PHP.

The HTML printed in the site's `<head>` is made here, in Python, from the app's own tracking snippets
(`accessally_desktop.integrations.ontraport.tracking_snippet` / `drip.tracking_snippet`), restyled as
the named speed plugin or consent banner would rewrite them, so the fixture prints exactly what the
app expects AccessAlly to print.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from accessally_desktop.integrations import drip, ontraport

TRACKING_SNIPPETS = {"ontraport": ontraport.tracking_snippet, "drip": drip.tracking_snippet}
SCRIPT_STYLES = ("plain", "rocket", "litespeed", "cloudflare", "consent", "aggregated")
# What each speed plugin or consent banner makes of a <script>: its new type, and where src goes.
_RESTYLED = {
    "rocket": ({"type": "rocketlazyloadscript"}, "data-rocket-src"),          # WP Rocket's "Delay JavaScript"
    "litespeed": ({"type": "litespeed/javascript"}, "data-src"),               # LiteSpeed Cache
    "cloudflare": ({"type": "text/rocketscript"}, "data-rocketsrc"),           # Cloudflare Rocket Loader
    "consent": ({"type": "text/plain", "data-cookieconsent": "marketing"}, "src"),  # Cookiebot
}
AGGREGATED_DIR = "wp-content/cache/min/1"  # where WP Rocket's "Combine JavaScript" puts its files


@dataclass(frozen=True)
class Conditions:
    """One set of conditions; every field's default is a plain, healthy site (see real_wordpress.py)."""

    app_passwords_off: bool = False
    production_http: bool = False
    strip_authorization: bool = False
    rest_blocked: str | bool = ""
    accessally: str = "active"
    permalinks: str = "plain"
    canonical_host: str = ""
    force_https: bool = False
    tracking: dict[str, str] = field(default_factory=dict)
    script_style: str = "plain"
    page_cache: bool | dict[str, Any] = False
    gtm: str | bool = ""

    def __post_init__(self) -> None:
        if self.rest_blocked is True:
            object.__setattr__(self, "rest_blocked", "everyone")
        if self.gtm is True:
            object.__setattr__(self, "gtm", "GTM-FIXTURE")
        _one_of("rest_blocked", self.rest_blocked, ("", False, "everyone", "logged_out"))
        _one_of("accessally", self.accessally, ("active", "inactive", "missing"))
        _one_of("permalinks", self.permalinks, ("plain", "pretty"))
        _one_of("script_style", self.script_style, SCRIPT_STYLES)
        unknown = set(self.tracking) - set(TRACKING_SNIPPETS)
        if unknown:
            raise ValueError(f"tracking: no snippet for {sorted(unknown)}; known: {sorted(TRACKING_SNIPPETS)}")
        if isinstance(self.page_cache, dict):
            Conditions(**self.page_cache)  # the cached copy's conditions must be valid too

    def changed(self, **changes: Any) -> Conditions:
        return dataclasses.replace(self, **changes)


def _one_of(name: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r}: expected one of {[a for a in allowed if a]}")


def home_url(conditions: Conditions, url: str, https_url: str) -> str:
    """The site's home address under these conditions (what the REST index calls `home`)."""
    if conditions.force_https:
        return https_url
    if conditions.canonical_host:
        return f"http://{conditions.canonical_host}:{url.rpartition(':')[2]}"
    return url


def flag_file(conditions: Conditions, url: str, https_url: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The JSON the PHP side reads on every request, and the script files to write (path → text)."""
    files: dict[str, str] = {}
    home = home_url(conditions, url, https_url)
    stale = conditions.page_cache
    stale_conditions = Conditions(**stale) if isinstance(stale, dict) else Conditions()
    data = {
        "app_passwords_off": conditions.app_passwords_off,
        "production_http": conditions.production_http,
        "strip_authorization": conditions.strip_authorization,
        "rest_blocked": conditions.rest_blocked or "",
        "accessally": conditions.accessally,
        "permalinks": conditions.permalinks,
        "canonical_host": conditions.canonical_host,
        "force_https": conditions.force_https,
        "page_cache": bool(conditions.page_cache),
        "home": home,
        "head": {"current": _head(conditions, home, files), "stale": _head(stale_conditions, home, files)},
    }
    return data, files


def _head(conditions: Conditions, home: str, files: dict[str, str]) -> dict[str, str]:
    snippets = [TRACKING_SNIPPETS[crm](account_id) for crm, account_id in conditions.tracking.items()]
    if conditions.script_style == "plain":
        tracking = "\n".join(snippets)
    else:
        tracking = _restyled(snippets, conditions.script_style, home, files)
    return {"tracking": tracking + "\n" if tracking else "", "extra": gtm_snippet(conditions.gtm) if conditions.gtm else ""}


def gtm_snippet(container_id: str) -> str:
    """Google Tag Manager's container snippet, as its install page gives it."""
    return ("<!-- Google Tag Manager -->\n<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':\n"
            "new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],\n"
            "j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=\n"
            "'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);\n"
            f"}})(window,document,'script','dataLayer','{container_id}');</script>\n<!-- End Google Tag Manager -->\n")


def _restyled(snippets: list[str], style: str, home: str, files: dict[str, str]) -> str:
    scripts = [script for snippet in snippets for script in _scripts(snippet)]
    if style == "aggregated":
        return _aggregated(scripts, home, files)
    new_attrs, src_name = _RESTYLED[style]
    tags = []
    for attrs, code in scripts:
        attrs = {("data-rocket-type" if style == "rocket" and k == "type" else k): v for k, v in attrs.items()}
        if "src" in attrs:
            attrs[src_name] = attrs.pop("src")
        tags.append(_tag({**new_attrs, **{k: v for k, v in attrs.items() if k not in new_attrs}}, code))
    return "\n".join(tags)


def _aggregated(scripts: list[tuple[dict[str, str], str]], home: str, files: dict[str, str]) -> str:
    """Inline code moves into one same-origin file loaded by src; scripts from other hosts stay as they are."""
    inline = [code for attrs, code in scripts if "src" not in attrs]
    tags = [_tag(attrs, code) for attrs, code in scripts if "src" in attrs]
    if inline:
        text = "\n".join(inline)
        path = f"{AGGREGATED_DIR}/{hashlib.sha1(text.encode()).hexdigest()[:16]}.js"
        files[path] = text
        tags.append(_tag({"src": f"{home}/{path}", "data-minify": "1", "defer": ""}, ""))
    return "\n".join(tags)


def _tag(attrs: dict[str, str], code: str) -> str:
    rendered = "".join(f' {name}="{html.escape(value)}"' if value else f" {name}" for name, value in attrs.items())
    return f"<script{rendered}>{code}</script>"


def _scripts(snippet: str) -> list[tuple[dict[str, str], str]]:
    """The <script> tags of a snippet: attributes and code."""
    parser = _ScriptParser()
    parser.feed(snippet)
    parser.close()
    return parser.scripts


class _ScriptParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(({name: value or "" for name, value in attrs}, ""))
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            attrs, code = self.scripts[-1]
            self.scripts[-1] = (attrs, code + data)
