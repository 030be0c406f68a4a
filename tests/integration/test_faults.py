"""Fault injection: ``kill -9`` at random moments of ``play``, ``resume`` and ``data import``.

Each trial kills a real ``tradegame`` process at a moment drawn from a seeded random generator
(so a failure names a trial that can be run again), then checks, in this process, what the kill
left behind: the
SQLite file passes ``PRAGMA integrity_check``, every stored journal entry balances and every
stored Round is whole, the data store lists, shows and verifies. Then it reruns the command the
way a user would (``resume`` for a stored Game, ``play`` again when nothing was stored, the same
``data import`` again) and requires the result of an uninterrupted run: the same exported books
byte for byte, the same dataset version hash.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.integration.slow_sma import slowed
from tests.unit.data.sample import daily_bars
from tests.unit.store.test_kill import assert_whole_rounds
from tradegame.cli import app
from tradegame.store import open_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "games" / "sma-2008.toml"
SEED = 20261206
TRIALS = 5
runner = CliRunner()


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "TRADEGAME_DATA": str(data_dir),
    }


def tradegame(data_dir: Path, *args: str) -> str:
    """Run the command line in this process (only the killed ones are separate); its stdout.

    ``data_dir`` is the data store (``$TRADEGAME_DATA``); fail the test on a non-zero exit.
    """
    done = runner.invoke(app, list(args), env={"TRADEGAME_DATA": str(data_dir)})
    assert done.exit_code == 0, f"tradegame {' '.join(args)} exited {done.exit_code}: {done.output}"
    return done.stdout


def timed_alone(data_dir: Path, *args: str) -> float:
    """Run ``tradegame ARGS`` in a process of its own, to its end; the seconds it took."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tradegame", *args], env=_env(data_dir), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"tradegame {' '.join(args)} exited {done.returncode}: {done.stderr}"
    return time.monotonic() - began


def killed(data_dir: Path, after: float | Callable[[], bool], *args: str) -> int | None:
    """Start ``tradegame ARGS``, SIGKILL it ``after`` seconds (or once ``after()`` holds).

    Returns None when the process was killed, else its exit code (it ended before the moment).
    """
    child = subprocess.Popen(
        [sys.executable, "-m", "tradegame", *args],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + (after if isinstance(after, float) else 120.0)
        while child.poll() is None and time.monotonic() < deadline:
            if callable(after) and after():
                break
            time.sleep(0.005)
        if child.poll() is not None:
            assert child.returncode == 0, child.stderr.read() if child.stderr else ""
            return child.returncode
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        return None
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=30)


# --- the Game database -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """An uninterrupted run's exported books and how long its process took."""

    books: dict[str, str]
    games_row: dict[str, str]
    volatile: frozenset[str]  # games columns that differ between two uninterrupted runs
    seconds: float


def games_of(data_dir: Path, url: str) -> list[dict[str, object]]:
    listed = json.loads(tradegame(data_dir, "games", "list", "--json", "--db", url))
    assert isinstance(listed, list)
    return listed


