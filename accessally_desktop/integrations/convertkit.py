"""ConvertKit / Kit: the v3 API Key and API Secret (query parameters), or one v4 `kit_` key on its own.

Quirks: v3 has two credentials that unlock different calls — the Secret reads the account, the
Key lists forms — and a 401 says only "Authorization Failed", so each is tried with its own call
to say which one is wrong. A v4 key (`kit_…`, header X-Kit-Api-Key, api.kit.com) needs no secret;
v4 errors are `{"errors": [...]}` and a v3 key is refused there, so a lone v3 key is stopped at the
format check. Kit's form lists say nothing about double opt-in.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from .base import Integration, Problem, check_transport_url
from .fields import Field
from .options import Lookup, Pick
from .rate_limits import RateLimit
from .registry import display_name
from .results import Account, CheckResult, Choice
from .status import Failure, Status
from .transport import Attempt, Reply

WHERE = "In Kit (ConvertKit): Settings > Developer (Settings > Advanced in older ConvertKit accounts)."
KIT_WHERE = "Kit: Settings > Developer"
V4_WHERE = "Settings > Developer > V4 Keys"
V4_PREFIX = "kit_"
V4_BASE = "https://api.kit.com"

V4_PAGE_SIZE = 500  # Kit's default; its largest is 1000
MAX_PAGES = 10

_V4_SHAPE = re.compile(r"kit_[A-Za-z0-9]{16,}")


def is_v4_key(key: str) -> bool:
    return key.startswith(V4_PREFIX)


class ConvertKit(Integration):
    id = "convertkit"
    name = display_name(id)
    kind = "crm"
    default_base_url = "https://api.convertkit.com"  # v3; v4 lives on V4_BASE (one override serves both)
    secret_headers = ("X-Kit-Api-Key",)
    where_to_find = WHERE
    help_url = "https://help.kit.com/en/articles/2502641-accessally"
    rate_limit = RateLimit("120 requests a minute per key")
    secret_shapes = (r"(kit_)[A-Za-z0-9]{8,}",)
    guidance = ("AccessAlly uses the v3 API Key together with the API Secret, both under Settings > Developer "
                f"in Kit. A v4 key (it starts with kit_, from {V4_WHERE}) also works on its own.")
    fields = (
        Field("api_key", "API Key",
              f"{WHERE} The v3 API Key, or a v4 key (starts with kit_) from {V4_WHERE}.", secret=True),
        # Required for a v3 key only; validate() enforces that.
        Field("api_secret", "API Secret",
              f"{WHERE} The API Secret beside the v3 API Key; not needed with a v4 kit_ key.",
              secret=True, required=False),
    )
    options = (
        Pick("form", "&Opt-in form for purchases:", item="form", none_label="No form chosen", v1_key="convertkit_form",
             lookup=Lookup("forms", "Loading forms…", "&Refresh forms", "Refresh the list of Kit forms",
                           "Could not load the forms."),
             explanation="When a subscriber who unsubscribed later buys, Kit keeps them unsubscribed, so tags and "
                         "automations no longer reach them. AccessAlly adds buyers to the form you choose here so "
                         "they are subscribed again. Use a form that is meant for purchases, and do not use it for "
                         "any other lead generation.",
             double_opt_in_warning="%s sends a confirmation email first, so an unsubscribed buyer stays "
                                   "unsubscribed until they confirm. Choose a form without one.",
             unknown_opt_in_note="Kit does not say whether %s sends a confirmation (incentive) email. Check the "
                                 "form's settings in Kit: for purchases it should not."),
    )

    def v4_base_url(self) -> str:
        """Kit's v4 API root, or the same override that moves v3 (one stand-in serves both)."""
        override = os.environ.get(self.env_var(), "").strip()
        url = (override or V4_BASE).rstrip("/")
        check_transport_url(url, what=self.env_var() if override else f"{self.name} API address")
        return url

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        key, secret = values["api_key"], values["api_secret"]
        if is_v4_key(secret):
            return [Problem("api_secret", "error",
                            "The API Secret field holds a v4 key (it starts with kit_). Put it in the API Key "
                            "field and leave the API Secret empty.")]
        if key and secret and key == secret:
            return [Problem("api_secret", "error",
                            "The API Secret is the same as the API Key. Copy the API Secret, the other value "
                            "under Settings > Developer in Kit.")]
        if not key:
            return []
        if is_v4_key(key):
            problems = []
            if not _V4_SHAPE.fullmatch(key):
                problems.append(Problem("api_key", "warning",
                                        "Kit v4 keys are kit_ followed by letters and digits. Check that you "
                                        "copied the whole key."))
            if secret:
                problems.append(Problem("api_secret", "note",
                                        "A v4 key (kit_…) works on its own: the API Secret is not needed "
                                        "and will not be sent."))
            return problems
        if not secret:
            return [Problem("api_secret", "error",
                            "Enter the API Secret too. This looks like a v3 API Key, which only works with its "
                            f"API Secret ({WHERE}). Or use a v4 key instead: v4 needs a kit_ key from {V4_WHERE}, "
                            "which works on its own.")]
        return []

    # -- live test -------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        if is_v4_key(values["api_key"]):
            return self._probe_v4(attempt, values)
        base = self.base_url()
        account_reply, forms_reply = attempt.together(  # two independent reads: one wait, not two
            lambda: attempt.request(self.name, "GET", f"{base}/v3/account",
                                    params={"api_secret": values["api_secret"]}, headers=_ACCEPT),
            lambda: self._v3_forms_request(attempt, values))
        if account_reply.status != 401:
            account_reply.fail_for_status()  # a server problem is reported before the key's answer
        self._fail_v3(account_reply, forms_reply)
        data = account_reply.json_object()
        _v3_forms(forms_reply)  # the key's answer must be a form list too
        name = _text(data.get("name"))
        email = _text(data.get("primary_email_address"))
        if not (name or email):
            raise Failure(Status.BAD_RESPONSE, "Kit answered without the account's name or email.",
                          account_reply.describe())
        account = Account(name=name, email=email, extra=_extra(plan=_text(data.get("plan_type")), api_version="v3"))
        return self.result(Status.OK, f"Connected to Kit account {_who(name, email)}.", account=account)

    def _v3_forms_request(self, attempt: Attempt, values: Mapping[str, str]) -> Reply:
        return attempt.request(self.name, "GET", f"{self.base_url()}/v3/forms",
                               params={"api_key": values["api_key"]}, headers=_ACCEPT)

    def _fail_v3(self, account_reply: Reply, forms_reply: Reply) -> None:
        """Name the credential Kit refused; then the shared mapping for anything else."""
        secret_bad, key_bad = account_reply.status == 401, forms_reply.status == 401
        if secret_bad or key_bad:
            detail = " | ".join(r.describe() for r in (account_reply, forms_reply) if r.status == 401)
            if secret_bad and key_bad:
                message = ("Kit accepted neither the API Key nor the API Secret. Copy both again from "
                           f"{KIT_WHERE}, and check that they are not swapped.")
            elif secret_bad:
                fine = " (the API Key is fine)" if _ok(forms_reply) else ""
                message = f"Kit did not accept the API Secret{fine}. Copy the API Secret again from {KIT_WHERE}."
            else:
                fine = " (the API Secret is fine)" if _ok(account_reply) else ""
                message = f"Kit did not accept the API Key{fine}. Copy the API Key again from {KIT_WHERE}."
            raise Failure(Status.INVALID_CREDENTIALS, message, detail)
        account_reply.fail_for_status()
        forms_reply.fail_for_status()

    def _probe_v4(self, attempt: Attempt, values: Mapping[str, str]) -> CheckResult:
        reply = attempt.request(self.name, "GET", f"{self.v4_base_url()}/v4/account", headers=_v4_headers(values))
        _fail_v4(reply)
        data = reply.json_object()
        account = data.get("account")
        user = data.get("user")
        if not isinstance(account, dict):
            raise Failure(Status.BAD_RESPONSE, "Kit answered without the account behind this key.",
                          reply.describe())
        name = _text(account.get("name"))
        email = _text(account.get("primary_email_address"))
        if not email and isinstance(user, dict):
            email = _text(user.get("email"))
        if not (name or email):
            raise Failure(Status.BAD_RESPONSE, "Kit answered without the account's name or email.", reply.describe())
        result = Account(name=name, id=_text(account.get("id")), email=email,
                         extra=_extra(plan=_text(account.get("plan_type")), api_version="v4"))
        message = f"Connected to Kit account {_who(name, email)} with a v4 key."
        if values.get("api_secret"):
            message += " The API Secret is not needed with a v4 key and was not used."
        return self.result(Status.OK, message, account=result)

    # -- lists -----------------------------------------------------------------------------------

    def probe_list(self, name: str, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        warnings: list[str] = []
        if is_v4_key(values["api_key"]):
            forms, truncated = self._v4_forms(attempt, values)
            if truncated:
                warnings.append("Kit has more forms than this app lists; only the first "
                                f"{len(forms)} are shown.")
        else:
            reply = self._v3_forms_request(attempt, values)
            if reply.status == 401:
                raise Failure(Status.INVALID_CREDENTIALS,
                              f"Kit did not accept the API Key. Copy it again from {KIT_WHERE}.", reply.describe())
            reply.fail_for_status()
            forms = _v3_forms(reply)
        choices: dict[str, Choice] = {}
        for form in forms:
            if form.get("archived") is True or form.get("id") in (None, ""):
                continue
            form_id = str(form["id"])
            # Kit lists say nothing about a form's double opt-in ("incentive email") setting.
            choices.setdefault(form_id, Choice(form_id, _text(form.get("name")) or f"Form {form_id}", None))
        if not choices:
            return self.result(Status.OK, "Kit has no forms yet. Make one under Grow > Landing Pages & Forms, "
                                          "then look again.", warnings=tuple(warnings))
        plural = "form" if len(choices) == 1 else "forms"
        return self.result(Status.OK, f"Found {len(choices)} {plural} in Kit.", choices=tuple(choices.values()),
                           warnings=tuple(warnings))

    def _v4_forms(self, attempt: Attempt, values: Mapping[str, str]) -> tuple[list[dict[str, Any]], bool]:
        forms: list[dict[str, Any]] = []
        params: dict[str, Any] = {"per_page": V4_PAGE_SIZE}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            reply = attempt.request(self.name, "GET", f"{self.v4_base_url()}/v4/forms",
                                    headers=_v4_headers(values), params=params)
            _fail_v4(reply)
            data = reply.json_object()
            page = data.get("forms")
            if not isinstance(page, list):
                raise Failure(Status.BAD_RESPONSE, "Kit answered without a list of forms.", reply.describe())
            forms.extend(f for f in page if isinstance(f, dict))
            pagination = data.get("pagination")
            pagination = pagination if isinstance(pagination, dict) else {}
            cursor = _text(pagination.get("end_cursor"))
            if pagination.get("has_next_page") is not True or not cursor or cursor in seen or not page:
                return forms, False
            seen.add(cursor)
            params = {"per_page": V4_PAGE_SIZE, "after": cursor}
        return forms, True


_ACCEPT = {"Accept": "application/json"}


def _v4_headers(values: Mapping[str, str]) -> dict[str, str]:
    return {"X-Kit-Api-Key": values["api_key"], **_ACCEPT}


def _fail_v4(reply: Reply) -> None:
    if reply.status == 401:
        said = " ".join(_v4_errors(reply)).lower()
        if "revoked" in said:
            message = f"This v4 key was revoked in Kit. Make a new one under {V4_WHERE} and paste it here."
        else:
            message = (f"Kit did not accept this v4 key. Copy it again, or make a new one under {V4_WHERE}. "
                       "Kit also refuses the keys of an account whose trial or payment has lapsed.")
        raise Failure(Status.INVALID_CREDENTIALS, message, reply.describe())
    reply.fail_for_status()


def _v4_errors(reply: Reply) -> list[str]:
    try:
        data = json.loads(reply.body)
    except (ValueError, RecursionError):
        return []
    errors = data.get("errors") if isinstance(data, dict) else None
    return [e for e in errors if isinstance(e, str)] if isinstance(errors, list) else []


def _v3_forms(reply: Reply) -> list[dict[str, Any]]:
    data = reply.json_object()
    forms = data.get("forms")
    if not isinstance(forms, list):
        raise Failure(Status.BAD_RESPONSE, "Kit answered without a list of forms.", reply.describe())
    return [f for f in forms if isinstance(f, dict)]


def _ok(reply: Reply) -> bool:
    return 200 <= reply.status < 300


def _who(name: str, email: str) -> str:
    if name and email:
        return f"{name} ({email})"
    return name or email


def _extra(**items: str) -> dict[str, str]:
    return {k: v for k, v in items.items() if v}


def _text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


INTEGRATION = ConvertKit()
