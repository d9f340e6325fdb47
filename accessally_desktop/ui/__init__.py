"""The Qt user interface: windows and dialogs over the core (settings, secrets, storage, integrations)."""

# PySide reads the source of every module imported after it (looking for `from __feature__`): the core,
# which has no Qt in it, and the standard library it needs load first (~2 % of the start-up).
from .. import storage  # noqa: F401 - with it settings, secrets, logs and the service registry
