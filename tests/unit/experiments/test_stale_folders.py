"""A run killed with kill -9 leaves its shared-data folder; the next run removes it, and only it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tradegame.experiments.runner import remove_stale_folders


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_the_folders_of_gone_processes_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f"tradegame-experiment-{_dead_pid()}-abc"
    live = tmp_path / f"tradegame-experiment-{os.getpid()}-def"
    unnamed = tmp_path / "tradegame-experiment-xyz-ghi"  # not named by a process id: not ours to judge
    other = tmp_path / "something-else-1-x"
    for folder in (dead, live, unnamed, other):
        folder.mkdir()
        (folder / "close.npy").write_bytes(b"data")
    assert remove_stale_folders(tmp_path) == [dead]
    assert not dead.exists()
    assert live.exists() and unnamed.exists() and other.exists()
