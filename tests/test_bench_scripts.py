"""The benchmark scripts still run: each in --quick mode, as a subprocess, printing its ratio lines.

Only that they run and report is checked here, never how fast anything was: timings are the
benchmarks' job (python bench/<name>.py), and a timed assertion would fail on a busy machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from accessally_desktop.integrations import registry

BENCH = Path(__file__).resolve().parent.parent / "bench"
NUMBER = r"-?\d+(?:\.\d+)?"


def run_bench(name: str, timeout: float = 120) -> str:
    # -X faulthandler: a crash of the interpreter (a Qt object used after it was deleted) prints its stack
    out = subprocess.run([sys.executable, "-X", "faulthandler", str(BENCH / name), "--quick"], capture_output=True,
                         text=True, check=False,
                         timeout=timeout, cwd=BENCH.parent)
    assert out.returncode == 0, f"{name} exited {out.returncode}:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def has_row(output: str, label: str, numbers: int, verdict: str = r"(pass|FAIL)") -> bool:
    """A table row: the label, `numbers` figures, then a verdict."""
    figures = r"\s+".join([NUMBER] * numbers)
    return re.search(rf"^{re.escape(label)}\s+{figures}\s+{verdict}", output, re.MULTILINE) is not None


def test_responsiveness_reports_gaps_against_idle() -> None:
    output = run_bench("responsiveness.py")
    for case in ("wizard:license", "wizard:stripe", "dashboard"):
        assert has_row(output, case, 7), f"no figures for {case}:\n{output}"
        assert has_row(output, f"{case} cold", 7), f"no cold figures for {case}:\n{output}"
    assert re.search(r"^target: max gap <= 50 ms while tests run: (met|MISSED)", output, re.MULTILINE), output
    assert "'ok'" in output, f"the tests did not pass against the stand-ins:\n{output}"


def test_parallel_reports_all_over_one() -> None:
    output = run_bench("parallel.py")
    for scenario in ("every request", "first request"):
        every = len(registry.SERVICE_IDS)
        for way, services in (("check subprocess", every), ("run_tests", every), ("dashboard Test all", 4)):
            row = rf"^{scenario}\s+{way}\s+\w+\s+{services}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+(pass|FAIL)"
            assert re.search(row, output, re.MULTILINE), f"no ratio for {scenario} / {way}:\n{output}"
    assert "not ok" not in output, f"a service failed against its stand-in:\n{output}"
    assert re.search(r"^target: all services in <= 1.3x one test .*: (met|MISSED)", output, re.MULTILINE), output


def test_timeouts_reports_ratios_cancel_and_leftovers() -> None:
    output = run_bench("timeouts.py")
    for service in ("ontraport", "stripe"):
        assert has_row(output, service, 5, r"timeout (pass|FAIL)"), f"no timeout ratio for {service}:\n{output}"
        assert re.search(rf"^Attempt.cancel\(\) {service}: test returned \(cancelled\)", output, re.MULTILINE), output
    for service in ("license", "stripe"):
        assert re.search(rf"^wizard Cancel {service}: Test button enabled\s+{NUMBER}", output, re.MULTILINE), output
        assert re.search(rf"^wizard Cancel {service}: worker's answer arrived\s+{NUMBER}", output, re.MULTILINE), output
    for section in ("timeouts", "Attempt.cancel", "wizard Cancel"):
        assert re.search(rf"^{section}\s+(-?\d+\s+){{4}}\d+ ms\s+(pass|FAIL)", output, re.MULTILINE), output
    assert re.search(r"^targets \(.*\): (met|MISSED)", output, re.MULTILINE), output



def test_startup_reports_the_app_against_a_bare_wizard() -> None:
    output = run_bench("startup.py")
    for case in ("fresh (wizard)", "configured (main)", "minimal window *"):
        assert re.search(rf"^{re.escape(case)}(\s+{NUMBER}){{6}}$", output, re.MULTILINE), f"no figures for {case}:\n{output}"


def test_soak_reports_memory_threads_and_refcounts() -> None:
    output = run_bench("soak.py", timeout=300)
    for phase in ("Test all", "wizard typing"):
        assert has_row(output, phase, 8), f"no figures for {phase}:\n{output}"
    assert re.search(r"^target: memory <= .* per 100 rounds.*: (met|MISSED)", output, re.MULTILINE), output
    results = re.search(r"^last results: (.*)$", output, re.MULTILINE)
    assert results and all(r.endswith("=ok") for r in results.group(1).split(", ")), output


def test_site_reports_scan_time_connections_and_gaps() -> None:
    output = run_bench("site.py")
    for label in ("scan time / ideal", "connections accepted", "most requests at once", "GUI max gap ms",
                  "cold scan time / ideal"):
        assert has_row(output, label, 3), f"no figures for {label}:\n{output}"
    assert "pages sampled per scan: [10]" in output, f"a scan did not sample the 10 pages:\n{output}"
    assert re.search(r"^target: 10 pages in .*: (met|MISSED)", output, re.MULTILINE), output
