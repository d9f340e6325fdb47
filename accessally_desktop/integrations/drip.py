"""Drip: API token as the Basic user name (empty password); one token can see several accounts.

Quirks: a user's token is not tied to one account, so `GET /v2/accounts` lists every account it can
see and the owner may have to pick one (`account_id` is optional; see `Drip.probe`). Errors come in
an `{"errors": [{"code": …}]}` envelope, except the hourly rate limit, whose 429 has a flat
`{"message": "API rate limit exceeded…"}` body and no reset header. Drip asks every caller to send
a User-Agent; the shared client always does.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Integration, Problem
from .fields import Field
from .options import Lookup, Pick, Snippet, Toggle, TrackingScript
from .rate_limits import RateLimit
from .registry import display_name
from .results import Account, CheckResult, Choice
from .status import Failure, Status
from .transport import Attempt

WHERE = "In Drip: click your name (top right) > User Settings, then copy the API Token."
WHERE_ACCOUNT = ("In Drip: Settings > General Info > Account ID. Or leave it empty: this app finds the "
                 "accounts your API token can see and lets you pick one.")

_DIGITS = re.compile(r"^\d+$")
# www.getdrip.com/1234567/…, tag.getdrip.com/1234567.js (from the tracking snippet)
_DRIP_URL_ID = re.compile(r"getdrip\.com/(\d+)(?:[/.?#]|$)", re.IGNORECASE)


class Drip(Integration):
    id = "drip"
    name = display_name(id)
    kind = "crm"
    default_base_url = "https://api.getdrip.com"
    where_to_find = WHERE
    help_url = "https://developer.drip.com/#authentication"
    rate_limit = RateLimit("3,600 requests an hour per account", retry="in an hour")
    fields = (
        Field("account_id", "Drip Account ID", WHERE_ACCOUNT, required=False, placeholder="1234567"),
        Field("api_token", "API Token", WHERE, secret=True),
    )
    options = (
        Toggle("tracking", "Add the Drip &tracking script to every page", default=True, v1_key="drip_tracking",
               # the account, not tag.getdrip.com/<id>.js: Drip's old plugin loads a fixed file name
               script=TrackingScript(r"""_dcs\.account\s*=\s*\\?["'](?P<account>\d+)\\?["']""",
                                     account_field="account_id")),
        Pick("account", "&Drip account:", field="account_id", item="account", show_ids=True,
             lookup=Lookup("accounts", "Looking up the Drip accounts this API token can see…", "&Refresh accounts",
                           "Look up the Drip accounts again", "Could not look up your Drip accounts."),
             changing_note="Changing the account changes the tracking script and where AccessAlly sends "
                           "contacts."),
        Snippet("snippet", lambda account_id: tracking_snippet(account_id), toggle="tracking", pick="account",
                placeholder="Choose a Drip account to see its tracking script.", lines=8),
    )

    def validate(self, values: dict[str, str]) -> list[Problem]:
        account_id = values["account_id"]
        if not account_id or _DIGITS.match(account_id):
            return []
        return [Problem("account_id", "error", _account_id_advice(account_id))]

    # -- live test -----------------------------------------------------------------------------

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        """Check the token, then settle which account AccessAlly should use.

        Every result that got as far as the account list carries all the accounts as `choices`, so
        the wizard can always offer a picker. The outcomes:

        - `account_id` given and visible to the token: OK, `account` is that account.
        - `account_id` given but not visible: NOT_FOUND; the message names the accounts it can see.
        - `account_id` empty, the token sees one account: OK, `account` is that one and the
          message says it was chosen.
        - `account_id` empty, the token sees several: OK (the token works), but `account` is left
          empty (`account.id == ""`) and the message asks the owner to pick one. The wizard shows
          a picker when `choices` has more than one entry and no account was chosen, then saves
          the picked id as `account_id`.
        """
        accounts = self._accounts(attempt, values)
        choices = tuple(Choice(a["id"], a["name"]) for a in accounts)
        wanted = values["account_id"]
        if wanted:
            for item in accounts:
                if item["id"] == wanted:
                    return self.result(Status.OK, f"Connected to Drip account {_label(item)}.",
                                       account=_account(item), choices=choices)
            visible = ", ".join(_label(a) for a in accounts)
            return self.result(
                Status.NOT_FOUND,
                f"This API token cannot see Drip account {wanted}. It can see: {visible}. Pick one of those, "
                f"or use the API token of a Drip user who belongs to account {wanted}.",
                f"account {wanted} not among the {len(accounts)} account(s) returned by GET /v2/accounts",
                choices=choices)
        if len(accounts) == 1:
            item = accounts[0]
            return self.result(Status.OK, f"Connected to Drip account {_label(item)}, the only account this "
                                          "API token can see, so it was chosen for you.",
                               account=_account(item), choices=choices)
        return self.result(Status.OK, f"The API token works and can see {len(accounts)} Drip accounts. "
                                      "Pick the one AccessAlly should use.", choices=choices)

    def probe_list(self, name: str, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        """The accounts list ignores `account_id`: it is what the picker offers."""
        accounts = self._accounts(attempt, values)
        choices = tuple(Choice(a["id"], a["name"]) for a in accounts)
        count = f"{len(accounts)} Drip account{'s' if len(accounts) != 1 else ''}"
        return self.result(Status.OK, f"This API token can see {count}.", choices=choices)

    def _accounts(self, attempt: Attempt, values: dict[str, str]) -> list[dict[str, str]]:
        """Every account the token can see, as {"id", "name", "url", "email"}; raises Failure otherwise."""
        reply = attempt.request(self.name, "GET", f"{self.base_url()}/v2/accounts",
                                auth=(values["api_token"], ""), headers={"Accept": "application/json"})
        reply.fail_for_status(
            invalid_credentials="Drip did not accept this API token. Copy your API token again from Drip: "
                                "User Settings > API Token.",
            forbidden="Drip recognised this API token but refused access to the accounts. Check that your Drip "
                      "user still belongs to the account, or use the token of the account owner.",
            not_found="Drip has no accounts list at this address. Check the Drip API address.")
        data = reply.json_object()
        raw = data.get("accounts")
        if not isinstance(raw, list):
            raise Failure(Status.BAD_RESPONSE, "Drip answered without a list of accounts.", reply.describe())
        accounts = [item for item in (_parse_account(a) for a in raw) if item is not None]
        if raw and not accounts:
            raise Failure(Status.BAD_RESPONSE, "Drip listed accounts this app could not read.", reply.describe())
        if not accounts:
            raise Failure(Status.FORBIDDEN, "Drip accepted this API token, but it cannot see any account. Ask the "
                                            "account owner to add your Drip user to the account, then try again.",
                          reply.describe())
        return accounts


def _parse_account(item: Any) -> dict[str, str] | None:
    if not isinstance(item, dict):
        return None
    raw_id = item.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (int, str)) or not str(raw_id).strip():
        return None
    account_id = str(item["id"])
    name = str(item.get("name") or "").strip() or f"Account {account_id}"
    return {"id": account_id, "name": name, "url": str(item.get("url") or ""),
            "email": str(item.get("primary_email") or "")}


