"""Loopback stand-ins for every service, used by the tests and by the app's sandbox mode."""

from __future__ import annotations

import importlib

from .server import SandboxServer

# service id -> "module:Class" under this package
_SERVERS = {
    "license": "license:LicenseSandbox",
    "infusionsoft": "keap:KeapSandbox",
    "ontraport": "ontraport:OntraportSandbox",
    "activecampaign": "activecampaign:ActiveCampaignSandbox",
    "convertkit": "convertkit:ConvertKitSandbox",
    "drip": "drip:DripSandbox",
    "stripe": "stripe:StripeSandbox",
    "paypal": "paypal:PayPalSandbox",
}


def server_class(service_id: str) -> type[SandboxServer]:
    module_name, class_name = _SERVERS[service_id].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module_name}"), class_name)
