"""The app's log: one rotating file in the user's log folder, with every record redacted first.

`setup_logging()` puts one handler on the root logger, so it sees every library's records too
(httpx logs each request URL at INFO, httpcore and stripe log at DEBUG). The handler's
`RedactingFilter` rewrites each record before it is formatted: credential-like query and form
values, secret-bearing headers, key shapes (each integration's `secret_shapes`, Bearer/Basic tokens) and every value
handed to `register_secret()` (in its encoded and cut-off forms too, see `_Masker`) become "••••".
`redact()` is the same rewrite for any text: "Help > Copy diagnostics", every test result and
`check`'s warnings use it, so there is one redaction in the app.

No Qt here: the check command and the tests use it without a display.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import quote, quote_plus

import platformdirs

from . import APP_NAME

LOG_FILE = "app.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 3
MASK = "••••"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words; a real credential is far longer
PREFIX_AT_CUT = 6  # where text was cut, this many first characters of a secret are masked too
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

# Parameter names whose value is a credential; transport.redact_url masks them in URLs too.
SENSITIVE_PARAMS = re.compile(r"(api_key|api_secret|api_token|token|key|secret|password|pwd|signature|license|serial)", re.I)
_SENSITIVE = SENSITIVE_PARAMS.pattern
_NAME_CHARS = r"[\w.\-\[\]]"

# Header names whose value is a credential, and "name: value" words that mean the same in prose.
_HEADERS = (r"proxy-authorization|authorization|x-keap-api-key|x-kit-api-key|api-token|api-key|"
            r"password|passwd|client_secret|api_secret|api_key|api_token|access_token|secret_key|license_key")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The rewrite rules, compiled when first needed: compiling them is ~2 % of the app's start-up,
    and a normal start logs its first line once the window is up."""
    return (
        # Authorization: Bearer abc / 'api-key': 'abc' / ("X-Kit-Api-Key", "kit_…") / password: hunter2
        (re.compile(rf"(?i)(?<![\w-])({_HEADERS})((?:['\"]?\s*[:=]|['\"]\s*,)\s*(?:(?-i:b)['\"]|['\"])?)"
                    r"((?:basic|bearer|token|digest)\s+)?[^\s'\",;}\]&]+"), rf"\1\2\3{MASK}"),
        # query and form values: ?api_secret=…&USER=x&PWD=…&SIGNATURE=…, license=…
        # (from the start of a name only: trying every letter of a long word again made this quadratic)
        (re.compile(rf"(?i)(?<!{_NAME_CHARS})({_NAME_CHARS}*(?:{_SENSITIVE}){_NAME_CHARS}*=)(?!{MASK})[^&\s'\"#<>;,]+"),
         rf"\1{MASK}"),
        # JSON-ish: "client_secret": "…", 'api_key': 123
        (re.compile(rf"(?i)(['\"]{_NAME_CHARS}*(?:{_SENSITIVE}){_NAME_CHARS}*['\"]\s*:\s*)"
                    rf"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s,}}\]]+)"), rf"\1'{MASK}'"),
        # key shapes, wherever they appear: the ones each integration declares
        *((shape, rf"\1{MASK}") for shape in _key_shapes(public=True)),
        (re.compile(r"(?i)\b(bearer|basic)\s+(?!•)[A-Za-z0-9._~+/=\-]{6,}"), rf"\1 {MASK}"),
    )


@cache
def _key_shapes(*, public: bool) -> tuple[re.Pattern[str], ...]:
    """The services' own key shapes (`Integration.secret_shapes`, and `public_shapes` when `public`),
    so that the list lives in one place: the integration that knows the key."""
    from .integrations import registry  # loads every integration: done once, when the first text is redacted

    return tuple(re.compile(rf"\b{shape}") for integration in registry.all_integrations()
                 for shape in integration.secret_shapes + (integration.public_shapes if public else ()))


def secret_shape_in(text: object) -> bool:
    """Whether the text holds something shaped like a service's secret (sk_live_…, kit_…): such a value
    never belongs in a non-secret field, the settings file or an export."""
    return isinstance(text, str) and any(shape.search(text) for shape in _key_shapes(public=False))


_lock = threading.Lock()
_secrets: set[str] = set()
_registered: _Masker | None = None
_log_path: Path | None = None  # the file being written, None before setup or when it could not be opened


# -- redaction -------------------------------------------------------------------------------------

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


class RedactingFilter(logging.Filter):
    """Rewrites each record in place (message, arguments, traceback, stack) before it is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record (or leak its arguments raw)
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """A last pass over the finished line, for anything a format string adds."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# -- setup -----------------------------------------------------------------------------------------

class RotatingLog(logging.FileHandler):
    """A UTF-8 log file that moves to `<name>.1` (`.1` to `.2`, …, the oldest dropped) rather than grow
    past `max_bytes`. What `logging.handlers.RotatingFileHandler` does, without the module's imports
    (socket, pickle, queue: 3 % of the app's start-up) for network handlers the app never uses."""

    def __init__(self, path: Path, max_bytes: int, backup_count: int) -> None:
        super().__init__(path, encoding="utf-8")
        self.max_bytes, self.backup_count = max_bytes, backup_count

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.backup_count and self.stream is not None and self.stream.tell():
                line = f"{self.format(record)}{self.terminator}".encode("utf-8")
                if self.stream.tell() + len(line) > self.max_bytes:
                    self._rotate()
        except Exception:
            self.handleError(record)
            return
        super().emit(record)

    def _rotate(self) -> None:
        self.stream.close()
        path = Path(self.baseFilename)
        for number in range(self.backup_count - 1, 0, -1):
            older = path.with_name(f"{path.name}.{number}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
        os.replace(path, path.with_name(f"{path.name}.1"))
        self.stream = self._open()  # a new file (mode "a" on a name no longer there)


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_path() -> Path | None:
    """The file the log is being written to; None before `setup_logging` or when it fell back to stderr."""
    return _log_path


def setup_logging(level: int = logging.INFO, *, directory: Path | None = None, max_bytes: int = MAX_BYTES,
                  backup_count: int = BACKUP_COUNT) -> Path:
    """Log to `<user log dir>/app.log` (rotated at `max_bytes`, `backup_count` old files kept).

    Safe to call again: the handler it added before is replaced, never doubled. When the folder
    cannot be written, records go to stderr instead (still redacted), a warning says so, and
    `log_path()` is None; the path that could not be used is returned either way.
    """
    global _log_path
    root = logging.getLogger()
    close_logging()
    path = (directory or log_dir()) / LOG_FILE
    handler: logging.Handler
    problem = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingLog(path, max_bytes, backup_count)
    except OSError as exc:
        handler = logging.StreamHandler(sys.stderr)
        problem = f"Cannot write the log file {path} ({exc.strerror or exc}); logging to the console only."
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler._accessally_desktop = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    _log_path = None if problem else path
    if problem:
        logging.getLogger(__name__).warning("%s", problem)
    return path


def close_logging() -> None:
    """Remove and close the handler `setup_logging` added (at exit, or between tests)."""
    global _log_path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_accessally_desktop", False):
            root.removeHandler(handler)
            handler.close()
    _log_path = None


def recent_lines(n: int = 200) -> list[str]:
    """The last `n` lines of the log (reaching into the previous file after a rotation), redacted."""
    if n <= 0:
        return []
    path = _log_path or log_dir() / LOG_FILE
    lines: list[str] = []
    for candidate in (path, path.with_name(f"{path.name}.1")):
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace")
        except OSError:
            break
        lines = text.splitlines() + lines
        if len(lines) >= n:
            break
    return [redact(line) for line in lines[-n:]]
