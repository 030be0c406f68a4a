"""``tradegame games delete ID``: asks, or needs --yes; refuses unknown ids and running Games by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.store.kit import create, play_recorded
from tests.unit.store.test_deletion import counts
from tradegame.cli import app, games
from tradegame.store import open_database

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database with two finished Games (1, 2) and a running one (3)."""
    path = str(tmp_path / "games.sqlite")
    with open_database(path) as database:
        play_recorded(database)
        play_recorded(database)
        create(database, "interrupted")
    return path


def rows(path: str) -> dict[int, dict[str, int]]:
    with open_database(path) as database:
        return {game_id: counts(database, game_id) for game_id in (1, 2, 3)}


def test_delete_with_yes_removes_that_game_only(db: str) -> None:
    before = rows(db)
    done = runner.invoke(app, ["games", "delete", "1", "--yes", "--db", db])
    assert done.exit_code == 0, done.output
    assert done.output == f"deleted game 1 (kit): {sum(before[1].values())} rows in {len(before[1])} tables\n"
    after = rows(db)
    assert set(after[1].values()) == {0} and after[2] == before[2] and after[3] == before[3]


def test_without_a_terminal_and_without_yes_nothing_is_deleted(db: str) -> None:
    before = rows(db)
    done = runner.invoke(app, ["games", "delete", "2", "--db", db])
    assert done.exit_code == 2
    assert done.output == "error: game 2 was not deleted: there is no terminal to ask on; confirm with --yes\n"
    assert rows(db) == before


def test_an_unknown_id_is_one_message(db: str) -> None:
    before = rows(db)
    done = runner.invoke(app, ["games", "delete", "7", "--yes", "--db", db])
    assert done.exit_code == 2
    assert done.output.startswith("error: no game 7 in sqlite:///") and done.output.count("\n") == 1
    assert rows(db) == before


def test_on_a_terminal_it_asks(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(games, "_interactive", lambda: True)
    before = rows(db)
    declined = runner.invoke(app, ["games", "delete", "2", "--db", db], input="n\n")
    assert declined.exit_code == 1 and "Delete game 2 (kit, finished, score " in declined.output
    assert declined.output.endswith("nothing was deleted\n") and rows(db) == before
    accepted = runner.invoke(app, ["games", "delete", "2", "--db", db], input="y\n")
    assert accepted.exit_code == 0 and "deleted game 2 (kit)" in accepted.output
    assert set(rows(db)[2].values()) == {0}


def test_an_interrupted_game_needs_force(db: str) -> None:
    refused = runner.invoke(app, ["games", "delete", "3", "--yes", "--db", db])
    assert refused.exit_code == 2 and "game 3 (interrupted) was interrupted" in refused.output
    assert "--force deletes it anyway" in refused.output and rows(db)[3]["games"] == 1
    forced = runner.invoke(app, ["games", "delete", "3", "--yes", "--force", "--db", db])
    assert forced.exit_code == 0 and rows(db)[3]["games"] == 0
