"""One app per user: a lock file in the config dir, so two copies cannot overwrite each other's settings.

Only a lock held by a live process keeps a second copy out. A lock whose owner cannot be read (an
empty or garbled file) is stale and taken over; any other trouble (a folder in its place, a
read-only config folder) lets the app start, with a message saying what will not work.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile

from ..settings import config_dir

log = logging.getLogger(__name__)

LOCK_FILE = "instance.lock"


@dataclass
class InstanceLock:
    """`open_elsewhere`: another copy runs, do not start. `problem`: start, but tell the owner this."""

    lock: QLockFile | None = None
    open_elsewhere: bool = False
    problem: str = ""

    def release(self) -> None:
        if self.lock is not None:
            self.lock.unlock()


def instance_lock(directory: Path | None = None) -> InstanceLock:
    """Take the lock in `directory` (the config dir), a crashed copy's stale lock included."""
    directory = directory or config_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return InstanceLock(problem=f"The settings folder {directory} cannot be created ({exc.strerror}): "
                                    "settings cannot be saved in this session.")
    lock = QLockFile(str(directory / LOCK_FILE))
    lock.setStaleLockTime(0)  # only a dead process's lock is stale
    if lock.tryLock(200):
        return InstanceLock(lock)
    if lock.error() == QLockFile.LockError.LockFailedError:
        if _owner_readable(lock):
            return InstanceLock(open_elsewhere=True)
        log.warning("instance lock: unreadable owner; taking it over")
        lock.removeStaleLockFile()
        if lock.tryLock(200):
            return InstanceLock(lock)
    return InstanceLock(problem=_why_unusable(directory, lock))


def _owner_readable(lock: QLockFile) -> bool:
    """Whether the lock file names a process (Qt's own check of it found that process alive)."""
    info = lock.getLockInfo()
    return isinstance(info, tuple) and bool(info) and isinstance(info[0], int) and info[0] > 0


def _why_unusable(directory: Path, lock: QLockFile) -> str:
    log.warning("instance lock unusable: %s", lock.error().name)
    if not os.access(directory, os.W_OK):
        return (f"The settings folder {directory} is read-only: settings cannot be saved in this session, "
                "and a second copy of the app would not be noticed.")
    return (f"The app could not use {directory / LOCK_FILE} (remove it if it is a folder), so a second copy of "
            "the app would not be noticed. Keep only one copy open: two could overwrite each other's settings.")
