"""Stripe: the secret key reads the account (GET /v1/account); the publishable key makes a
throw-away token that the secret key reads back, which proves both keys belong to one account.

Every call goes through the official `stripe` package, over this app's own httpx client so the
attempt's deadline, cancel and body cap apply (`stripe_client`).

Quirks:
- A publishable key has no "validate" endpoint, and Stripe never says which account one belongs to.
  A PII token created with it (`POST /v1/tokens`) can be read only by a key of the same account:
  "No such token" for the secret key means two accounts. This leaves one unused token in the
  account, as WooCommerce's Stripe "Test connection" does.
- A restricted key (rk_) without a permission gets 403, which still proves the key is real.
- Test and live keys are two credential sets (`variants`); keys of the other mode are refused
  before any request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .base import Integration, Problem
from .fields import Field, Variant
from .rate_limits import RateLimit
from .registry import display_name
from .results import Account, CheckResult, Choice
from .status import DEFAULT_TIMEOUT, Failure, Status
from .stripe_client import Session, error_field, load_stripe
from .transport import Attempt, split_url

WHERE = "In Stripe: Developers > API keys (switch Test mode on or off to match the keys you want)."

KEY_SHAPE = re.compile(r"^(sk|rk|pk)_(test|live)_[A-Za-z0-9]{10,}$")
_PREFIX = re.compile(r"^(sk|rk|pk)_(test|live)_")

# The throw-away token that ties the publishable key to the secret key's account (see the docstring).
PAIRING_TOKEN = {"pii": {"id_number": "000000000"}}

KIND_NAMES = {"sk": "secret key", "rk": "restricted key", "pk": "publishable key"}
MODES = (Variant("test", "Test mode"), Variant("live", "Live mode", real_money=True))
_MODE_NAMES = {v.id: v.label for v in MODES}


def key_parts(key: str) -> tuple[str, str] | None:
    """("sk"|"rk"|"pk", "test"|"live") from a key's prefix, or None."""
    match = _PREFIX.match(key)
    return (match.group(1), match.group(2)) if match else None


