"""Soak: many rounds of "Test all" and of typing in the wizard; memory, threads, files and the
references of None/True must not grow (or shrink) with the rounds.

    python bench/soak.py [--rounds 300] [--keys 3000] [--quick]

Faults that only time reveals: a leak per test, a thread or socket left per round, a binding that
drops a reference to None/True on each call (PySide6 6.12 on Python 3.11 aborts the interpreter
after ~190 Test-all rounds or ~870 keystrokes). Each phase compares its last quarter with its
first quarter, in the same run, so a busy machine changes the times but not the verdict:
  memory   RSS growth per 100 rounds after the warm-up quarter     target <= 2 MB
  threads  live threads at the end minus at the warm-up            target <= rounds/50 (>= 1)
  files    open file descriptors at the end minus at the warm-up   target <= rounds/50 (>= 3)
  None/True  sys.getrefcount change from warm-up to end            target: not falling by rounds (>= 200)
(a leak grows with the rounds; the allowances cover a pool thread and ordinary noise)
The stand-ins run in a child process (bench/harness.py).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time

from harness import (  # bench/ is on sys.path
    StandIns,
    install_memory_keyring,
    isolate,
    quiet_offscreen_warnings,
    save_configured_site,
    settle_pool,
    start_configured_app,
)

SITE_SERVICES = ("license", "drip", "stripe", "paypal")
MAX_GROWTH_MB_PER_100 = 2.0


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def sample() -> dict[str, float]:
    gc.collect()
    return {"rss": rss_mb(), "threads": threading.active_count(), "fds": open_files(),
            "none": sys.getrefcount(None), "true": sys.getrefcount(True)}


def wait_until(condition, timeout: float = 30.0) -> bool:
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.002)
    return False


def soak(name: str, rounds: int, one_round) -> dict[str, float]:
    """Run `one_round` `rounds` times; sample after the first quarter and at the end."""
    warm = max(1, rounds // 4)
    for _ in range(warm):
        one_round()
    settle_pool()
    start = sample()
    for _ in range(rounds - warm):
        one_round()
    settle_pool()
    end = sample()
    measured = rounds - warm
    return {"phase": name, "rounds": rounds, "rss_start": start["rss"], "rss_end": end["rss"],
            "growth_per_100": (end["rss"] - start["rss"]) * 100 / measured,
            "threads": end["threads"] - start["threads"], "fds": end["fds"] - start["fds"],
            "none": end["none"] - start["none"], "true": end["true"] - start["true"], "measured": measured}


def test_all_rounds(controller):
    dashboard = controller.window.dashboard

    def one_round() -> None:
        dashboard.test_all.click()
        if not wait_until(lambda: not dashboard.running()):
            raise SystemExit("Test all did not finish within 30 s")
    return one_round


def typing_rounds(controller):
    """Keystrokes in the wizard's serial-key field: each runs the format check and the page's
    completeness check, as typing does."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from accessally_desktop.secrets import open_store
    from accessally_desktop.settings import SettingsStore
    from accessally_desktop.storage import Storage
    from accessally_desktop.ui.wizard import SetupWizard

    store = SettingsStore()
    settings = store.load().settings
    wizard = SetupWizard(Storage(store, open_store().store), settings, settings.current().name, {}, test_timeout=5)
    wizard.show()
    wizard.next()  # the site's page: left for later
    wizard.website.later.setChecked(True)
    wizard.next()
    QCoreApplication.processEvents()
    line = wizard.findChild(QLineEdit, "license.license_key")
    if line is None:
        raise SystemExit("the wizard's license page has no serial key field")
    typed = [0]

    def one_round() -> None:
        QTest.keyClick(line, "a")
        typed[0] += 1
        if typed[0] % 40 == 0:
            line.clear()
        QCoreApplication.processEvents()
    return one_round, wizard


def verdict(row: dict[str, float]) -> str:
    """A leak grows with the rounds; noise does not. Short runs (--quick) get a fixed allowance:
    2 MB, one pool thread, a few descriptors, and 200 references either way."""
    measured = row["measured"]
    memory_ok = row["rss_end"] - row["rss_start"] <= max(2.0, MAX_GROWTH_MB_PER_100 * measured / 100)
    counts_ok = row["threads"] <= max(1, measured // 50) and row["fds"] <= max(3, measured // 50)
    falling = -max(200, measured)
    ok = memory_ok and counts_ok and row["none"] > falling and row["true"] > falling
    return "pass" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="Test all rounds")
    parser.add_argument("--keys", type=int, default=3000, help="keystrokes in the wizard")
    parser.add_argument("--quick", action="store_true", help="20 rounds, 200 keystrokes (for the test suite)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.keys = 20, 200
    isolate()
    standins = StandIns(SITE_SERVICES)
    try:
        standins.point_environment(os.environ)
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([])  # noqa: F841 - kept alive for the run
        quiet_offscreen_warnings()
        install_memory_keyring()
        save_configured_site(standins.credentials, SITE_SERVICES)
        controller = start_configured_app(10, SITE_SERVICES)
        rows = [soak("Test all", args.rounds, test_all_rounds(controller))]
        one_key, wizard = typing_rounds(controller)
        rows.append(soak("wizard typing", args.keys, one_key))
        wizard.close()
        results = controller.profile.results
        statuses = {sid: results[sid].status if sid in results else "none" for sid in SITE_SERVICES}
    finally:
        standins.close()
    print(f"Python {sys.version.split()[0]}, PySide6 {__import__('PySide6').__version__}")
    print(f"{'phase':<14} {'rounds':>6} {'MB start':>9} {'MB end':>8} {'MB/100':>7} {'threads':>7} {'fds':>4} "
          f"{'None':>6} {'True':>6}  verdict")
    for row in rows:
        print(f"{row['phase']:<14} {row['rounds']:>6} {row['rss_start']:>9.1f} {row['rss_end']:>8.1f} "
              f"{row['growth_per_100']:>7.2f} {row['threads']:>7} {row['fds']:>4} {row['none']:>6} "
              f"{row['true']:>6}  {verdict(row)}")
    print("last results: " + ", ".join(f"{sid}={status}" for sid, status in statuses.items()))
    met = all(verdict(row) == "pass" for row in rows)
    print(f"target: memory <= {MAX_GROWTH_MB_PER_100:g} MB per 100 rounds, no thread, file or None/True reference "
          f"lost per round: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
