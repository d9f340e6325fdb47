"""Replaces PyInstaller's hook for PySide6.QtGui (same name, found first via the spec's hookspath).

It collects exactly what PyInstaller's own hook does, minus Qt plugins a desktop app like this one
never loads. Filtering here, rather than in the spec, matters: a plugin dropped before analysis
also drops the system libraries only it needs (the GTK 3 theme alone pulls in GTK, GDK, Pango,
cairo and ATK from the build machine, ~20 MB that might not even match the user's system).
"""

from pathlib import PurePath

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

# (plugin folder, words in the file name) of plugins not shipped; an empty tuple means the whole folder.
UNUSED_PLUGINS = {
    "platformthemes": ("gtk3",),  # Qt's GTK 3 look; the XDG portal theme (dark mode, dialogs) stays
    "platforms": ("eglfs", "linuxfb", "minimalegl", "vkkhrdisplay", "vnc"),  # embedded/remote; xcb, wayland stay
    "egldeviceintegrations": (),  # only for eglfs
    "generic": (),  # evdev/TUIO input, for when there is no window system
    "imageformats": ("tiff", "webp", "tga", "wbmp", "icns", "pdf", "svg"),  # the app shows no image files
}


def _shipped(binary: tuple[str, str]) -> bool:
    source, destination = binary
    folder, name = PurePath(destination).name, PurePath(source).name.lower()
    if folder not in UNUSED_PLUGINS:
        return True
    words = UNUSED_PLUGINS[folder]
    return bool(words) and not any(word in name for word in words)


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [binary for binary in binaries if _shipped(binary)]
