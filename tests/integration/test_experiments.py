"""`tradegame experiment`: plan, run, rerun, replay; bad files refused with nothing written."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from tradegame.cli import app
from tradegame.store import open_database
from tradegame.store.experiments import experiment_games, experiment_rows

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "examples" / "experiments" / "spx-base.toml").read_text()


def write_experiment(folder: Path, axes: str, name: str = "exp") -> Path:
    (folder / "base.toml").write_text(BASE)
    path = folder / f"{name}.toml"
    path.write_text(f'[experiment]\nname = "{name}"\ngame = "base.toml"\nseed = 1\n\n{axes}\n')
    return path


SMALL = """
[axes.start]
from = 2003-01-02
to = 2003-12-31
session_of_month = 1

[axes]
length = ["3m"]

[[axes.model]]
name = "buy-and-hold"
params = { symbols = ["SPX"] }

[[axes.model]]
name = "sma-crossover"
params = { symbol = "SPX" }
grid = { fast = [5, 10], slow = [30] }
"""


def table(db_path: Path, experiment_id: str) -> list[dict[str, object]]:
    with open_database(str(db_path)) as db:
        rows = experiment_rows(db, experiment_id)
    return [{k: v for k, v in row.items() if k != "finished_at"} for row in rows]


def test_plan_prints_the_count_and_a_sample(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, SMALL)
    result = runner.invoke(app, ["experiment", "plan", str(path), "--json", "--sample", "3"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["games"] == 12 * 3 and len(plan["sample"]) == 3 and plan["calendar"] == "XNYS"
    assert plan["axes"] == {"start": 12, "length": 1, "model": 3}
    first = plan["sample"][0]
    assert first["coordinates"] == {"start": "2003-01-02", "length": "3m", "model": "buy-and-hold",
                                    "params": {"symbols": ["SPX"]}}  # fmt: skip
    text = runner.invoke(app, ["experiment", "plan", str(path)])
    assert text.exit_code == 0 and f"{plan['experiment_id']}: 36 Games" in text.output


@pytest.mark.parametrize(
    ("axes", "expected"),
    [
        ('[axes]\nlenght = ["1y"]', "axes.lenght: unknown key (did you mean 'length'?)"),
        ("[axes]\nlength = []", "axes.length: is empty"),
        ("[axes.start]\nfrom = 2003-01-02\nto = 2002-01-01", "axes.start.to: 2002-01-01 is before from 2003-01-02"),
        ("[axes.start]\ndates = [2003-01-04]", "axes.start.dates[0]: 2003-01-04 is not a session of the XNYS calendar"),
        ('[[axes.model]]\nname = "no-such-model"', "axes.model[0].name: unknown model 'no-such-model'"),
        (
            '[[axes.model]]\nname = "sma-crossover"\nparams = { symbol = "SPX" }\ngrid = { fast = [5, "x"] }',
            "axes.model[0].params (fast='x'): ",
        ),
        ('[[axes.model]]\nname = "buy-and-hold"\nparams = { symbols = ["NOPE"] }', "axes.model[0].params.symbols"),
    ],
)
def test_a_bad_file_is_refused_with_exit_2_and_nothing_written(tmp_path: Path, axes: str, expected: str) -> None:
    path = write_experiment(tmp_path, axes)
    db = tmp_path / "games.sqlite"
    for command in ("plan", "run"):
        result = runner.invoke(
            app, ["experiment", command, str(path), "--db", str(db)][: 3 if command == "plan" else 5]
        )
        assert result.exit_code == 2, result.output
        assert expected in result.output
    assert not db.exists()


def test_run_writes_one_row_per_game_and_a_rerun_skips_them(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, SMALL)
    inline, pooled = tmp_path / "inline.sqlite", tmp_path / "pooled.sqlite"
    first = runner.invoke(app, ["experiment", "run", str(path), "--db", str(inline), "--workers", "1", "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert (summary["games"], summary["played"], summary["skipped"]) == (36, 36, 0)
    again = runner.invoke(app, ["experiment", "run", str(path), "--db", str(inline), "--json"])
    assert json.loads(again.output)["played"] == 0 and json.loads(again.output)["skipped"] == 36
    pool = runner.invoke(app, ["experiment", "run", str(path), "--db", str(pooled), "--workers", "2", "--json"])
    assert pool.exit_code == 0, pool.output
    rows = table(inline, summary["experiment_id"])
    assert len(rows) == 36 and rows == table(pooled, summary["experiment_id"])
    assert {row["outcome"] for row in rows} == {"completed"}
    with open_database(str(inline)) as db, db.engine.begin() as connection:
        twice = insert(experiment_games).values(**rows[0], finished_at=db.now())
        with pytest.raises(IntegrityError):  # the same Game counted twice is refused by the key
            connection.execute(twice)


def test_replay_plays_one_game_in_full_to_the_stored_score(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, SMALL)
    db = tmp_path / "games.sqlite"
    summary = json.loads(runner.invoke(app, ["experiment", "run", str(path), "--db", str(db), "--json"]).output)
    rows = table(db, summary["experiment_id"])
    traded = next(row for row in rows if row["coordinates"]["model"] == "sma-crossover" and row["trades"])  # type: ignore[index]
    result = runner.invoke(
        app, ["experiment", "replay", summary["experiment_id"], str(traded["game_key"]), "--db", str(db), "--json"]
    )
    assert result.exit_code == 0, result.output
    replayed = json.loads(result.output)
    assert replayed["score"] == str(traded["score"]) and replayed["outcome"] == traded["outcome"]
    assert replayed["final_value"] == str(traded["final_value"])
    report = runner.invoke(app, ["games", "list", "--db", str(db)])
    assert report.exit_code == 0 and "spx-base" in report.output
    missing = runner.invoke(app, ["experiment", "replay", summary["experiment_id"], "nope", "--db", str(db)])
    assert missing.exit_code == 2 and "has no finished Game 'nope'" in missing.output


KILLED = """
[axes.start]
from = 2001-01-02
to = 2016-12-30
every = 20

