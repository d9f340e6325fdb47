"""The outcome vocabulary, the exception a probe raises for anything that is not a pass, and how
long a check may take by default."""

from __future__ import annotations

from enum import StrEnum

DEFAULT_TIMEOUT = 15.0  # seconds for one check, every request included


class Status(StrEnum):
    """The fixed vocabulary of outcomes; every failure anywhere maps to exactly one."""

    OK = "ok"
    INVALID_FORMAT = "invalid_format"
    INVALID_CREDENTIALS = "invalid_credentials"
    FORBIDDEN = "forbidden"
    WRONG_ENVIRONMENT = "wrong_environment"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    TLS_ERROR = "tls_error"
    BAD_RESPONSE = "bad_response"
    CANCELLED = "cancelled"


# What each outcome is called wherever an owner reads it: the dashboard, the wizard, `check`'s table.
STATUS_WORDS = {
    Status.OK: "Connected",
    Status.INVALID_FORMAT: "Check the values",
    Status.INVALID_CREDENTIALS: "Credentials rejected",
    Status.FORBIDDEN: "Access refused",
    Status.WRONG_ENVIRONMENT: "Wrong environment",
    Status.NOT_FOUND: "Not found",
    Status.RATE_LIMITED: "Busy, try later",
    Status.SERVER_ERROR: "Service problem",
    Status.TIMEOUT: "No answer",
    Status.NETWORK_ERROR: "Can't connect",
    Status.TLS_ERROR: "Insecure connection",
    Status.BAD_RESPONSE: "Unexpected answer",
    Status.CANCELLED: "Cancelled",
}


class Failure(Exception):
    """Raised inside a probe: the status, a sentence for the owner, and the technical detail."""

    def __init__(self, status: Status, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail
