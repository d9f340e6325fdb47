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
    again ("in a minute"). A service whose 429 says more in its own headers (Keap's daily quota)
    subclasses this in its module and overrides `without_wait`.
    """

    limit: str = ""
    retry: str = "in a minute"

    def without_wait(self, reply: Reply) -> str:
        if self.limit:
            return f"{reply.service} is refusing more requests for now: it allows {self.limit}. Try again {self.retry}."
        return f"{reply.service} is limiting how fast it answers right now. Try again {self.retry}."
