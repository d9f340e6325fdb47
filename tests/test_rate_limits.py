"""A 429 is worded for what each service documents: its own wait when it gives one, else its limit."""

from __future__ import annotations

import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.sandbox.ontraport import TOO_MANY

# service -> words its 429 without Retry-After must carry (Keap's daily quota: tests/test_keap.py)
WITHOUT_RETRY_AFTER = {
    "license": "Try again in a minute",  # the license server documents no limit
    "paypal": "Try again in a minute",  # PayPal publishes no numbers
    "infusionsoft": "10 calls a second and 240 a minute per key. Try again in a minute",
    "ontraport": "180 requests a minute per account. Try again in a minute",
    "activecampaign": "5 requests a second per account, shared by all its keys. Try again in a few seconds",
    "convertkit": "120 requests a minute per key. Try again in a minute",
    "drip": "3,600 requests an hour per account. Try again in an hour",
    "stripe": "about 100 requests a second (25 in test mode). Try again in a few seconds",
    "wordpress": "Try again in a minute",  # the site's host or a security plugin: no documented limit
}


@pytest.mark.parametrize("service_id", registry.SERVICE_IDS)
def test_429_without_retry_after_names_the_services_limit(serve, service_id: str) -> None:
    server = serve(service_id)
    server.inject("status", code=429)
    result = registry.get(service_id).test(server.credentials())
    assert result.status == Status.RATE_LIMITED, result
    assert WITHOUT_RETRY_AFTER[service_id] in result.message, result.message


def test_every_service_is_covered() -> None:
    assert set(WITHOUT_RETRY_AFTER) == set(registry.SERVICE_IDS)


def test_ontraport_429_waits_until_its_window_resets(serve) -> None:
    server = serve("ontraport")
    server.rate_limit = (1, 45.0)
    assert registry.get("ontraport").test(server.credentials()).ok
    result = registry.get("ontraport").test(server.credentials())
    assert result.status == Status.RATE_LIMITED
    assert "180 requests a minute per account" in result.message
    assert "Try again in 45 seconds" in result.message, result.message
    assert TOO_MANY in result.detail


@pytest.mark.parametrize("service_id", ["ontraport", "drip"])
def test_retry_after_is_still_the_wait(serve, service_id: str) -> None:
    server = serve(service_id)
    server.inject("status", code=429, headers={"Retry-After": "30", "X-Rate-Limit-Reset": "50"})
    result = registry.get(service_id).test(server.credentials())
    assert result.status == Status.RATE_LIMITED
    assert "Try again in 30 seconds" in result.message, result.message
