"""Soak: open and close wizards whose payments page warms Stripe up, in many fresh processes; counts
the processes that crashed. A big import on a worker thread while Qt painted crashed
PySide6 6.11 about one start in three; warm-ups now run on the GUI thread (`ui.workers.warm_up`).

    python bench/warm_up_race.py [--runs 30]      target: 0 crashes
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The shortest sequence that showed it: build every wizard box (Stripe's warm-up starts), close the
# wizard, open the next one while the import still runs.
ONE_RUN = ["-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "tests/test_wizard.py", "-k",
           "naming_contract or builds_only or page_graph"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    crashed = 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=home, XDG_STATE_HOME=home)
            code = subprocess.run([sys.executable, "-X", "faulthandler", *ONE_RUN], env=env, cwd=ROOT,
                                  capture_output=True, timeout=120).returncode
            crashed += code != 0
    print(f"{crashed} of {args.runs} runs crashed (target: 0): {'met' if crashed == 0 else 'NOT met'}")
    return 0 if crashed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
