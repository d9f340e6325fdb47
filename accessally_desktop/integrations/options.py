"""What a CRM offers under AccessAlly's "Payment › CRM Integration", declared in the CRM's own module.

Three kinds cover every option: a `Toggle` (with its default), a `Pick` from a list fetched live
(with advice per item, such as "has double opt-in"), and a `Snippet` (a tracking script rendered
from a value the service gives). A toggle that puts a script on the owner's pages declares how that
script is recognised there (`TrackingScript`), so the site check (`site_scan`) can look for it. The settings panel builds its form by matching on these types;
the settings file, export, import and the migration of older files read the same declarations,
so no code outside the CRM's module names one of its options.

Values are kept per service as a flat mapping: a toggle under its key (a bool), a pick under its
key (the item's id) and "<key>_name" (its name, shown before any fetch) — unless the pick lives in
one of the service's own fields (Drip's account is its `account_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Lookup:
    """A list fetched live with the saved credentials (`Integration.fetch_list(name)`)."""

    name: str
    loading: str  # "Loading forms…"
    refresh: str  # the button, with its Alt-letter: "&Refresh forms"
    refresh_name: str  # what a screen reader says for it: "Refresh the list of Kit forms"
    failed: str  # "Could not load the forms."
    fetched: str = ""  # a pass that yields an id, not a list: "Account id %s, fetched live from Ontraport."


@dataclass(frozen=True)
class TrackingScript:
    """How the script a toggle puts on every page is found on the live site: by the account id in
    its text, never by the exact snippet (plugins minify, move and rewrite it)."""

    account_pattern: str  # a regex over one script's text and attributes; its group "account" is the id
    account_field: str = ""  # the service field holding the id the app expects; "": the id its last passing test returned


@dataclass(frozen=True)
class Toggle:
    """An on/off option, e.g. "add the tracking script to every page"."""

    key: str
    label: str  # with its Alt-letter
    default: bool
    explanation: str = ""  # a paragraph under it (may hold <b>)
    v1_key: str = ""  # its name in settings version 1 and older exports
    script: TrackingScript | None = None  # the script it puts on the site's pages, if any


@dataclass(frozen=True)
class Pick:
    """An item chosen from a `Lookup`: an opt-in form, an account."""

    key: str
    label: str  # "&Opt-in form for purchases:"
    lookup: Lookup
    item: str  # what one item is called in messages: "form", "account"
    explanation: str = ""
    none_label: str = ""  # the first entry when choosing none is allowed ("No form chosen")
    double_opt_in_warning: str = ""  # "%s" is the chosen item: advice for an item with double opt-in
    unknown_opt_in_note: str = ""  # ... for an item the service says nothing about
    changing_note: str = ""  # said when there is a choice: what changing it changes
    field: str = ""  # kept in this field of the service's values, not among the options
    show_ids: bool = False  # items read "name (id)": ids are what the owner sees elsewhere
    v1_key: str = ""  # as Toggle.v1_key; the name was kept under v1_key + "_name"

    @property
    def name_key(self) -> str:
        return f"{self.key}_name"


@dataclass(frozen=True)
class Snippet:
    """A script AccessAlly adds to every page while `toggle` is on, rendered from one id: the
    value of the `Pick` named `pick`, or the account id a pass of `lookup` returns."""

    key: str
    render: Callable[[str], str]
    toggle: str
    placeholder: str  # shown while the id is not known
    lines: int = 3
    pick: str = ""
    lookup: Lookup | None = None


Option = Toggle | Pick | Snippet


def stored_keys(option: Option) -> tuple[str, ...]:
    """Where an option keeps its value among the service's options (none for a snippet or a field pick)."""
    if isinstance(option, Toggle):
        return (option.key,)
    if isinstance(option, Pick) and not option.field:
        return (option.key, option.name_key)
    return ()


def defaults(options: Iterable[Option]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for option in options:
        if isinstance(option, Toggle):
            out[option.key] = option.default
        elif isinstance(option, Pick) and not option.field:
            out[option.key] = out[option.name_key] = ""
    return out


def effective(options: Iterable[Option], saved: Mapping[str, Any]) -> dict[str, Any]:
    """The declared defaults with the saved values over them (only declared keys)."""
    values = defaults(options)
    values.update({k: v for k, v in saved.items() if k in values})
    return values


def unusable(options: Iterable[Option], saved: Mapping[str, Any]) -> list[str]:
    """The saved keys this version cannot use: undeclared, or of the wrong type."""
    expected = {key: bool if isinstance(option, Toggle) else str
                for option in options for key in stored_keys(option)}
    return [key for key, value in saved.items()
            if key not in expected or type(value) is not expected[key]]


def v1_keys(options: Iterable[Option]) -> set[str]:
    """The names version 1 kept these options under (a pick's name beside its id)."""
    return {key for option in options if isinstance(option, (Toggle, Pick)) and option.v1_key
            for key in (option.v1_key, f"{option.v1_key}_name")}


def from_v1(options: Iterable[Option], flat: Mapping[str, Any]) -> dict[str, Any]:
    """One service's options out of version 1's flat mapping ("ontraport_tracking": …)."""
    out: dict[str, Any] = {}
    for option in options:
        if isinstance(option, Toggle) and option.v1_key in flat:
            out[option.key] = flat[option.v1_key]
        elif isinstance(option, Pick) and option.v1_key and not option.field:
            if option.v1_key in flat:
                out[option.key] = flat[option.v1_key]
            if f"{option.v1_key}_name" in flat:
                out[option.name_key] = flat[f"{option.v1_key}_name"]
    return out
