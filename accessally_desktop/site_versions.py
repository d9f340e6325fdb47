"""What older versions wrote for a site, moved to today's shape: one pure step per version, shared
by the settings file (`version`) and exports (`format_version`), which changed together.

- 1 → 2: the CRM options were one flat mapping ("ontraport_tracking": …); each key moves to the
  CRM that declares it as its `v1_key`.
- 2 → 3: each payment processor had top-level keys named after it — "<id>" (in use), "<id>_<variant
  key>" (its active variant: "stripe_mode") and "<id>_credentials" (its credential kind) — and a
  service whose credentials had no variants yet kept its values unprefixed. They move to
  `payments`, `variants` and `kinds`, and unprefixed values go to the variant that was active.
  (Its keyring entries keep their old names until the wizard next saves them: see `storage`.)

Nothing is checked here beyond what a move needs; the result goes through the same type and
meaning checks as a current file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .integrations import options, registry
from .typed import typed

if TYPE_CHECKING:
    from .integrations import Integration

CURRENT = 3


def upgrade_site(raw: dict[str, Any], version: int) -> dict[str, Any]:
    """A site's settings as `version` wrote them, in today's shape (a new dict; `raw` is not changed)."""
    site = dict(raw)
    if version < 2 and isinstance(site.get("options"), dict):
        site["options"] = _options_per_crm(site["options"])
    if version < 3:
        _payments_per_service(site)
    return site


def _options_per_crm(flat: dict[str, Any]) -> dict[str, Any]:
    return {service_id: found for service_id in registry.CRM_IDS
            if (found := options.from_v1(registry.get(service_id).options, flat))}


def _payments_per_service(site: dict[str, Any]) -> None:
    payments, variants, kinds = [], {}, {}
    values = site.get("values")
    for service_id in registry.PAYMENT_IDS:
        integration = registry.get(service_id)
        if typed(site.pop(service_id, False), bool, service_id):
            payments.append(service_id)
        variant = site.pop(f"{service_id}_{integration.variant_key}", None)
        if integration.variants and variant is not None:
            variants[service_id] = variant
        kind = site.pop(f"{service_id}_credentials", None)
        if integration.kinds and kind is not None:
            kinds[service_id] = kind
        saved = values.get(service_id) if isinstance(values, dict) else None
        if integration.variants and isinstance(saved, dict):
            declared = [v.id for v in integration.variants]
            active = variant if variant in declared else declared[0]  # an unknown one is dropped later
            values[service_id] = _under_variant(saved, active, integration)
    site.update(payments=payments, variants=variants, kinds=kinds)


def _under_variant(saved: dict[str, Any], active: str, integration: Integration) -> dict[str, Any]:
    """Values kept before the service had variants belong to the one that was active; the variant's
    own name, once a value, is now in `variants`."""
    ids = {v.id for v in integration.variants}
    return {key if key.split(".", 1)[0] in ids else f"{active}.{key}": value
            for key, value in saved.items() if key != integration.variant_key}
