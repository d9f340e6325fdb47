"""Parallel tests: "Test all" / `check` over many services costs about one test, not their sum.

    python bench/parallel.py [--runs 5] [--delay 1.0] [--quick]

Target ("Parallel tests"): with every stand-in answering after 1 s, testing all services takes
<= 1.3x one test (not their sum). "One test" is the slowest service's test alone — picked by timing
each service alone first: a service that needs several answers one after another (the owner's site:
discovery, then the signed-in reads, then its pages) sets the floor for everyone. Three ways in,
each timed against the same way with that ONE service measured side by side, alternating:
  check subprocess   `accessally-desktop check --json --credentials -` (process start included)
  run_tests          accessally_desktop.cli.run_tests(jobs, timeout=15) in this process (warm)
  dashboard          "Test all connections" on a configured site (license, Drip, Stripe, PayPal),
                     from the click until every row shows its answer, vs one row's Test button
Two scenarios: "every request" (each stand-in answers every request after --delay, the issue's
setup) and "first request" (only each service's first request is slow), which separates the
parallel dispatch from services that make several round trips one after another.
Prints medians of --runs runs, the ratio all/one against 1.3, and per service its own time and
round trips when all eight run at once. The stand-ins run in a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

TARGET_RATIO = 1.3
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

# -- the three ways in ---------------------------------------------------------------------------------

Outcome = tuple[float, dict[str, dict]]  # seconds, service id -> {"status", "elapsed_ms"}


def check_subprocess(credentials: dict[str, dict[str, str]], services: list[str]) -> Outcome:
    """`accessally-desktop check --json --credentials -`, timed from spawn to exit."""
    payload = json.dumps({sid: credentials[sid] for sid in services})
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    command = [sys.executable, "-m", "accessally_desktop", "check", "--json", "--credentials", "-", "--timeout", "15"]
    started = time.perf_counter()
    out = subprocess.run(command, input=payload, env=env, capture_output=True, text=True, timeout=120, check=False)
    took = time.perf_counter() - started
    if out.returncode not in (0, 1):
        raise SystemExit(f"check exited {out.returncode}:\n{out.stderr}")
    return took, {r["service"]: {"status": r["status"], "elapsed_ms": r["elapsed_ms"]} for r in json.loads(out.stdout)}


def run_tests_in_process(credentials: dict[str, dict[str, str]], services: list[str]) -> Outcome:
    from accessally_desktop.cli import run_tests

    jobs = [(sid, credentials[sid]) for sid in services]
    started = time.perf_counter()
    results = run_tests(jobs, timeout=15)
    took = time.perf_counter() - started
    return took, {r.service: {"status": str(r.status), "elapsed_ms": r.elapsed_ms} for r in results}


class DashboardWay:
    """The main window of a configured site: Test all, or one row's Test button."""

    def __init__(self, credentials: dict[str, dict[str, str]]) -> None:
        save_configured_site(credentials, SITE_SERVICES)
        self.controller = start_configured_app(15, SITE_SERVICES)

    def __call__(self, credentials: dict[str, dict[str, str]], services: list[str]) -> Outcome:
        from PySide6.QtCore import QEventLoop, QTimer

        controller = self.controller
        dashboard = controller.window.dashboard
        rows = dashboard.rows
        loop = QEventLoop()
        done: list[float] = []

        def check(*_: object) -> None:
            if not done and not any(rows[s].busy.isVisible() or s in controller.running for s in services):
                done.append(time.perf_counter())
                loop.quit()

        controller.result_arrived.connect(check)
        QTimer.singleShot(60000, loop.quit)
        started = time.perf_counter()
        if set(services) == set(rows):
            dashboard.test_all.click()
        else:
            (service,) = services
            rows[service].test_button.click()
        loop.exec()
        controller.result_arrived.disconnect(check)
        if not done:
            raise SystemExit("the dashboard did not show every answer within 60 s")
        results = controller.profile.results
        outcome = {s: {"status": results[s].status, "elapsed_ms": results[s].elapsed_ms} for s in services}
        self.settle()
        return done[0] - started, outcome

    def settle(self) -> None:
        """Wait out follow-up calls (Stripe's webhook check) so the next run starts clean."""
        settle_pool(0.05)

    def close(self) -> None:
        self.controller.cancel_tests()
        self.controller.window.hide()
        self.settle()


# -- measuring ------------------------------------------------------------------------------------------

def slowest_alone(standins: StandIns, credentials, services: list[str], *, delay: float, times: int | None) -> str:
    """The service whose test alone takes longest (in this process, once each): the fair "one test"."""
    alone = {}
    for sid in services:
        standins.inject("slow", delay=delay, times=times)
        alone[sid] = run_tests_in_process(credentials, [sid])[0]
    return max(alone, key=alone.__getitem__)


