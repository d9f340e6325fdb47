"""Credential checks for every service AccessAlly connects to. No Qt in here.

The names below load on first use (PEP 562): a window that only names services (`registry`) and
shows statuses (`Status`) starts without the contract and the transport behind the checks.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import FormatReport, Integration, Problem
    from .fields import Field
    from .results import Account, CheckResult, Choice
    from .status import DEFAULT_TIMEOUT, Failure, Status
    from .transport import Attempt

_HOMES = {"Account": "results", "CheckResult": "results", "Choice": "results", "Field": "fields",
          "FormatReport": "base",
          "Integration": "base", "Problem": "base", "DEFAULT_TIMEOUT": "status", "Failure": "status",
          "Status": "status", "Attempt": "transport"}

__all__ = ["Account", "Attempt", "CheckResult", "Choice", "DEFAULT_TIMEOUT", "Failure", "Field", "FormatReport",
           "Integration", "Problem", "Status"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
