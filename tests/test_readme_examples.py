"""README's `check` examples run as printed: their values reach the service (no '…' placeholder
refused by the format check) and `--sandbox check` passes everywhere without leaving this computer."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from accessally_desktop.integrations import registry

README = Path(__file__).resolve().parent.parent / "README.md"


def check_examples() -> list[str]:
    """The commands of the sh block under 'Check credentials from a terminal', continuations joined."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Check credentials from a terminal", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [re.sub(r"\s+#.*$", "", line).strip() for line in joined.splitlines() if line.strip()]


def run_as_printed(command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    program = f"{shlex.quote(sys.executable)} -m accessally_desktop"
    return subprocess.run(["bash", "-c", re.sub(r"\baccessally-desktop\b", program, command)],
                          capture_output=True, text=True, timeout=120, env=env)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ACCESSALLY_DESKTOP_")}


def test_the_readme_has_the_examples_this_file_runs() -> None:
    examples = check_examples()
    assert any("--credentials -" in c for c in examples) and any("--sandbox check" in c for c in examples)
    assert not any("…" in c for c in examples), "a '…' in a value is refused before it is ever sent"


def test_the_credentials_example_reaches_stripe_and_is_refused_there(serve) -> None:
    server = serve("stripe")
    env = {**clean_env(), "ACCESSALLY_DESKTOP_STRIPE_URL": server.url}
    [command] = [c for c in check_examples() if "--credentials -" in c and "--sandbox" not in c]
    out = run_as_printed(command, env)
    assert out.returncode == 1, out.stdout + out.stderr
    [result] = json.loads(out.stdout)
    assert result["status"] == "invalid_credentials", result
    assert server.requests, "the example's keys were sent, not refused by the format check"


@pytest.mark.parametrize("command", [c for c in check_examples() if "--sandbox" in c])
def test_sandbox_examples_pass_for_every_service(command: str) -> None:
    out = run_as_printed(command, clean_env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and out.stdout.count("  Connected  ") == len(registry.SERVICE_IDS), out.stdout
    assert out.stdout.splitlines()[-1] == f"All {len(registry.SERVICE_IDS)} connections work."
