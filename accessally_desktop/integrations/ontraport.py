"""Ontraport: App ID + API Key headers; the objects/meta call returns the account id.

Quirk: a bad key pair is a 401 with a plain-text body, so the status is checked before parsing.
"""

from __future__ import annotations

from .base import Integration, Problem
from .fields import Field
from .options import Lookup, Snippet, Toggle, TrackingScript
from .rate_limits import RateLimit
from .registry import display_name
from .results import Account, CheckResult
from .status import Failure, Status
from .transport import Attempt

WHERE = "In Ontraport: Administration > Integrations > Ontraport API Instructions and Key Manager."


class Ontraport(Integration):
    id = "ontraport"
    name = display_name(id)
    kind = "crm"
    default_base_url = "https://api.ontraport.com"
    secret_headers = ("Api-Key",)
    where_to_find = WHERE
    help_url = "https://support.ontraport.com/hc/en-us/articles/217882098-Integrating-with-AccessAlly"
    rate_limit = RateLimit("180 requests a minute per account", wait_header="x-rate-limit-reset")
    fields = (
        Field("app_id", "App ID", WHERE),
        Field("api_key", "API Key", WHERE, secret=True),
    )
    options = (
        Toggle("tracking", "Add the Ontraport &tracking script to every page", default=True,
               v1_key="ontraport_tracking",
               # _mri="27875" or "27875_3_2" (suffixes after the account id); the loader may be another tag
               script=TrackingScript(r"""_mri\s*=\s*\\?["'](?P<account>\d+)(?:_\w*)?\\?["']""")),
        Toggle("sync", "&Sync AccessAlly's commerce system with Ontraport's", default=False, v1_key="ontraport_sync",
               explanation="Optional: AccessAlly works without it. Turned on, the purchases made through AccessAlly "
                           "are also recorded in Ontraport's own commerce system (its transactions), so Ontraport's "
                           "sales reports and purchase-based automations include them."),
        Snippet("snippet", lambda account_id: tracking_snippet(account_id), toggle="tracking",
                placeholder="The script appears here once your Ontraport account id is known.",
                lookup=Lookup("account", "Fetching your Ontraport account id…", "Re&fresh account id",
                              "Fetch the Ontraport account id again", "Could not fetch your Ontraport account id.",
                              fetched="Account id %s, fetched live from Ontraport.")),
    )

    def validate(self, values: dict[str, str]) -> list[Problem]:
        if values["app_id"] and values["app_id"] == values["api_key"]:
            return [Problem("api_key", "error", "The API Key is the same as the App ID; paste the API Key, "
                                                "the longer value beside it in the Key Manager.")]
        return []

    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        reply = attempt.request(self.name, "GET", f"{self.base_url()}/1/objects/meta",
                                params={"format": "byId", "objectID": "0"},
                                headers={"Api-Appid": values["app_id"], "Api-Key": values["api_key"],
                                         "Accept": "application/json"})
        reply.fail_for_status(
            invalid_credentials="Ontraport did not accept this App ID and API Key. Copy both again from the Key Manager "
                                "(Administration > Integrations).",
            forbidden="Ontraport recognised the key but its user may not read contacts. Give the key's user "
                      "permission to contacts, or make a key as an admin.")
        data = reply.json_object()
        if data.get("code") not in (0, "0", None):
            raise Failure(Status.BAD_RESPONSE, "Ontraport answered, but reported an error.", reply.describe())
        account_id = data.get("account_id")
        if isinstance(account_id, bool) or not isinstance(account_id, (int, str)) or not str(account_id).strip():
            raise Failure(Status.BAD_RESPONSE, "Ontraport answered without an account id.", reply.describe())
        account = Account(id=str(account_id), name=f"Ontraport account {account_id}")
        return self.result(Status.OK, f"Connected to Ontraport account {account_id}.", account=account)

    def probe_list(self, name: str, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        return self.probe(attempt, values)


def tracking_snippet(account_id: str) -> str:
    """The tracking script AccessAlly adds to every page, with the account id from the API."""
    return ("<script src='https://optassets.ontraport.com/tracking.js' type='text/javascript' async='true' "
            f"onload='_mri=\"{account_id}\",_mr_domain=\"tracking.ontraport.com\",mrtracking();'></script>")


INTEGRATION = Ontraport()
