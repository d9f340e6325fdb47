"""Move a site's setup to another computer: a file with its settings and CRM options, never a secret.

The file is JSON with a format marker and a format version, so an import can tell the owner
plainly what is wrong with a file instead of half-reading it. Secrets stay in the keyring of the
computer they were typed on: what a file may carry is whitelisted from the integrations' non-secret
fields, and `missing_secrets` lists exactly which secrets to enter again after an import. Saved
test results are left out too: they describe this computer's last tests. No Qt in here.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import APP_NAME, __version__, site_versions
from .integrations import Field, Integration, registry
from .integrations import options as crm_options
from .integrations.characters import shorten
from .integrations.redaction import secret_shape_in
from .settings import (
    MAX_SITE_NAME,
    NotAnOrdinaryFile,
    SiteProfile,
    drop_secret_shapes,
    read_ordinary_file,
    site_from_dict,
    write_atomically,
)
from .site_checks import choice_problems
from .storage import stored_name, variants, with_unmoved
from .typed import SettingTypeError

FORMAT = "accessally-desktop-site-settings"
FORMAT_VERSION = site_versions.CURRENT  # older versions are still read (see `site_versions`)
MAX_FILE_BYTES = 256 * 1024  # a real export is about 1 KB; anything near this is not one
MAX_TEXT = 2000  # characters in any one value (a site address, a form name)
NOTE = "Site settings for AccessAlly Desktop. No passwords, API keys or other secrets are included."

# The profile's plain settings, in the order the file lists them.
SIMPLE_KEYS = ("site_url", "crm", "payments", "payments_later", "variants", "kinds")
_TOP_KEYS = {"format", "format_version", "app_version", "exported_at", "note", "site"}
_SITE_KEYS = {"name", *SIMPLE_KEYS, "values", "options"}

EXPORT_AGAIN = "Export the settings again on the other computer and import that file."


class TransferError(Exception):
    """An export or import could not be done; the message says why in plain words, and what to do."""


@dataclass(frozen=True)
class Imported:
    """A validated export: the site profile it describes (no results, no secrets) and where it came from."""

    profile: SiteProfile
    app_version: str
    exported_at: str  # ISO 8601 in UTC, as written


@dataclass(frozen=True)
class MissingSecret:
    """One secret a site's setup uses that this computer's keyring does not hold."""

    service_id: str
    service: str  # the service's display name
    field: str  # the field's name; the wizard's input is "<service_id>.<field>"
    label: str  # the field's label, as the wizard shows it
    name: str  # the keyring entry name (storage.stored_name)
    variant: str = ""  # the variant's label ("Live mode") when the service keeps a set per variant
    required: bool = True  # False: only some accounts need it (Kit's API Secret, beside a v3 key)

    @property
    def wizard_field(self) -> str:
        return f"{self.service_id}.{self.field}"

    def describe(self) -> str:
        """"Stripe — Secret key (Test mode)", for a list the owner reads."""
        extra = [self.variant] if self.variant else []
        extra += [] if self.required else ["only if your account needs it"]
        return f"{self.service} — {self.label}" + (f" ({', '.join(extra)})" if extra else "")


# -- export --------------------------------------------------------------------------------------


def exportable_fields(service_id: str) -> set[str]:
    """The `values` keys a file may carry for a service: its non-secret fields (per Stripe mode)."""
    integration = registry.get(service_id)
    return {stored_name("", f.name, variant) for variant in variants(service_id)
            for f in integration.fields if not f.secret}


def export_dict(profile: SiteProfile, *, exported_at: float | None = None) -> dict[str, Any]:
    """The file's content. Values pass a whitelist of non-secret fields, so no secret can slip in."""
    values = {}
    for service_id, saved in profile.values.items():
        if service_id in registry.SERVICE_IDS:
            allowed = exportable_fields(service_id)
            kept = {key: value for key, value in saved.items() if key in allowed}
            if kept:
                values[service_id] = kept
    when = time.gmtime(time.time() if exported_at is None else exported_at)
    site = {"name": profile.name, **{key: copy.deepcopy(getattr(profile, key)) for key in SIMPLE_KEYS},
            "values": values, "options": copy.deepcopy(profile.options)}
    drop_secret_shapes(site)  # a secret pasted into a plain field (a publishable key's) stays on this computer
    site["values"] = {service_id: saved for service_id, saved in values.items() if saved}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", when),
        "note": NOTE,
        "site": site,
    }


def export_text(profile: SiteProfile, *, exported_at: float | None = None) -> str:
    """The exact text an export file holds (the preview shows this same text)."""
    return json.dumps(export_dict(profile, exported_at=exported_at), indent=2, ensure_ascii=False) + "\n"


def write_export(path: str | Path, text: str) -> None:
    """Write an export atomically: the file is complete or not there (an old one stays as it was)."""
    path = Path(path)
    try:
        write_atomically(path, text)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TransferError(f"The file could not be saved in {path.parent} ({reason}). "
                            "Nothing was written; choose another folder.") from None


