"""The Qt user interface. It depends on the core; the core never imports it."""
