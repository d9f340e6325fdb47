"""The contract every service implements: fields, format check, live test, one result type.

Nothing here imports Qt: the wizard, the dashboard and the `check` command all read the same
`Integration` objects from the registry and never special-case a service.
"""

from __future__ import annotations

import logging
import os
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from . import characters
from .fields import CredentialKind, Field, Variant
from .options import Lookup, Option, Pick, Snippet
from .rate_limits import RateLimit
from .results import CheckResult, cleaned
from .status import DEFAULT_TIMEOUT, Failure, Status
from .transport import Attempt, is_loopback_host, split_url

log = logging.getLogger(__name__)


Kind = Literal["license", "crm", "payment", "site"]
Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Problem:
    """One finding of the format check, tied to a field where it can be."""

    field: str | None
    severity: Severity
    message: str


@dataclass(frozen=True)
class FormatReport:
    """The cleaned values plus what the format check found; `ok` means a live test may run."""

    values: dict[str, str]
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def for_field(self, name: str) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.field == name)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


class Integration(ABC):
    """One service. Subclasses declare fields and implement `validate` and `probe`."""

    id: ClassVar[str]
    name: ClassVar[str]
    kind: ClassVar[Kind]
    fields: ClassVar[tuple[Field, ...]]
    default_base_url: ClassVar[str]
    where_to_find: ClassVar[str]  # one sentence: the menu path in the service
    guidance: ClassVar[str] = ""  # extra advice for the credentials page
    help_url: ClassVar[str] = ""  # the service's own page that shows where these values are (Help menu, wizard)
    test_button: ClassVar[str] = "&Test connection"  # the wizard's button that runs `test`
    follows_up: ClassVar[bool] = False  # a pass is followed by `follow_up` (the dashboard runs it)
    # A button that gets the credentials by the owner's approval in their browser instead of copy and paste
    # ("Connect my site"): see `approval_page`, `approved_values` and `test_approved`.
    connect_button: ClassVar[str] = ""
    rate_limit: ClassVar[RateLimit] = RateLimit()  # what the service's 429 without Retry-After means
    variants: ClassVar[tuple[Variant, ...]] = ()  # side-by-side credential sets, e.g. test and live; the first is a new site's
    variant_key: ClassVar[str] = "mode"  # where the values name the active variant (`check`'s key too)
    default_variant: ClassVar[str] = ""  # the variant of values that name none ("": the credentials' shape tells)
    kinds: ClassVar[tuple[CredentialKind, ...]] = ()  # alternative field sets (see `CredentialKind`); the first is a new site's
    options: ClassVar[tuple[Option, ...]] = ()  # what "Payment › CRM Integration" offers for it
    options_note: ClassVar[str] = ""  # what that panel says when the service has no options
    # Regexes for the shape of this service's secrets, group 1 the prefix a mask keeps ("sk_live_"): the
    # log masks them, and no non-secret field may hold one (`redaction.secret_shape_in`); `public_shapes`
    # are keys that are no secret (Stripe's publishable key) but are masked in the log all the same.
    secret_shapes: ClassVar[tuple[str, ...]] = ()
    secret_headers: ClassVar[tuple[str, ...]] = ()  # request headers that carry its credentials: masked in the log
    public_shapes: ClassVar[tuple[str, ...]] = ()

    # -- configuration -------------------------------------------------------------------------

    @classmethod
    def env_var(cls) -> str:
        return override_env_var(cls.id)

    def base_url(self, values: Mapping[str, str] | None = None) -> str:
        """The service's API root, or the `ACCESSALLY_DESKTOP_<ID>_URL` override.

        Raises ValueError with a message for the owner when the address is not allowed. `values`
        matter only to services whose address is per account (ActiveCampaign).
        """
        override = os.environ.get(self.env_var(), "").strip()
        url = (override or self.default_base_url).rstrip("/")
        check_transport_url(url, what=self.env_var() if override else f"{self.name} API address")
        return url

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def secret_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.secret)

    # -- format check ----------------------------------------------------------------------------

    def check_format(self, values: Mapping[str, object]) -> FormatReport:
        """Clean, check required fields and characters, then the service's own shape checks. Instant, no I/O.

        Every value the app tests or saves passes through here: see `characters` for what is removed
        (with a note) and what cannot be sent (an error, so no request is ever made with it)."""
        cleaned: dict[str, str] = {}
        problems: list[Problem] = []
        for f in self.fields:
            raw = values.get(f.name)
            text = "" if raw is None else str(raw)
            value, removed, trimmed = characters.clean(text)
            if removed:
                problems.append(Problem(f.name, "note", characters.removed_note(removed, f.label)))
            if trimmed:
                problems.append(Problem(f.name, "note", f"Removed spaces or line breaks around the {f.label}."))
            cleaned[f.name] = value or (f.default if not text else "")
        problems += self._check_variant(values, cleaned)
        for f in self.fields:
            value = cleaned[f.name]
            if f.required and not value:
                problems.append(Problem(f.name, "error", f"Enter the {f.label}. {f.help}"))
            elif f.choices and value and value not in {v for v, _ in f.choices}:
                allowed = ", ".join(v for v, _ in f.choices)
                problems.append(Problem(f.name, "error", f"The {f.label} must be one of: {allowed}."))
            elif value and not f.choices:
                problem = self._character_problem(f, value)
                if problem:
                    problems.append(Problem(f.name, "error", problem))
        try:
            problems.extend(self.validate(cleaned))
        except Exception:  # a shape check must never take the page down
            log.exception("format check of %s failed", self.id)
        return FormatReport(cleaned, tuple(problems))

    def _check_variant(self, values: Mapping[str, object], cleaned: dict[str, str]) -> list[Problem]:
        """Keep the variant the values are for (optional: without it the keys' own shape decides)."""
        raw = values.get(self.variant_key) if self.variants else None
        if raw is None or raw == "":
            if self.default_variant:
                cleaned[self.variant_key] = self.default_variant
            return []
        chosen = characters.clean(str(raw))[0].lower()
        if chosen in {v.id for v in self.variants}:
            cleaned[self.variant_key] = chosen
            return []
        allowed = " or ".join(repr(v.id) for v in self.variants)
        cleaned[self.variant_key] = chosen  # the problem names a value the report holds
        return [Problem(self.variant_key, "error", f"The {self.name} {self.variant_key} must be {allowed}.")]

    def variant_for(self, values: Mapping[str, str]) -> str:
        """The variant these credentials belong to, when their shape tells (Stripe's sk_live_), else ""."""
        return ""

    def _character_problem(self, f: Field, value: str) -> str | None:
        """A character no request may carry: a control character, a space inside (two values pasted
        together?), or anything but printable ASCII outside a web address (keys and ids travel in
        HTTP headers, which cannot hold it)."""
        why = characters.unsendable(value, ascii_only=not f.address)
        if why:
            return f"The {f.label} {why}. Copy or type it again."
        if "\t" in value or (" " in value and not f.spaces):
            gap = "tab" if "\t" in value else "space"
            return (f"The {f.label} has a {gap} inside it; copy it again in one piece (it may be two values "
                    "pasted together).")
        return None

    def validate(self, values: dict[str, str]) -> list[Problem]:
        """Service-specific shape checks on trimmed values. May fill derived values in place."""
        return []

    # -- live test -----------------------------------------------------------------------------

    def test(self, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
             attempt: Attempt | None = None) -> CheckResult:
        """Format-check, then ask the service. Never raises; never outlives the timeout."""
        return self._run(self.probe, values, timeout=timeout, attempt=attempt)

    def warm_up(self) -> None:
        """Load ahead of time what the first test would load (a slow library), so that the first test
        does not import it on a worker thread. The app calls it on the GUI thread when idle: a big
        import on a worker while Qt paints crashed PySide6 6.11 (shiboken's import hook) about one
        run in three. Nothing by default."""

    @abstractmethod
    def probe(self, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        """The live call(s). Raise `Failure` for anything that is not a pass."""

    def _run(self, call, values, *, timeout, attempt) -> CheckResult:
        started = time.monotonic()
        report = self.check_format(values)
        secrets = [report.values.get(name, "") for name in self.secret_fields]
        secrets += [str(values.get(name) or "") for name in self.secret_fields]
        if not report.ok:
            first = report.errors[0]
            detail = "; ".join(p.message for p in report.errors[1:])
            return cleaned(CheckResult(self.id, Status.INVALID_FORMAT, first.message, detail=detail), secrets)
        attempt = attempt or Attempt(timeout)
        attempt.rate_limit, attempt.secrets = self.rate_limit, tuple(secrets)
        try:
            with attempt:
                self.check_base_url(report.values)
                result = call(attempt, report.values)
        except Failure as failure:
            result = self.result(failure.status, failure.message, failure.detail)
        except Exception as exc:  # an unexpected reply shape, a bug: still one honest result
            log.warning("%s test failed unexpectedly: %s", self.id, type(exc).__name__, exc_info=True)
            status, message, detail = attempt.explain(exc, self.name)
            result = self.result(status, message, detail)
        warnings = tuple(p.message for p in report.warnings) + result.warnings
        elapsed = int((time.monotonic() - started) * 1000)
        return replace(cleaned(result, secrets, warnings), elapsed_ms=elapsed)

    def check_base_url(self, values: Mapping[str, str]) -> None:
        try:
            self.base_url(values)
        except ValueError as exc:
            raise Failure(Status.NETWORK_ERROR, str(exc)) from None

    def result(self, status: Status, message: str, detail: str = "", **kw: Any) -> CheckResult:
        return CheckResult(self.id, status, message, detail, **kw)

    def follow_up(self, values: Mapping[str, str], site_url: str, *, timeout: float = DEFAULT_TIMEOUT,
                  attempt: Attempt | None = None) -> CheckResult:
        """The second check worth making after a pass, about the owner's site (Stripe: does it send
        events there?), where `follows_up`; the facts it finds (`Account.extra`) join the saved result."""
        raise NotImplementedError

    # -- approval in the browser (where `connect_button`) -------------------------------------------

    def approval_page(self, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                      attempt: Attempt | None = None) -> CheckResult:
        """Find the page where the owner approves this app, like a test (deadline, cancel, one result).
        OK: `approval_address(result)` is the page; the result's account facts that name a field (a
        canonical address) are the values to use from then on. Otherwise it says why there is none."""
        raise NotImplementedError

    def approval_address(self, result: CheckResult) -> str | None:
        raise NotImplementedError

    def approved_values(self, site_url: str, user: str, password: str) -> dict[str, str]:
        """The fields an approval fills in."""
        raise NotImplementedError

    def test_approved(self, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                      attempt: Attempt | None = None) -> CheckResult:
        """The test right after an approval: the credentials were just issued, so a refusal is never
        about them."""
        return self.test(values, timeout=timeout, attempt=attempt)

    # -- what the dashboard shows ------------------------------------------------------------

    def facts_text(self, extra: Mapping[str, str]) -> str:
        """One line of the facts a passing test saved (`Account.extra`) for the dashboard row."""
        return ""

    def missing_saved(self, saved: Mapping[str, str]) -> tuple[Field, ...]:
        """Required fields that saved settings lack (a field added by a newer version, a hand-edited
        file): the dashboard asks for them instead of showing an old pass. Secrets live in the
        keyring and fields with a default or choices fill themselves, so neither counts. A value
        kept per variant is saved as "<variant>.<name>"."""
        def present(name: str) -> bool:
            return any(key == name or key.endswith("." + name) for key in saved)

        return tuple(f for f in self.fields
                     if f.required and not f.secret and not f.default and not f.choices and not present(f.name))

    # -- lists the settings panel offers (forms, accounts) ------------------------------------

    @classmethod
    def lookups(cls) -> dict[str, Lookup]:
        """The lists its options fetch live, by name."""
        found = [o.lookup for o in cls.options if isinstance(o, (Pick, Snippet)) and o.lookup is not None]
        return {lookup.name: lookup for lookup in found}

    def fetch_list(self, name: str, values: Mapping[str, object], *, timeout: float = DEFAULT_TIMEOUT,
                   attempt: Attempt | None = None) -> CheckResult:
        """Fetch one of `lookups` live; the items arrive as `CheckResult.choices`."""
        if name not in self.lookups():
            raise KeyError(f"{self.id} has no list {name!r}")
        return self._run(lambda a, v: self.probe_list(name, a, v), values, timeout=timeout, attempt=attempt)

    def probe_list(self, name: str, attempt: Attempt, values: dict[str, str]) -> CheckResult:
        raise NotImplementedError


def override_env_var(service_id: str) -> str:
    """The environment variable that points a service at another base URL (tests, sandbox, gateway)."""
    return f"ACCESSALLY_DESKTOP_{service_id.upper()}_URL"


_LOOPBACK_HINT = "Plain http:// is only allowed to this computer (127.0.0.1); use https://."


def check_transport_url(url: str, *, what: str) -> None:
    """Refuse anything but https://, or http:// to loopback. Raises ValueError with a user message.

    The message repeats the address only when it holds no "@": what comes before one may be a
    password, and an address with a user name or password is refused outright (an address is
    logged and shown; credentials travel in the fields, never in it)."""
    for ch in url:
        if ch in characters.LINE_BREAKS or unicodedata.category(ch) == "Cc":
            kind = "a line break" if ch in characters.LINE_BREAKS else "an invisible control character"
            raise ValueError(f"The {what} holds {kind}, which no web address can. Set it again on one line, "
                             "as https://…")
    parts = split_url(url)
    shown = "" if "@" in url else f" {url!r}"
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The {what}{shown} is not a web address (https://…).")
    if "@" in parts.netloc:
        host = parts.netloc.rpartition("@")[2]
        raise ValueError(f"The {what} holds a user name or password ({parts.scheme}://…@{host}). Remove the part "
                         "before the @: this app never sends credentials inside a web address.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(f"The {what}{shown} uses plain http://. {_LOOPBACK_HINT}")
