"""What types cannot say about loaded settings: values this version cannot use (a CRM it does not
know, a variant a service does not declare, an impossible time), each reset to its default and
named for the owner, so one bad value never costs the rest of the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .integrations import options, registry
from .integrations.status import Status

if TYPE_CHECKING:
    from .integrations import Integration
    from .settings import Settings, SiteProfile

LATEST_TIME = 253402300799.0  # 9999-12-31 23:59:59 UTC: any later "tested at" cannot be shown as a date
LONGEST_TEST_MS = 24 * 3600 * 1000


def drop_unusable(settings: Settings) -> list[str]:
    """Reset each value this version cannot use (a hand edit, another version's file) to its default;
    returns what each was, for the owner. Types are already checked: this checks meaning."""
    dropped = []
    geometry = settings.window.get("geometry")
    if geometry is not None and not (isinstance(geometry, str) and geometry.isascii()):
        del settings.window["geometry"]
        dropped.append("the window's size and position")
    for name, site in settings.sites.items():
        dropped += [f"{what} (site “{_short(name)}”)" for what in _drop_unusable_in_site(site)]
    return dropped


def _drop_unusable_in_site(site: SiteProfile) -> list[str]:
    dropped = []
    if site.crm not in ("", registry.NO_CRM, *registry.CRM_IDS):
        dropped.append(f"the CRM “{_short(site.crm)}”, which this version does not know")
        site.crm = ""
    for service_id in [s for s in site.payments if s not in registry.PAYMENT_IDS]:
        site.payments.remove(service_id)
        dropped.append(f"the payment service “{_short(service_id)}”, which this version does not know")
    for key, service_id, what in choice_problems(site):
        dropped.append(what)
        del getattr(site, key)[service_id]  # the service's first is used
    for service_id, saved in list(site.options.items()):
        if service_id not in registry.CRM_IDS:
            del site.options[service_id]
            dropped.append(f"the CRM options saved for “{_short(service_id)}”, a CRM this version does not know")
            continue
        for key in options.unusable(registry.get(service_id).options, saved):
            del saved[key]
            dropped.append(f"the {registry.display_name(service_id)} option “{_short(key)}”")
    for service_id in [s for s in site.values if s not in registry.SERVICE_IDS]:
        del site.values[service_id]
        dropped.append(f"the values saved for “{_short(service_id)}”, a service this version does not know")
    for service_id, result in list(site.results.items()):
        if service_id not in registry.SERVICE_IDS or result.status not in (*Status, "untested"):
            del site.results[service_id]
            dropped.append(f"the last test result for “{_short(service_id)}”, which this version cannot show")
            continue
        service = registry.display_name(service_id)
        if not 0 <= result.tested_at <= LATEST_TIME:  # NaN fails every comparison
            result.tested_at = 0.0
            dropped.append(f"the time of the last {service} test")
        if not 0 <= result.elapsed_ms <= LONGEST_TEST_MS:
            result.elapsed_ms = 0
            dropped.append(f"how long the last {service} test took")
    return dropped


def choice_problems(site: SiteProfile) -> list[tuple[str, str, str]]:
    """Each variant or credential kind the site names that its service does not declare (a hand edit,
    another version's file), as (where: "variants"/"kinds", service id, what it was, in words)."""
    found = []
    for service_id, value in site.variants.items():
        integration = _known(service_id)
        if integration is None or value not in {v.id for v in integration.variants}:
            what = f"the {integration.name} {integration.variant_key}" if integration else "a choice saved for"
            found.append(("variants", service_id, f"{what} “{_short(value if integration else service_id)}”"))
    for service_id, value in site.kinds.items():
        integration = _known(service_id)
        if integration is None or value not in {k.id for k in integration.kinds}:
            what = f"the kind of {integration.name} credentials" if integration else "a choice saved for"
            found.append(("kinds", service_id, f"{what} “{_short(value if integration else service_id)}”"))
    return found


def _known(service_id: str) -> Integration | None:
    return registry.get(service_id) if service_id in registry.SERVICE_IDS else None


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "…"
