"""The llm-chat Model's answers are kept with the Game in its database: a Game killed part-way
resumes without asking again what it already paid for, and a replay asks nothing, with the answer
folder gone; deleting the Game deletes its answers."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tradegame.app.play import play_recorded, replay_stored, resume_stored
from tradegame.data.store import MarketStore
from tradegame.engine.game import Game, GameResult
from tradegame.llm.server import serve
from tradegame.store import open_database
from tradegame.store.deletion import delete_game

pytestmark = pytest.mark.slow  # three half-year weekly Games against the local server (a few seconds)

EXAMPLE = Path(__file__).parents[2] / "examples" / "games" / "llm-memory.toml"


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    running = serve(port=0)
    yield running
    running.shutdown()


class _Kill:
    def __init__(self, after: int) -> None:
        self.after = after

    def round_done(self, game: Game, round_index: int, value: float) -> None:
        if round_index == self.after:
            raise KeyboardInterrupt("killed")

    def game_done(self, game: Game, result: GameResult) -> None:
        pass


def _game_file(server: Any, folder: Path, cache: Path) -> Path:
    text = EXAMPLE.read_text().replace("end = 2020-12-30", "end = 2019-06-28")
    text = text.replace("http://127.0.0.1:8765/v1", f"http://127.0.0.1:{server.server_address[1]}/v1")
    text = text.replace('cache = "llm-cache"', f'cache = "{cache}"')
    path = folder / "llm.toml"
    path.write_text(text)
    return path


def _asked(server: Any) -> int:
    return int(server.requests.get("house", 0))


def test_resume_and_replay_take_the_answers_from_the_database(server: Any, tmp_path: Path) -> None:
    store = MarketStore(tmp_path / "data")
    cache = tmp_path / "llm-cache"
    path = _game_file(server, tmp_path, cache)
    whole_db = open_database(f"sqlite:///{tmp_path / 'whole.sqlite'}")
    _, whole = play_recorded(path, store, whole_db)
    rounds = len(whole.result.values)
    shutil.rmtree(cache)

    cut_path = tmp_path / "cut.sqlite"
    cut_db = open_database(f"sqlite:///{cut_path}")
    before = _asked(server)
    with pytest.raises(KeyboardInterrupt):
        play_recorded(path, store, cut_db, _Kill(after=9))
    asked_before_the_kill = _asked(server) - before
    assert asked_before_the_kill == 10  # Rounds 0 to 9, one call each
    with sqlite3.connect(cut_path) as connection:
        assert connection.execute("SELECT count(*) FROM model_answers WHERE game_id = 1").fetchone() == (10,)
    shutil.rmtree(cache)  # only the database holds the answers now

    before = _asked(server)
    resumed = resume_stored(cut_db, 1, store)
    assert _asked(server) - before == rounds - 10  # what was paid for before the kill is not asked again
    assert resumed.result.score == whole.result.score
    assert resumed.result.events == whole.result.events

    shutil.rmtree(cache)
    before = _asked(server)
    replayed = replay_stored(cut_db, 1, store)
    assert _asked(server) == before  # a replay asks nobody
    assert replayed.result.score == whole.result.score
    assert not cache.exists()  # and writes nothing: the answers it read are the Game's own
    assert delete_game(cut_db, 1)["model_answers"] == rounds
    cut_db.close()
    with sqlite3.connect(cut_path) as connection:
        assert connection.execute("SELECT count(*) FROM model_answers").fetchone() == (0,)


def test_a_game_played_again_in_the_same_database_asks_nobody(server: Any, tmp_path: Path) -> None:
    store = MarketStore(tmp_path / "data")
    path = _game_file(server, tmp_path, tmp_path / "llm-cache")
    db = open_database(f"sqlite:///{tmp_path / 'games.sqlite'}")
    _, first = play_recorded(path, store, db)
    shutil.rmtree(tmp_path / "llm-cache")
    before = _asked(server)
    second_id, second = play_recorded(path, store, db)
    assert _asked(server) == before and second.result.score == first.result.score
    with sqlite3.connect(tmp_path / "games.sqlite") as connection:
        kept = connection.execute("SELECT game_id, count(*) FROM model_answers GROUP BY game_id").fetchall()
    assert kept == [(1, len(first.result.values)), (second_id, len(first.result.values))]  # each Game keeps its own
