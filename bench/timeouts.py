"""Timeouts and cancel: a silent server is reported at the configured timeout; Cancel ends a test at once.

    python bench/timeouts.py [--runs 5] [--quick]

Targets ("Timeouts and cancel"):
- A server that never answers (the stand-in's "hang") is reported as a timeout at the configured
  timeout +-10 %: measured/configured in [0.9, 1.1], for 1 s and 3 s, for Ontraport (plain httpx)
  and Stripe (the official stripe package over the app's httpx client). The baseline is the
  configured timeout itself; the figure is the ratio.
- Cancel returns to idle within 100 ms: `Attempt.cancel()` from another thread (until the test
  returns its CANCELLED result), and the wizard's Cancel button (until the Test button is enabled
  again, and until the cancelled worker's answer reaches the GUI thread). Baseline, measured
  side by side: a bare blocking socket recv() ended by shutdown() from another thread, this
  machine's floor for "interrupt a blocked read".
- The abandoned requests leave no thread or socket behind: threads (threading.active_count() and
  OS threads in /proc/self/task) and open fds / sockets (/proc/self/fd), before vs after each
  section, once everything settled (QThreadPool.globalInstance().waitForDone for the GUI case).
The stand-ins run in a child process, so their threads and sockets are not counted here.
Prints medians (and worst) of --runs runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import socket
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit

CANCEL_TARGET_MS = 100.0
TOLERANCE = 0.10
SERVICES = ("ontraport", "stripe")


from harness import (  # noqa: E402 - bench/ is on sys.path
    StandIns,
    install_memory_keyring,
    isolate,
    quiet_offscreen_warnings,
    settle_pool,
)

# -- what a run leaves behind ----------------------------------------------------------------------------

def resources() -> dict[str, int]:
    """Threads and descriptors of this process right now."""
    fds = os.listdir("/proc/self/fd")
    sockets = 0
    for fd in fds:
        try:
            sockets += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return {"threads": threading.active_count(), "os threads": len(os.listdir("/proc/self/task")),
            "fds": len(fds), "sockets": sockets}


def left_behind(before: dict[str, int], settle=lambda: None, wait: float = 3.0) -> dict[str, int]:
    """What is still open compared with `before`, once things had up to `wait` s to wind down.

    The result also holds "settle ms": how long that took (the wait, when something stayed open).
    """
    started = time.monotonic()
    while True:
        settle()
        gc.collect()
        now = resources()
        diff = {k: now[k] - before[k] for k in before}
        if all(v <= 0 for v in diff.values()) or time.monotonic() - started > wait:
            diff["settle ms"] = round((time.monotonic() - started) * 1000)
            return diff
        time.sleep(0.05)


def in_flight(attempt, limit: float = 5.0, pump=lambda: None) -> None:
    """Wait until the attempt has a connected socket (its request is out), then a little more."""
    deadline = time.monotonic() + limit
    while not getattr(attempt, "_sockets", [None]) and time.monotonic() < deadline:
        pump()
        time.sleep(0.002)
    end = time.monotonic() + 0.1  # the request is sent and the read is blocked
    while time.monotonic() < end:
        pump()
        time.sleep(0.002)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# -- 1. timeouts -------------------------------------------------------------------------------------------

def timeouts(credentials, timeouts_s: list[float], runs: int) -> tuple[list[tuple], dict[str, int]]:
    from accessally_desktop.integrations import registry

    for sid in SERVICES:  # warm up: imports (stripe's ~200 ms) and the TLS context, outside the counts
        registry.get(sid).test(credentials[sid], timeout=0.3)
    before = resources()
    rows = []
    for configured in timeouts_s:
        for sid in SERVICES:
            measured, reported, statuses = [], [], set()
            for _ in range(runs):
                started = time.perf_counter()
                result = registry.get(sid).test(credentials[sid], timeout=configured)
                measured.append(time.perf_counter() - started)
                reported.append(result.elapsed_ms / 1000)
                statuses.add(str(result.status))
            rows.append((sid, configured, med(measured), max(measured), med(reported), sorted(statuses)))
    return rows, left_behind(before)


# -- 2. Attempt.cancel() -------------------------------------------------------------------------------------

def raw_cancel(address: tuple[str, int]) -> float:
    """ms from shutdown() to a blocked recv() returning, on a plain socket to the silent server."""
    sock = socket.create_connection(address)
    returned: list[float] = []
    reader = threading.Thread(target=lambda: (sock.recv(1), returned.append(time.perf_counter())))
    reader.start()
    time.sleep(0.1)
    started = time.perf_counter()
    sock.shutdown(socket.SHUT_RDWR)
    reader.join()
    sock.close()
    return (returned[0] - started) * 1000


def attempt_cancel(credentials, sid: str) -> tuple[float, str]:
    """ms from Attempt.cancel() to the running test returning; and the status it returned."""
    from accessally_desktop.integrations import Attempt, registry

    attempt = Attempt(15)
    out: list = []

    def run() -> None:
        result = registry.get(sid).test(credentials[sid], attempt=attempt)
        out.append((time.perf_counter(), result))

    worker = threading.Thread(target=run, name="bench-test")
    worker.start()
    in_flight(attempt)
    started = time.perf_counter()
    attempt.cancel()
    worker.join(20)
    if not out:
        raise SystemExit(f"{sid}: the cancelled test did not return within 20 s")
    return (out[0][0] - started) * 1000, str(out[0][1].status)


def cancels(credentials, address, runs: int):
    from accessally_desktop.integrations import registry

    for sid in SERVICES:
        registry.get(sid)
        attempt_cancel(credentials, sid)  # warm-up, outside the counts
    raw_cancel(address)
    before = resources()
    raw: list[float] = []
    app: dict[str, list[float]] = {sid: [] for sid in SERVICES}
    statuses: dict[str, set[str]] = {sid: set() for sid in SERVICES}
    for _ in range(runs):
        raw.append(raw_cancel(address))
        for sid in SERVICES:
            ms, status = attempt_cancel(credentials, sid)
            app[sid].append(ms)
            statuses[sid].add(status)
    return raw, app, statuses, left_behind(before)


# -- 3. the wizard's Cancel button -----------------------------------------------------------------------------

def wizard_cancels(credentials, runs: int):
    from PySide6.QtCore import QCoreApplication

    from accessally_desktop.secrets import open_store
    from accessally_desktop.settings import SettingsStore
    from accessally_desktop.storage import Storage
    from accessally_desktop.ui.wizard import PageId, SetupWizard

    store = SettingsStore()
    storage = Storage(store, open_store().store)

    def pump() -> None:
        QCoreApplication.processEvents()

    def settle() -> None:
        settle_pool(0.05, wait_ms=5000)

    wizards = {}
    for sid, page in (("license", PageId.LICENSE), ("stripe", PageId.PAYMENTS)):
        settings = store.load().settings
        settings.current()
        wizard = SetupWizard(storage, settings, settings.last_site, {}, test_timeout=15, start=page)
        if sid == "stripe":
            wizard.payments.use["stripe"].setChecked(True)
        box = wizard.box(sid)
        box.form.set_values({k: v for k, v in credentials[sid].items() if k in box.form.inputs})
        wizards[sid] = wizard

    def once(sid: str) -> tuple[float, float]:
        wizard = wizards[sid]
        wizard.show()
        box = wizard.box(sid)
        box.panel.button.click()
        test = box._running
        if test is None:
            raise SystemExit(f"wizard {sid}: clicking Test started nothing ({box.panel.badge.text.text()!r})")
        arrived: list[float] = []
        test.finished.connect(lambda *_: arrived.append(time.perf_counter()))
        in_flight(test.attempt, pump=pump)
        started = time.perf_counter()
        box.panel.cancel.click()
        while not box.panel.button.isEnabled() and time.perf_counter() - started < 5:
            pump()
        enabled = time.perf_counter()
        while not arrived and time.perf_counter() - started < 20:
            pump()
            time.sleep(0.0005)
        if not arrived:
            raise SystemExit(f"wizard {sid}: the cancelled worker never answered")
        wizard.hide()
        return (enabled - started) * 1000, (arrived[0] - started) * 1000

    for sid in wizards:  # warm-up: the pool's thread, imports
        once(sid)
    settle()
    before = resources()
    button = {sid: [] for sid in wizards}
    answer = {sid: [] for sid in wizards}
    texts = {sid: set() for sid in wizards}
    for _ in range(runs):
        for sid in wizards:
            enabled, arrived = once(sid)
            button[sid].append(enabled)
            answer[sid].append(arrived)
            texts[sid].add(wizards[sid].box(sid).panel.badge.text.text())
    diff = left_behind(before, settle)
    for wizard in wizards.values():
        wizard.deleteLater()
    return button, answer, texts, diff


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--timeouts", default="1,3", help="configured timeouts to try, seconds (default 1,3)")
    parser.add_argument("--quick", action="store_true", help="one 0.5 s timeout run, 2 cancel runs (for the test suite)")
    args = parser.parse_args()
    timeouts_s = [float(t) for t in args.timeouts.split(",")]
    timeout_runs = cancel_runs = args.runs
    if args.quick:
        timeouts_s, timeout_runs, cancel_runs = [0.5], 1, 2

    home = isolate()
    install_memory_keyring()
    quiet_offscreen_warnings()
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(sys.argv[:1])  # kept alive for the whole run
    standins = StandIns(("license",) + SERVICES)
    try:
        standins.point_environment(os.environ)
        standins.inject("hang")
        creds = standins.credentials
        parts = urlsplit(standins.urls["ontraport"])
        address = (parts.hostname, parts.port)
        timeout_rows, timeout_left = timeouts(creds, timeouts_s, timeout_runs)
        raw, app_ms, statuses, cancel_left = cancels(creds, address, cancel_runs)
        button, answer, texts, wizard_left = wizard_cancels(creds, cancel_runs)
    finally:
        standins.close()
        shutil.rmtree(home, ignore_errors=True)

    verdicts = []
    print(f"Timeouts: the server never answers; median of {timeout_runs} run(s); target measured/configured "
          f"in [{1 - TOLERANCE:.1f}, {1 + TOLERANCE:.1f}]")
    print(f"{'service':<12}{'configured s':>13}{'measured s':>11}{'worst s':>9}{'reported s':>11}{'ratio':>7}"
          f"  status / verdict")
    for sid, configured, measured, worst, reported, status in timeout_rows:
        ratio = measured / configured
        ok = abs(ratio - 1) <= TOLERANCE and abs(worst / configured - 1) <= TOLERANCE and status == ["timeout"]
        verdicts.append(ok)
        print(f"{sid:<12}{configured:>13g}{measured:>11.3f}{worst:>9.3f}{reported:>11.3f}{ratio:>7.3f}"
              f"  {'/'.join(status)} {'pass' if ok else 'FAIL'}")

    base = med(raw)
    print(f"\nCancel: ms from cancel to idle; median (worst) of {cancel_runs} run(s); target <= {CANCEL_TARGET_MS:.0f} ms")
    print(f"{'what':<54}{'median ms':>10}{'worst ms':>10}{'x raw':>8}{'/target':>9}  verdict")
    print(f"{'raw socket: shutdown() ends a blocked recv()':<54}{base:>10.2f}{max(raw):>10.2f}{1:>8.1f}"
          f"{base / CANCEL_TARGET_MS:>9.3f}  (baseline)")
    rows = [(f"Attempt.cancel() {sid}: test returned ({'/'.join(sorted(statuses[sid]))})", app_ms[sid])
            for sid in SERVICES]
    for sid in button:
        rows.append((f"wizard Cancel {sid}: Test button enabled", button[sid]))
        rows.append((f"wizard Cancel {sid}: worker's answer arrived", answer[sid]))
    for label, values in rows:
        ok = max(values) <= CANCEL_TARGET_MS
        verdicts.append(ok)
        print(f"{label:<54}{med(values):>10.2f}{max(values):>10.2f}{med(values) / base:>8.1f}"
              f"{med(values) / CANCEL_TARGET_MS:>9.3f}  {'pass' if ok else 'FAIL'}")
    for sid, seen in texts.items():
        print(f"  wizard {sid} shows after Cancel: {sorted(seen)}")

    print("\nLeft behind (after - before, once settled; target 0 everywhere):")
    print(f"{'section':<18}{'threads':>9}{'os threads':>12}{'fds':>6}{'sockets':>9}{'settled in':>12}  verdict")
    for label, diff in (("timeouts", timeout_left), ("Attempt.cancel", cancel_left), ("wizard Cancel", wizard_left)):
        ok = all(v <= 0 for k, v in diff.items() if k != "settle ms")
        verdicts.append(ok)
        print(f"{label:<18}{diff['threads']:>9}{diff['os threads']:>12}{diff['fds']:>6}{diff['sockets']:>9}"
              f"{diff['settle ms']:>9} ms  {'pass' if ok else 'FAIL'}")
    print("targets (timeout +-10 %, cancel <= 100 ms, nothing left behind): "
          + ("met" if all(verdicts) else "MISSED"))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown: PySide6 can abort while finalizing leftover Qt objects