def exported(data_dir: Path, url: str, game_id: int, folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Every exported table's text but the games row, and the games row as a dict."""
    tradegame(data_dir, "export", str(game_id), "--db", url, "-o", str(folder))
    books = {path.name: path.read_text() for path in sorted(folder.glob("*.csv")) if path.name != "games.csv"}
    with (folder / "games.csv").open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    return books, row


def check_database(url: str) -> None:
    """What a kill may leave: an intact file, whole Rounds only, every entry balanced."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists():
            with sqlite3.connect(path) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with open_database(url) as db:
        for summary in db.list_games():
            stored = db.load_game(summary.id)
            if stored.rounds:
                assert_whole_rounds(stored)
            else:
                assert not stored.entries and not stored.events


def finish(data_dir: Path, url: str, game: Path) -> int:
    """Complete the one Game as a user would: resume it, or play it again if nothing was stored."""
    games = games_of(data_dir, url)
    assert len(games) <= 1, games
    if not games:
        tradegame(data_dir, "play", str(game), "--db", url)
        (game,) = games_of(data_dir, url)
        return int(str(game["id"]))
    (game,) = games
    if game["status"] != "finished":
        tradegame(data_dir, "resume", str(game["id"]), "--db", url)
    return int(str(game["id"]))


def assert_same_books(data_dir: Path, url: str, game_id: int, folder: Path, reference: Reference) -> None:
    books, row = exported(data_dir, url, game_id, folder)
    assert row["status"] == "finished"
    assert books == reference.books
    for column in set(row) - reference.volatile:
        assert row[column] == reference.games_row[column], column


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data store for the module's Games (the bundled datasets materialize on first use)."""
    return tmp_path_factory.mktemp("fault-store")


@pytest.fixture(scope="module")
def game(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example SMA Game, slowed to about two seconds of play (``slow_sma``): a kill by Rounds
    committed lands part-way through it, and one at a random moment often does."""
    return slowed(EXAMPLE, tmp_path_factory.mktemp("game"))


@pytest.fixture(scope="module")
def reference(store: Path, game: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The Game played to its end twice: in a process of its own (timed: the kill moments are
    fractions of it) and in this one."""
    rows = []
    seconds = 0.0
    for run in range(2):
        folder = tmp_path_factory.mktemp(f"reference-{run}")
        url = f"sqlite:///{folder / 'games.sqlite'}"
        if run == 0:
            seconds = timed_alone(store, "play", str(game), "--db", url)
        else:
            tradegame(store, "play", str(game), "--db", url)
        books, row = exported(store, url, 1, folder / "export")
        rows.append((books, row))
    (books, row), (books_again, row_again) = rows
    assert books == books_again  # deterministic, or nothing below means anything
    volatile = frozenset(column for column in row if row[column] != row_again[column])
    # Only instants and who played may differ: a score or a ledger never does.
    assert all(column.endswith("_at") or column in ("id", "owner") for column in volatile), volatile
    return Reference(books, row, volatile | {"id"}, seconds)


def moments(kind: str, count: int, longest: float) -> Iterator[tuple[int, float]]:
    rng = random.Random(f"{SEED}-{kind}")
    for trial in range(count):
        yield trial, rng.uniform(0.05, longest)


@pytest.mark.parametrize(("trial", "moment"), list(moments("play", TRIALS, 1.0)))
def test_a_play_killed_at_a_random_moment_reruns_to_the_same_books(
    trial: int, moment: float, store: Path, game: Path, reference: Reference, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'games.sqlite'}"
    # The moment is a fraction of an uninterrupted run: before, while and after the Game plays.
    outcome = killed(store, moment * reference.seconds * 1.1, "play", str(game), "--db", url)
    check_database(url)
    game_id = finish(store, url, game)
    check_database(url)
    assert_same_books(store, url, game_id, tmp_path / "export", reference)
    assert outcome in (None, 0)


def _committed_at_least(url: str, rounds: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with open_database(url) as db:
                games = db.list_games()
                return bool(games) and (db.last_committed_round(games[0].id) or -1) >= rounds
        except Exception:  # the database may not exist yet
            return False

    return check


@pytest.mark.parametrize("trial", range(3))
def test_a_resume_killed_at_a_random_moment_resumes_to_the_same_books(
    trial: int, store: Path, game: Path, reference: Reference, tmp_path: Path
) -> None:
    rng = random.Random(f"{SEED}-resume-{trial}")
    url = f"sqlite:///{tmp_path / 'games.sqlite'}"
    # First a play killed once some Rounds are stored, then a resume killed part-way, then resumed.
    assert killed(store, _committed_at_least(url, rng.randrange(10, 300)), "play", str(game), "--db", url) is None
    check_database(url)
    (stored,) = games_of(store, url)
    assert stored["status"] != "finished"
    killed(store, rng.uniform(0.3, 1.1) * reference.seconds, "resume", str(stored["id"]), "--db", url)
    check_database(url)
    finish(store, url, game)
    check_database(url)
    assert_same_books(store, url, int(str(stored["id"])), tmp_path / "export", reference)


def test_a_play_killed_on_postgresql_resumes_to_the_same_books(
    postgres_database: Callable[[], str], store: Path, game: Path, reference: Reference, tmp_path: Path
) -> None:
    for trial in range(2):
        rng = random.Random(f"{SEED}-postgres-{trial}")
        url = postgres_database()
        killed(store, _committed_at_least(url, rng.randrange(5, 500)), "play", str(game), "--db", url)
        check_database(url)
        game_id = finish(store, url, game)
        check_database(url)
        assert_same_books(store, url, game_id, tmp_path / f"export-{trial}", reference)


# --- the data store ----------------------------------------------------------------------------


def _bars_csv(path: Path, symbol: str, seed: int) -> Path:
    """Ten years of made-up daily bars for one symbol (enough that writing takes a while)."""
    frame = daily_bars((symbol,), "2005-01-03", "2014-12-31")
    rng = np.random.default_rng(seed)
    frame["close"] = np.round(frame["close"] + rng.normal(0, 1, len(frame)).cumsum().clip(-50, 50), 2)
    frame["open"] = frame["close"] - 0.5
    frame["high"] = frame["close"] + 1.0
    frame["low"] = frame["close"] - 1.0
    frame.drop(columns=["symbol", "adj_close"]).assign(ts=pd.to_datetime(frame["ts"]).dt.date).to_csv(path, index=False)
    return path


def _dataset(store: Path, name: str) -> dict[str, object]:
    listed = json.loads(tradegame(store, "data", "list", "--json", "--data-dir", str(store)))
    (shown,) = [dataset for dataset in listed if dataset["name"] == name]
    assert isinstance(shown, dict)
    return shown


def _symbols_and_hash(store: Path, name: str) -> tuple[list[str], str]:
    shown = _dataset(store, name)
    symbols = shown["symbols"]
    assert isinstance(symbols, list)
    return sorted(str(s) for s in symbols), str(shown["hash"])


@pytest.fixture(scope="module")
def csvs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("csv")
    return _bars_csv(folder / "aaa.csv", "AAA", 1), _bars_csv(folder / "bbb.csv", "BBB", 2)


def _import(store: Path, csv_path: Path, symbol: str) -> list[str]:
    return ["data", "import", str(csv_path), "--symbol", symbol, "--name", "faults", "--data-dir", str(store)]


@pytest.fixture(scope="module")
def imported(csvs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[list[str], str], float]:
    """What importing AAA then BBB into a new store gives, and the seconds BBB's import takes alone."""
    aaa, bbb = csvs
    store = tmp_path_factory.mktemp("import-reference")
    tradegame(store, *_import(store, aaa, "AAA"))
    seconds = timed_alone(store, *_import(store, bbb, "BBB"))
    return _symbols_and_hash(store, "faults"), seconds


@pytest.mark.parametrize(("trial", "moment"), list(moments("import", TRIALS, 1.0)))
def test_an_import_killed_at_a_random_moment_leaves_a_whole_version_and_reruns_to_the_same_hash(
    trial: int,
    moment: float,
    csvs: tuple[Path, Path],
    imported: tuple[tuple[list[str], str], float],
    tmp_path: Path,
) -> None:
    aaa, bbb = csvs
    expected, seconds = imported
    store = tmp_path / "store"
    store.mkdir()
    tradegame(store, *_import(store, aaa, "AAA"))
    before = _symbols_and_hash(store, "faults")
    killed(store, moment * seconds * 1.1, *_import(store, bbb, "BBB"))
    # Either the old version or the new one is current, whole; nothing half-written is read.
    tradegame(store, "data", "list", "--data-dir", str(store))
    assert _symbols_and_hash(store, "faults") in (before, expected)
    tradegame(store, "data", "verify", "--data-dir", str(store))
    tradegame(store, *_import(store, bbb, "BBB"))
    assert _symbols_and_hash(store, "faults") == expected
    tradegame(store, "data", "verify", "--data-dir", str(store))
