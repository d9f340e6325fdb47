"""A save in progress, on disk, so that a crash, a kill or a logout half-way through Finish is
finished or undone at the next start instead of leaving keyring and settings file from two saves.

Nothing secret is in the file: it names the keyring entries the save changes and whether each
held a value before. The values they held wait in the keyring itself, under "previous.<name>",
until the save is complete. The settings file written by the save carries the journal's id, which
tells at the next start whether the save got that far (finish it) or not (undo it).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from .settings import read_ordinary_file, write_atomically

log = logging.getLogger(__name__)

JOURNAL_FILE = "pending-save.json"
PREVIOUS = "previous."  # keyring entry prefix for a value kept until its save is complete


@dataclass
class Journal:
    """The keyring entries one save changes: site -> entry name -> whether it held a value before."""

    entries: dict[str, dict[str, bool]]
    id: str = field(default_factory=lambda: os.urandom(16).hex())  # unique per save (uuid costs ~3 ms at start)

    def kept(self) -> list[tuple[str, str]]:
        """(site, name) of each entry whose previous value waits under PREVIOUS + name."""
        return [(site, name) for site, names in self.entries.items() for name, had in names.items() if had]


class JournalFile:
    """The journal of the save in progress, next to the settings file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / JOURNAL_FILE

    def begin(self, journal: Journal) -> None:
        """Written before the keyring is touched; OSError if it cannot be (then nothing is touched)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps({"id": journal.id, "entries": journal.entries}) + "\n")

    def pending(self) -> Journal | None:
        """The journal a save left behind, or None. An unreadable one cannot be acted on: it is
        logged and removed (without it, nothing can be restored either way)."""
        try:
            data = json.loads(read_ordinary_file(self.path).decode("utf-8"))
            entries = {str(site): {str(name): bool(had) for name, had in names.items()}
                       for site, names in data["entries"].items()}
            return Journal(entries, str(data["id"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("unreadable save journal %s (%s): removed", self.path, type(exc).__name__)
            self.end()
            return None

    def end(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the save journal: %s", exc.strerror)
