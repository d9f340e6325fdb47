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
    "wordpress": "wordpress:WordPressSandbox",
}


def server_class(service_id: str) -> type[SandboxServer]:
    module_name, class_name = _SERVERS[service_id].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module_name}"), class_name)


class Sandbox:
    """Every stand-in running on 127.0.0.1, and the environment that points the app at them.

    PayPal gets two (sandbox and live), so picking the wrong environment shows what it would
    show for real: "these look like sandbox credentials".
    """

    def __init__(self) -> None:
        from ..integrations.base import override_env_var

        self.servers: dict[str, SandboxServer] = {}
        self.env: dict[str, str] = {}
        for service_id in _SERVERS:
            if service_id == "paypal":
                continue
            server = server_class(service_id)().start()
            self.servers[service_id] = server
            self.env[override_env_var(service_id)] = server.url
        paypal = server_class("paypal")
        self.paypal_live = paypal(environment="live").start()
        self.servers["paypal"] = paypal(environment="sandbox").start()
        self.env["ACCESSALLY_DESKTOP_PAYPAL_SANDBOX_URL"] = self.servers["paypal"].url
        self.env["ACCESSALLY_DESKTOP_PAYPAL_LIVE_URL"] = self.paypal_live.url
        self.servers["wordpress"].switch(head=demo_tracking())  # the panel and the site row find them

    def demo_credentials(self) -> dict[str, dict[str, str]]:
        """Values that pass, per service (shown to newcomers in sandbox mode)."""
        demo = {service_id: server.credentials() for service_id, server in self.servers.items()}
        demo["activecampaign"]["account_url"] = "https://demo.api-us1.com"  # the stand-in answers for it
        return demo

    def stop(self) -> None:
        for server in [*self.servers.values(), self.paypal_live]:
            server.stop()


def demo_tracking() -> str:
    """What AccessAlly prints on the demo site with tracking on: the demo Ontraport and Drip accounts' scripts."""
    from ..integrations import drip, ontraport
    from . import drip as drip_stand_in
    from . import ontraport as ontraport_stand_in

    return (ontraport.tracking_snippet(str(ontraport_stand_in.ACCOUNT_ID))
            + drip.tracking_snippet(drip_stand_in.ACCOUNT_ONE["id"]))
