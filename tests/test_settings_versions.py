"""Settings files and exports of other versions: today's older ones load with nothing lost, a newer
one is never overwritten, and CRM options are read as each CRM declares them."""

from __future__ import annotations

import json

import pytest

from accessally_desktop.settings import SettingsStore
from accessally_desktop.transfer import export_text, parse_export

# The CRM options exactly as version 1 (every release before per-CRM options) wrote them.
V1_OPTIONS = {"ontraport_tracking": False, "ontraport_sync": True, "activecampaign_form": "7",
              "activecampaign_form_name": "Buyers", "convertkit_form": "1002",
              "convertkit_form_name": "AccessAlly purchases", "drip_tracking": False}
V1_SITE = {"site_url": "https://members.example.com", "crm": "activecampaign", "stripe": True,
           "stripe_mode": "live", "values": {"drip": {"account_id": "1234567"}}, "options": V1_OPTIONS,
           "results": {"license": {"status": "ok", "message": "Latest AccessAlly version: 4.2.", "tested_at": 1.7e9}}}
MIGRATED = {"ontraport": {"tracking": False, "sync": True}, "activecampaign": {"form": "7", "form_name": "Buyers"},
            "convertkit": {"form": "1002", "form_name": "AccessAlly purchases"}, "drip": {"tracking": False}}


def write(store: SettingsStore, document: dict) -> bytes:
    store.directory.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(document, indent=2).encode()
    store.path.write_bytes(raw)
    return raw


def test_a_version_1_file_loads_with_every_option_and_is_kept_once_before_the_first_new_write(user_dirs) -> None:
    store = SettingsStore()
    raw = write(store, {"version": 1, "last_site": "Shop", "sites": {"Shop": V1_SITE}})
    loaded = store.load()
    assert loaded.problem == ""
    site = loaded.settings.sites["Shop"]
    assert site.options == MIGRATED
    assert site.crm_options("activecampaign") == {"form": "7", "form_name": "Buyers"}
    assert (site.crm, site.variant("stripe"), site.values["drip"]["account_id"]) == ("activecampaign", "live", "1234567")
    assert site.results["license"].message == "Latest AccessAlly version: 4.2."
    store.save(loaded.settings)
    backup = store.directory / "settings.json.v1"
    assert backup.read_bytes() == raw  # a downgrade can go back to it
    written = json.loads(store.path.read_text())
    assert written["version"] == 3 and written["sites"]["Shop"]["options"] == MIGRATED
    loaded.settings.sites["Shop"].crm = "drip"
    store.save(loaded.settings)
    assert backup.read_bytes() == raw  # kept once: a later save does not replace it
    assert SettingsStore().load().settings.sites["Shop"].options == MIGRATED


def test_a_file_from_a_newer_version_is_left_exactly_as_it_is(user_dirs) -> None:
    store = SettingsStore()
    raw = write(store, {"version": 4, "sites": {"Shop": {"crm": "hubspot", "options": {"x": [1]}}}})
    loaded = store.load()
    assert "newer version" in loaded.problem and "update the app" in loaded.problem
    assert "damaged" not in loaded.problem
    with pytest.raises(OSError, match="newer version"):
        store.save(loaded.settings)
    assert store.path.read_bytes() == raw
    assert [p.name for p in store.directory.iterdir()] == ["settings.json"]  # not moved aside, no backup


def test_options_this_version_cannot_use_are_left_out_by_name_and_the_rest_kept(user_dirs) -> None:
    store = SettingsStore()
    write(store, {"version": 2, "sites": {"Shop": {"crm": "ontraport", "options": {
        "ontraport": {"tracking": "yes", "sync": True, "colour": "red"}, "hubspot": {"tracking": True}}}}})
    loaded = store.load()
    site = loaded.settings.sites["Shop"]
    assert site.crm_options("ontraport") == {"tracking": True, "sync": True}  # "yes" is no answer: the default
    for named in ("“tracking”", "“colour”", "“hubspot”"):
        assert named in loaded.problem


def test_an_export_made_by_version_1_imports_every_option() -> None:
    document = {"format": "accessally-desktop-site-settings", "format_version": 1, "app_version": "0.9.0",
                "site": {"name": "Shop", **{k: v for k, v in V1_SITE.items() if k != "results"}}}
    imported = parse_export(json.dumps(document).encode())
    assert imported.profile.options == MIGRATED


