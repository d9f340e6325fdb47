"""Service id -> integration. The UI, the `check` command and the settings panel read only this.

Modules load on first use, so starting the app never pays for a service (or for `stripe`)
that no page has asked for yet.
"""

from __future__ import annotations

import importlib
from functools import cache

from .base import Integration

# id -> module under accessally_desktop.integrations, in the order the wizard shows them
_MODULES: dict[str, str] = {
    "license": "license",
    "infusionsoft": "keap",
    "ontraport": "ontraport",
    "activecampaign": "activecampaign",
    "convertkit": "convertkit",
    "drip": "drip",
    "stripe": "stripe",
    "paypal": "paypal",
}

SERVICE_IDS: tuple[str, ...] = tuple(_MODULES)
CRM_IDS: tuple[str, ...] = ("infusionsoft", "ontraport", "activecampaign", "convertkit", "drip")
PAYMENT_IDS: tuple[str, ...] = ("stripe", "paypal")


@cache
def get(service_id: str) -> Integration:
    """The integration for an id; KeyError for an unknown one."""
    module = importlib.import_module(f"{__package__}.{_MODULES[service_id]}")
    integration = module.INTEGRATION
    assert integration.id == service_id, (integration.id, service_id)
    return integration


def all_integrations() -> list[Integration]:
    return [get(service_id) for service_id in SERVICE_IDS]