def measure(way, standins: StandIns, credentials, all_services: list[str], *, one: str, runs: int, warmups: int,
            delay: float, times: int | None) -> dict:
    """Alternate one and all for warmups + runs rounds; medians over the measured rounds."""
    took: dict[str, list[float]] = {"one": [], "all": []}
    elapsed: dict[str, list[int]] = {s: [] for s in all_services}
    trips: dict[str, list[int]] = {s: [] for s in all_services}
    statuses: set[str] = set()
    for round_ in range(warmups + runs):
        order = (("one", [one]), ("all", all_services))
        for which, services in (order if round_ % 2 == 0 else order[::-1]):
            standins.inject("slow", delay=delay, times=times)
            before = standins.counts()
            seconds, outcome = way(credentials, services)
            after = standins.counts()
            statuses.update(f"{sid}={r['status']}" for sid, r in outcome.items() if r["status"] != "ok")
            if round_ < warmups:
                continue
            took[which].append(seconds)
            if which == "all":
                for sid in services:
                    elapsed[sid].append(outcome[sid]["elapsed_ms"])
                    trips[sid].append(after[sid] - before[sid])
    return {"one_service": one, "one": statistics.median(took["one"]), "all": statistics.median(took["all"]),
            "elapsed": {s: statistics.median(v) for s, v in elapsed.items() if v},
            "trips": {s: max(v) for s, v in trips.items() if v}, "not_ok": sorted(statuses)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured rounds per way (default 5)")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds each stand-in takes to answer (default 1)")
    parser.add_argument("--quick", action="store_true", help="1 round, 0.3 s answers, no warm-up (for the test suite)")
    args = parser.parse_args()
    warmups = 1
    if args.quick:
        args.runs, args.delay, warmups = 1, 0.3, 0

    home = isolate()
    install_memory_keyring()
    quiet_offscreen_warnings()
    from PySide6.QtWidgets import QApplication

    from accessally_desktop.integrations import registry

    _app = QApplication.instance() or QApplication(sys.argv[:1])  # kept alive for the whole run
    every = list(registry.SERVICE_IDS)
    standins = StandIns(every)
    reports: list[tuple[str, str, dict]] = []
    try:
        standins.point_environment(os.environ)
        creds = standins.credentials
        dashboard = DashboardWay(creds)
        ways = (("check subprocess", every, check_subprocess, warmups),
                ("run_tests", every, run_tests_in_process, 1),  # its first call pays the imports: never measured
                ("dashboard Test all", list(SITE_SERVICES), dashboard, 1))
        run_tests_in_process(creds, every)  # pays the imports before anything is timed
        for scenario, times in (("every request", None), ("first request", 1)):
            for label, services, way, warm in ways:
                one = slowest_alone(standins, creds, services, delay=args.delay, times=times)
                reports.append((scenario, label, measure(way, standins, creds, services, one=one, runs=args.runs,
                                                         warmups=warm, delay=args.delay, times=times)))
        dashboard.close()
    finally:
        standins.close()
        shutil.rmtree(home, ignore_errors=True)

    print(f"stand-ins answer after {args.delay:g} s; one = the slowest service alone; medians of {args.runs} "
          "alternating round(s)")
    print(f"{'scenario':<15}{'way':<20}{'one':<14}{'n':>3}{'one s':>8}{'all s':>8}{'all/one':>9}  "
          f"verdict (all/one <= {TARGET_RATIO})")
    verdicts = []
    for scenario, label, r in reports:
        ratio = r["all"] / r["one"]
        verdict = "pass" if ratio <= TARGET_RATIO else "FAIL"
        if scenario == "every request":
            verdicts.append(verdict)
        n = len(r["elapsed"])
        print(f"{scenario:<15}{label:<20}{r['one_service']:<14}{n:>3}{r['one']:>8.2f}{r['all']:>8.2f}{ratio:>9.2f}  {verdict}"
              + (f"  not ok: {', '.join(r['not_ok'])}" if r["not_ok"] else ""))
    print("\nper service, all at once (median own elapsed ms / round trips per test):")
    columns = [(s, way, r) for s, way, r in reports if way in ("check subprocess", "run_tests")]
    print(f"{'service':<16}" + "".join(f"{(way + ', ' + s.split()[0]):>26}" for s, way, _ in columns))
    for sid in every:
        cells = [f"{r['elapsed'][sid]:.0f} ms / {r['trips'][sid]}" for _, _, r in columns]
        print(f"{sid:<16}" + "".join(f"{cell:>26}" for cell in cells))
    for scenario, label, r in reports:
        if label == "run_tests":
            total = sum(r["elapsed"].values()) / 1000
            print(f"{scenario}: one after another they would take ~{total:.1f} s; all at once took {r['all']:.2f} s")
    print(f"target: all services in <= {TARGET_RATIO}x one test (every request slow): "
          + ("met" if all(v == "pass" for v in verdicts) else "MISSED"))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown: PySide6 can abort while finalizing leftover Qt objects
