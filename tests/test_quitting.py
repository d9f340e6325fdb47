"""Nothing the owner points the app at, and nothing a worker waits for, keeps it from ending."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from accessally_desktop import transfer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_importing_a_pipe_is_refused_at_once_with_a_plain_message(tmp_path: Path) -> None:
    pipe = tmp_path / "export.json"
    os.mkfifo(pipe)
    outcome: list[Exception] = []
    reader = threading.Thread(target=lambda: outcome.append(_failure(pipe)), daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():
        with open(pipe, "wb"):  # let the stuck reader go before failing
            pass
        pytest.fail("importing a named pipe waited for a writer")
    assert isinstance(outcome[0], transfer.TransferError)
    assert "not an ordinary file" in str(outcome[0]) and "export.json" in str(outcome[0])


def test_importing_a_folder_is_refused_with_a_plain_message(tmp_path: Path) -> None:
    with pytest.raises(transfer.TransferError, match="folder"):
        transfer.read_export(tmp_path)


def _failure(path: Path) -> Exception:
    try:
        transfer.read_export(path)
    except Exception as exc:  # noqa: BLE001 - the test looks at what it was
        return exc
    return AssertionError("the pipe was read as an export")
