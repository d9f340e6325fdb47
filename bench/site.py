"""The site check: how long scanning a slow site takes, how many connections it opens, and whether
the GUI keeps ticking meanwhile.

    python bench/site.py [--runs 5] [--delay 1.0] [--quick]

Target (issue 15 item 6): checking 10 pages, each fetched plain and cache-busted (20 requests, plus
the REST list of pages that names them), of a site that answers every request after 1 s, at most 4
at a time, takes <= 1.3 x what 4 connections at a time allow for the 20 (5 s); the connections are
reused (at most 4 accepted); and a 16 ms GUI heartbeat never waits over 50 ms while it runs.

The site (tests/support/site_pages.py) runs in a child process, so its threads never compete with
the GUI for the GIL; the scan runs through the app's worker pool (ui.workers.submit), as the app
runs it. The first run in the process is reported apart (cold: httpx and OpenSSL load on it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, REPO)  # the checkout this script is in, not whichever copy is installed

from harness import isolate, quiet_offscreen_warnings, settle_pool  # noqa: E402 - bench/ is on sys.path
from responsiveness import Heartbeat  # noqa: E402

PAGES = 10
AT_ONCE = 4
TIME_TARGET = 1.3
GAP_TARGET_MS = 50.0

SITE = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
from support.site_pages import SitePages, drip_tag, ontraport_tag, page
paths = [f"/page-{i}/" for i in range(1, 15)]
head = ontraport_tag("27875") + drip_tag("1234567")
site = SitePages({"/": page(head), **{p: page(head) for p in paths}}, delay=float(sys.argv[1])).start()
print(json.dumps({"home": site.url + "/", "pages": site.pages_list(paths)}), flush=True)
for line in sys.stdin:  # each line: report the counters since the last one, then reset them
    print(json.dumps({"connections": site.connections, "most": site.most_in_flight, "requests": len(site.seen)}),
          flush=True)
    site.connections, site.most_in_flight, site.seen = 0, 0, []
site.stop()
"""


class Site:
    """The slow site in a child process."""

    def __init__(self, delay: float) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SITE, str(delay), os.path.join(REPO, "tests")],
                                     env={**os.environ, "PYTHONPATH": REPO}, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the site did not start")
        info = json.loads(line)
        self.home, self.pages = info["home"], info["pages"]

    def counters(self) -> dict[str, int]:
        """Connections accepted, most requests in flight at once, requests, since the last call."""
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()  # the child stops its site and exits
        self.proc.wait(10)


def one_run(site: Site, heartbeat: Heartbeat) -> tuple[float, float, dict[str, int], object]:
    """(seconds, GUI max gap ms, the site's counters, the scan) for one scan through the worker pool."""
    from accessally_desktop.integrations import Attempt
    from accessally_desktop.integrations.site_scan import SCAN_TIMEOUT, scan
    from accessally_desktop.ui import workers

    site.counters()
    done: list[object] = []

    def action() -> None:
        workers.submit(lambda: scan(Attempt(SCAN_TIMEOUT), site.home, site.pages, limit=PAGES, at_once=AT_ONCE),
                       done.append, done.append)

    took = heartbeat.run(action, lambda: bool(done), tail=0.1)
    gap = max(heartbeat.gaps_ms())
    settle_pool()
    return took, gap, site.counters(), done[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs (default 5)")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the site takes to answer (default 1)")
    parser.add_argument("--quick", action="store_true", help="2 runs, 0.3 s answers (for the test suite)")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.delay = 2, 0.3

    home = isolate()
    from PySide6.QtWidgets import QApplication

    from accessally_desktop.integrations import site_scan

    quiet_offscreen_warnings()
    _app = QApplication.instance() or QApplication(sys.argv[:1])  # kept alive for the whole run
    site_scan.warm_up()  # the CRM modules, on the GUI thread, as the app's warm-up does
    site = Site(args.delay)
    try:
        heartbeat = Heartbeat()
        heartbeat.run(duration=0.3)
        runs = [one_run(site, heartbeat) for _ in range(args.runs + 1)]
        heartbeat.run(duration=2.0)
        idle_gap = max(heartbeat.gaps_ms())
    finally:
        site.close()
        shutil.rmtree(home, ignore_errors=True)

    ideal = math.ceil(2 * PAGES / AT_ONCE) * args.delay
    (cold_took, cold_gap, _, _), warm = runs[0], runs[1:]
    sampled = sorted({len(run[3].sampled) if isinstance(run[3], site_scan.SiteScan) else repr(run[3]) for run in runs})
    rows = [  # label, warm values, target, lower is better
        ("scan time / ideal", [took / ideal for took, *_ in warm], TIME_TARGET),
        ("connections accepted", [counts["connections"] for _, _, counts, _ in warm], AT_ONCE),
        ("most requests at once", [counts["most"] for _, _, counts, _ in warm], AT_ONCE),
        ("GUI max gap ms", [gap for _, gap, _, _ in warm], GAP_TARGET_MS),
    ]
    print(f"site answers each request after {args.delay:g} s; {PAGES} pages plain and cache-busted "
          f"({2 * PAGES} requests, plus the list of pages), {AT_ONCE} at a time; ideal {ideal:g} s "
          f"(what {AT_ONCE} connections allow for the {2 * PAGES}); medians of {args.runs} warm run(s)")
    print(f"pages sampled per scan: {sampled}; requests per scan: {sorted({c['requests'] for _, _, c, _ in runs})}; "
          f"idle GUI max gap {idle_gap:.1f} ms")
    print(f"{'what':<24}{'median':>9}{'worst':>9}{'target':>9}  verdict")
    verdicts = []
    for label, values, target in rows:
        median, worst = statistics.median(values), max(values)
        verdict = "pass" if median <= target else "FAIL"
        verdicts.append(verdict)
        print(f"{label:<24}{median:>9.2f}{worst:>9.2f}{target:>9.2f}  {verdict}")
    print(f"{'cold scan time / ideal':<24}{cold_took / ideal:>9.2f}{cold_took / ideal:>9.2f}{TIME_TARGET:>9.2f}  "
          f"{'pass' if cold_took / ideal <= TIME_TARGET else 'FAIL'} (first run in the process)")
    print(f"{'cold GUI max gap ms':<24}{cold_gap:>9.2f}{cold_gap:>9.2f}{GAP_TARGET_MS:>9.2f}  "
          f"{'pass' if cold_gap <= GAP_TARGET_MS else 'FAIL'} (first run in the process)")
    print(f"target: {PAGES} pages in <= {TIME_TARGET:g}x ideal over <= {AT_ONCE} reused connections, GUI gap "
          f"<= {GAP_TARGET_MS:.0f} ms: " + ("met" if all(v == "pass" for v in verdicts) else "MISSED")
          + " (warm medians)")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown: PySide6 can abort while finalizing leftover Qt objects
