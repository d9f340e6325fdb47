"""Build the standalone "AccessAlly Desktop" app folder with PyInstaller, from a clean venv.

    python packaging/build.py            # then: python packaging/smoke_test.py

Steps: copy the project's source to a scratch folder; make a fresh venv there; pip-install the
app (not editable) and the pinned build tools from packaging/requirements-build.txt; refuse to go
on if a test tool or keyrings.alt got in; run PyInstaller with packaging/accessally-desktop.spec;
print the time taken, the folder and its size. Nothing outside build/ and dist/ is written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APP_NAME = "AccessAlly Desktop"
SPEC = HERE / "accessally-desktop.spec"
BUILD_REQUIREMENTS = HERE / "requirements-build.txt"
# Distributions that must never be bundled: the tests' tools, and keyrings.alt's plaintext keyrings.
FORBIDDEN = ("keyrings.alt", "pytest", "pytest-qt", "hypothesis", "trustme")
TOP_LEVEL_SKIP = {".git", ".venv", "venv", "build", "dist", ".pytest_cache", ".hypothesis", ".ruff_cache"}


class BuildError(Exception):
    """A step failed: the message says which and what to do."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Python 3.11 or newer; internet access for pip (or a configured index).")
    parser.add_argument("--python", default=sys.executable, metavar="EXE",
                        help="the Python that makes the build venv (default: the one running this script)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "packaging", metavar="DIR",
                        help="scratch folder for the source copy, venv and PyInstaller's work (default: %(default)s)")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", metavar="DIR",
                        help="where the app folder goes (default: %(default)s)")
    parser.add_argument("--reuse-venv", action="store_true",
                        help="keep the build venv from a previous run instead of making a fresh one (faster, "
                             "for trying spec changes; release builds should not use it)")
    parser.add_argument("--smoke-test", action="store_true",
                        help="run packaging/smoke_test.py on the result afterwards")
    return parser.parse_args(argv)


def run(command: list[str], **kwargs) -> None:
    print("$", " ".join(f'"{c}"' if " " in c else c for c in command), flush=True)
    result = subprocess.run(command, check=False, **kwargs)
    if result.returncode != 0:
        raise BuildError(f"{Path(command[0]).name} failed with exit status {result.returncode} (see above).")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def copy_source(destination: Path, root: Path = ROOT) -> None:
    """The project without build output, caches or VCS data: a stale build/lib never reaches the wheel."""
    root, scratch = root.resolve(), destination.resolve().parent

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
        if Path(directory).resolve() == root:
            skipped |= TOP_LEVEL_SKIP & set(names)
        return skipped | {n for n in names if (Path(directory) / n).resolve() == scratch}  # never copy into itself

    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(root, destination, ignore=ignore)


def make_venv(python: str, venv: Path, source: Path, reuse: bool) -> Path:
    if venv.exists() and not reuse:
        shutil.rmtree(venv)
    if not venv.exists():
        run([python, "-m", "venv", str(venv)])
    py = venv_python(venv)
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run([*pip, "install", "--upgrade", "pip"])
    # Not editable: the app is built into site-packages exactly as a user's install would be.
    run([*pip, "install", "--no-cache-dir", "-r", str(BUILD_REQUIREMENTS), str(source)])
    return py


def installed(py: Path) -> dict[str, str]:
    """name (lower case) -> version of everything in the build venv."""
    out = subprocess.run([str(py), "-m", "pip", "--disable-pip-version-check", "list", "--format=freeze"],
                         capture_output=True, text=True, check=True).stdout
    pairs = (line.split("==", 1) for line in out.splitlines() if "==" in line)
    return {name.lower().replace("_", "-"): version for name, version in pairs}


def check_clean(packages: dict[str, str]) -> None:
    bad = [name for name in FORBIDDEN if name.lower() in packages]
    if bad:
        raise BuildError(f"the build venv contains {', '.join(bad)}, which must never be bundled. "
                         "Build from a fresh venv (without --reuse-venv).")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(args: argparse.Namespace) -> Path:
    started = time.monotonic()
    work = args.work.resolve()
    dist = args.dist.resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"== Copying the source to {work / 'src'}")
    copy_source(work / "src")
    print(f"== Making the build venv in {work / 'venv'}")
    py = make_venv(args.python, work / "venv", work / "src", args.reuse_venv)
    packages = installed(py)
    check_clean(packages)
    (work / "build-venv-packages.txt").write_text("".join(f"{n}=={v}\n" for n, v in sorted(packages.items())),
                                                   encoding="utf-8")
    print(f"== Running PyInstaller {packages.get('pyinstaller', '?')}")
    # From the scratch folder, so the spec imports the installed app, not the checkout beside it.
    run([str(py), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work / "pyinstaller"), str(SPEC)], cwd=work)
    app_dir = dist / APP_NAME
    if not app_dir.is_dir():
        raise BuildError(f"PyInstaller finished but {app_dir} is missing.")
    minutes, seconds = divmod(time.monotonic() - started, 60)
    print(f"\nBuilt {app_dir}")
    if sys.platform == "darwin":
        print(f"  and {dist / (APP_NAME + '.app')} (the one to hand out)")
    print(f"  size {folder_size(app_dir) / 2**20:.0f} MB, "
          f"{packages.get('accessally-desktop', '?')} with Python {python_version(py)}")
    print(f"  build took {int(minutes)} min {seconds:.0f} s")
    print(f"  the build venv's packages are listed in {work / 'build-venv-packages.txt'}")
    return py


def python_version(py: Path) -> str:
    return subprocess.run([str(py), "-c", "import platform; print(platform.python_version())"],
                          check=False, capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        py = build(args)
    except BuildError as exc:
        print(f"\nBUILD FAILED: {exc}", file=sys.stderr)
        return 1
    if args.smoke_test:
        # The build venv's Python has the app installed, which the smoke test's stand-ins need.
        smoke = [str(py), str(HERE / "smoke_test.py"), str(args.dist.resolve())]
        return subprocess.run(smoke, check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