class Stripe(Integration):
    id = "stripe"
    name = display_name(id)
    kind = "payment"
    default_base_url = "https://api.stripe.com"
    where_to_find = WHERE
    help_url = "https://docs.stripe.com/keys"
    rate_limit = RateLimit("about 100 requests a second (25 in test mode)", retry="in a few seconds")
    variants = MODES
    follows_up = True  # is the site's webhook there? (`webhook_status`)
    secret_shapes = (r"((?:sk|rk)_(?:test_|live_)?)[A-Za-z0-9]{8,}", r"(whsec_)[A-Za-z0-9]+")
    public_shapes = (r"(pk_(?:test_|live_)?)[A-Za-z0-9]{8,}",)
    fields = (
        Field("publishable_key", "Publishable key", WHERE, placeholder="pk_test_… or pk_live_…"),
        Field("secret_key", "Secret key", WHERE + " Click Reveal to copy the secret key.", secret=True,
              placeholder="sk_test_… or sk_live_…"),
    )
    guidance = ("Use the Test mode keys while you try things out and the live keys to take real payments; "
                "both keys must come from the same mode.")

    def warm_up(self) -> None:
        load_stripe()

    def variant_for(self, values: Mapping[str, str]) -> str:
        modes = {parts[1] for parts in (key_parts(values.get(n, "")) for n in ("secret_key", "publishable_key")) if parts}
        return modes.pop() if len(modes) == 1 else ""

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        pk, sk = values["publishable_key"], values["secret_key"]
        for name, value in (("secret_key", sk), ("publishable_key", pk)):
            if value.startswith("whsec_"):
                problems.append(Problem(name, "error", "This is a webhook signing secret (whsec_…), not an API key. "
                                                       "Copy the key from Developers > API keys instead."))
        sk_parts, pk_parts = key_parts(sk), key_parts(pk)
        if sk_parts and sk_parts[0] == "pk":
            problems.append(Problem("secret_key", "error",
                                    "This is a publishable key (pk_…); paste the secret key (sk_…) here."))
        elif sk_parts and sk_parts[0] == "rk":
            problems.append(Problem("secret_key", "warning",
                                    "This is a restricted key (rk_…). It can only do what its permissions allow, "
                                    "and AccessAlly creates customers, charges and subscriptions. Unless you set "
                                    "those permissions on purpose, use the standard secret key (sk_…)."))
        if pk_parts and pk_parts[0] in ("sk", "rk"):
            problems.append(Problem("publishable_key", "error",
                                    f"This is a {KIND_NAMES[pk_parts[0]]} ({pk_parts[0]}_…); paste the publishable key "
                                    "(pk_…) here. Never put a secret key in a public field: the publishable key is "
                                    "shown to every visitor of your site. If this key was pasted anywhere public, "
                                    "roll it in Stripe."))
        chosen = values.get(self.variant_key, "")
        other_mode = [(name, parts) for name, parts in (("secret_key", sk_parts), ("publishable_key", pk_parts))
                      if parts and chosen and parts[1] != chosen]
        if other_mode:
            problems.append(Problem(other_mode[0][0], "error", _other_mode_message(chosen, other_mode)))
        elif sk_parts and pk_parts and sk_parts[1] != pk_parts[1] and sk_parts[0] != "pk" and pk_parts[0] == "pk":
            problems.append(Problem("publishable_key", "error",
                                    f"The secret key is a {sk_parts[1]}-mode key but the publishable key is a "
                                    f"{pk_parts[1]}-mode key. Copy both from Developers > API keys with Test mode "
                                    f"{'on' if sk_parts[1] == 'test' else 'off'}."))
        for name, value, expected in (("secret_key", sk, "sk_live_… or sk_test_…"),
                                      ("publishable_key", pk, "pk_live_… or pk_test_…")):
            if value and not value.startswith("whsec_") and not KEY_SHAPE.match(value):
                problems.append(Problem(name, "warning", f"This does not look like a Stripe key ({expected}); "
                                                         "check that you copied all of it."))
        return problems

    # -- live test -------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        secret_key = values["secret_key"]
        kind, mode = key_parts(secret_key) or ("sk", "live" if "_live_" in secret_key else "test")
        session = Session(self.base_url(), attempt, secret_key)
        pk_session = Session(self.base_url(), attempt, values["publishable_key"])  # both calls at once

        def read_account() -> tuple[Account, list[str]]:
            try:
                return _account(session.call(session.api.accounts.retrieve_current), mode), []
            except Failure as failure:
                if kind != "rk" or failure.status is not Status.FORBIDDEN:
                    raise
                account, warning = self._restricted(session, failure, mode)
                return account, [warning]

        (account, warnings), token = attempt.together(read_account, lambda: self._token(pk_session))
        label = f"{account.name} ({account.id})" if account.name and account.id else account.name or account.id
        where = f"Stripe account {label}" if label else "your Stripe account"
        paired, warning = self._check_pair(session, token, where, restricted=kind == "rk")
        detail = [f"Account {account.id or '(not readable with this key)'}, {mode} mode, read with the {KIND_NAMES[kind]}"
                  + session.request_id(), paired]
        real = "no real payments" if mode == "test" else "real payments"
        return self.result(Status.OK, f"Connected to {where} in {mode} mode ({real}).", "; ".join(detail),
                           account=account, warnings=tuple(warnings + [warning] * bool(warning)))

    def _restricted(self, session: Session, refused: Failure, mode: str) -> tuple[Account, str]:
        """A restricted key may not read the account; the balance proves it works all the same.

        A 403 proves the key is real, but a key that may not read even the balance cannot be shown
        to work for anything, so that stays FORBIDDEN. One that reads the balance passes, with a
        warning naming the permission it lacks.
        """
        missing = session.missing_permission() or "account read"
        account_id = session.account_in_message()
        try:
            balance = session.call(session.api.balance.retrieve)
        except Failure as failure:
            if failure.status is not Status.FORBIDDEN:
                raise
            also = session.missing_permission()
            names = list(dict.fromkeys(n for n in (missing, also) if n))
            lacking = f"the permission{'s' if len(names) > 1 else ''} {' and '.join(names)}"
            raise Failure(Status.FORBIDDEN,
                          f"Stripe recognised this restricted key, but it is missing {lacking}, so "
                          "it can read neither the account nor the balance. Edit the key under Developers > API keys "
                          "or use the standard secret key (sk_…).",
                          f"{refused.detail}; {failure.detail}") from None
        if isinstance(balance.get("livemode"), bool):
            mode = "live" if balance["livemode"] else "test"
        account = Account(id=account_id, mode=mode, extra={"key_type": "restricted"})
        return account, (f"This restricted key works, but it is missing the permission {missing}, so the account "
                         "details cannot be shown. Check that it may also create customers, charges and "
                         "subscriptions, or use the standard secret key (sk_…).")

    def _token(self, session: Session) -> str:
        """Create the throw-away token with the publishable key: its id, or a Failure about that key."""
        try:
            token = session.call(session.api.tokens.create, params=PAIRING_TOKEN)
        except Failure as failure:
            if session.last is None or session.last.status != 401:
                raise
            raise Failure(Status.INVALID_CREDENTIALS,
                          "Stripe accepted the secret key but rejected the PUBLISHABLE key. Copy the publishable key (pk_…) again from "
                          "Developers > API keys, in the same mode as the secret key.", failure.detail) from None
        token_id = str(token.get("id") or "")
        if not token_id.startswith("tok_"):
            raise Failure(Status.BAD_RESPONSE, "Stripe answered the publishable-key check without a token.",
                          session.last.describe() if session.last else "")
        return token_id

    def _check_pair(self, session: Session, token_id: str, where: str, *, restricted: bool) -> tuple[str, str]:
        """Read the token back with the secret key: (detail, warning). Another account's token is
        "No such token"; a restricted key may lack the permission to read tokens (only a warning)."""
        try:
            token = session.call(session.api.tokens.retrieve, token_id)
        except Failure as failure:
            reply = session.last
            if reply is not None and reply.status == 404 and error_field(reply, "code") == "resource_missing":
                raise Failure(Status.INVALID_CREDENTIALS,
                              "These two keys belong to different Stripe accounts: the publishable key is not from "
                              f"{where}, the account of the secret key. Copy both keys from Developers > API keys "
                              "of the same account.", failure.detail) from None
            if not restricted or failure.status is not Status.FORBIDDEN:
                raise
            return ("publishable key recognised; its account not compared (the key may not read tokens)",
                    "This restricted key may not read tokens, so whether the publishable key belongs to the same "
                    "Stripe account could not be checked.")
        if token.get("id") != token_id:
            raise Failure(Status.BAD_RESPONSE, "Stripe answered the key-pair check with another token than the one "
                          "just made.", session.last.describe() if session.last else "")
        return "publishable key of the same account (a throw-away token it made was read back)" + session.request_id(), ""

    # -- webhook endpoints (dashboard) -------------------------------------------------------------

    def facts_text(self, extra: Mapping[str, str]) -> str:
        webhook = extra.get("webhook")
        if not webhook:
            return ""
        return {"enabled": "Webhook for this site: enabled",
                "disabled": "⚠ Webhook for this site is DISABLED: Stripe is not telling AccessAlly about payments",
                "missing": "⚠ No webhook for this site: Stripe is not telling AccessAlly about payments",
                }.get(webhook, f"Webhook: {webhook}")

    def follow_up(self, values: Mapping[str, str], site_url: str, *, timeout: float = DEFAULT_TIMEOUT,
                  attempt: Attempt | None = None) -> CheckResult:
        return self.webhook_status(dict(values), site_url, timeout=timeout, attempt=attempt)

    def webhook_status(self, values: dict[str, str], site_url: str, *, timeout: float = DEFAULT_TIMEOUT,
                       attempt: Attempt | None = None) -> CheckResult:
        """Does Stripe send events to this site? Read-only GET /v1/webhook_endpoints.

        `account.extra["webhook"]` is "enabled", "disabled" or "missing"; `choices` are the endpoints
        whose URL is on the site. The status is OK whenever the list could be read.
        """
        site = _normalise_url(site_url)
        parts = split_url(site)
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            return self.result(Status.INVALID_FORMAT, f"The site address {site_url!r} is not a web address (https://…).")
        return self._run(lambda a, v: self._probe_webhooks(a, v, site), values, timeout=timeout, attempt=attempt)

    def _probe_webhooks(self, attempt: Attempt, values: dict[str, str], site: str) -> CheckResult:
        session = Session(self.base_url(), attempt, values["secret_key"])
        try:
            data = session.call(session.api.webhook_endpoints.list, params={"limit": 100})
        except Failure as failure:
            if failure.status is Status.FORBIDDEN:
                missing = session.missing_permission()
                raise Failure(Status.FORBIDDEN, "This Stripe key may not read webhook endpoints"
                              + (f" (missing permission {missing})" if missing else "") + ". "
                              "Use the standard secret key, or allow Webhook Endpoints: Read.", failure.detail) from None
            raise
        endpoints = data.get("data")
        if not isinstance(endpoints, list):
            raise Failure(Status.BAD_RESPONSE, "Stripe sent the webhook endpoints in an unexpected shape.",
                          session.last.describe() if session.last else "")
        matches = [e for e in endpoints if isinstance(e, dict) and _on_site(str(e.get("url") or ""), site)]
        choices = tuple(Choice(str(e.get("id") or ""), f"{e.get('url')} ({e.get('status') or 'unknown'})")
                        for e in matches)
        enabled = [e for e in matches if e.get("status") == "enabled"]
        detail = f"{len(endpoints)} webhook endpoint(s) in the account" + (
            ", more not read" if data.get("has_more") else "") + session.request_id()
        if enabled:
            state, warnings = "enabled", ()
            message = f"Stripe sends events to {site} ({len(enabled)} enabled webhook endpoint{'s' if len(enabled) > 1 else ''})."
        elif matches:
            state = "disabled"
            message = f"Stripe has a webhook endpoint for {site}, but it is disabled."
            warnings = (("Turn the endpoint on in Stripe under Developers > Webhooks, or payments made outside "
                         "the checkout (renewals, refunds) will not reach AccessAlly."),)
        else:
            state = "missing"
            message = f"No Stripe webhook endpoint points to {site}."
            warnings = (("Add the webhook endpoint AccessAlly shows in its Stripe settings under Developers > "
                         "Webhooks in Stripe, or renewals and refunds will not reach AccessAlly."),)
        return self.result(Status.OK, message, detail, account=Account(extra={"webhook": state}),
                           choices=choices, warnings=warnings)


