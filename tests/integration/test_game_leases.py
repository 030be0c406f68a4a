"""Honest Game states with real processes: `tradegame play` killed with SIGKILL shows `interrupted`,
`resume` of a Game whose process still runs is refused, and of two resumes started at once
exactly one writes, ending with the books of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.slow_sma import slowed
from tradegame.app.play import play_recorded
from tradegame.data.catalog import sync_bundled
from tradegame.data.store import MarketStore
from tradegame.domain.errors import TradegameError
from tradegame.io.gamefile import load_game
from tradegame.store import StoredGame, open_database

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "games" / "sma-2008.toml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    sync_bundled(MarketStore(folder), ["arch-sp500"])  # before any process starts: no first-use race
    return folder


@pytest.fixture(scope="module")
def long_game(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example SMA Game over the whole dataset: about 4,900 Rounds, slowed (``slow_sma``) to
    about ten seconds of play, so that the tests stop its process part-way."""
    text = EXAMPLE.read_text()
    text = text.replace("start = 2007-01-03", "start = 1999-02-01").replace("end = 2009-12-31", "end = 2018-06-29")
    folder = tmp_path_factory.mktemp("games")
    path = folder / "sma-long.toml"
    path.write_text(text)
    return slowed(path, folder)


@pytest.fixture(scope="module")
def reference(long_game: Path, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    """The books of an uninterrupted run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'whole.sqlite'}"
    with open_database(url) as db:
        game_id, _ = play_recorded(load_game(long_game), MarketStore(data_dir), db, folder=long_game.parent)
        return _books(db.load_game(game_id))


def _books(stored: StoredGame) -> dict[str, list[Any]]:
    return {name: rows for name, (_, rows) in stored.tables().items() if name != "games"}


def _cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "tradegame", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def player(long_game: Path, data_dir: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A real `tradegame play` of the long Game into a new database, and that database's path."""
    db_path = str(tmp_path / "games.sqlite")
    child = _cli("play", str(long_game), "--json", "--db", db_path, "--data-dir", str(data_dir))
    try:
        yield db_path, child
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGCONT)
            child.kill()
        child.communicate(timeout=30)


def _wait_for_rounds(db_path: str, child: subprocess.Popen[str], rounds: int) -> None:
    """Wait until the playing child has committed ``rounds`` Rounds of Game 1."""
    deadline = time.monotonic() + 60
    while True:
        if child.poll() is not None:
            raise AssertionError(f"the Game's process ended too early: {child.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {rounds} Rounds were committed in 60 s")
        if Path(db_path).exists():
            try:
                with open_database(db_path) as watcher:
                    if (watcher.last_committed_round(1) or -1) + 1 >= rounds:
                        return
            except TradegameError:  # the Game row may not exist yet
                pass
        time.sleep(0.05)


def _games_list(db_path: str) -> list[dict[str, Any]]:
    listing = _cli("games", "list", "--json", "--db", db_path)
    out, err = listing.communicate(timeout=60)
    assert listing.returncode == 0, err
    games: list[dict[str, Any]] = json.loads(out)
    return games


def _kill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_a_killed_play_is_shown_interrupted(player: tuple[str, subprocess.Popen[str]]) -> None:
    db_path, child = player
    _wait_for_rounds(db_path, child, 200)
    (live,) = _games_list(db_path)
    assert live["status"] == "running"
    _kill(child)
    (killed,) = _games_list(db_path)
    assert killed["status"] == "interrupted"
    assert killed["last_round"] is not None and killed["last_round"] + 1 < killed["round_count"]
    assert killed["owner"].split(":")[1] == str(child.pid)  # the lease names the process that died
    shown = _cli("games", "show", "1", "--json", "--db", db_path)
    out, err = shown.communicate(timeout=60)
    assert shown.returncode == 0, err
    assert json.loads(out)["games"][0]["status"] == "interrupted"


def test_resume_of_a_game_whose_process_runs_is_refused_and_changes_nothing(
    player: tuple[str, subprocess.Popen[str]], data_dir: Path, reference: dict[str, list[Any]]
) -> None:
    db_path, child = player
    _wait_for_rounds(db_path, child, 200)
    os.kill(child.pid, signal.SIGSTOP)  # alive but still: the database cannot move under the check
    try:
        with open_database(db_path) as db:
            before = db.load_game(1)
        resume = _cli("resume", "1", "--db", db_path, "--data-dir", str(data_dir))
        out, err = resume.communicate(timeout=60)
        with open_database(db_path) as db:
            after = db.load_game(1)
    finally:
        os.kill(child.pid, signal.SIGCONT)
    assert resume.returncode == 2, (out, err)
    owner = before.game.owner
    assert owner is not None and owner.split(":")[1] == str(child.pid)
    assert out == ""  # one message, naming the Game and the process playing it
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"error: game 1 is still being played by {owner}")
    assert after == before
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    with open_database(db_path) as db:
        finished = db.load_game(1)
    assert finished.game.status == "finished"
    assert _books(finished) == reference


def test_of_two_resumes_started_at_once_one_writes_and_the_other_is_refused(
    player: tuple[str, subprocess.Popen[str]], data_dir: Path, reference: dict[str, list[Any]]
) -> None:
    db_path, child = player
    _wait_for_rounds(db_path, child, 300)
    _kill(child)
    with open_database(db_path) as db:
        stopped = db.last_committed_round(1)
        assert db.game(1).status == "interrupted"
    resumes = [_cli("resume", "1", "--db", db_path, "--data-dir", str(data_dir)) for _ in range(2)]
    outputs = [resume.communicate(timeout=120) for resume in resumes]
    codes = sorted(resume.returncode for resume in resumes)
    assert codes == [0, 2], outputs
    (refused_err,) = [err for resume, (_, err) in zip(resumes, outputs, strict=True) if resume.returncode == 2]
    assert len(refused_err.strip().splitlines()) == 1
    assert refused_err.startswith("error: game 1 ")
    assert "is still being played by" in refused_err or "was just taken by another process" in refused_err
    with open_database(db_path) as db:
        resumed = db.load_game(1)
        assert stopped is not None and stopped < len(resumed.rounds) - 1
    assert (resumed.game.status, resumed.game.owner) == ("finished", None)
    assert _books(resumed) == reference