def test_an_export_carries_the_options_per_crm_and_reads_back_the_same(user_dirs) -> None:
    store = SettingsStore()
    write(store, {"version": 1, "last_site": "Shop", "sites": {"Shop": V1_SITE}})
    profile = store.load().settings.sites["Shop"]
    text = export_text(profile)
    assert json.loads(text)["format_version"] == 3
    assert parse_export(text.encode()).profile.options == MIGRATED


@pytest.mark.parametrize(("options", "words"), [
    ({"ontraport": {"tracking": "yes"}}, "'tracking'"),
    ({"ontraport": {"colour": "red"}}, "'colour'"),
    ({"hubspot": {}}, "hubspot"),
    ({"ontraport_tracking": True}, "options"),  # version 1's flat shape in a version 2 export
])
def test_an_export_with_options_this_version_does_not_know_is_refused_by_name(options, words) -> None:
    from accessally_desktop.transfer import TransferError

    document = {"format": "accessally-desktop-site-settings", "format_version": 2,
                "site": {"name": "Shop", "crm": "ontraport", "options": options}}
    with pytest.raises(TransferError) as refused:
        parse_export(json.dumps(document).encode())
    assert words in str(refused.value)


# Version 2 kept each payment processor's choices as top-level keys named after it, and PayPal's
# values without an environment (it had one credential set).
V2_SITE = {"site_url": "https://members.example.com", "crm": "drip", "stripe": True, "paypal": True,
           "payments_later": False, "stripe_mode": "live", "paypal_environment": "sandbox",
           "paypal_credentials": "rest",
           "values": {"stripe": {"test.publishable_key": "pk_test_51PUBLIC", "live.publishable_key": "pk_live_51PUB"},
                      "paypal": {"environment": "sandbox", "api_username": "shop_api1.example.com",
                                 "client_id": "AbCdRestClientId"},
                      "drip": {"account_id": "1234567"}},
           "options": {"drip": {"tracking": False}}}
V3_PAYMENTS = {"payments": ["stripe", "paypal"], "variants": {"stripe": "live", "paypal": "sandbox"},
               "kinds": {"paypal": "rest"}}
V3_VALUES = {"stripe": {"test.publishable_key": "pk_test_51PUBLIC", "live.publishable_key": "pk_live_51PUB"},
             "paypal": {"sandbox.api_username": "shop_api1.example.com", "sandbox.client_id": "AbCdRestClientId"},
             "drip": {"account_id": "1234567"}}


def _payments(site) -> dict:
    return {"payments": site.payments, "variants": site.variants, "kinds": site.kinds}


def test_a_version_2_file_keeps_every_payment_choice_and_value_and_is_kept_once(user_dirs) -> None:
    store = SettingsStore()
    raw = write(store, {"version": 2, "last_site": "Shop", "sites": {"Shop": V2_SITE}})
    loaded = store.load()
    assert loaded.problem == ""
    site = loaded.settings.sites["Shop"]
    assert _payments(site) == V3_PAYMENTS and site.values == V3_VALUES
    assert (site.variant("paypal"), site.kind("paypal"), site.services()) == (
        "sandbox", "rest", ["license", "drip", "stripe", "paypal"])
    store.save(loaded.settings)
    assert (store.directory / "settings.json.v2").read_bytes() == raw
    written = json.loads(store.path.read_text())["sites"]["Shop"]
    assert {k: written[k] for k in V3_PAYMENTS} == V3_PAYMENTS and "paypal_environment" not in written


def test_an_export_made_by_version_2_imports_every_payment_choice_and_value() -> None:
    document = {"format": "accessally-desktop-site-settings", "format_version": 2, "app_version": "0.1.0",
                "site": {"name": "Shop", **V2_SITE}}
    profile = parse_export(json.dumps(document).encode()).profile
    assert _payments(profile) == V3_PAYMENTS and profile.values == V3_VALUES


@pytest.mark.parametrize(("key", "value", "words"), [
    ("paypal_environment", "staging", "the PayPal environment “staging”"),
    ("paypal_credentials", "oauth", "the kind of PayPal credentials “oauth”"),
])
def test_a_version_2_choice_this_version_does_not_know_is_left_out_by_name(user_dirs, key, value, words) -> None:
    store = SettingsStore()
    write(store, {"version": 2, "sites": {"Shop": {**V2_SITE, key: value}}})
    loaded = store.load()
    assert words in loaded.problem
    site = loaded.settings.sites["Shop"]
    assert (site.variant("paypal"), site.kind("paypal")) in (("live", "rest"), ("sandbox", "signature"))