def _other_mode_message(chosen: str, keys: list[tuple[str, tuple[str, str]]]) -> str:
    """Keys of the other mode than the one chosen, naming both modes (no request is made with them)."""
    keys_mode = keys[0][1][1]
    what = " and the ".join(KIND_NAMES[parts[0]] for _, parts in keys)
    are = f"are {keys_mode}-mode keys" if len(keys) > 1 else f"is a {keys_mode}-mode key"
    return (f"{_MODE_NAMES[chosen]} is chosen, but the {what} {are}. Switch to {_MODE_NAMES[keys_mode]}, or copy "
            f"the {chosen}-mode keys from Developers > API keys with Test mode {'on' if chosen == 'test' else 'off'}.")


def _normalise_url(url: str) -> str:
    parts = split_url(url.strip())
    if parts is None or not parts.scheme:
        return url.strip()
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}".rstrip("/")


def _on_site(url: str, site: str) -> bool:
    parts = split_url(url)
    if parts is None:  # Stripe would not store such an endpoint; a stand-in or a proxy might send one
        return False
    url = _normalise_url(url) + ("?" + parts.query if parts.query else "")
    return url == site or url.startswith((site + "/", site + "?"))


def _account(data: dict[str, Any], mode: str) -> Account:
    account_id = str(data.get("id") or "")
    if not account_id.startswith("acct_"):
        raise Failure(Status.BAD_RESPONSE, "Stripe answered without an account id.", f"object={data.get('object')!r}")
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    dashboard = settings.get("dashboard") if isinstance(settings.get("dashboard"), dict) else {}
    profile = data.get("business_profile") if isinstance(data.get("business_profile"), dict) else {}
    name = str(dashboard.get("display_name") or profile.get("name") or "")
    extra = {k: str(data[k]) for k in ("country", "default_currency") if data.get(k)}
    if data.get("charges_enabled") is False:
        extra["charges_enabled"] = "no"
    return Account(name=name, id=account_id, mode=mode, email=str(data.get("email") or ""), extra=extra)


INTEGRATION = Stripe()
