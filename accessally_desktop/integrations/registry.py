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

# id -> (module under accessally_desktop.integrations, display name, kind), in the order the wizard
# shows them. The names and kinds live here so that a list of services (the dashboard) loads none.
_SERVICES: dict[str, tuple[str, str, str]] = {
    "license": ("license", "AccessAlly license", "license"),
    "infusionsoft": ("keap", "Infusionsoft / Keap", "crm"),
    "ontraport": ("ontraport", "Ontraport", "crm"),
    "activecampaign": ("activecampaign", "ActiveCampaign", "crm"),
    "convertkit": ("convertkit", "ConvertKit / Kit", "crm"),
    "drip": ("drip", "Drip", "crm"),
    "stripe": ("stripe", "Stripe", "payment"),
    "paypal": ("paypal", "PayPal", "payment"),
    "wordpress": ("wordpress", "Your WordPress site", "site"),
}
_DECLARED_ELSEWHERE: dict[str, Integration] = {}  # services registered at run time (see `register`)

NO_CRM = "none"  # the CRM choice "AccessAlly Managed": no CRM service at all
NO_CRM_NAME = "AccessAlly Managed"
SERVICE_IDS: tuple[str, ...] = ()
LICENSE_IDS: tuple[str, ...] = ()  # every site uses these
CRM_IDS: tuple[str, ...] = ()  # a site uses one of these, or NO_CRM
PAYMENT_IDS: tuple[str, ...] = ()  # a site uses any of these
SITE_IDS: tuple[str, ...] = ()  # the owner's own website: every site uses these (and may leave them for later)


def _list_services() -> None:
    global SERVICE_IDS, LICENSE_IDS, CRM_IDS, PAYMENT_IDS, SITE_IDS
    SERVICE_IDS = tuple(_SERVICES)
    LICENSE_IDS, CRM_IDS, PAYMENT_IDS, SITE_IDS = (tuple(i for i in _SERVICES if kind_of(i) == kind)
                                                   for kind in ("license", "crm", "payment", "site"))


def kind_of(service_id: str) -> str:
    """"license", "crm", "payment" or "site", without loading the service's module; KeyError for an unknown id."""
    return _SERVICES[service_id][2]


_list_services()


def register(integration: Integration) -> None:
    """Add a service declared outside this package (a test's own, a later plug-in): from then on
    every list of services — the wizard's choices, the dashboard, the panel, `check` — has it."""
    _SERVICES[integration.id] = ("", integration.name, integration.kind)
    _DECLARED_ELSEWHERE[integration.id] = integration
    _list_services()


def unregister(service_id: str) -> None:
    if _DECLARED_ELSEWHERE.pop(service_id, None) is not None:
        del _SERVICES[service_id]
        _list_services()
        get.cache_clear()


@cache
def get(service_id: str) -> Integration:
    """The integration for an id; KeyError for an unknown one."""
    if service_id in _DECLARED_ELSEWHERE:
        return _DECLARED_ELSEWHERE[service_id]
    module = importlib.import_module(f"{__package__}.{_SERVICES[service_id][0]}")
    integration = module.INTEGRATION
    assert (integration.id, integration.kind) == (service_id, _SERVICES[service_id][2]), service_id
    return integration


def display_name(service_id: str) -> str:
    """The name owners know the service by, without loading its module; KeyError for an unknown id."""
    return _SERVICES[service_id][1]


def all_integrations() -> list[Integration]:
    return [get(service_id) for service_id in SERVICE_IDS]
