"""A site's complete configuration: settings file plus keyring, saved all or nothing.

Credential values are addressed as "<service>.<field>". Stripe keeps a test and a live pair,
addressed "stripe.test.secret_key" / "stripe.live.publishable_key"; the active mode picks one.
Secret fields go to the secret store, the rest to the site profile's `values`.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .integrations import registry
from .logs import register_secret
from .secrets import SecretStore, SecretStoreError
from .settings import SavedResult, Settings, SettingsStore, SiteProfile

if TYPE_CHECKING:
    from .integrations import CheckResult

log = logging.getLogger(__name__)


class SaveError(Exception):
    """Saving failed; the message says which part, and the previous saved state is intact."""


def variants(service_id: str) -> tuple[str, ...]:
    """The credential sets a service keeps side by side (Stripe's test and live pairs), or one set ("")."""
    return tuple(v.id for v in registry.get(service_id).variants) or ("",)


def stored_name(service_id: str, field_name: str, variant: str = "") -> str:
    return ".".join(p for p in (service_id, variant, field_name) if p)


def active_variant(profile: SiteProfile, service_id: str) -> str:
    return profile.stripe_mode if service_id == "stripe" else ""


def secret_names(service_ids: list[str] | tuple[str, ...] = registry.SERVICE_IDS) -> list[str]:
    """Every keyring entry name the given services can have."""
    names = []
    for service_id in service_ids:
        integration = registry.get(service_id)
        for variant in variants(service_id):
            names += [stored_name(service_id, f, variant) for f in integration.secret_fields]
    return names


def values_for(profile: SiteProfile, service_id: str, secrets: Mapping[str, str]) -> dict[str, str]:
    """The values to test a service with: non-secret from the profile, secret from `secrets`, and
    the active variant (Stripe's mode), so keys saved under the other mode are refused, not tested."""
    integration = registry.get(service_id)
    variant = active_variant(profile, service_id)
    saved = profile.values.get(service_id, {})
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

    def read_secrets(self, site: str, names: list[str] | None = None) -> dict[str, str]:
        """Secrets of a site that are set. Slow (keyring): call off the GUI thread."""
        found = {}
        for name in names if names is not None else secret_names():
            value = self.secrets.get(site, name)
            if value:
                register_secret(value)  # the log redacts it from here on, whatever logs it
                found[name] = value
        return found

    def commit(self, settings: Settings, site: str, secret_changes: Mapping[str, str | None]) -> None:
        """Write changed secrets (None deletes) and the settings file, all or nothing.

        Secrets go first, each old value remembered; if any write fails, or the settings file
        cannot be written after them, every secret already written is put back.
        """
        previous: dict[str, str | None] = {}
        for value in secret_changes.values():
            register_secret(value)
        try:
            for name, value in secret_changes.items():
                old = self.secrets.get(site, name)
                if old == value or (old is None and not value):
                    continue
                previous[name] = old
                if value:
                    self.secrets.set(site, name, value)
                else:
                    self.secrets.delete(site, name)
        except SecretStoreError as exc:
            self._restore(site, previous)
            raise SaveError(f"{exc} Nothing was changed: your previous setup is still saved.") from None
        try:
            self.settings_store.save(settings)
        except OSError as exc:
            self._restore(site, previous)
            reason = exc.strerror or type(exc).__name__
            raise SaveError(f"The settings file could not be written to {self.settings_store.directory} ({reason}). "
                            "Nothing was changed: your previous setup is still saved.") from None

    def _restore(self, site: str, previous: Mapping[str, str | None]) -> None:
        for name, old in previous.items():
            try:
                if old:
                    self.secrets.set(site, name, old)
                else:
                    self.secrets.delete(site, name)
            except SecretStoreError:
                log.error("could not restore keyring entry %s of site %s", name, site)

    def delete_site(self, settings: Settings, site: str) -> None:
        """Remove a site profile and every secret it had."""
        self.commit(settings_without(settings, site), site, {name: None for name in secret_names()})


def settings_without(settings: Settings, site: str) -> Settings:
    sites = {name: profile for name, profile in settings.sites.items() if name != site}
    last = settings.last_site if settings.last_site != site else next(iter(sites), "")
    return Settings(sites=sites, last_site=last, window=settings.window)


def saved_result(result: CheckResult, tested_at: float) -> SavedResult:
    """What is kept of a live result, so the dashboard can show it on the next start."""
    return SavedResult(str(result.status), result.message, account_name=result.account.name,
                       account_id=result.account.id, mode=result.account.mode, tested_at=tested_at,
                       elapsed_ms=result.elapsed_ms, extra={k: str(v) for k, v in result.account.extra.items()})


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
