"""A keyring whose owner cancels every unlock prompt: each read and write raises KeyringLocked, as
keyring's Secret Service backend does when the collection stays locked."""

from __future__ import annotations

import keyring.errors

from accessally_desktop.sandbox.keyring import MemoryKeyring


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    set_password = delete_password = get_password  # type: ignore[assignment]
