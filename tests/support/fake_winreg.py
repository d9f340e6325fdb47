"""The part of Windows' `winreg` module the app uses, kept in a dict, so the registration code runs here.

Keys are paths under HKEY_CURRENT_USER (case-insensitive, as in the registry); each holds named values.
DeleteKey refuses a key with subkeys, as the real one does.
"""

from __future__ import annotations

from types import SimpleNamespace

HKEY_CURRENT_USER = "HKCU"
REG_SZ = 1


class FakeWinreg(SimpleNamespace):
    def __init__(self) -> None:
        super().__init__(HKEY_CURRENT_USER=HKEY_CURRENT_USER, REG_SZ=REG_SZ)
        self.keys: dict[str, dict[str, tuple[str, int]]] = {}

    def _key(self, root: str, path: str, create: bool) -> _Key:
        assert root == HKEY_CURRENT_USER, "the app writes only under HKEY_CURRENT_USER"
        name = path.lower()
        if name not in self.keys:
            if not create:
                raise FileNotFoundError(2, "The system cannot find the file specified")
            parts = name.split("\\")
            for depth in range(1, len(parts) + 1):
                self.keys.setdefault("\\".join(parts[:depth]), {})
        return _Key(self.keys[name])

    def CreateKey(self, root: str, path: str) -> _Key:  # noqa: N802 - winreg's names
        return self._key(root, path, create=True)

    def OpenKey(self, root: str, path: str) -> _Key:  # noqa: N802
        return self._key(root, path, create=False)

    def SetValueEx(self, key: _Key, name: str, reserved: int, kind: int, value: str) -> None:  # noqa: N802
        key.values[name] = (value, kind)

    def QueryValueEx(self, key: _Key, name: str) -> tuple[str, int]:  # noqa: N802
        if name not in key.values:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return key.values[name]

    def DeleteKey(self, root: str, path: str) -> None:  # noqa: N802
        name = path.lower()
        if name not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        if any(other.startswith(name + "\\") for other in self.keys):
            raise PermissionError(5, "Access is denied")  # what Windows says for a key with subkeys
        del self.keys[name]

    def value(self, path: str, name: str = "") -> str | None:
        return self.keys.get(path.lower(), {}).get(name, (None,))[0]


class _Key:
    def __init__(self, values: dict[str, tuple[str, int]]) -> None:
        self.values = values

    def __enter__(self) -> _Key:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
