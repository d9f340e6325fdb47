"""Type checks for values read from JSON (the settings file, an export): a wrong type names its
key, so a message can say exactly what is wrong with a file."""

from __future__ import annotations

from typing import Any


class SettingTypeError(TypeError):
    """A value of the wrong type; `key` names where ("options.drip_tracking"), so a message can say it."""

    def __init__(self, key: str, expected: type, got: str) -> None:
        self.key, self.expected, self.got = key, expected, got
        super().__init__(f"{key or 'value'}: expected {expected.__name__}, got {got}")


def typed(value: Any, expected: type, key: str = "") -> Any:
    """`value` if it is of the `expected` type (an int counts as a float; a bool is no int)."""
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise SettingTypeError(key, expected, type(value).__name__)
    if expected is str:
        try:
            value.encode("utf-8")  # a lone surrogate (a "\\ud800" escape) could never be saved again
        except UnicodeEncodeError:
            raise SettingTypeError(key, expected, "text that is not valid Unicode") from None
    return value
