"""`check` on hostile input and output: one plain message on stderr, exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from accessally_desktop.transfer import MAX_FILE_BYTES

CHECK = [sys.executable, "-m", "accessally_desktop", "check"]


def check(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*CHECK, *args], capture_output=True, timeout=60, **kwargs)


def assert_usage_error(out: subprocess.CompletedProcess, words: str) -> None:
    err = out.stderr.decode()
    assert out.returncode == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert words in err, err


def test_deeply_nested_json_is_refused_plainly() -> None:
    assert_usage_error(check("--credentials", "-", input=b"[" * 100_000), "nested too deeply")


def test_input_over_the_import_cap_is_refused_without_reading_it_all() -> None:
    big = b'{"stripe": {"secret_key": "' + b"x" * (MAX_FILE_BYTES + 10) + b'"}}'
    assert_usage_error(check("--credentials", "-", input=big), "too big")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_instead_of_read_forever() -> None:
    assert_usage_error(check("--credentials", "/dev/zero"), "not an ordinary file")


def test_a_fifo_and_a_folder_are_refused_without_waiting(tmp_path) -> None:
    fifo = tmp_path / "creds.json"
    os.mkfifo(fifo)
    assert_usage_error(check("--credentials", str(fifo)), "not an ordinary file")
    assert_usage_error(check("--credentials", str(tmp_path)), "not an ordinary file")


def test_closed_stdin_is_a_plain_message() -> None:
    out = subprocess.run(f"{sys.executable} -m accessally_desktop check --credentials - <&-", shell=True,
                         capture_output=True, timeout=60, executable="/bin/bash")
    assert_usage_error(out, "standard input is closed")


def test_closed_stdout_is_a_plain_message(tmp_path) -> None:
    creds = tmp_path / "c.json"
    creds.write_text('{"stripe": {"secret_key": "sk_test_x"}}')
    out = subprocess.run(f"{sys.executable} -m accessally_desktop check --credentials {creds} >&-", shell=True,
                         stderr=subprocess.PIPE, timeout=60, executable="/bin/bash")
    assert_usage_error(out, "standard output is closed")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_a_plain_message() -> None:
    with open("/dev/full", "wb") as full:
        out = subprocess.run([*CHECK, "--credentials", "-"], input=b'{"stripe": {"secret_key": ""}}',
                             stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert_usage_error(out, "could not be written")
