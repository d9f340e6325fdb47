"""PayPal: the classic API Signature (NVP GetBalance) and/or a REST app (OAuth client credentials).

AccessAlly's PayPal Express uses the API Signature trio; a REST app's Client ID and Secret are
accepted too. Whichever complete set is entered is tested; with both, both are.

Quirks:
- NVP always answers HTTP 200, form-encoded; a rejection is ACK=Failure with L_ERRORCODE0=10002.
  Only its "Security header is not valid" means wrong credentials (or the other environment's);
  no permission, a locked or inactive account, or an unverified one is `forbidden`, not retried.
- Sandbox credentials sent to live (or the reverse) are rejected exactly like wrong ones. So on a
  rejection the other environment is tried once; only a clear pass there changes the outcome.
- Addresses: ACCESSALLY_DESKTOP_PAYPAL_URL replaces the chosen environment's host (one stand-in
  serves /nvp and /v1/oauth2/token); ACCESSALLY_DESKTOP_PAYPAL_SANDBOX_URL / _LIVE_URL name one
  environment's host and win over it. While only the generic override is set, the other
  environment has no address of its own and is not tried: credentials meant for a stand-in or a
  gateway are never sent to the real PayPal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .base import Integration, Problem, check_transport_url
from .fields import CredentialKind, Field, Variant
from .registry import display_name
from .results import Account, CheckResult
from .status import Failure, Status
from .transport import Attempt, Reply

WHERE_SIGNATURE = ("In PayPal (business account): Account Settings > Website payments > API access > "
                   "NVP/SOAP API integration > Manage API credentials (choose API Signature).")
WHERE_REST = ("At developer.paypal.com: Apps & Credentials, with the Sandbox/Live switch matching the environment; "
              "open your app.")

ENVIRONMENTS = ("live", "sandbox")
ENV_LABELS = {"live": "Live", "sandbox": "Sandbox"}
# Sandbox and live are two credential sets, each kept and tested on its own (`variants`).
VARIANTS = (Variant("live", "Live", real_money=True), Variant("sandbox", "Sandbox"))
OTHER = {"live": "sandbox", "sandbox": "live"}
HOSTS = {
    ("live", "nvp"): "https://api-3t.paypal.com",
    ("sandbox", "nvp"): "https://api-3t.sandbox.paypal.com",
    ("live", "rest"): "https://api-m.paypal.com",
    ("sandbox", "rest"): "https://api-m.sandbox.paypal.com",
}
NVP_VERSION = "204.0"

SETS = {
    "signature": ("api_username", "api_password", "api_signature"),
    "rest": ("client_id", "client_secret"),
}
SET_LABELS = {"signature": "API Signature credentials", "rest": "REST app Client ID and Secret"}
SHORT_LABELS = {"signature": "API Signature credentials", "rest": "REST app credentials"}
KINDS = (  # the API Signature first: it is what AccessAlly's PayPal Express uses
    CredentialKind("signature", "API Signature (username, password, signature)", SHORT_LABELS["signature"],
                   WHERE_SIGNATURE),
    CredentialKind("rest", "REST app (client ID, secret)", SHORT_LABELS["rest"], WHERE_REST),
)

_USERNAME = re.compile(r"^[^@\s]+_api\d*\.[^@\s]+$")
_LOOKS_LIKE_CLIENT_ID = re.compile(r"^A[A-Za-z0-9_-]{59,}$")


@dataclass
class _Pass:
    """What one credential set proved."""

    account: Account
    detail: str
    extra: dict[str, str] = field(default_factory=dict)


class PayPal(Integration):
    id = "paypal"
    name = display_name(id)
    kind = "payment"
    default_base_url = HOSTS[("live", "rest")]
    where_to_find = WHERE_SIGNATURE
    help_url = "https://developer.paypal.com/api/nvp-soap/apiCredentials/"
    variants = VARIANTS
    variant_key = "environment"
    default_variant = "live"
    kinds = KINDS
    fields = (
        Field("api_username", "API Username", WHERE_SIGNATURE, required=False, group="signature",
              placeholder="name_api1.example.com"),
        Field("api_password", "API Password", WHERE_SIGNATURE, secret=True, required=False, group="signature"),
        Field("api_signature", "Signature", WHERE_SIGNATURE, secret=True, required=False, group="signature"),
        Field("client_id", "Client ID", WHERE_REST, required=False, group="rest"),
        Field("client_secret", "Secret", WHERE_REST, secret=True, required=False, group="rest"),
    )
    guidance = ("AccessAlly's PayPal Express uses API Signature credentials (API Username, API Password and "
                "Signature); you can also enter a REST app's Client ID and Secret. Sandbox and Live each have "
                "their own credentials.")

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        username = values["api_username"]
        if username:
            if _LOOKS_LIKE_CLIENT_ID.match(username) and "." not in username:
                problems.append(Problem("api_username", "error", "This looks like a REST app Client ID, not an API "
                                                                 "username (name_api1.example.com). Put it in the "
                                                                 "Client ID field, or copy the API Username."))
            elif "@" in username:
                problems.append(Problem("api_username", "warning", "This looks like your PayPal login email. The API "
                                                                   "Username looks like name_api1.example.com."))
            elif not _USERNAME.match(username):
                problems.append(Problem("api_username", "warning", "PayPal API usernames look like "
                                                                   "name_api1.example.com; check you copied the API "
                                                                   "Username."))
        if values["api_password"] and values["api_password"] == values["api_signature"]:
            problems.append(Problem("api_signature", "error", "The Signature is the same as the API Password; copy "
                                                              "the Signature, the long value below it."))
        client_id, client_secret = values["client_id"], values["client_secret"]
        if client_id and _USERNAME.match(client_id):
            problems.append(Problem("client_id", "error", "This looks like an API Username (name_api1…), not a REST "
                                                          "Client ID. Put it in the API Username field."))
        if client_id and client_id == client_secret:
            problems.append(Problem("client_secret", "error", "The Secret is the same as the Client ID; click Show "
                                                              "under Secret in the app and copy that."))
        for name in SETS["rest"]:
            value = values[name]
            if value and not 20 <= len(value) <= 128:
                problems.append(Problem(name, "warning", f"A PayPal {self.field(name).label} is usually about 80 "
                                                         f"characters; this one has {len(value)}. Check you copied "
                                                         "all of it."))
        filled = {name: [f for f in fields if values[f]] for name, fields in SETS.items()}
        if not any(filled.values()):
            problems.append(Problem(None, "error", "Enter your PayPal API Signature credentials (API Username, API "
                                                   "Password and Signature), or a REST app's Client ID and Secret."))
        for name, fields in SETS.items():
            if filled[name]:
                for missing in (f for f in fields if not values[f]):
                    together = ", ".join(self.field(f).label for f in fields)
                    problems.append(Problem(missing, "error", f"Enter the {self.field(missing).label} too: the "
                                                              f"{SET_LABELS[name]} only work together ({together}). "
                                                              f"{self.field(missing).help}"))
        return problems

    # -- addresses -------------------------------------------------------------------------------

    @staticmethod
    def environment_env_var(environment: str) -> str:
        return f"ACCESSALLY_DESKTOP_PAYPAL_{environment.upper()}_URL"

    def host(self, environment: str, api: str, *, chosen: bool = True) -> str | None:
        """The API root for one environment and API ("nvp"/"rest").

        The environment's own override wins; the generic override stands for the chosen
        environment only. None: the other environment has no address while the generic override
        is set, so it is not tried.
        """
        for var in (self.environment_env_var(environment), self.env_var()):
            value = os.environ.get(var, "").strip()
            if not value:
                continue
            if var == self.env_var() and not chosen:
                return None
            url = value.rstrip("/")
            try:
                check_transport_url(url, what=var)
            except ValueError as exc:
                raise Failure(Status.NETWORK_ERROR, str(exc)) from None
            return url
        return HOSTS[(environment, api)]

    def check_base_url(self, values: Mapping[str, str]) -> None:
        super().check_base_url(values)
        for environment in ENVIRONMENTS:
            self.host(environment, "rest")

    # -- live test -------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        environment = values["environment"]
        kinds = [kind for kind, fields in SETS.items() if all(values[f] for f in fields)]
        passes: dict[str, _Pass] = {}
        failures: dict[str, Failure] = {}
        for kind in kinds:
            try:
                passes[kind] = self._check_set(attempt, kind, values, environment)
            except Failure as failure:
                if failure.status in (Status.CANCELLED, Status.TIMEOUT) or attempt.stopped:
                    raise
                failures[kind] = failure
        if failures:
            kind, failure = next(iter(failures.items()))
            message, detail = failure.message, failure.detail
            for other, found in passes.items():
                message += f" (The {SET_LABELS[other]} work.)"
                detail += f"; {SET_LABELS[other]}: {found.detail}"
            for other, more in list(failures.items())[1:]:
                detail += f"; {SET_LABELS[other]}: {more.message} {more.detail}"
            raise Failure(failure.status, message, detail)
        return self._combined(environment, passes)

    def _combined(self, environment: str, passes: dict[str, _Pass]) -> CheckResult:
        label = ENV_LABELS[environment]
        extra: dict[str, str] = {}
        for found in passes.values():
            extra.update(found.extra)
        first = next(iter(passes.values())).account
        account = Account(name=first.name, id=first.id, mode=environment, extra=extra)
        what = " and the ".join(SET_LABELS[kind] for kind in passes)
        real = "real payments" if environment == "live" else "test payments only"
        message = f"PayPal {label} accepted the {what} ({real})."
        if "currencies" in extra:
            message += f" Balance currencies: {extra['currencies']}."
        detail = "; ".join(f"{SET_LABELS[kind]}: {found.detail}" for kind, found in passes.items())
        return self.result(Status.OK, message, detail, account=account)

    def _check_set(self, attempt: Attempt, kind: str, values: dict[str, str], environment: str) -> _Pass:
        """Test one set; on a rejection, try the other environment once."""
        call: Callable[[Attempt, dict[str, str], str, str], _Pass] = self._nvp if kind == "signature" else self._rest
        api = "nvp" if kind == "signature" else "rest"
        host = self.host(environment, api)
        assert host is not None  # the chosen environment always has an address
        try:
            return call(attempt, values, environment, host)
        except Failure as rejected:
            if rejected.status is not Status.INVALID_CREDENTIALS:
                raise
            other = OTHER[environment]
            other_host = self.host(other, api, chosen=False)
            if other_host is None:
                raise
            try:
                found = call(attempt, values, other, other_host)
            except Failure as failure:
                if failure.status is Status.CANCELLED:
                    raise
                raise rejected from None  # only a clear pass elsewhere changes the outcome
            except Exception:  # noqa: BLE001 - same rule for a surprise: the first answer stands
                raise rejected from None
            raise Failure(Status.WRONG_ENVIRONMENT,
                          f"These look like {other.upper()} credentials, but {ENV_LABELS[environment]} is "
                          f"selected. Switch the environment to {ENV_LABELS[other]}, or paste your {environment} "
                          f"{SHORT_LABELS[kind]}.",
                          f"{ENV_LABELS[environment]}: {rejected.detail}; {ENV_LABELS[other]}: {found.detail}") from None

    def _nvp(self, attempt: Attempt, values: dict[str, str], environment: str, host: str) -> _Pass:
        reply = attempt.request(self.name, "POST", f"{host}/nvp", data={
            "USER": values["api_username"], "PWD": values["api_password"], "SIGNATURE": values["api_signature"],
            "VERSION": NVP_VERSION, "METHOD": "GetBalance", "RETURNALLCURRENCIES": "1",
        })
        rejected = ("PayPal did not accept this API Username, API Password and Signature. Copy all three again: "
                    + WHERE_SIGNATURE)
        reply.fail_for_status(invalid_credentials=rejected)
        if reply.looks_like_html():
            reply.json()  # raises the "web page instead of data" failure
        answer = dict(parse_qsl(reply.text, keep_blank_values=True))
        ack = answer.get("ACK", "")
        ids = _ids(reply, answer.get("CORRELATIONID", ""))
        if ack in ("Success", "SuccessWithWarning"):
            currencies = [answer[k] for k in sorted(answer, key=_index) if re.fullmatch(r"L_CURRENCYCODE\d+", k)]
            extra = {"api_username": values["api_username"]}
            if currencies:
                extra["currencies"] = ", ".join(currencies)
            detail = f"NVP GetBalance ACK={ack}{ids}"
            if ack == "SuccessWithWarning":
                detail += f"; warning {answer.get('L_ERRORCODE0', '?')}: {answer.get('L_LONGMESSAGE0', '')}"
            return _Pass(Account(id=values["api_username"], mode=environment), detail, extra)
        if ack not in ("Failure", "FailureWithWarning"):
            raise Failure(Status.BAD_RESPONSE, "PayPal sent an answer this app could not read.", reply.describe())
        code, text = answer.get("L_ERRORCODE0", ""), answer.get("L_LONGMESSAGE0") or answer.get("L_SHORTMESSAGE0", "")
        detail = f"NVP ACK={ack} L_ERRORCODE0={code}: {text}{ids}"
        if code == "10008" or (code == "10002" and "security header" in text.lower()):
            raise Failure(Status.INVALID_CREDENTIALS, rejected, detail)  # wrong, or the other environment's
        if code == "10002":  # no permission, account locked or inactive, account not verified
            raise Failure(Status.FORBIDDEN, f"PayPal recognised the API credentials but refused access: "
                                            f"{text or 'no reason given'} (error 10002).", detail)
        if code == "10007":
            raise Failure(Status.FORBIDDEN, "PayPal recognised the API credentials but does not allow them to read "
                                            "the balance. Check the account's API permissions.", detail)
        if code == "10001":
            raise Failure(Status.SERVER_ERROR, "PayPal has a problem on its side (internal error 10001). Try again "
                                               "in a few minutes.", detail)
        raise Failure(Status.BAD_RESPONSE, f"PayPal refused the balance check: {text or 'no reason given'} "
                                           f"(error {code or '?'}).", detail)

    def _rest(self, attempt: Attempt, values: dict[str, str], environment: str, host: str) -> _Pass:
        reply = attempt.request(self.name, "POST", f"{host}/v1/oauth2/token",
                                auth=(values["client_id"], values["client_secret"]),
                                data={"grant_type": "client_credentials"},
                                headers={"Accept": "application/json", "Accept-Language": "en_US"})
        ids = _ids(reply)
        if reply.status == 401:  # {"error": "invalid_client", ...}: wrong, or the other environment's
            raise Failure(Status.INVALID_CREDENTIALS,
                          "PayPal did not accept this Client ID and Secret. Copy both again: " + WHERE_REST,
                          reply.describe() + ids)
        try:
            reply.fail_for_status()
            data = reply.json_object()
        except Failure as failure:
            raise Failure(failure.status, failure.message, failure.detail + ids) from None
        token = data.get("access_token")
        if not isinstance(token, str) or not token.strip():
            # the body of a 2xx may hold a token: never quote it
            raise Failure(Status.BAD_RESPONSE, "PayPal answered without an access token.",
                          f"HTTP {reply.status}, fields: {', '.join(sorted(map(str, data))) or 'none'}{ids}")
        app_id = str(data.get("app_id") or "")
        extra = {"app_id": app_id} if app_id else {}
        return _Pass(Account(id=app_id, mode=environment), f"OAuth token issued to {app_id or 'the app'}{ids}", extra)


def _ids(reply: Reply, correlation_id: str = "") -> str:
    """The ids PayPal support asks for."""
    out = ""
    if correlation_id:
        out += f" (CORRELATIONID {correlation_id})"
    debug_id = reply.headers.get("paypal-debug-id", "")
    if debug_id:
        out += f" (paypal-debug-id {debug_id})"
    return out


def _index(key: str) -> int:
    digits = re.sub(r"\D", "", key)
    return int(digits) if digits else 0


INTEGRATION = PayPal()
