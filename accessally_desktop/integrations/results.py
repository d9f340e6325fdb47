"""What a live test answers: one `CheckResult`, with the account facts, the items it found, and
`cleaned`, which every result passes through before anyone sees it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import characters
from .redaction import redact
from .status import Status


@dataclass(frozen=True)
class Account:
    """What the service said about the account behind the credentials."""

    name: str = ""
    id: str = ""
    mode: str = ""  # "test"/"live", "sandbox"/"live", or "" where it does not apply
    email: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        out = {"account_name": self.name, "account_id": self.id, "mode": self.mode, "email": self.email}
        out.update(self.extra)
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Choice:
    """An item the owner can pick: a form, a Drip account."""

    id: str
    name: str
    double_opt_in: bool | None = None  # forms only; None where the service does not say


@dataclass(frozen=True)
class CheckResult:
    """One answer to "do these credentials work?"."""

    service: str
    status: Status
    message: str
    detail: str = ""  # technical, for a "Details" disclosure; never holds a secret (see `cleaned`)
    account: Account = field(default_factory=Account)
    choices: tuple[Choice, ...] = ()
    warnings: tuple[str, ...] = ()
    elapsed_ms: int = 0
    facts: Mapping[str, Any] = field(default_factory=dict)  # structured findings beside the account's strings
    # (the site scan's "tracking"): shown in `details()` as they are, every string in them cleaned

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def details(self) -> dict[str, Any]:
        """The account facts and the technical detail, as `check --json` prints them."""
        out: dict[str, Any] = self.account.as_dict()
        out.update(self.facts)
        if self.choices:
            out["choices"] = [{"id": c.id, "name": c.name} for c in self.choices]
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.detail:
            out["technical"] = self.detail
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "ok": self.ok,
            "status": str(self.status),
            "message": self.message,
            "details": self.details(),
            "elapsed_ms": self.elapsed_ms,
        }


MAX_TEXT = 300  # any one string from a server (a name, a message, a choice): a window can show it
MAX_DETAIL = 1000  # the technical detail: an excerpt of the answer, with where it came from


def cleaned(result: CheckResult, secrets: list[str], warnings: tuple[str, ...] = ()) -> CheckResult:
    """The result with every secret masked, then every string capped: what a server sent may echo
    the request (a WAF, a debugging proxy) and be of any length. Masked before it is cut, so a cut
    cannot leave part of a secret unrecognised."""
    def clean(text: str, limit: int = MAX_TEXT) -> str:
        return characters.shorten(redact(characters.shorten(text, 4 * limit), secrets), limit)

    account = result.account
    return replace(
        result, message=clean(result.message), detail=clean(result.detail, MAX_DETAIL),
        warnings=tuple(clean(w) for w in warnings),
        account=replace(account, name=clean(account.name), id=clean(account.id), mode=clean(account.mode),
                        email=clean(account.email), extra={k: clean(v) for k, v in account.extra.items()}),
        choices=tuple(replace(c, id=clean(c.id), name=clean(c.name)) for c in result.choices),
        facts={clean(k): _cleaned_fact(v, clean) for k, v in result.facts.items()})


def _cleaned_fact(value: Any, clean: Callable[[str], str]) -> Any:
    """A structured fact with every string in it (keys too) cleaned; numbers, booleans and None kept."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {clean(str(k)): _cleaned_fact(v, clean) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cleaned_fact(v, clean) for v in value]
    return value if value is None or isinstance(value, (bool, int, float)) else clean(str(value))
