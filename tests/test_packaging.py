"""packaging/: the build and smoke-test scripts, the spec, the Qt hook and the icons, checked without a build."""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys
import types
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from accessally_desktop import APP_NAME
from accessally_desktop.app import build_parser

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load(name: str) -> types.ModuleType:
    """A packaging script imported as a module (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script, words", [("build.py", ["--reuse-venv", "--smoke-test", "--dist"]),
                                           ("smoke_test.py", ["target", "--timeout"])])
def test_scripts_answer_help_without_building_anything(script: str, words: list[str]) -> None:
    out = subprocess.run([sys.executable, str(PACKAGING / script), "--help"], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    for word in words:
        assert word in out.stdout


def test_spec_and_hook_parse_and_name_the_files_they_use() -> None:
    spec = (PACKAGING / "accessally-desktop.spec").read_text(encoding="utf-8")
    compile(spec, "accessally-desktop.spec", "exec")
    compile((PACKAGING / "hooks" / "hook-PySide6.QtGui.py").read_text(encoding="utf-8"), "hook", "exec")
    for needed in ('"entry.py"', '"hooks"', "console=False", "copy_metadata", 'collect_submodules("stripe")',
                   'collect_data_files("stripe")', 'collect_submodules("accessally_desktop")', "BUNDLE("):
        assert needed in spec, needed
    assert (PACKAGING / "entry.py").is_file()
    compile((PACKAGING / "entry.py").read_text(encoding="utf-8"), "entry.py", "exec")


def _build_requirements() -> list[Requirement]:
    lines = [line.split("#")[0].strip() for line in (PACKAGING / "requirements-build.txt").read_text().splitlines()]
    return [Requirement(line) for line in lines if line]


def test_build_tools_are_pinned() -> None:
    pins = {r.name: r.specifier for r in _build_requirements() if r.name != "PySide6-Essentials"}
    assert set(pins) == {"pyinstaller", "pyinstaller-hooks-contrib"}
    assert all(len(spec) == 1 and next(iter(spec)).operator == "==" for spec in pins.values())


@pytest.mark.parametrize("source", ["pyproject.toml", "requirements-build.txt"])
def test_the_qt_release_that_aborts_python_3_11_is_never_installed_there(source: str) -> None:
    """PySide6 6.12.0 drops references to None/True on 3.11 (tests/test_refcount_canary.py)."""
    if source == "pyproject.toml":
        import tomllib

        project = tomllib.loads((PACKAGING.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        requirements = [Requirement(line) for line in project["dependencies"]]
    else:
        requirements = _build_requirements()
    qt = [r for r in requirements if r.name == "PySide6-Essentials"]

    def allowed(version: str, python: str) -> bool:
        applying = [r for r in qt if r.marker is None or r.marker.evaluate({"python_version": python})]
        return all(r.specifier.contains(version) for r in applying)

    assert not allowed("6.12.0", "3.11")
    assert allowed("6.11.3", "3.11")
    if source == "pyproject.toml":  # the build adds only the exclusion; the app's own range comes from here
        assert allowed("6.12.0", "3.12") and allowed("6.12.0", "3.13")


def run_hook(monkeypatch: pytest.MonkeyPatch, hook: str, collected: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The binaries one of our Qt hooks keeps when PyInstaller's Qt helper collects `collected`."""
    qt = types.ModuleType("PyInstaller.utils.hooks.qt")
    qt.add_qt6_dependencies = lambda hook_file: ([], list(collected), [])
    for name in ("PyInstaller", "PyInstaller.utils", "PyInstaller.utils.hooks"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks.qt", qt)
    namespace: dict = {"__file__": str(PACKAGING / "hooks" / hook)}
    exec((PACKAGING / "hooks" / hook).read_text(encoding="utf-8"), namespace)
    return namespace["binaries"]


def test_the_qt_hook_drops_unused_plugins_and_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    collected = [("/qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms"),
                 ("/qt/plugins/platforms/libqwayland.so", "PySide6/Qt/plugins/platforms"),
                 ("/qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/platforms"),
                 ("/qt/plugins/platforms/libqvnc.so", "PySide6/Qt/plugins/platforms"),
                 ("/qt/plugins/platforms/libqeglfs.so", "PySide6/Qt/plugins/platforms"),
                 ("/qt/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/plugins/platformthemes"),
                 ("/qt/plugins/platformthemes/libqxdgdesktopportal.so", "PySide6/Qt/plugins/platformthemes"),
                 ("/qt/plugins/egldeviceintegrations/libqeglfs-kms-integration.so",
                  "PySide6/Qt/plugins/egldeviceintegrations"),
                 ("/qt/plugins/imageformats/libqtiff.so", "PySide6/Qt/plugins/imageformats"),
                 ("/qt/plugins/imageformats/libqico.so", "PySide6/Qt/plugins/imageformats"),
                 ("C:/qt/plugins/platforms/qwindows.dll", "PySide6\\plugins\\platforms")]
    kept = {Path(source).name for source, _ in run_hook(monkeypatch, "hook-PySide6.QtGui.py", collected)}
    assert kept == {"libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libqxdgdesktopportal.so", "libqico.so",
                    "qwindows.dll"}


def test_the_network_hook_keeps_the_local_socket_and_drops_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    """QtNetwork is bundled for the hand-off between copies only: no TLS backend, no OpenSSL from Qt."""
    collected = [("/qt/lib/libQt6Network.so.6", "PySide6/Qt/lib"),
                 ("/qt/plugins/tls/libqopensslbackend.so", "PySide6/Qt/plugins/tls"),
                 ("/qt/plugins/tls/libqcertonlybackend.so", "PySide6/Qt/plugins/tls"),
                 ("/qt/plugins/networkinformation/libqnetworkmanager.so", "PySide6/Qt/plugins/networkinformation"),
                 ("C:/qt/plugins/tls/qschannelbackend.dll", "PySide6\\plugins\\tls")]
    kept = run_hook(monkeypatch, "hook-PySide6.QtNetwork.py", collected)
    assert [Path(source).name for source, _ in kept] == ["libQt6Network.so.6"]


def test_the_mac_app_claims_the_apps_links_and_linux_gets_a_menu_entry() -> None:
    from accessally_desktop.url_scheme import desktop_entry

    spec = (PACKAGING / "accessally-desktop.spec").read_text(encoding="utf-8")
    assert '"CFBundleURLTypes"' in spec and '"CFBundleURLSchemes": [SCHEME]' in spec
    assert '"PySide6.QtNetwork"' not in spec  # the hand-off needs it
    entry = desktop_entry(["accessally-desktop"], launcher=True)
    assert "Exec=accessally-desktop %u" in entry and "MimeType=x-scheme-handler/accessally-desktop;" in entry
    assert "NoDisplay" not in entry and "Icon=accessally-desktop" in entry


def test_icons_are_valid_png_ico_and_icns() -> None:
    png = (ROOT / "resources" / "accessally-desktop.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and struct.unpack(">II", png[16:24]) == (256, 256)
    ico = (ROOT / "resources" / "accessally-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    for i in range(count):
        *_, size, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i:22 + 16 * i])
        assert ico[offset:offset + size].startswith(PNG_SIGNATURE) and offset + size <= len(ico)
    icns = (ROOT / "resources" / "accessally-desktop.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    kinds, at = [], 8
    while at < len(icns):
        kind, length = icns[at:at + 4], struct.unpack(">I", icns[at + 4:at + 8])[0]
        assert icns[at + 8:at + length].startswith(PNG_SIGNATURE)
        kinds.append(kind)
        at += length
    assert at == len(icns) and b"ic08" in kinds  # 256 px


def test_icon_containers_hold_the_pngs_they_are_given() -> None:
    make_icons = load("make_icons")
    pngs = {size: PNG_SIGNATURE + f"<{size} px>".encode() * 4 for size in make_icons.SIZES}
    ico = make_icons.ico(pngs)
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, len(pngs))
    assert ico[6] == 16 and ico[6 + 16 * (len(pngs) - 1)] == 0  # 256 is written as 0
    icns = make_icons.icns(pngs)
    assert struct.unpack(">I", icns[4:8])[0] == len(icns) and pngs[256] in icns and pngs[24] not in icns


def test_the_source_copy_leaves_out_build_output_caches_and_vcs(tmp_path: Path) -> None:
    build = load("build")
    project = tmp_path / "project"
    for name in ("pyproject.toml", "pkg/__init__.py", "pkg/build/keep.py", "pkg/__pycache__/x.pyc", "build/lib/old.py",
                 "dist/app", ".git/HEAD", "x.egg-info/PKG-INFO"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("")
    build.copy_source(tmp_path / "work" / "src", root=project)
    copied = {p.relative_to(tmp_path / "work" / "src").as_posix() for p in (tmp_path / "work" / "src").rglob("*")
              if p.is_file()}
    assert copied == {"pyproject.toml", "pkg/__init__.py", "pkg/build/keep.py"}


def test_the_build_refuses_a_venv_with_test_tools_or_plaintext_keyrings() -> None:
    build = load("build")
    build.check_clean({"pyside6-essentials": "6.7", "keyring": "25"})
    for forbidden in ("keyrings.alt", "pytest", "hypothesis", "trustme"):
        with pytest.raises(build.BuildError, match=forbidden):
            build.check_clean({"keyring": "25", forbidden: "1"})


def test_smoke_test_finds_the_executable_and_isolates_the_user_folders(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    smoke = load("smoke_test")
    suffix = ".exe" if sys.platform == "win32" else ""
    exe = tmp_path / "dist" / APP_NAME / f"{APP_NAME}{suffix}"
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    for given in (tmp_path / "dist", exe.parent, exe):
        assert smoke.find_executables(given)[0] == exe
    monkeypatch.setenv("ACCESSALLY_DESKTOP_STRIPE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("SSL_CERT_FILE", "/somewhere/ca.pem")
    env = smoke.isolated_env(tmp_path / "home")
    assert env["HOME"] == str(tmp_path / "home") and env["QT_QPA_PLATFORM"] == "offscreen"
    assert all(env[f"XDG_{n}_HOME"].startswith(str(tmp_path / "home")) for n in ("CONFIG", "DATA", "CACHE", "STATE"))
    assert "ACCESSALLY_DESKTOP_STRIPE_URL" not in env and "SSL_CERT_FILE" not in env


def test_exit_when_ready_is_accepted_but_hidden_from_help() -> None:
    parser = build_parser()
    assert parser.parse_args(["--exit-when-ready", "--sandbox"]).exit_when_ready
    assert not parser.parse_args([]).exit_when_ready
    assert "exit-when-ready" not in parser.format_help()


def test_exit_when_ready_opens_the_sandbox_window_and_exits_0(tmp_path: Path) -> None:
    """What the smoke test runs against the frozen app, here against the source (about a second)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCESSALLY_DESKTOP_", "XDG_"))}
    env.update(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-m", "accessally_desktop", "--sandbox", "--exit-when-ready"], env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    logs = list(tmp_path.rglob("app.log"))
    assert logs and "ready; secrets go to memory" in logs[0].read_text(encoding="utf-8")
