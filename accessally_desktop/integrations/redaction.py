"""The one redaction of the app: every credential it can spot in a text becomes "••••".

Masked: credential-like query and form values, secret-bearing headers, the key shapes each
integration declares (`Integration.secret_shapes`, `public_shapes`), Bearer/Basic tokens, and every
value handed to `register_secret()` — also %-encoded, escaped, inside base64 and cut off (see
`_Masker`). The log (`logs.RedactingFilter`), "Copy diagnostics", every test result and `check`'s
output use `redact()`. Here, in the integrations layer, because results are cleaned with it; the
app's core imports it from here, never the other way round.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus

MASK = "••••"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words; a real credential is far longer
PREFIX_AT_CUT = 6  # where text was cut, this many first characters of a secret are masked too

# Parameter names whose value is a credential; transport.redact_url masks them in URLs too.
SENSITIVE_PARAMS = re.compile(r"(api_key|api_secret|api_token|token|key|secret|password|pwd|signature|license|serial)", re.I)
_SENSITIVE = SENSITIVE_PARAMS.pattern
_NAME_CHARS = r"[\w.\-\[\]]"

# Header names whose value is a credential (with those each integration declares, `secret_headers`),
# and "name: value" words that mean the same in prose.
_HEADERS = (r"proxy-authorization|authorization|"
            r"password|passwd|client_secret|api_secret|api_key|api_token|access_token|secret_key|license_key")


def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    from . import registry  # loads every integration: done once, when the first text is redacted

    return _patterns_for(registry.SERVICE_IDS)


@lru_cache(maxsize=4)
def _patterns_for(services: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The rewrite rules for these services, compiled when first needed: compiling them is ~2 % of
    the app's start-up, and a normal start logs its first line once the window is up."""
    from . import registry

    declared = [re.escape(h.lower()) for s in services for h in registry.get(s).secret_headers]
    headers = "|".join([*declared, _HEADERS])
    return (
        # Authorization: Bearer abc / 'api-key': 'abc' / ("X-Kit-Api-Key", "kit_…") / password: hunter2
        (re.compile(rf"(?i)(?<![\w-])({headers})((?:['\"]?\s*[:=]|['\"]\s*,)\s*(?:(?-i:b)['\"]|['\"])?)"
                    r"((?:basic|bearer|token|digest)\s+)?[^\s'\",;}\]&]+"), rf"\1\2\3{MASK}"),
        # query and form values: ?api_secret=…&USER=x&PWD=…&SIGNATURE=…, license=…
        # (from the start of a name only: trying every letter of a long word again made this quadratic)
        (re.compile(rf"(?i)(?<!{_NAME_CHARS})({_NAME_CHARS}*(?:{_SENSITIVE}){_NAME_CHARS}*=)(?!{MASK})[^&\s'\"#<>;,]+"),
         rf"\1{MASK}"),
        # JSON-ish: "client_secret": "…", 'api_key': 123
        (re.compile(rf"(?i)(['\"]{_NAME_CHARS}*(?:{_SENSITIVE}){_NAME_CHARS}*['\"]\s*:\s*)"
                    rf"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s,}}\]]+)"), rf"\1'{MASK}'"),
        # key shapes, wherever they appear: the ones each integration declares
        *((shape, rf"\1{MASK}" if shape.groups else MASK) for shape in _key_shapes(public=True)),
        (re.compile(r"(?i)\b(bearer|basic)\s+(?!•)[A-Za-z0-9._~+/=\-]{6,}"), rf"\1 {MASK}"),
    )


def _key_shapes(*, public: bool) -> tuple[re.Pattern[str], ...]:
    """The services' own key shapes (`Integration.secret_shapes`, and `public_shapes` when `public`),
    so that the list lives in one place: the integration that knows the key."""
    from . import registry  # loads every integration: done once, when the first text is redacted

    return _shapes_for(registry.SERVICE_IDS, public)


@lru_cache(maxsize=8)
def _shapes_for(services: tuple[str, ...], public: bool) -> tuple[re.Pattern[str], ...]:
    from . import registry

    return tuple(re.compile(rf"\b{shape}") for integration in map(registry.get, services)
                 for shape in integration.secret_shapes + (integration.public_shapes if public else ()))


def secret_shape_in(text: object) -> bool:
    """Whether the text holds something shaped like a service's secret (sk_live_…, kit_…): such a value
    never belongs in a non-secret field, the settings file or an export."""
    return isinstance(text, str) and any(shape.search(text) for shape in _key_shapes(public=False))


