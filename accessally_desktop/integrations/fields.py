"""What a service asks the owner for: its fields, its side-by-side variants, its alternative kinds
of credentials. Declared once per service (`Integration.fields`, `variants`, `kinds`); the wizard,
storage and export are built from them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One credential input. `help` names where the owner finds the value in that service."""

    name: str
    label: str
    help: str
    secret: bool = False
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) when the field is a choice
    default: str = ""
    placeholder: str = ""
    group: str = ""  # fields that only count together (PayPal's signature trio vs REST pair)
    address: bool = False  # a web or e-mail address: may hold international letters; every other value is ASCII
    spaces: bool = False  # may hold spaces inside (a WordPress user name, a password shown in groups of four)


@dataclass(frozen=True)
class Variant:
    """One of side-by-side credential sets of a service, one active at a time (Stripe's test and
    live keys): each is saved on its own; the active one is tested, as `values[variant_key]`."""

    id: str
    label: str
    real_money: bool = False


@dataclass(frozen=True)
class CredentialKind:
    """One of alternative field sets the owner picks one of (PayPal's API Signature or REST app).
    Its fields are those whose `group` is its id; `where_to_find` replaces the service's own."""

    id: str
    label: str  # the choice, naming its fields: "API Signature (username, password, signature)"
    short_label: str  # in a sentence or a summary: "API Signature credentials"
    where_to_find: str
