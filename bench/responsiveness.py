"""No freezes: the longest gap between ticks of a 16 ms GUI heartbeat while live tests run.

    python bench/responsiveness.py [--runs 5] [--delay 2.0] [--quick] [--why]

Target ("No freezes"): while credential tests wait on servers that take 2 s to answer, a 16 ms
QTimer in the GUI thread never waits more than 50 ms between two ticks.

Cases, against the services' loopback stand-ins (run in a child process, so their threads never
compete with the GUI for the GIL), every request answered after --delay seconds:
  wizard:license   the wizard's Activate button on the license page (SetupWizard, ServiceBox.start_test)
  wizard:stripe    the wizard's Test button on the payments page (the official stripe package)
  dashboard        "Test all connections" on a configured site (license, Drip, Stripe, PayPal)
The baseline is the same heartbeat with the event loop idle for as long as the case took,
measured right after each case run. The heartbeat runs from before the click until every
answer has been shown (and the app's worker pool is idle), plus a short tail.

The first run of each case is reported apart (cold: first imports, e.g. `import stripe` on a worker);
medians are over the --runs warm runs. Prints, per case, the median max gap and p99 gap against
idle's, the ratio case/idle, and pass/fail of the median max gap against 50 ms.
--why dumps every thread's stack whenever no tick came for 32 ms (faulthandler's watchdog, which
needs no GIL, so it also catches a worker that holds the GIL) and prints where the stalls were.
"""

from __future__ import annotations

import argparse
import collections
import faulthandler
import os
import re
import shutil
import statistics
import sys
import threading
import time

TARGET_MS = 50.0
HEARTBEAT_MS = 16
SITE_SERVICES = ("license", "drip", "stripe", "paypal")


from harness import (  # noqa: E402 - bench/ is on sys.path
    StandIns,
    install_memory_keyring,
    isolate,
    quiet_offscreen_warnings,
    save_configured_site,
    settle_pool,
    start_configured_app,
)

# -- the heartbeat -----------------------------------------------------------------------------------

class Heartbeat:
    """A 16 ms precise QTimer on the GUI thread that records when each tick ran."""

    def __init__(self) -> None:
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.loop = QEventLoop()
        self.ticks: list[float] = []
        self.last = 0.0
        self.on_tick = None
        self._until = None
        self._done_at: float | None = None
        self._tail = 0.0
        self._deadline = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.ticks.append(now)
        self.last = now
        if self.on_tick is not None:
            self.on_tick()
        if now > self._deadline:
            self.loop.quit()
            return
        if self._until is not None:
            if self._done_at is None and self._until():
                self._done_at = now
            if self._done_at is not None and now - self._done_at >= self._tail:
                self.loop.quit()

    def run(self, action=None, until=None, *, duration: float = 0.0, tail: float = 0.2,
            timeout: float = 120.0) -> float:
        """Tick until `until()` holds (then `tail` more seconds), or for `duration` s when idle.

        `action` runs from the event loop 100 ms in, so its own cost on the GUI thread counts.
        Returns the seconds from the action to `until()` holding.
        """
        from PySide6.QtCore import QTimer

        self.ticks = []
        self._done_at = None
        self._tail = tail
        started = time.perf_counter()
        self.last = started
        self._deadline = started + (duration if until is None else timeout)
        acted = [started]
        if until is not None:
            def act() -> None:
                acted[0] = time.perf_counter()
                action()
            self._until = lambda: acted[0] > started and until()
            QTimer.singleShot(100, act)
        else:
            self._until = None
        self.timer.start()
        self.loop.exec()
        self.timer.stop()
        if until is not None and self._done_at is None:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for the case to finish")
        return (self._done_at - acted[0]) if self._done_at else duration

    def gaps_ms(self) -> list[float]:
        return [(b - a) * 1000 for a, b in zip(self.ticks, self.ticks[1:])]


