"""What the owner's website does about the CRM options this app keeps, for one site profile: the
last passing site test's scan (saved with its result) set against the site's CRM, its options and
its account (`integrations.site_findings`). The CRM panel shows it beside each option; the
dashboard's site row repeats it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .integrations import registry
from .integrations.site_findings import SiteFinding, findings, site_notes
from .integrations.site_scan import TRACKING, SiteScan

if TYPE_CHECKING:
    from .settings import SiteProfile


@dataclass(frozen=True)
class SiteReport:
    """The findings, and when the site test they come from ran (epoch seconds)."""

    tested_at: float
    findings: tuple[SiteFinding, ...]

    def for_option(self, key: str) -> SiteFinding | None:
        return next((f for f in self.findings if f.option == key), None)

    @property
    def site_wide(self) -> tuple[SiteFinding, ...]:
        return tuple(f for f in self.findings if not f.option)


def site_report(profile: SiteProfile, crm_options: Mapping[str, Any] | None = None) -> SiteReport | None:
    """The site's findings, None when no passing site test has checked its pages. `crm_options` are the
    CRM's options to hold the site against (the panel's, as chosen now); by default, as kept."""
    for service_id in registry.SITE_IDS:
        saved = profile.results.get(service_id)
        if saved is None or saved.status != "ok" or TRACKING not in saved.facts:
            continue
        scan = SiteScan.from_details(saved.facts[TRACKING])
        crm = profile.crm
        if crm not in registry.CRM_IDS:
            return SiteReport(saved.tested_at, site_notes(scan))
        tested = profile.results.get(crm)
        account = tested.account_id if tested is not None and tested.status == "ok" else ""
        chosen = profile.options.get(crm, {}) if crm_options is None else crm_options
        return SiteReport(saved.tested_at, findings(scan, crm, chosen, profile.values.get(crm, {}), account))
    return None
