"""The app's log: one rotating file in the user's log folder, with every record redacted first.

`setup_logging()` puts one handler on the root logger, so it sees every library's records too
(httpx logs each request URL at INFO, httpcore and stripe log at DEBUG). The handler's
`RedactingFilter` rewrites each record with `integrations.redaction.redact` before it is
formatted, the same rewrite every message, result and `check` output gets.

No Qt here: the check command and the tests use it without a display.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import platformdirs

from . import APP_NAME
from .integrations.redaction import redact

LOG_FILE = "app.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_log_path: Path | None = None  # the file being written, None before setup or when it could not be opened


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