class StallSampler:
    """With --why: when a tick is overdue, dump every thread's stack (GUI thread and workers).

    Uses faulthandler's watchdog, a C thread that needs no GIL, re-armed at every tick: it fires
    only when no tick came for `threshold_ms`, and it still sees a thread that holds the GIL.
    """

    def __init__(self, heartbeat: Heartbeat, directory: str, threshold_ms: float = 2 * HEARTBEAT_MS) -> None:
        self.heartbeat = heartbeat
        self.threshold = threshold_ms / 1000
        self.path = os.path.join(directory, "stalls.txt")
        self.gui: collections.Counter[str] = collections.Counter()
        self.workers: collections.Counter[str] = collections.Counter()
        self.stalls = 0

    def start(self) -> None:
        self.file = open(self.path, "w")  # noqa: SIM115 (closed in stop())
        self.heartbeat.on_tick = self._arm

    def _arm(self) -> None:
        faulthandler.dump_traceback_later(self.threshold, file=self.file)

    def stop(self) -> None:
        self.heartbeat.on_tick = None
        faulthandler.cancel_dump_traceback_later()
        self.file.close()
        with open(self.path) as dump:
            self._read(dump.read())

    def _read(self, text: str) -> None:
        main = f"{threading.main_thread().ident:#018x}"
        for block in text.split("Timeout (")[1:]:
            self.stalls += 1
            for thread in re.split(r"\n(?=(?:Current thread|Thread) 0x)", block)[1:]:
                head, *frames = thread.strip().splitlines()
                frames = [_where(line) for line in frames if line.strip().startswith("File ")]
                if not frames:
                    continue
                if main in head:
                    inner = [f for f in frames if "bench/" not in f][:4] or frames[:1]
                    self.gui[" <- ".join(inner)] += 1
                else:  # innermost frame, and the innermost outside the import machinery and stdlib
                    outer = next((f for f in frames[1:] if not f.startswith(("importlib", "python3"))), "")
                    self.workers[frames[0] + (f"  (in {outer})" if outer and outer != frames[0] else "")] += 1

    def report(self, label: str) -> None:
        print(f"\n--why {label}: {self.stalls} stall(s) with no tick for {self.threshold * 1000:.0f} ms")
        if not self.stalls:
            return
        print("  GUI thread was in (innermost first; only a bench frame = inside Qt/C++, or waiting for the GIL):")
        for where, n in self.gui.most_common(6):
            print(f"    {n:5d}  {where}")
        print("  other threads were in (innermost frame):")
        for where, n in self.workers.most_common(10):
            print(f"    {n:5d}  {where}")


