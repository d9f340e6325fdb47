"""Pasted text, character by character: what is removed from a credential, and what cannot be sent.

Keys copied from a web page, a PDF, an e-mail or a chat often carry characters nobody can see:
zero-width spaces and joiners, byte-order marks, soft hyphens, direction marks (Unicode's
"format" characters), non-breaking and other special spaces, and line breaks where a long key
was wrapped. None of them is ever part of a key, an id or a web address, so they are removed
wherever they are, and the owner is told which. What remains must be text the service can
receive: control characters never can, and a key or id sent in an HTTP header (Stripe's
Authorization, ActiveCampaign's Api-Token, Drip's Basic auth, Keap's and Kit's key headers) can
hold only printable ASCII, so anything else is named before any request is made.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")

_NAMES = {
    "\u00a0": "non-breaking space",
    "\u202f": "narrow non-breaking space",
    "\u2007": "figure space",
    "\u00ad": "soft hyphen",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "byte-order mark",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u061c": "Arabic letter mark",
}
_CONTROL_NAMES = {"\x00": "null", "\x07": "bell", "\x08": "backspace", "\t": "tab", "\x1b": "escape",
                  "\x7f": "delete"}


def removable_kind(ch: str) -> str | None:
    """The plain name of a character that is never part of a credential, or None to keep it."""
    if ch in LINE_BREAKS:
        return "line break"
    category = unicodedata.category(ch)
    if category == "Cf":
        if "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069":
            return "text-direction mark"
        return _NAMES.get(ch, "invisible formatting character")
    if category == "Zs" and ch != " ":
        return _NAMES.get(ch) or unicodedata.name(ch, "special space").lower()
    return None


def clean(text: str) -> tuple[str, Counter[str], bool]:
    """(cleaned text, how many of each kind were removed, whether spaces were trimmed at the ends).

    Ordinary whitespace at the ends is trimmed; the removable kinds go wherever they are. An
    ordinary space or tab inside stays: it may be two values pasted together, which the format
    check refuses rather than joins."""
    trimmed = text.strip()
    removed: Counter[str] = Counter()
    kept = []
    for ch in trimmed:
        kind = removable_kind(ch)
        if kind is None:
            kept.append(ch)
        else:
            removed[kind] += 1
    joined = "".join(kept)
    cleaned = joined.strip()
    return cleaned, removed, (trimmed != text or cleaned != joined) and bool(cleaned)


def removed_note(removed: Counter[str], label: str) -> str:
    """"Removed 1 invisible character (zero-width space) from the API Key." """
    total = sum(removed.values())
    if len(removed) == 1:
        (name, count), = removed.items()
        listed = name + ("s" if count > 1 else "")
    else:
        kinds = [f"{count} {name}{'s' if count > 1 else ''}" for name, count in removed.most_common()]
        listed = ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return f"Removed {total} invisible character{'s' if total > 1 else ''} ({listed}) from the {label}."


def unsendable(value: str, *, ascii_only: bool) -> str | None:
    """Why `value` cannot be sent as it is, in plain words ("contains …"), or None when it can.

    Called on cleaned values: a space inside is reported by the caller, not here."""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc" and ch != "\t":
            name = _CONTROL_NAMES.get(ch) or f"U+{ord(ch):04X}"
            return f"contains an invisible control character ({name}) that cannot be sent"
        if category == "Cs":
            return "contains a broken character (half of a character pair) that cannot be sent"
        if ch == "…":
            return "contains “…”, so it is a shortened example rather than the whole value"
        if ascii_only and ord(ch) > 0x7e:
            name = unicodedata.name(ch, "").capitalize() or f"character U+{ord(ch):04X}"
            shown = f"“{ch}” " if ch.isprintable() and not category.startswith("M") else ""
            return (f"contains {shown}({name}), which cannot be part of it: it holds only plain letters, "
                    "digits and punctuation")
    return None


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut: text from a server or a file can be of any length."""
    return text if len(text) <= limit else text[:limit - 1] + "…"
