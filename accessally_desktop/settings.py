"""Typed settings per site profile, in one human-readable JSON file. Never a secret in here.

The file lives in the user's config dir, carries a `version` so later releases can migrate it,
is written atomically (temp file + rename), and a file that cannot be read is moved aside as
`settings.json.corrupt-<timestamp>` so the app starts from defaults instead of crashing. A readable
file's values that this version cannot use (a CRM it does not know, an impossible time) are left
out one by one, saying which, and the rest is kept.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from . import APP_NAME, site_checks, site_versions
from .integrations import options, registry
from .integrations.redaction import secret_shape_in
from .typed import typed

log = logging.getLogger(__name__)

SETTINGS_VERSION = site_versions.CURRENT  # what each version changed: `site_versions`
SETTINGS_FILE = "settings.json"
MAX_SITE_NAME = 80  # a name shows in the title, the site list and the keyring; longer text is not a name


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


@dataclass
class SavedResult:
    """The last live test of a service, so the dashboard and summary can show it at start."""

    status: str
    message: str
    account_name: str = ""
    account_id: str = ""
    mode: str = ""
    tested_at: float = 0.0  # epoch seconds
    elapsed_ms: int = 0
    untested: bool = False  # the owner chose to continue without a passing test
    extra: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # structured findings (the site's tracking scan)


@dataclass
class SiteProfile:
    """One membership site: which services it uses and their non-secret values."""

    name: str
    site_url: str = ""
    crm: str = ""  # a CRM service id, "none" for AccessAlly Managed, "" when not chosen yet
    payments: list[str] = field(default_factory=list)  # the payment services it uses
    payments_later: bool = False
    variants: dict[str, str] = field(default_factory=dict)  # service id -> its active variant ("live")
    kinds: dict[str, str] = field(default_factory=dict)  # service id -> the credential kind chosen
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # service id -> non-secret fields
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # service id -> its CRM options as set
    results: dict[str, SavedResult] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.crm or self.payments or self.results)

    def services(self) -> list[str]:
        """The services this site uses, in dashboard order: the owner's website first, once connected (it
        can be left for later)."""
        crm = [self.crm] if self.crm in registry.CRM_IDS else []
        site = [s for s in registry.SITE_IDS if self.values.get(s) or s in self.results]
        return [*site, *registry.LICENSE_IDS, *crm, *(s for s in registry.PAYMENT_IDS if s in self.payments)]

    def keep_result(self, service_id: str, result: SavedResult) -> None:
        """Keep a service's latest result. A passing site test names the site's canonical address: the
        license and Stripe's webhook check use that from then on."""
        self.results[service_id] = result
        if service_id in registry.SITE_IDS and result.status == "ok" and result.extra.get("site_url"):
            self.site_url = result.extra["site_url"]

    def variant(self, service_id: str) -> str:
        """The service's active variant ("test", "live"): as chosen, else its first; "" if it has none."""
        declared = [v.id for v in registry.get(service_id).variants]
        chosen = self.variants.get(service_id, "")
        return chosen if chosen in declared else next(iter(declared), "")

    def kind(self, service_id: str) -> str:
        """The service's credential kind: as chosen, else its first; "" if it has none."""
        declared = [k.id for k in registry.get(service_id).kinds]
        chosen = self.kinds.get(service_id, "")
        return chosen if chosen in declared else next(iter(declared), "")

    def crm_options(self, service_id: str) -> dict[str, Any]:
        """A CRM's "Payment › CRM Integration" options: as set, or as declared by default."""
        return options.effective(registry.get(service_id).options, self.options.get(service_id, {}))


def site_name_problem(name: str, taken: Iterable[str]) -> str:
    """Why a site name cannot be used ("" when it can). Secrets are filed as "<site>/<field>" in
    the keyring, so a name may not contain "/"; and two sites may not share a name, not even one that
    differs only in capital letters (Windows' Credential Manager would file both under one entry)."""
    if not name:
        return "Enter a name for the site."
    if "/" in name:
        return "A site name cannot contain '/'."
    if len(name) > MAX_SITE_NAME:
        return f"A site name can be at most {MAX_SITE_NAME} characters long."
    if secret_shape_in(name):  # the name is saved, exported and shown: never a key (and never repeated)
        return "That name looks like a password or API key; choose another name for the site."
    same = next((other for other in taken if other.casefold() == name.casefold()), None)
    if same == name:
        return f"A site named “{name}” already exists."
    if same is not None:
        return f"There is already a site named “{same}”; names that differ only in capital letters count as the same."
    return ""