def _where(line: str) -> str:
    """'File "/x/site-packages/httpx/_client.py", line 9 in send' -> 'httpx/_client.py:9 send'."""
    match = re.match(r'\s*File "([^"]+)", line (\d+) in (.+)', line)
    if not match:
        return line.strip()
    path, lineno, name = match.groups()
    path = re.sub(r"^.*/site-packages/|^.*/lib/(?=python3\.\d+/)|^<frozen (.*)>$", lambda m: m.group(1) or "", path)
    path = path.replace(os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/", "")
    return f"{path}:{lineno} {name}"


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[98]


# -- the cases -----------------------------------------------------------------------------------------

class Cases:
    def __init__(self, standins: StandIns) -> None:
        from PySide6.QtCore import QThreadPool

        from accessally_desktop.secrets import open_store
        from accessally_desktop.settings import SettingsStore
        from accessally_desktop.storage import Storage
        from accessally_desktop.ui.wizard import PageId, SetupWizard

        self.pool = QThreadPool.globalInstance()
        creds = standins.credentials
        save_configured_site(creds, SITE_SERVICES)
        settings_store = SettingsStore()
        storage = Storage(settings_store, open_store().store)

        def wizard(start: PageId) -> SetupWizard:
            settings = settings_store.load().settings
            settings.current()
            return SetupWizard(storage, settings, settings.last_site, {}, test_timeout=60, start=start)

        self.license_wizard = wizard(PageId.LICENSE)
        box = self.license_wizard.box("license")
        box.form.set_values({k: v for k, v in creds["license"].items() if k in box.form.inputs})
        self.stripe_wizard = wizard(PageId.PAYMENTS)
        self.stripe_wizard.payments.use["stripe"].setChecked(True)
        box = self.stripe_wizard.box("stripe")
        box.form.set_values({k: v for k, v in creds["stripe"].items() if k in box.form.inputs})
        self.controller = start_configured_app(60, SITE_SERVICES)
        self.windows = [self.license_wizard, self.stripe_wizard, self.controller.window]
        self.results: dict[str, list[str]] = collections.defaultdict(list)

    def show_only(self, window) -> None:
        for other in self.windows:
            if other is not window:
                other.hide()
        window.show()

    def settle(self) -> None:
        """Between runs: every worker finished and its answer delivered."""
        settle_pool(0.1)

    def wizard_case(self, name: str):
        wizard = self.license_wizard if name == "license" else self.stripe_wizard
        box = wizard.box(name)

        def action() -> None:
            box.panel.button.click()

        def until() -> bool:
            return (not box.running and box.panel.button.isEnabled() and self.pool.activeThreadCount() == 0)

        def check() -> None:
            result = box.current_result()
            self.results[f"wizard:{name}"].append(str(result.status) if result else "no result")

        return wizard, action, until, check

    def dashboard_case(self):
        controller = self.controller
        dashboard = controller.window.dashboard

        def action() -> None:
            dashboard.test_all.click()

        def until() -> bool:
            return (not controller.running and not dashboard.running() and self.pool.activeThreadCount() == 0)

        def check() -> None:
            results = controller.profile.results
            statuses = {sid: results[sid].status if sid in results else "none" for sid in SITE_SERVICES}
            self.results["dashboard"].append(",".join(f"{k}={v}" for k, v in statuses.items()))

        return controller.window, action, until, check

    def close(self) -> None:
        self.controller.cancel_tests()
        for window in self.windows:
            window.hide()
        self.settle()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs per case (default 5)")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds each stand-in takes to answer (default 2)")
    parser.add_argument("--quick", action="store_true", help="1 run, 0.5 s answers (for the test suite)")
    parser.add_argument("--why", action="store_true", help="sample where the GUI thread is during stalls")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.delay = 1, 0.5

    home = isolate()
    install_memory_keyring()
    from PySide6.QtWidgets import QApplication

    quiet_offscreen_warnings()
    _app = QApplication.instance() or QApplication(sys.argv[:1])  # kept alive for the whole run
    standins = StandIns(SITE_SERVICES)
    try:
        standins.point_environment(os.environ)
        standins.inject("slow", delay=args.delay)
        cases = Cases(standins)
        heartbeat = Heartbeat()
        heartbeat.run(duration=0.3)  # the first ticks after start-up are not part of any case
        names = ["wizard:license", "wizard:stripe", "dashboard"]
        warm: dict[str, list[tuple[float, float, float, float, float]]] = {n: [] for n in names}
        cold: dict[str, tuple[float, float, float, float, float]] = {}
        samplers: dict[str, StallSampler] = {}
        for run in range(args.runs + 1):
            for name in names:
                window, action, until, check = (cases.dashboard_case() if name == "dashboard"
                                                else cases.wizard_case(name.split(":")[1]))
                cases.show_only(window)
                heartbeat.run(duration=0.2)  # let the shown window settle before measuring
                sampler = StallSampler(heartbeat, home) if args.why else None
                if sampler:
                    sampler.start()
                took = heartbeat.run(action, until)
                case_gaps = heartbeat.gaps_ms()
                if sampler:
                    sampler.stop()
                    if name in samplers:
                        samplers[name].gui.update(sampler.gui)
                        samplers[name].workers.update(sampler.workers)
                        samplers[name].stalls += sampler.stalls
                    else:
                        samplers[name] = sampler
                check()
                cases.settle()
                heartbeat.run(duration=took + 0.2)  # idle, same window, same length
                idle_gaps = heartbeat.gaps_ms()
                row = (max(case_gaps), p99(case_gaps), max(idle_gaps), p99(idle_gaps), took)
                if run == 0:
                    cold[name] = row
                else:
                    warm[name].append(row)
        cases.close()
    finally:
        standins.close()
        shutil.rmtree(home, ignore_errors=True)

    print(f"GUI heartbeat every {HEARTBEAT_MS} ms; stand-ins answer each request after {args.delay:g} s; "
          f"medians of {args.runs} warm run(s), each against idle measured right after it")
    print(f"{'case':<21}{'took s':>7}{'max gap ms':>11}{'p99 ms':>8}{'idle max':>9}{'idle p99':>9}"
          f"{'max/idle':>9}{'p99/idle':>9}  verdict (max <= {TARGET_MS:.0f} ms)")
    verdicts = []
    for name in names:
        rows = warm[name]
        med = [statistics.median(col) for col in zip(*rows)]
        cm, cp, im, ip, took = med
        verdict = "pass" if cm <= TARGET_MS else "FAIL"
        verdicts.append(verdict)
        worst = max(r[0] for r in rows)
        print(f"{name:<21}{took:>7.2f}{cm:>11.1f}{cp:>8.1f}{im:>9.1f}{ip:>9.1f}{cm / im:>9.2f}{cp / ip:>9.2f}  "
              f"{verdict} (worst run {worst:.1f} ms)")
    for name in names:
        cm, cp, im, ip, took = cold[name]
        print(f"{name + ' cold':<21}{took:>7.2f}{cm:>11.1f}{cp:>8.1f}{im:>9.1f}{ip:>9.1f}{cm / im:>9.2f}{cp / ip:>9.2f}  "
              f"{'pass' if cm <= TARGET_MS else 'FAIL'} (first run in the process)")
    print("results seen: " + "; ".join(f"{n}: {sorted(set(v))}" for n, v in cases.results.items()))
    for name, sampler in samplers.items():
        sampler.report(name)
    print(f"target: max gap <= {TARGET_MS:.0f} ms while tests run: "
          + ("met" if all(v == "pass" for v in verdicts) else "MISSED") + " (warm medians)")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown: PySide6 can abort while finalizing leftover Qt objects
