"""Render the app's icon (`accessally_desktop/ui/icons/app.svg`, via `ui.widgets.app_icon`) to the
files installers need.

Writes `resources/accessally-desktop.png` (256 px, Linux), `.ico` (Windows) and `.icns` (macOS).
The ICO and ICNS files simply hold PNGs, which every supported Windows and macOS reads, so no
image library beyond Qt is needed. Run it after changing the SVG, then commit the three files:

    python packaging/make_icons.py
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
STEM = "accessally-desktop"
SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08"}  # PNG-holding ICNS entries


def render_pngs() -> dict[int, bytes]:
    """The icon as PNG bytes at each of SIZES (offscreen, no window opens)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtWidgets import QApplication

    from accessally_desktop.ui.widgets import app_icon

    app = QApplication.instance() or QApplication([])  # noqa: F841 - QPixmap needs an application
    icon = app_icon()
    pngs = {}
    for size in SIZES:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not icon.pixmap(QSize(size, size)).save(buffer, "PNG"):
            raise RuntimeError(f"could not render the {size} px icon")
        buffer.close()
        pngs[size] = bytes(data.data())
    return pngs


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico whose images are PNGs (readable since Windows Vista)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns whose entries are PNGs (readable since OS X 10.7)."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
                    for size, kind in ICNS_TYPES.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESOURCES, help=f"folder to write to (default {RESOURCES})")
    args = parser.parse_args(argv)
    pngs = render_pngs()
    args.out.mkdir(parents=True, exist_ok=True)
    for suffix, data in ((".png", pngs[256]), (".ico", ico(pngs)), (".icns", icns(pngs))):
        path = args.out / f"{STEM}{suffix}"
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