[axes]
length = ["1y"]

[[axes.model]]
name = "sma-crossover"
params = { symbol = "SPX" }
grid = { fast = [10, 20], slow = [50] }
"""


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as connection:
            return int(connection.execute("SELECT count(*) FROM experiment_games").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def books_once(db: Path, rows: list[dict[str, object]]) -> None:
    """Each row names stored books of its own, and every stored Game is one row's: none twice."""
    with sqlite3.connect(db, timeout=30) as connection:
        stored = [row[0] for row in connection.execute("SELECT id FROM games WHERE status = 'finished'")]
        assert connection.execute("SELECT count(*) FROM games").fetchone()[0] == len(stored)
    assert sorted(int(str(row["stored_game_id"])) for row in rows) == sorted(stored)


def unlinked(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in row.items() if k != "stored_game_id"} for row in rows]


@pytest.mark.slow  # about a minute each on the shared 2-core machine: three runs of about 400 (books: 130) Games
@pytest.mark.parametrize("keep_books", [False, True], ids=["rows", "books"])
def test_killed_at_any_moment_a_rerun_ends_with_the_uninterrupted_table(tmp_path: Path, keep_books: bool) -> None:
    # With books every Game goes through the Round loop (slower than the sweep): fewer Games.
    path = write_experiment(tmp_path, KILLED.replace("every = 20", "every = 60") if keep_books else KILLED, "killed")
    killed, whole = tmp_path / "killed.sqlite", tmp_path / "whole.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "tradegame", "experiment", "run", str(path), "--workers", "2", "--json"]
    plain = list(command)  # the uninterrupted run: no books (SMA Games through the sweep), the same rows
    command += ["--keep-books"] if keep_books else []
    process = subprocess.Popen([*command, "--db", str(killed)], env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while _count(killed) < 30 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the runner and its workers, mid-run
    process.wait()
    partway = _count(killed)
    assert 0 < partway < 400, partway
    rerun = subprocess.run([*command, "--db", str(killed)], env=env, capture_output=True, text=True, check=True)
    summary = json.loads(rerun.stdout)
    assert summary["skipped"] == partway and summary["played"] == summary["games"] - partway
    subprocess.run([*plain, "--db", str(whole), "--workers", "1"], env=env, capture_output=True, check=True)
    rows = table(killed, summary["experiment_id"])
    assert len(rows) == summary["games"] == len({row["game_key"] for row in rows})
    assert unlinked(rows) == unlinked(table(whole, summary["experiment_id"]))  # stored ids: in the order played
    if keep_books:
        books_once(killed, rows)
    else:
        assert all(row["stored_game_id"] is None for row in rows)


def test_an_experiment_in_python_is_the_same_as_its_file(tmp_path: Path) -> None:
    import tomllib
    from datetime import date

    from tradegame.data.store import MarketStore
    from tradegame.experiments import Experiment, Length, ModelAxis, StartDates, load_experiment, prepare_experiment

    path = write_experiment(tmp_path, SMALL)
    base = tomllib.loads(BASE)
    models = (
        ModelAxis("buy-and-hold", {"symbols": ["SPX"]}),
        ModelAxis("sma-crossover", {"symbol": "SPX"}, {"fast": (5, 10), "slow": (30,)}),
    )
    starts = StartDates(date(2003, 1, 2), date(2003, 12, 31), session_of_month=1)
    in_python = Experiment("exp", base, 1, starts, (Length(months=3),), models, source="python")
    store = MarketStore(None)
    from_file = prepare_experiment(load_experiment(path), store, tmp_path)
    from_python = prepare_experiment(in_python, store, tmp_path)
    assert from_python.experiment_id == from_file.experiment_id
    assert from_python.games == from_file.games


def test_the_shipped_seasonality_experiment_plans() -> None:
    path = ROOT / "examples" / "experiments" / "seasonality.toml"
    result = runner.invoke(app, ["experiment", "plan", str(path), "--json", "--sample", "4"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["games"] == 2 * 906 and {row["coordinates"]["model"] for row in plan["sample"]} == {
        "buy-and-hold",
        "sma-crossover",
    }


@pytest.mark.slow
def test_an_experiment_on_postgresql_is_the_same_as_on_sqlite(
    tmp_path: Path, postgres_database: Callable[[], str]
) -> None:
    path = write_experiment(tmp_path, SMALL)
    url = postgres_database()
    sqlite_db = tmp_path / "games.sqlite"
    for db in (url, str(sqlite_db)):
        result = runner.invoke(app, ["experiment", "run", str(path), "--db", db, "--workers", "2", "--json"])
        assert result.exit_code == 0, result.output
    experiment_id = json.loads(result.output)["experiment_id"]
    with open_database(url) as db:
        on_postgres = [
            {k: v for k, v in row.items() if k != "finished_at"} for row in experiment_rows(db, experiment_id)
        ]
    assert len(on_postgres) == 36 and on_postgres == table(sqlite_db, experiment_id)


USER_MODEL = '''
from decimal import Decimal

from tradegame import Move


class Picky:
    """Buys on its first Round; a Model that raises on purpose when ``fail`` is set."""

    name = "picky"

    def __init__(self, symbol: str, fail: bool = False) -> None:
        self.symbol, self.fail = symbol, fail

    def decide(self, ctx):
        if self.fail and ctx.round == 3:
            raise RuntimeError("picky gave up")
        return [Move.target(self.symbol, Decimal("0.5"))] if ctx.round == 0 else None
'''


def test_a_users_own_model_plays_in_the_workers_and_its_failures_are_rows(tmp_path: Path) -> None:
    (tmp_path / "picky.py").write_text(USER_MODEL)
    axes = """
[axes.start]
dates = [2004-01-02, 2004-02-02, 2004-03-01]

[axes]
length = ["20r"]

[[axes.model]]
name = "picky.py:Picky"
params = { symbol = "SPX" }
grid = { fail = [false, true] }
"""
    path = write_experiment(tmp_path, axes)
    db = tmp_path / "games.sqlite"
    result = runner.invoke(app, ["experiment", "run", str(path), "--db", str(db), "--workers", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["errors"] == 3
    rows = table(db, json.loads(result.output)["experiment_id"])
    by_fail = {
        fail: [r for r in rows if r["coordinates"]["params"]["fail"] is fail]  # type: ignore[index]
        for fail in (False, True)
    }
    assert [r["outcome"] for r in by_fail[False]] == ["completed"] * 3
    assert all(r["rounds"] == 20 and r["trades"] == 2 for r in by_fail[False])
    assert [r["outcome"] for r in by_fail[True]] == ["error"] * 3
    assert all("picky gave up" in str(r["error"]) and r["score"] is None for r in by_fail[True])
