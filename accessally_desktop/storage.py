"""A site's complete configuration: settings file plus keyring, saved all or nothing.

Credential values are addressed as "<service>.<field>"; a service with variants keeps a set per
variant, "<service>.<variant>.<field>" ("stripe.live.secret_key"), and the profile's active variant
picks one. Secret fields go to the secret store, the rest to the site profile's `values`.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .integrations import registry
from .integrations.redaction import register_secret
from .journal import PREVIOUS, Journal, JournalFile
from .secrets import SecretStore, SecretStoreError
from .settings import SavedResult, Settings, SettingsStore, SiteProfile

if TYPE_CHECKING:
    from .integrations import CheckResult

log = logging.getLogger(__name__)


NOTHING_CHANGED = "Nothing was changed: your previous setup is still saved."


class SaveError(Exception):
    """Saving failed; the message says which part, and whether the previous state is intact."""


def variants(service_id: str) -> tuple[str, ...]:
    """The credential sets a service keeps side by side (Stripe's test and live pairs), or one set ("")."""
    return tuple(v.id for v in registry.get(service_id).variants) or ("",)


def stored_name(service_id: str, field_name: str, variant: str = "") -> str:
    return ".".join(p for p in (service_id, variant, field_name) if p)


def describe_entry(name: str) -> str:
    """A keyring entry as the owner knows it: "Secret key (Stripe, Live mode)"."""
    service_id, _, rest = name.partition(".")
    variant, _, field_name = rest.rpartition(".")
    try:
        integration = registry.get(service_id)
        label = integration.field(field_name).label
    except KeyError:
        return name
    labels = {v.id: v.label for v in integration.variants}
    return f"{label} ({integration.name}" + (f", {labels[variant]})" if variant in labels else ")")


def secret_names(service_ids: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Every keyring entry name the given services (default: all) can have, including, for a service
    with variants, the names its entries had before it had them (see `with_unmoved`)."""
    names = []
    for service_id in registry.SERVICE_IDS if service_ids is None else service_ids:
        integration = registry.get(service_id)
        for variant in variants(service_id) + (("",) if integration.variants else ()):
            names += [stored_name(service_id, f, variant) for f in integration.secret_fields]
    return names


def unmoved_names() -> set[str]:
    """The names entries had before their service had variants ("paypal.api_password")."""
    return {stored_name(service_id, name) for service_id in registry.SERVICE_IDS
            if registry.get(service_id).variants for name in registry.get(service_id).secret_fields}


def with_unmoved(profile: SiteProfile, secrets: Mapping[str, str]) -> dict[str, str]:
    """The secrets read, where entries saved before their service had variants ("paypal.api_password")
    count as the active variant's: it was the only set then, and only the wizard changes the active
    variant, whose Finish saves them under its name and removes the old entries."""
    found = dict(secrets)
    for service_id in profile.services():
        integration = registry.get(service_id)
        variant = profile.variant(service_id)
        for name in integration.secret_fields if variant else ():
            old, new = stored_name(service_id, name), stored_name(service_id, name, variant)
            if old in found and new not in found:
                found[new] = found[old]
    return found


def values_for(profile: SiteProfile, service_id: str, secrets: Mapping[str, str]) -> dict[str, str]:
    """The values to test a service with: non-secret from the profile, secret from `secrets`, and
    the active variant (Stripe's mode), so keys saved under the other mode are refused, not tested."""
    integration = registry.get(service_id)
    variant = profile.variant(service_id)
    saved = profile.values.get(service_id, {})
    secrets = with_unmoved(profile, secrets)
    values = {}
    for f in integration.fields:
        name = stored_name(service_id, f.name, variant)
        values[f.name] = secrets.get(name, "") if f.secret else saved.get(stored_name("", f.name, variant), "")
    if variant:
        values[integration.variant_key] = variant
    return values


@dataclass
class Storage:
    """The settings file and the secret store, behind one save that cannot half-succeed."""

    settings_store: SettingsStore
    secrets: SecretStore
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def journal(self) -> JournalFile:
        return JournalFile(self.settings_store.directory)

    def read_secrets(self, site: str, names: list[str] | None = None) -> dict[str, str]:
        """Secrets of a site that are set. Slow (keyring): call off the GUI thread."""
        found = {}
        for name in names if names is not None else secret_names():
            value = self.secrets.get(site, name)
            if value:
                register_secret(value)  # the log redacts it from here on, whatever logs it
                found[name] = value
        return found

    def keys_lost(self, profile: SiteProfile, service_id: str) -> bool:
        """Memory-only storage holds none of the service's keys: they went when the app last closed,
        so a saved pass no longer holds. Asks only memory, never a keyring that could keep it waiting."""
        if self.secrets.persistent:
            return False
        secret_fields = [f for f in registry.get(service_id).fields if f.secret]
        if not any(f.required for f in secret_fields):
            return False
        values = values_for(profile, service_id, self.read_secrets(profile.name, secret_names([service_id])))
        return not any(values.get(f.name) for f in secret_fields)

    def commit(self, settings: Settings, site: str, secret_changes: Mapping[str, str | None]) -> None:
        """Write one site's changed secrets (None deletes) and the settings file, all or nothing."""
        self.commit_sites(settings, {site: secret_changes})

    def commit_sites(self, settings: Settings, changes: Mapping[str, Mapping[str, str | None]]) -> None:
        """Write changed secrets of several sites (a rename) and the settings file, all or nothing.

        Journaled (see `journal`): the entries to change are named on disk first, the values they
        held kept in the keyring, then the new values and the settings file are written. A failure
        puts every entry back; a crash is finished or undone by `recover` at the next start.
        """
        with self._lock:
            self._resolve_pending()
            for site_changes in changes.values():
                for value in site_changes.values():
                    register_secret(value)
            try:
                held = {site: {name: self.secrets.get(site, name) for name in site_changes}
                        for site, site_changes in changes.items()}
            except SecretStoreError as exc:
                raise SaveError(f"{exc} {NOTHING_CHANGED}") from None
            writes = {site: {name: value for name, value in site_changes.items()
                             if not (held[site][name] == value or (held[site][name] is None and not value))}
                      for site, site_changes in changes.items()}
            journal = Journal({site: {name: held[site][name] is not None for name in names}
                               for site, names in writes.items() if names})
            if journal.entries:
                try:
                    self.journal.begin(journal)
                except OSError as exc:
                    raise SaveError(self._unwritable(exc) + " " + NOTHING_CHANGED) from None
            try:
                for site, name in journal.kept():  # every previous value is safe before any entry changes
                    self.secrets.set(site, PREVIOUS + name, held[site][name] or "")
                for site, names in writes.items():
                    for name, value in names.items():
                        if value:
                            self.secrets.set(site, name, value)
                        else:
                            self.secrets.delete(site, name)
            except SecretStoreError as exc:
                raise SaveError(f"{exc} {self._undo(journal)}") from None
            settings.save_id = journal.id if journal.entries else ""
            try:
                self.settings_store.save(settings)
            except OSError as exc:
                raise SaveError(f"{self._unwritable(exc)} {self._undo(journal)}") from None
            if journal.entries:
                self._finish(journal)

    def recover(self) -> str:
        """Finish or undo a save a crash, kill or logout interrupted; a notice for the owner, or ""."""
        with self._lock:
            try:
                return self._resolve_pending()
            except SaveError as exc:
                return str(exc)

    def _resolve_pending(self) -> str:
        journal = self.journal.pending()
        if journal is None:
            return ""
        sites = "”, “".join(journal.entries)
        if self.settings_store.load().settings.save_id == journal.id:  # the settings file was written
            self._finish(journal)
            return f"The last save of “{sites}” was interrupted after it was written; it was completed now."
        outcome = self._undo(journal)
        if outcome != NOTHING_CHANGED:
            raise SaveError(f"The last save of “{sites}” was interrupted, and could not be undone yet. {outcome}")
        return f"The last save of “{sites}” was interrupted (the app was closed while saving), so it was undone: " \
               "your setup is as it was before it."

    def _undo(self, journal: Journal) -> str:
        """Put every entry of the journal back as it was; what to tell the owner about it."""
        failed = []
        for site, names in journal.entries.items():
            for name, had in names.items():
                try:
                    if had:
                        previous = self.secrets.get(site, PREVIOUS + name)
                        if previous is None:
                            continue  # never kept, so never changed (keeping comes first)
                        if self.secrets.get(site, name) != previous:  # not the write that failed
                            self.secrets.set(site, name, previous)
                        self.secrets.delete(site, PREVIOUS + name)
                    else:
                        self.secrets.delete(site, name)
                except SecretStoreError:
                    log.error("could not put back keyring entry %s of site %s", name, site)
                    failed.append(describe_entry(name) + (f" (site “{site}”)" if len(journal.entries) > 1 else ""))
        if not failed:
            self.journal.end()
            return NOTHING_CHANGED
        return ("Some saved keys could not be put back as they were, so they may hold the new values: "
                + "; ".join(failed) + ". The app tries again at its next start; if a test of them fails, "
                "enter them again in the setup wizard.")

    def _finish(self, journal: Journal) -> None:
        try:
            for site, name in journal.kept():
                self.secrets.delete(site, PREVIOUS + name)
        except SecretStoreError:
            log.warning("could not remove a kept previous keyring value; retried at the next start")
            return
        self.journal.end()

    def _unwritable(self, exc: OSError) -> str:
        return (f"The settings file could not be written to {self.settings_store.directory} "
                f"({exc.strerror or type(exc).__name__}).")

    def delete_site(self, settings: Settings, site: str) -> None:
        """Remove a site profile and every secret it had."""
        self.commit(settings_without(settings, site), site, dict.fromkeys(secret_names()))


def settings_without(settings: Settings, site: str) -> Settings:
    sites = {name: profile for name, profile in settings.sites.items() if name != site}
    last = settings.last_site if settings.last_site != site else next(iter(sites), "")
    return Settings(sites=sites, last_site=last, window=settings.window)


def settings_renamed(settings: Settings, old: str, new: str) -> Settings:
    """The settings with one site renamed (the keyring entries move in the same save: `commit_sites`)."""
    renamed = copy.deepcopy(settings)
    renamed.sites = {(new if name == old else name): profile for name, profile in renamed.sites.items()}
    renamed.sites[new].name = new
    if renamed.last_site == old:
        renamed.last_site = new
    return renamed


def saved_result(result: CheckResult, tested_at: float) -> SavedResult:
    """What is kept of a live result, so the dashboard can show it on the next start."""
    return SavedResult(str(result.status), result.message, account_name=result.account.name,
                       account_id=result.account.id, mode=result.account.mode, tested_at=tested_at,
                       elapsed_ms=result.elapsed_ms, extra={k: str(v) for k, v in result.account.extra.items()},
                       facts=copy.deepcopy(dict(result.facts)))


def kept_result(result: CheckResult, previous: SavedResult | None, now: float) -> SavedResult:
    """The result to save for a service: the one loaded if nothing changed since (its original test time)."""
    if previous is not None and result.message.startswith(previous.message):
        return previous
    return saved_result(result, now)


class SettingsWriter:
    """Saves settings snapshots from worker threads; a snapshot never overwrites a newer one."""

    def __init__(self, store: SettingsStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._issued = 0
        self._written = 0

    def snapshot(self, settings: Settings) -> Callable[[], None]:
        """Copy the settings now (on the GUI thread); the returned call writes them (on a worker)."""
        with self._lock:
            self._issued += 1
            number = self._issued
        frozen = copy.deepcopy(settings)

        def write() -> None:
            with self._lock:
                if number < self._written:
                    return
                self.store.save(frozen)
                self._written = number

        return write
