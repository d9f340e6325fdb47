"""Credential checks for every service AccessAlly connects to. No Qt in here."""

from .base import (
           Account,
           CheckResult,
           Choice,
           Field,
           FormatReport,
           Integration,
           Problem,
)
from .status import Failure, Status
from .transport import DEFAULT_TIMEOUT, Attempt

__all__ = ["Account", "Attempt", "CheckResult", "Choice", "DEFAULT_TIMEOUT", "Failure", "Field", "FormatReport",
           "Integration", "Problem", "Status"]
