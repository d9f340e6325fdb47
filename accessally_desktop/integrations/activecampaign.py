"""ActiveCampaign (API v3): the account's own API URL plus an Api-Token header; users/me names the user.

Quirk: a wrong or missing API key is answered with 403, not 401, so 403 from users/me means
"check the key" here, not "no permission". Each account has its own API URL (Settings >
Developer), which the owner pastes: `https://ACCOUNT.api-us1.com` (or another region), and the app
address `https://ACCOUNT.activehosted.com` serves the same API (providers.md §5).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from .base import Integration, Problem, check_transport_url
from .fields import Field
from .options import Lookup, Pick
from .rate_limits import RateLimit
from .registry import display_name
from .results import Account, CheckResult, Choice
from .status import Failure, Status
from .transport import Attempt, Reply, is_loopback_host, split_url

WHERE = "In ActiveCampaign: Settings > Developer, under API Access."
URL_HELP = ("In ActiveCampaign: Settings > Developer, the URL under API Access "
            "(it looks like https://ACCOUNT.api-us1.com or https://ACCOUNT.activehosted.com).")

BAD_KEY = "ActiveCampaign did not accept this API key. Copy it again from Settings > Developer."

PAGE_SIZE = 100  # ActiveCampaign's largest page
MAX_PAGES = 20  # 2,000 forms is far more than any site has; stop there rather than page for minutes

# https://ACCOUNT.api-us1.com (api-eu1, …) or https://ACCOUNT.activehosted.com: both serve /api/3.
_USUAL_HOST = re.compile(r"[a-z0-9-]+\.(api-[a-z]+[0-9]*\.com|activehosted\.com)")
_KEY_SHAPE = re.compile(r"[A-Za-z0-9]+")


def normalise_account_url(url: str) -> str:
    """The API root from what the owner pasted: no trailing "/" and no "/api/3"."""
    url = url.strip().rstrip("/")
    if url.lower().endswith("/api/3"):
        url = url[: -len("/api/3")].rstrip("/")
    return url


class ActiveCampaign(Integration):
    id = "activecampaign"
    name = display_name(id)
    kind = "crm"
    default_base_url = ""  # none: every account has its own API URL, pasted into `account_url`
    secret_headers = ("Api-Token",)
    where_to_find = WHERE
    help_url = "https://developers.activecampaign.com/reference/authentication"
    rate_limit = RateLimit("5 requests a second per account, shared by all its keys", retry="in a few seconds")
    guidance = ("For purchases, AccessAlly needs its own ActiveCampaign opt-in form with double opt-in turned "
                "off, used for nothing else: AccessAlly submits it to re-activate a contact who unsubscribed "
                "and later buys. Make that form in ActiveCampaign under Website > Forms, then choose it in "
                "AccessAlly's Settings.")
    fields = (
        Field("account_url", "API URL", URL_HELP, placeholder="https://ACCOUNT.api-us1.com", address=True),
        Field("api_key", "API Key", WHERE, secret=True),
    )
    options = (
        Pick("form", "&Opt-in form for purchases:", item="form", none_label="No form chosen", v1_key="activecampaign_form",
             lookup=Lookup("forms", "Loading forms…", "&Refresh forms", "Refresh the list of ActiveCampaign forms",
                           "Could not load the forms."),
             explanation="When a contact who unsubscribed later buys, ActiveCampaign marks them <b>inactive</b>: "
                         "automations can no longer add them, so no password is generated and they get no further "
                         "emails. To re-activate such buyers, AccessAlly submits an opt-in form for them. Choose a "
                         "form <b>without double opt-in</b>, and do not use that form for any other lead generation.",
             double_opt_in_warning="%s uses double opt-in: an unsubscribed buyer would have to confirm by email "
                                   "first, so AccessAlly could not re-activate them. Choose a form without double "
                                   "opt-in, or turn double opt-in off for this form in ActiveCampaign.",
             unknown_opt_in_note="ActiveCampaign did not say whether %s uses double opt-in. Check it in "
                                 "ActiveCampaign under Website > Forms: it must not."),
    )

    # -- address ---------------------------------------------------------------------------------

    def base_url(self, values: Mapping[str, str] | None = None) -> str:
        """The `ACCESSALLY_DESKTOP_ACTIVECAMPAIGN_URL` override if set, else the owner's API URL."""
        override = normalise_account_url(os.environ.get(self.env_var(), ""))
        if override:
            check_transport_url(override, what=self.env_var())
            return override
        url = normalise_account_url(str((values or {}).get("account_url") or ""))
        if not url:
            raise ValueError("Enter the ActiveCampaign API URL. " + URL_HELP)
        check_transport_url(url, what="ActiveCampaign API URL")
        return url

    # -- format check ----------------------------------------------------------------------------

    def validate(self, values: dict[str, str]) -> list[Problem]:
        problems: list[Problem] = []
        url = values["account_url"] = normalise_account_url(values["account_url"])
        parts = split_url(url)
        if parts and parts.path.strip("/") and _USUAL_HOST.fullmatch((parts.hostname or "").lower()):
            # a pasted app page (…activehosted.com/app/contacts): the API lives at the host's root
            url = values["account_url"] = f"{parts.scheme}://{parts.netloc}"
            problems.append(Problem("account_url", "note",
                                    f"Kept only the start of the pasted address ({url}); the rest ({parts.path}) "
                                    "is a page in ActiveCampaign, not part of the API URL."))
        if url:
            problems.extend(_check_url(url))
        key = values["api_key"]
        if key:
            lowered = key.lower()
            if lowered.startswith(("http://", "https://")) or "api-us1.com" in lowered or "activehosted.com" in lowered:
                problems.append(Problem("api_key", "error",
                                        "The API Key field holds a web address. Paste the URL into the API URL "
                                        "field, and the key shown below it in Settings > Developer here."))
            elif not _KEY_SHAPE.fullmatch(key):
                problems.append(Problem("api_key", "warning",
                                        "ActiveCampaign API keys are only letters and digits. Check that you "
                                        "copied just the key from Settings > Developer."))
        return problems

    # -- live test -------------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        base = self.base_url(values)
        user = self._me(attempt, base, values)
        first = _text(user.get("firstName"))
        last = _text(user.get("lastName"))
        username = _text(user.get("username"))
        email = _text(user.get("email"))
        full_name = f"{first} {last}".strip() or username
        account = Account(name=full_name, id=_text(user.get("id")), email=email,
                          extra={k: v for k, v in (("username", username), ("api_url", base)) if v})
        who = full_name or email or "your user"
        if full_name and email:
            who = f"{full_name} ({email})"
        host = urlsplit(base).hostname or base
        return self.result(Status.OK, f"Connected to ActiveCampaign at {host} as {who}.", account=account)

    def _me(self, attempt: Attempt, base: str, values: Mapping[str, str]) -> dict:
        reply = attempt.request(self.name, "GET", f"{base}/api/3/users/me", headers=_headers(values))
        if reply.status in (401, 403):  # AC's answer to a bad or missing token is 403
            raise Failure(Status.INVALID_CREDENTIALS, BAD_KEY, reply.describe())
        reply.fail_for_status(not_found=_not_found(base))
        data = reply.json_object()
        user = data.get("user")
        if not isinstance(user, dict) or not any(_text(user.get(k)) for k in ("id", "username", "email", "firstName",
                                                                               "lastName")):
            raise Failure(Status.BAD_RESPONSE, "ActiveCampaign answered without the user behind this key.",
                          reply.describe())
        return user

    # -- lists -----------------------------------------------------------------------------------

    def probe_list(self, name: str, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        base = self.base_url(values)
        forms: dict[str, Choice] = {}
        offset = 0
        truncated = False
        for page_number in range(1, MAX_PAGES + 1):
            reply = attempt.request(self.name, "GET", f"{base}/api/3/forms", headers=_headers(values),
                                    params={"limit": PAGE_SIZE, "offset": offset})
            if reply.status in (401, 403):
                self._explain_refusal(attempt, base, values, reply)
            reply.fail_for_status(not_found=_not_found(base))
            data = reply.json_object()
            page = data.get("forms")
            if not isinstance(page, list):
                raise Failure(Status.BAD_RESPONSE, "ActiveCampaign answered without a list of forms.",
                              reply.describe())
            for form in page:
                if isinstance(form, dict) and form.get("id") not in (None, ""):
                    choice = _choice(form)
                    forms.setdefault(choice.id, choice)
            offset += len(page)
            meta = data.get("meta")
            total = _int(meta.get("total")) if isinstance(meta, dict) else None
            done = not page or (offset >= total if total is not None else len(page) < PAGE_SIZE)
            if done:
                break
            if page_number == MAX_PAGES:
                truncated = True
        choices = tuple(forms.values())
        warnings: list[str] = []
        if truncated:
            warnings.append(f"ActiveCampaign has more forms than this app lists; only the first {len(choices)} "
                            "are shown.")
        if not choices:
            return self.result(Status.OK, "ActiveCampaign has no opt-in forms yet. For purchases, make one "
                                          "without double opt-in under Website > Forms, then look again.",
                               warnings=tuple(warnings))
        if all(c.double_opt_in for c in choices):
            warnings.append("Every form sends a double opt-in email. For purchases AccessAlly needs a form "
                            "without double opt-in: make one under Website > Forms and turn its opt-in "
                            "confirmation off.")
        plural = "form" if len(choices) == 1 else "forms"
        return self.result(Status.OK, f"Found {len(choices)} opt-in {plural} in ActiveCampaign.",
                           choices=choices, warnings=tuple(warnings))

    def _explain_refusal(self, attempt: Attempt, base: str, values: Mapping[str, str], reply: Reply) -> None:
        """A 403 on forms is a bad key, or a good key whose user may not see forms: users/me tells."""
        if reply.status == 401:
            raise Failure(Status.INVALID_CREDENTIALS, BAD_KEY, reply.describe())
        self._me(attempt, base, values)  # raises INVALID_CREDENTIALS when the key itself is wrong
        raise Failure(Status.FORBIDDEN,
                      "ActiveCampaign accepted the API key, but its user may not see forms. Use the API key of "
                      "an admin user, or allow forms for the user's group under Settings > Users.",
                      reply.describe())


def _check_url(url: str) -> list[Problem]:
    parts = split_url(url)
    host = ((parts and parts.hostname) or "").lower()
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return [Problem("account_url", "error",
                        "The API URL must be a full web address starting with https://, like "
                        "https://ACCOUNT.api-us1.com. Copy it from Settings > Developer.")]
    if parts.scheme == "http" and not is_loopback_host(host):
        return [Problem("account_url", "error",
                        "The API URL starts with http://; ActiveCampaign's starts with https://. "
                        "Copy it again from Settings > Developer.")]
    if not is_loopback_host(host) and not (_USUAL_HOST.fullmatch(host) and parts.scheme == "https"):
        # AC does not promise api-us1.com for every account, so an unusual address is only a warning.
        return [Problem("account_url", "warning",
                        "ActiveCampaign API URLs usually look like https://ACCOUNT.api-us1.com or "
                        "https://ACCOUNT.activehosted.com. If this is "
                        "exactly the URL shown under Settings > Developer, keep it.")]
    return []


def _headers(values: Mapping[str, str]) -> dict[str, str]:
    return {"Api-Token": values["api_key"], "Accept": "application/json"}


def _not_found(base: str) -> str:
    return (f"ActiveCampaign has no API at {base}. Check the API URL: copy it again from Settings > Developer "
            "(it looks like https://ACCOUNT.api-us1.com).")


def _choice(form: dict) -> Choice:
    form_id = str(form["id"])
    name = _text(form.get("name")) or f"Form {form_id}"
    return Choice(form_id, name, double_opt_in=form_double_opt_in(form))


def form_double_opt_in(form: Mapping[str, object]) -> bool | None:
    """Whether a v3 form sends an opt-in confirmation email: its `options.sendoptin` flag.

    That flag is what AC's own form objects carry (`"options": {"sendoptin": true, …}` in the
    create/retrieve examples); where a form comes without it, this says "unknown" (None).
    """
    options = form.get("options")
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except (ValueError, RecursionError):
            return None
    if not isinstance(options, dict) or "sendoptin" not in options:
        return None
    return _flag(options["sendoptin"])


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
    return None


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


INTEGRATION = ActiveCampaign()
