"""`tradegame experiment run --engine ray`: the same table as the local pool, and a killed run resumed.

One local Ray for the module (starting one takes seconds on the shared machine): 2 CPUs, no
dashboard, a small object store. Its workers import tradegame from this checkout (PYTHONPATH set
before Ray starts, so that its processes inherit it). It is stopped when the module ends, so that
no later test forks a process with Ray's threads running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from typer.testing import CliRunner

from tests.integration.test_experiment_books import TINY, books
from tests.integration.test_experiments import SMALL, _count, books_once, table, unlinked, write_experiment
from tradegame.cli import app
from tradegame.store import open_database

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
SRC = str(ROOT / "src")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[str]:
    """A local Ray of 2 CPUs for this module; its address."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (SRC, before) if p)
    try:
        context = ray.init(
            num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 * 1024, logging_level="warning"
        )
        yield str(context.address_info["address"])
    finally:
        ray.shutdown()
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


def test_ray_plays_the_same_table_as_the_local_pool_and_a_rerun_skips(tmp_path: Path, local_ray: str) -> None:
    path = write_experiment(tmp_path, SMALL)
    local, on_ray = tmp_path / "local.sqlite", tmp_path / "ray.sqlite"
    first = runner.invoke(app, ["experiment", "run", str(path), "--db", str(local), "--workers", "1", "--json"])
    assert first.exit_code == 0, first.output
    result = runner.invoke(app, ["experiment", "run", str(path), "--db", str(on_ray), "--engine", "ray", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["games"], summary["played"], summary["skipped"], summary["errors"]) == (36, 36, 0, 0)
    rows = table(on_ray, summary["experiment_id"])
    assert len(rows) == 36 and rows == table(local, summary["experiment_id"])
    again = runner.invoke(app, ["experiment", "run", str(path), "--db", str(on_ray), "--engine", "ray", "--json"])
    assert again.exit_code == 0, again.output
    assert (json.loads(again.output)["played"], json.loads(again.output)["skipped"]) == (0, 36)


def test_engine_options_are_checked_before_anything_runs(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, SMALL)
    db = tmp_path / "games.sqlite"
    cases = [
        (["--address", "127.0.0.1:6379"], "--address is for --engine ray"),
        (["--engine", "ray", "--address", "127.0.0.1:6379", "--workers", "2"], "--workers is for a local Ray"),
    ]
    for options, expected in cases:
        result = runner.invoke(app, ["experiment", "run", str(path), "--db", str(db), *options])
        assert result.exit_code == 2 and expected in result.output, result.output
    wrong = runner.invoke(app, ["experiment", "run", str(path), "--db", str(db), "--engine", "dask"])
    assert wrong.exit_code == 2 and "dask" in wrong.output
    assert not db.exists()


KILLED = """
[axes.start]
from = 2001-01-02
to = 2016-12-30
every = 40

[axes]
length = ["1y"]

[[axes.model]]
name = "sma-crossover"
params = { symbol = "SPX" }
grid = { fast = [10, 20], slow = [50] }
"""


@pytest.mark.slow  # about a minute each on the shared 2-core machine: three runs of about 200 (books: 80) Games
@pytest.mark.parametrize("keep_books", [False, True], ids=["rows", "books"])
def test_a_runner_killed_on_ray_then_rerun_ends_with_the_uninterrupted_table(
    tmp_path: Path, local_ray: str, keep_books: bool
) -> None:
    # With books every Game goes through the Round loop (slower than the sweep): fewer Games.
    path = write_experiment(tmp_path, KILLED.replace("every = 40", "every = 100") if keep_books else KILLED, "killed")
    killed, whole = tmp_path / "killed.sqlite", tmp_path / "whole.sqlite"
    env = {**os.environ, "PYTHONPATH": SRC}
    command = [sys.executable, "-m", "tradegame", "experiment", "run", str(path), "--json"]
    plain = list(command)  # the uninterrupted run: no books (SMA Games through the sweep), the same rows
    command += ["--keep-books"] if keep_books else []
    on_ray = [*command, "--engine", "ray", "--address", local_ray, "--db", str(killed)]
    process = subprocess.Popen(on_ray, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 180
    while _count(killed) < 20 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the runner (a driver of the cluster), mid-run
    process.wait()
    partway = _count(killed)
    rerun = subprocess.run(on_ray, env=env, capture_output=True, text=True, check=True)
    summary = json.loads(rerun.stdout)
    assert 0 < partway < summary["games"], partway
    assert summary["skipped"] == partway and summary["played"] == summary["games"] - partway
    subprocess.run([*plain, "--db", str(whole), "--workers", "2"], env=env, capture_output=True, check=True)
    rows = table(killed, summary["experiment_id"])
    assert len(rows) == summary["games"] == len({row["game_key"] for row in rows})
    assert unlinked(rows) == unlinked(table(whole, summary["experiment_id"]))  # stored ids: in the order played
    if keep_books:
        books_once(killed, rows)


def test_keep_books_on_ray_stores_the_books_of_the_local_pool(tmp_path: Path, local_ray: str) -> None:
    path = write_experiment(tmp_path, TINY)
    local, on_ray = tmp_path / "local.sqlite", tmp_path / "ray.sqlite"
    for db, options in ((local, ["--workers", "2"]), (on_ray, ["--engine", "ray", "--address", local_ray])):
        result = runner.invoke(
            app, ["experiment", "run", str(path), "--db", str(db), "--keep-books", "--json", *options]
        )
        assert result.exit_code == 0, result.output
    experiment_id = json.loads(result.output)["experiment_id"]
    rows, expected = table(on_ray, experiment_id), table(local, experiment_id)
    assert len(rows) == 6 and unlinked(rows) == unlinked(expected)
    books_once(on_ray, rows)
    with open_database(str(local)) as ours, open_database(str(on_ray)) as theirs:
        for row, other in zip(expected, rows, strict=True):
            assert books(theirs.load_game(int(str(other["stored_game_id"])))) == books(
                ours.load_game(int(str(row["stored_game_id"])))
            )
