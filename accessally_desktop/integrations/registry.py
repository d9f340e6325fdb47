"""Service id -> integration. The UI, the `check` command and the settings panel read only this.

Modules load on first use, so starting the app never pays for a service (or for `stripe`)
that no page has asked for yet.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Integration

# id -> (module under accessally_desktop.integrations, display name), in the order the wizard shows
# them. The names live here so that a list of services (the dashboard) loads none of them.
_SERVICES: dict[str, tuple[str, str]] = {
    "license": ("license", "AccessAlly license"),
    "infusionsoft": ("keap", "Infusionsoft / Keap"),
    "ontraport": ("ontraport", "Ontraport"),
    "activecampaign": ("activecampaign", "ActiveCampaign"),
    "convertkit": ("convertkit", "ConvertKit / Kit"),
    "drip": ("drip", "Drip"),
    "stripe": ("stripe", "Stripe"),
    "paypal": ("paypal", "PayPal"),
}

SERVICE_IDS: tuple[str, ...] = tuple(_SERVICES)
CRM_IDS: tuple[str, ...] = ("infusionsoft", "ontraport", "activecampaign", "convertkit", "drip")
PAYMENT_IDS: tuple[str, ...] = ("stripe", "paypal")
NO_CRM = "none"  # the CRM choice "AccessAlly Managed": no CRM service at all
NO_CRM_NAME = "AccessAlly Managed"


@cache
def get(service_id: str) -> Integration:
    """The integration for an id; KeyError for an unknown one."""
    module = importlib.import_module(f"{__package__}.{_SERVICES[service_id][0]}")
    integration = module.INTEGRATION
    assert integration.id == service_id, (integration.id, service_id)
    return integration


def display_name(service_id: str) -> str:
    """The name owners know the service by, without loading its module; KeyError for an unknown id."""
    return _SERVICES[service_id][1]


def all_integrations() -> list[Integration]:
    return [get(service_id) for service_id in SERVICE_IDS]