def _label(item: dict[str, str]) -> str:
    return f"\u201c{item['name']}\u201d ({item['id']})"


def _account(item: dict[str, str]) -> Account:
    extra = {"website": item["url"]} if item["url"] else {}
    return Account(name=item["name"], id=item["id"], email=item["email"], extra=extra)


def _account_id_advice(value: str) -> str:
    """A sentence for an Account ID that is not just digits, naming the number when one is in there."""
    match = _DRIP_URL_ID.search(value)
    if match:
        number = match.group(1)
        return (f"That looks like a Drip web address. The Drip Account ID is only the number in it: "
                f"use just the number {number}.")
    runs = re.findall(r"\d{5,}", value)
    if len(runs) == 1:
        return f"The Drip Account ID is digits only: use just the number {runs[0]}."
    return ("The Drip Account ID is a number, like 1234567. Find it in Drip: Settings > General Info, "
            "or leave it empty and this app will find it from your API token.")


def tracking_snippet(account_id: str) -> str:
    """Drip's JavaScript tracking snippet for the site's pages, with the account id filled in."""
    if not _DIGITS.match(account_id or ""):
        raise ValueError("a Drip account id is digits only")
    return ("<script type=\"text/javascript\">\n"
            f"  var _dcq = _dcq || []; var _dcs = _dcs || {{}}; _dcs.account = '{account_id}';\n"
            "  (function() { var dc = document.createElement('script'); dc.type = 'text/javascript'; dc.async = true;\n"
            f"    dc.src = '//tag.getdrip.com/{account_id}.js';\n"
            "    var s = document.getElementsByTagName('script')[0]; s.parentNode.insertBefore(dc, s); })();\n"
            "</script>")


INTEGRATION = Drip()
