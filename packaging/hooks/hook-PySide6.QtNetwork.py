"""Replaces PyInstaller's hook for PySide6.QtNetwork (same name, found first via the spec's hookspath).

The app uses QtNetwork for its local socket only (ui/handoff.py), never for HTTP or TLS (httpx does
that, with Python's own OpenSSL). So this collects what PyInstaller's hook does minus Qt's TLS and
network-information plugins and the OpenSSL libraries it would add for them.
"""

from pathlib import PurePath

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

UNUSED_PLUGIN_FOLDERS = ("tls", "networkinformation")

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [binary for binary in binaries if PurePath(binary[1].replace("\\", "/")).name not in UNUSED_PLUGIN_FOLDERS]