_lock = threading.Lock()
_secrets: set[str] = set()
_registered: _Masker | None = None


def register_secret(value: object) -> None:
    """Mask this value (in every form `redact` knows) in every later log record and in `redact()`.

    The app registers every secret it loads or the owner types. Values under MIN_SECRET_LENGTH
    characters are ignored: masking "abc" everywhere would garble the log, not protect anything.
    """
    global _registered
    values = _values([value])
    if not values:
        return
    with _lock:
        if values <= _secrets:
            return
        _secrets.update(values)
        _registered = _Masker.of(frozenset(_secrets))


def forget_secrets() -> None:
    """Drop every registered value (a new session, or a test)."""
    global _registered
    with _lock:
        _secrets.clear()
        _registered = None


def redact(text: str, secrets: Iterable[object] = ()) -> str:
    """The text with every credential this module knows how to spot replaced by "••••": the
    registered values and `secrets`, in every form below, then the key and parameter shapes.

    The one redaction of the app: the log, "Copy diagnostics", every test result's message and
    Details, and `check`'s output all pass through it."""
    if not text:
        return text
    masker = _registered
    extra = _values(secrets)
    if extra and not (masker is not None and extra <= masker.values):
        masker = _Masker.of(frozenset(extra | (masker.values if masker is not None else set())))
    if masker is not None:
        text = masker.mask(text)
    for regex, replacement in _patterns():
        text = regex.sub(replacement, text)
    return text


def _values(secrets: Iterable[object]) -> frozenset[str]:
    texts = ("" if value is None else str(value) for value in secrets)
    return frozenset(raw for text in texts for raw in (text, text.strip()) if len(raw) >= MIN_SECRET_LENGTH)


def _forms(value: str) -> set[str]:
    """A secret as text may hold it: as typed, %-encoded (as a URL or a form), JSON-, repr- or HTML-escaped."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1], repr(value)[1:-1],
             json.dumps(value, ensure_ascii=False)[1:-1], html.escape(value)}
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{8,}={0,2}")
_CUTS = re.compile(r"…|\.\.\.|$")


class _Masker:
    """Masks a set of secret values wherever and however they appear: whole (a short one only as a
    whole word), in any of `_forms` (%-hex in either case), inside base64 at any offset (Basic auth's
    "token:"), and a long start of one where the text was cut ("…", "...", the end)."""

    def __init__(self, values: frozenset[str]) -> None:
        self.values = values
        self.forms = sorted({form for value in values for form in _forms(value)}, key=len, reverse=True)
        self.longest = len(self.forms[0]) if self.forms else 0
        parts = []
        for form in self.forms:
            escaped = re.sub(r"%([0-9A-F]{2})", lambda m: "%" + "".join(
                f"[{c}{c.lower()}]" if c.isalpha() else c for c in m.group(1)), re.escape(form))
            parts.append(escaped if len(form) >= 8 else rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])")
        self.pattern = re.compile("|".join(parts))

    @staticmethod
    @lru_cache(maxsize=64)
    def of(values: frozenset[str]) -> _Masker:
        return _Masker(values)

    def mask(self, text: str) -> str:
        text = self.pattern.sub(MASK, text)
        text = _BASE64_RUN.sub(lambda m: MASK if self._hides_secret(m.group()) else m.group(), text)
        for cut in reversed([m.start() for m in _CUTS.finditer(text)]):
            start = cut - self._start_of_secret_before(text, cut)
            if start < cut:
                text = text[:start] + MASK + text[cut:]
        return text

    def _hides_secret(self, run: str) -> bool:
        """Whether base64 text, read from any of its first four characters, decodes to a secret."""
        run = run.rstrip("=").replace("-", "+").replace("_", "/")
        for offset in range(4):
            piece = run[offset:]
            piece = piece[: len(piece) // 4 * 4]
            if len(piece) < 8:
                break
            decoded = base64.b64decode(piece).decode("utf-8", "replace")
            if any(value in decoded for value in self.values) or self._start_of_secret_before(decoded, len(decoded)):
                return True
        return False

    def _start_of_secret_before(self, text: str, end: int) -> int:
        """How many characters before `end` are the start of a secret, when at least PREFIX_AT_CUT are."""
        window = text[max(0, end - self.longest):end]
        best = 0
        for form in self.forms:
            if len(form) <= PREFIX_AT_CUT:
                continue
            head = form[:PREFIX_AT_CUT]
            at = window.find(head)
            while at >= 0 and len(window) - at > best:
                if form.startswith(window[at:]):
                    best = len(window) - at
                    break
                at = window.find(head, at + 1)
        return best
