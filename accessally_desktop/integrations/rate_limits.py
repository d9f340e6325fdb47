"""What a 429 without Retry-After means for each service: every `Integration` declares a `RateLimit`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .transport import Reply


@dataclass(frozen=True)
class RateLimit:
    """A service's documented limit, worded for the owner when its 429 does not say how long to wait.

    `limit` names what the service allows ("180 requests a minute per account"), `retry` when to try
    again ("in a minute"), `wait_header` a header the service documents as the seconds until the limit
    resets (Ontraport's X-Rate-Limit-Reset). A service whose 429 says more in its own headers (Keap's
    daily quota) subclasses this in its module and overrides `without_wait`.
    """

    limit: str = ""
    retry: str = "in a minute"
    wait_header: str = ""

    def without_wait(self, reply: Reply) -> str:
        wait = reply.wait_in(self.wait_header) if self.wait_header else None
        retry = f"in {wait_words(wait)}" if wait is not None else self.retry
        if self.limit:
            return f"{reply.service} is refusing more requests for now: it allows {self.limit}. Try again {retry}."
        return f"{reply.service} is limiting how fast it answers right now. Try again {retry}."


def wait_words(value: float) -> str:
    """'30 seconds', '5 minutes': a wait in words."""
    whole = max(1, round(value))
    if whole < 120:
        return f"{whole} second{'s' if whole != 1 else ''}"
    return f"{round(whole / 60)} minutes"