@dataclass
class Settings:
    sites: dict[str, SiteProfile] = field(default_factory=dict)
    last_site: str = ""
    window: dict[str, Any] = field(default_factory=dict)  # UI state (geometry, last page)
    save_id: str = ""  # the journal id of the save that wrote this file (see `journal`)

    def current(self) -> SiteProfile:
        """The last used site, creating a first one on a fresh install."""
        if self.last_site not in self.sites:
            if not self.sites:
                self.sites["My site"] = SiteProfile("My site")
            self.last_site = next(iter(self.sites))
        return self.sites[self.last_site]


@dataclass
class LoadOutcome:
    settings: Settings
    problem: str = ""  # a message for the owner when the file had to be set aside


class SettingsStore:
    """Reads and writes the settings file; the only code that touches it."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / SETTINGS_FILE
        self.newer = 0  # the version of a file a newer release wrote: it is left exactly as it is
        self._older: tuple[int, bytes] | None = None  # an older version's file, kept once before it is replaced

    def load(self) -> LoadOutcome:
        try:
            raw = read_ordinary_file(self.path)
        except FileNotFoundError:
            return LoadOutcome(Settings())
        except NotAnOrdinaryFile:
            return LoadOutcome(Settings(), f"Your settings file {self.path} is not an ordinary file (it is a pipe, "
                                           "a device or a folder), so it was not read. Starting with defaults; "
                                           "secrets in the keyring are untouched.")
        except OSError as exc:
            return LoadOutcome(Settings(), f"Your settings could not be read ({exc.strerror}). "
                                           "Starting with defaults; the file was left as it is.")
        try:
            data = json.loads(raw.decode("utf-8"))
            version = data.get("version") if isinstance(data, dict) else None
            if isinstance(version, int) and not isinstance(version, bool) and version > SETTINGS_VERSION:
                self.newer = version
                return LoadOutcome(Settings(), f"Your settings were saved by a newer version of {APP_NAME} "
                                               f"(settings version {version}), which this one cannot read. Nothing "
                                               "will be saved over them: update the app to see them again. Until "
                                               "then it starts from defaults and changes are not kept.")
            settings = settings_from_dict(data)
            if version < SETTINGS_VERSION:
                self._older = (version, raw)
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
            log.warning("settings file unreadable: %s", type(exc).__name__)
            moved = self._set_aside()
            where = f" It was kept as {moved.name}." if moved else ""
            return LoadOutcome(Settings(), f"Your settings file was damaged and could not be read, so the app "
                                           f"started from defaults.{where} Secrets in the keyring are untouched.")
        dropped = site_checks.drop_unusable(settings)
        if not dropped:
            return LoadOutcome(settings)
        log.warning("settings: %d unusable values left out", len(dropped))
        return LoadOutcome(settings, "Some saved settings could not be used by this version and were left out: "
                                     + "; ".join(dropped) + ". Everything else was kept; set these again if needed.")

    def _set_aside(self) -> Path | None:
        """Move the unreadable file out of the way under a name no earlier backup has."""
        stamp = f"{SETTINGS_FILE}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        for target in (self.path.with_name(stamp + (f"-{n}" if n > 1 else "")) for n in range(1, 1000)):
            if os.path.lexists(target):
                continue
            try:
                os.replace(self.path, target)
                return target
            except OSError:
                return None
        return None

    def remove_leftovers(self) -> int:
        """Delete the temporary files of writes a crash or kill cut short (`write_atomically`'s
        ".<name>-….tmp"); only for the copy of the app that holds the instance lock."""
        removed = 0
        try:
            leftovers = [p for p in self.directory.glob(".*-*.tmp") if p.is_file()]
        except OSError:
            return 0
        for path in leftovers:
            try:
                path.unlink()
                removed += 1
            except OSError as exc:
                log.warning("could not remove leftover %s: %s", path.name, exc.strerror)
        return removed

    def save(self, settings: Settings) -> None:
        """Write all settings at once: a reader sees the old file or the new one, never half."""
        if self.newer:
            raise OSError(errno.EROFS, f"the settings file is from a newer version of {APP_NAME}")
        data = json.dumps(settings_to_dict(settings), indent=2, ensure_ascii=False, sort_keys=False)
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._older is not None:  # a downgrade can go back to it: written once, before the first new file
            version, raw = self._older
            backup = self.path.with_name(f"{SETTINGS_FILE}.v{version}")
            if not os.path.lexists(backup):
                write_atomically(backup, raw.decode("utf-8"))
            self._older = None
        write_atomically(self.path, data + "\n")


class NotAnOrdinaryFile(OSError):
    """The settings path is a FIFO, a device or a folder: reading it could wait forever or never end."""


def read_ordinary_file(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotAnOrdinaryFile(str(path))
        return handle.read()


def write_atomically(path: Path, text: str) -> None:
    """Write a file via a temp file and a rename, so it is never left half-written; OSError on failure."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The file's content; a value shaped like a secret in a plain setting is left out (see `drop_secret_shapes`)."""
    data = {"version": SETTINGS_VERSION, **asdict(settings)}
    for site in data["sites"].values():
        for where in drop_secret_shapes(site):
            log.warning("left a value shaped like a secret key out of the settings file (%s)", where)
    return data


