"""Who makes this app, how to get help, and what happens to the owner's keys: said once, shown by
the About box, the Help menu and the README. No Qt here."""

from __future__ import annotations

from .integrations import registry

PUBLISHER = "the AccessAlly Desktop developers"
# Where an owner asks about this app. Help › Copy diagnostics puts what support needs on the clipboard.
SUPPORT_URL = "https://accessally.com/faqs/"
KNOWLEDGE_BASE_URL = "https://kb.accessally.com/"  # AccessAlly's own articles, the CRM options among them
PRIVACY = ("Your keys never leave this computer except to the service they belong to: each is kept in your "
           "computer's password store and sent only to that service when you test it. This app sends no "
           "usage data anywhere.")


def not_made_by() -> str:
    """Every service the app connects to is somebody else's: name them, from the registry."""
    others = [registry.display_name(s) for s in registry.SERVICE_IDS if registry.kind_of(s) in ("crm", "payment")]
    names = ", ".join(others[:-1]) + f" or {others[-1]}" if len(others) > 1 else "".join(others)
    return (f"This app is not made or endorsed by {names}; it uses their public APIs with the keys you give "
            "it. Their names and trademarks belong to them.")
