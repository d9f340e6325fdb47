"""The layers: the integrations import nothing of the app's core and no Qt; the core imports no Qt.
Checked in a fresh interpreter, from what each module really loads."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import accessally_desktop
from accessally_desktop import integrations

CORE = ["about", "cli", "diagnostics", "journal", "logs", "secrets", "settings", "site_checks", "site_report",
        "site_versions", "storage", "transfer", "typed", "url_scheme"]
INTEGRATIONS = [f"integrations.{m.name}" for m in pkgutil.iter_modules(integrations.__path__)]
APP_MODULES = {f"accessally_desktop.{name}" for name in CORE}


def loaded_by(module: str) -> set[str]:
    code = (f"import sys, accessally_desktop.{module}; "
            "print('\\n'.join(name for name in sys.modules if name.startswith(('accessally_desktop', 'PySide6'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(out.stdout.split())


def test_no_integrations_module_imports_the_core_or_qt() -> None:
    for module in INTEGRATIONS:
        loaded = loaded_by(module)
        assert not any(name.startswith("PySide6") for name in loaded), module
        assert not loaded & APP_MODULES, (module, sorted(loaded & APP_MODULES))


def test_no_core_module_imports_qt() -> None:
    for module in CORE:
        assert not any(name.startswith("PySide6") for name in loaded_by(module)), module


def test_the_lists_above_name_every_core_module() -> None:
    found = {m.name for m in pkgutil.iter_modules(accessally_desktop.__path__) if not m.ispkg}
    assert found - {"__main__", "app"} == set(CORE)
