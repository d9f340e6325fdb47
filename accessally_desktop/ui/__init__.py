"""The Qt user interface: windows and dialogs over the core (settings, secrets, storage, integrations)."""
