"""scripts/postgres-watch: the test server's state is cleaned up once the processes it watches end."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_watch_waits_for_every_process_then_stops_the_server(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()  # no data-dir recorded: postgres-stop only removes the state
    first = subprocess.Popen(["sleep", "1"])
    second = subprocess.Popen(["sleep", "2"])
    for child in (first, second):  # reaped as they end (a zombie still answers kill -0)
        threading.Thread(target=child.wait, daemon=True).start()
    started = time.monotonic()
    watch = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres-watch"), str(first.pid), str(second.pid)],
        env={**os.environ, "TRADEGAME_PG_STATE": str(state)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert watch.returncode == 0, watch.stderr
    assert time.monotonic() - started >= 1.5  # it waited for the second process too
    assert not state.exists()


def test_the_watch_needs_a_process(tmp_path: Path) -> None:
    watch = subprocess.run(
        ["bash", str(ROOT / "scripts" / "postgres-watch")], capture_output=True, text=True, check=False
    )
    assert watch.returncode == 2 and "usage" in watch.stderr