def drop_secret_shapes(site: dict[str, Any]) -> list[str]:
    """Blank, in a site profile as a dict, each plain setting that holds something shaped like a secret
    (sk_live_… pasted into a publishable-key field or a form name), and say where: the last line of
    defence that keeps secrets out of the settings file and exports, whatever let one in."""
    dropped = []
    for service_id, saved in site.get("values", {}).items():
        for key in [key for key, value in saved.items() if secret_shape_in(value)]:
            del saved[key]
            dropped.append(f"values.{service_id}.{key}")
    holders = [("", site)] + [(f"options.{crm}.", saved) for crm, saved in site.get("options", {}).items()]
    for group, holder in holders:
        for key, value in holder.items():
            if key != "name" and isinstance(value, str) and secret_shape_in(value):  # the name: refused on export
                holder[key] = ""
                dropped.append(group + key)
    return dropped


def settings_from_dict(data: Any) -> Settings:
    """Build Settings from parsed JSON, tolerating missing keys; wrong shapes raise TypeError."""
    if not isinstance(data, dict):
        raise TypeError("settings must be an object")
    version = data.get("version")
    if not isinstance(version, int) or version > SETTINGS_VERSION:
        raise TypeError(f"unsupported settings version {version!r}")
    sites_raw = typed(data.get("sites", {}), dict)
    sites = {typed(name, str): site_from_dict(name, typed(site, dict), version=version)
             for name, site in sites_raw.items()}
    return Settings(sites=sites, last_site=typed(data.get("last_site", ""), str),
                    window=typed(data.get("window", {}), dict), save_id=typed(data.get("save_id", ""), str))


def site_from_dict(name: str, raw: dict[str, Any], *, version: int = SETTINGS_VERSION) -> SiteProfile:
    """One site profile from parsed JSON (the settings file, or an imported export) as `version`
    wrote it (see `site_versions`); SettingTypeError names a bad key. The values' meaning is checked
    by `drop_unusable` (or an import's checks)."""
    raw = site_versions.upgrade_site(raw, version)
    simple = {key: typed(raw.get(key, default), type(default), key)
              for key, default in (("site_url", ""), ("crm", ""), ("payments_later", False))}
    payments = [typed(service, str, "payments") for service in typed(raw.get("payments", []), list, "payments")]
    chosen = {key: {str(service): typed(value, str, f"{key}.{service}")
                    for service, value in typed(raw.get(key, {}), dict, key).items()} for key in ("variants", "kinds")}
    values = {str(service): {str(k): typed(v, str, f"values.{service}.{k}")
                             for k, v in typed(fields, dict, f"values.{service}").items()}
              for service, fields in typed(raw.get("values", {}), dict, "values").items()}
    options = {str(service): dict(typed(values, dict, f"options.{service}"))
               for service, values in typed(raw.get("options", {}), dict, "options").items()}
    results = {str(service): _dataclass(SavedResult, typed(result, dict))
               for service, result in typed(raw.get("results", {}), dict).items()}
    return SiteProfile(name, payments=payments, values=values, options=options, results=results, **chosen, **simple)


_SCALARS = {"bool": bool, "str": str, "int": int, "float": float}


def _dataclass(cls: type, raw: dict[str, Any], where: str = "") -> Any:
    """Build a flat dataclass from a dict, checking each known key's type; unknown keys are dropped."""
    kwargs: dict[str, Any] = {}
    for spec in dataclasses.fields(cls):
        if spec.name not in raw:
            continue
        value = raw[spec.name]
        if spec.type in _SCALARS:
            value = typed(value, _SCALARS[spec.type], where + spec.name)
        elif spec.type == "dict[str, str]":
            value = {str(k): typed(v, str, f"{where}{spec.name}.{k}")
                     for k, v in typed(value, dict, where + spec.name).items()}
        elif spec.type == "dict[str, Any]":  # read by code that accepts any shape (SiteScan.from_details)
            value = {str(k): v for k, v in typed(value, dict, where + spec.name).items()}
        kwargs[spec.name] = value
    return cls(**kwargs)