def suggested_file_name(site_name: str) -> str:
    """A file name from the site's name, safe on every system: "Main site settings.json"."""
    safe = re.sub(r'[\x00-\x1f\\/:*?"<>|]+', "-", site_name).strip(" .-")[:80] or "site"
    return f"{safe} settings.json"


# -- import --------------------------------------------------------------------------------------


def read_export(path: str | Path) -> Imported:
    """Read and validate an export file; TransferError says what is wrong with it."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return parse_export(bytes(MAX_FILE_BYTES + 1))  # says it is too big, without reading it
        data = read_ordinary_file(path)  # a pipe or a device is refused at once: reading it could wait forever
    except FileNotFoundError:
        raise TransferError(f"The file {path.name} was not found. It may have been moved or renamed.") from None
    except IsADirectoryError:
        raise TransferError(f"{path.name} is a folder, not a file. Choose the .json file you exported.") from None
    except NotAnOrdinaryFile:
        if path.is_dir():
            raise TransferError(f"{path.name} is a folder, not a file. Choose the .json file you exported.") from None
        raise TransferError(f"{path.name} is not an ordinary file (it is a pipe or a device), so it was not read. "
                            "Choose the .json file you exported.") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TransferError(f"The file {path.name} could not be read ({reason}).") from None
    return parse_export(data)


def parse_export(data: bytes) -> Imported:
    """Validate an export strictly and build its SiteProfile. Raises TransferError, never anything else."""
    if len(data) > MAX_FILE_BYTES:
        raise TransferError(f"This file is too big to be a site settings file (over {MAX_FILE_BYTES // 1024} KB; "
                            "a real one is about 1 KB). Choose the .json file you exported from "
                            f"{APP_NAME}.")
    if not data.strip():
        raise TransferError("This file is empty. " + EXPORT_AGAIN)
    try:
        text = data.decode("utf-8-sig")
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        if FORMAT not in text:
            raise _not_ours() from None
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise TransferError("This file is incomplete: it ends part-way through, probably because it was not "
                                "copied completely. " + EXPORT_AGAIN) from None
        raise _damaged(f"it is not readable after line {exc.lineno}") from None
    except (UnicodeDecodeError, RecursionError, ValueError):
        raise _not_ours() from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        if isinstance(raw, dict) and "sites" in raw and "version" in raw:
            raise TransferError(f"This is {APP_NAME}'s own settings file, not an export. On the other computer "
                                "use File › Export Site Settings… and import the file it saves.")
        raise _not_ours()
    version = raw.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _damaged("its format version is missing")
    if version > FORMAT_VERSION:
        made_by = raw.get("app_version")
        by = f" ({made_by})" if isinstance(made_by, str) and len(made_by) < 40 else ""
        raise TransferError(f"This file was made by a newer version of {APP_NAME}{by}. Update the app on this "
                            f"computer (you have {__version__}), then import it again.")
    _refuse_secret_shapes(raw)
    _only_known(raw, _TOP_KEYS, "")
    app_version = _text(raw.get("app_version", ""), "app_version")
    exported_at = _text(raw.get("exported_at", ""), "exported_at")
    _text(raw.get("note", ""), "note")
    site = raw.get("site")
    if not isinstance(site, dict):
        raise _damaged("the site's settings are missing")
    _only_known(site_versions.upgrade_site(site, version), _SITE_KEYS, "site.")
    name = _text(site.get("name"), "site.name").strip()
    if not name or "/" in name:
        raise _damaged("the site's name is missing" if not name else "the site's name contains '/'")
    try:
        profile = site_from_dict(name, {key: value for key, value in site.items() if key != "name"},
                                 version=version)
    except SettingTypeError as exc:
        raise _damaged(f"“site.{exc.key}” should be {_KINDS.get(exc.expected, 'something else')}, "
                       f"but it is {_GOT.get(exc.got, exc.got)}") from None
    if version < 2:
        v1_keys = set().union(*(crm_options.v1_keys(registry.get(crm).options) for crm in registry.CRM_IDS))
        _only_known(site.get("options", {}), v1_keys, "site.options.")
    _check_profile(profile)
    return Imported(profile, app_version, exported_at)


def _check_profile(profile: SiteProfile) -> None:
    """What types cannot say: known services and choices, no secret, no absurdly long value."""
    if profile.crm not in ("", registry.NO_CRM, *registry.CRM_IDS):
        raise _unknown_service(profile.crm)
    for service_id, saved in profile.values.items():
        if service_id not in registry.SERVICE_IDS:
            raise _unknown_service(service_id)
        integration = registry.get(service_id)
        allowed = exportable_fields(service_id)
        for key, value in saved.items():
            if key not in allowed:
                field = _field(integration, key.rsplit(".", 1)[-1])
                if field is not None and field.secret:
                    raise TransferError(f"This file contains a secret (the {integration.name} {field.label}). "
                                        f"Files exported by {APP_NAME} never do, so it was changed by hand; "
                                        "it was not imported. " + EXPORT_AGAIN)
                raise _damaged(f"it has a setting {_short(key)!r} for {integration.name} that this app "
                               "does not know")
            _length(value, f"site.values.{service_id}.{key}")
    for service_id in profile.payments:
        if service_id not in registry.PAYMENT_IDS:
            raise _unknown_service(service_id)
    for key, service_id, what in choice_problems(profile):
        if service_id not in registry.SERVICE_IDS:
            raise _unknown_service(service_id)
        raise _damaged(f"“site.{key}.{_short(service_id)}” is {what}, which this app does not know")
    _length(profile.name, "site.name")
    for key in ("site_url", "crm"):
        _length(getattr(profile, key), f"site.{key}")
    for service_id, saved in profile.options.items():
        if service_id not in registry.CRM_IDS:
            raise _unknown_service(service_id)
        integration = registry.get(service_id)
        for key in crm_options.unusable(integration.options, saved):
            raise _damaged(f"it has a CRM option {_short(key)!r} for {integration.name} that this app does not "
                           "know, or of the wrong kind")
        for key, value in saved.items():
            _length(value, f"site.options.{service_id}.{key}")


def _refuse_secret_shapes(raw: dict[str, Any]) -> None:
    """Refuse a file with anything shaped like a secret anywhere (a note, the site's name, a form name): an
    export never holds one, and it must not reach this computer's settings. The message says where, never what."""
    pending: list[tuple[str, Any]] = [("", raw)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                if secret_shape_in(key):
                    raise _secret_shaped(f"the name of an entry in “{shorten(where, 80) or 'the file'}”")
                pending.append((f"{where}.{key}" if where else str(key), inner))
        elif isinstance(value, list):
            pending += [(f"{where}[{index}]", inner) for index, inner in enumerate(value)]
        elif secret_shape_in(value):
            raise _secret_shaped(f"“{shorten(where, 80)}”")


def _secret_shaped(where: str) -> TransferError:
    return TransferError(f"This file has what looks like a password or API key in {where}. Files exported by "
                         f"{APP_NAME} never do, so it was changed by hand; it was not imported. " + EXPORT_AGAIN)


def _field(integration: Integration, name: str) -> Field | None:
    try:
        return integration.field(name)
    except KeyError:
        return None


_KINDS = {bool: "true or false", str: "text", int: "a whole number", float: "a number",
          dict: "a group of settings in { }"}
_GOT = {"str": "text", "int": "a number", "float": "a number", "bool": "true/false", "list": "a list",
        "NoneType": "empty (null)", "dict": "a group of settings"}


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "…"


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise _damaged(f"“{key}” should be text")
    _length(value, key)
    return value


def _length(value: Any, key: str) -> None:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise _damaged(f"“{key}” is far too long ({len(value):,} characters)")


def _only_known(raw: dict[str, Any], known: set[str], prefix: str) -> None:
    unknown = sorted(str(key) for key in raw if key not in known)
    if unknown:
        raise _damaged(f"it has an entry this app does not know: “{prefix}{_short(unknown[0])}”")


def _not_ours() -> TransferError:
    return TransferError(f"This is not a site settings file from {APP_NAME}. Choose the .json file that "
                         "File › Export Site Settings… saved on the other computer.")


def _damaged(what: str) -> TransferError:
    return TransferError(f"This site settings file is damaged or was changed by hand: {what}. " + EXPORT_AGAIN)


def _unknown_service(service_id: str) -> TransferError:
    return TransferError(f"This file uses a service this app does not know ({_short(service_id)!r}). It may "
                         f"come from a newer version of {APP_NAME}; update the app and import it again.")


# -- after an import -----------------------------------------------------------------------------


def needed_secrets(profile: SiteProfile) -> list[MissingSecret]:
    """Every secret the site's setup uses: its services' secret fields, of the active variant and
    the chosen credential kind only."""
    needed = []
    for service_id in profile.services():
        integration = registry.get(service_id)
        variant, kind = profile.variant(service_id), profile.kind(service_id)
        labels = {v.id: v.label for v in integration.variants}
        for f in integration.fields:
            if not f.secret or (f.group and f.group != kind):
                continue
            needed.append(MissingSecret(service_id, integration.name, f.name, f.label,
                                        stored_name(service_id, f.name, variant), labels.get(variant, ""),
                                        required=f.required or bool(f.group)))
    return needed


def missing_secrets(profile: SiteProfile, present: Collection[str]) -> list[MissingSecret]:
    """The secrets the site's setup uses that are not among `present` (keyring entry names)."""
    present = with_unmoved(profile, dict.fromkeys(present, ""))
    return [secret for secret in needed_secrets(profile) if secret.name not in present]


def free_site_name(name: str, taken: Collection[str]) -> str:
    """`name`, or "name (imported)", "name (imported 2)", … : the first that no site has yet (and short
    enough to be a site name)."""
    name = shorten(name.replace("/", "-").strip(), MAX_SITE_NAME - len(" (imported 99)")) or "Imported site"
    candidate, number = name, 1
    while candidate in taken:
        candidate = f"{name} (imported{'' if number == 1 else f' {number}'})"
        number += 1
    return candidate
