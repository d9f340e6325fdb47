"""Stripe key pairs: the keys' mode must be the chosen mode, and both keys must be of one account.

Over real HTTP against the stand-in, through the official `stripe` package (`check`'s optional
"mode": test_cli.py).
"""

from __future__ import annotations

import pytest

from accessally_desktop.integrations import Status, registry
from accessally_desktop.sandbox import stripe as fake
from accessally_desktop.settings import SiteProfile
from accessally_desktop.storage import values_for

STRIPE = registry.get("stripe")
TEST_PAIR = {"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.SECRET_KEY}
LIVE_PAIR = {"publishable_key": fake.LIVE_PUBLISHABLE_KEY, "secret_key": fake.LIVE_SECRET_KEY}


def test_keys_of_two_accounts_are_rejected_naming_the_secret_keys_account(serve) -> None:
    server = serve("stripe")
    result = STRIPE.test({"publishable_key": fake.OTHER_PUBLISHABLE_KEY, "secret_key": fake.SECRET_KEY})
    assert result.status == Status.INVALID_CREDENTIALS, result
    assert "different Stripe accounts" in result.message and "Acme Courses" in result.message
    assert [r.method for r in server.requests].count("POST") == 1  # one throw-away token, nothing else made


@pytest.mark.parametrize(("pair", "chosen", "keys_mode"), [(LIVE_PAIR, "test", "live"), (TEST_PAIR, "live", "test")])
def test_keys_of_the_other_mode_are_refused_before_any_request(serve, pair, chosen, keys_mode) -> None:
    server = serve("stripe")
    result = STRIPE.test({**pair, "mode": chosen})
    assert result.status == Status.INVALID_FORMAT, result
    assert f"{chosen.title()} mode is chosen" in result.message
    assert f"{keys_mode}-mode keys" in result.message and f"Switch to {keys_mode.title()} mode" in result.message
    assert server.requests == []
    assert STRIPE.variant_for(pair) == keys_mode  # what the wizard's one-click switch offers


def test_keys_of_the_chosen_mode_pass_and_say_that_mode(serve) -> None:
    serve("stripe")
    result = STRIPE.test({**LIVE_PAIR, "mode": "live"})
    assert result.status == Status.OK, result
    assert "live mode (real payments)" in result.message and result.account.mode == "live"


def test_an_unknown_mode_is_a_format_error() -> None:
    report = STRIPE.check_format({**TEST_PAIR, "mode": "staging"})
    assert not report.ok and "'test' or 'live'" in report.errors[0].message


def test_a_restricted_key_that_may_not_read_tokens_passes_with_the_pairing_unchecked(serve) -> None:
    serve("stripe")
    result = STRIPE.test({"publishable_key": fake.PUBLISHABLE_KEY, "secret_key": fake.RESTRICTED_KEY})
    assert result.status == Status.OK, result
    assert any("could not be checked" in w for w in result.warnings), result.warnings


def test_saved_settings_are_tested_in_the_sites_chosen_mode() -> None:
    """The dashboard and `check` test a saved profile's active pair with its mode, so live keys
    saved under Test mode (a hand-edited file, an import) are refused, not shown as live."""
    profile = SiteProfile(name="Site", payments=["stripe"], variants={"stripe": "test"},
                          values={"stripe": {"test.publishable_key": fake.LIVE_PUBLISHABLE_KEY}})
    values = values_for(profile, "stripe", {"stripe.test.secret_key": fake.LIVE_SECRET_KEY})
    result = STRIPE.test(values)
    assert result.status == Status.INVALID_FORMAT and "Test mode is chosen" in result.message
