"""Games stored under older engine rules, in a database written by the code of that time.

``tests/fixtures/rules-1/games-rules-1.sqlite`` was written by tradegame at commit 0dd982d,
before the store recorded engine rules (see ``make_games.py`` beside it): Game 1 is
``short-sma.toml`` played to the end (score -3303.02), Game 2 the same Game stopped after
Round 60. Opening it migrates it; its Games are then rules 1, which this engine does not play:
``report`` and ``resume`` say so and show the stored books, never a replay.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.app.play import replay_stored
from tradegame.cli import app
from tradegame.data.store import MarketStore
from tradegame.engine.rules import ENGINE_RULES
from tradegame.store import OtherRulesError, open_database

FIXTURE = Path(__file__).parents[1] / "fixtures" / "rules-1"
STORED_SCORE = "-3303.02"
TABLES = ("games", "rounds", "events", "journal_entries", "postings", "cost_ledger", "tax_ledger", "decisions",
          "disposals", "open_lots")  # fmt: skip

runner = CliRunner()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A copy of the database written under rules 1 (the fixture itself is never opened: opening migrates)."""
    copy = tmp_path / "games-rules-1.sqlite"
    shutil.copyfile(FIXTURE / "games-rules-1.sqlite", copy)
    return copy


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def test_the_fixture_was_written_before_the_rules_column() -> None:
    with sqlite3.connect(f"file:{FIXTURE / 'games-rules-1.sqlite'}?mode=ro", uri=True) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        columns = {row[1] for row in connection.execute("PRAGMA table_info(games)")}
    assert "engine_rules" not in columns and "score" in columns
    assert ENGINE_RULES > 1


def test_opening_migrates_it_and_keeps_every_row(old_db: Path) -> None:
    before = _counts(old_db)
    with open_database(str(old_db)) as db:
        games = db.list_games()
        finished = db.load_game(1)
    assert _counts(old_db) == before
    # Game 2 was stored running, before leases: no process holds it, so it is shown interrupted.
    assert [(g.id, g.status, g.engine_rules) for g in games] == [(1, "finished", 1), (2, "interrupted", 1)]
    assert finished.game.score == Decimal(STORED_SCORE) and len(finished.rounds) == 251
    with sqlite3.connect(old_db) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0010",)


def test_report_shows_the_stored_books_of_a_finished_game(old_db: Path, tmp_path: Path) -> None:
    report = tmp_path / "old.html"
    empty_data = tmp_path / "no-data"  # nothing is replayed, so no market data is read
    empty_data.mkdir()  # a named store must exist for a command that reads
    result = runner.invoke(
        app, ["report", "1", "--output", str(report), "--db", str(old_db), "--data-dir", str(empty_data)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"game 1 was played under engine rules 1; this tradegame plays rules {ENGINE_RULES}: "
        "showing the stored books (not replayed)",
        f"game 1 finished: completed, score {STORED_SCORE} (stored)",
        f"report: {report}",
    ]
    page = report.read_text()
    assert 'data-engine-rules="1"' in page and "showing the stored books (not replayed)" in page
    assert f'data-stored-score="{STORED_SCORE}"' in page
    assert "chart-equity" in page and "form-8949-short" in page and "decision-log-table" in page
    assert not empty_data.exists() or not any(empty_data.iterdir())


def test_report_of_an_unfinished_game_shows_its_stored_rounds(old_db: Path, tmp_path: Path) -> None:
    report = tmp_path / "cut.html"
    result = runner.invoke(app, ["report", "2", "--output", str(report), "--db", str(old_db)])
    assert result.exit_code == 0, result.output
    assert "game 2 was played under engine rules 1" in result.output
    assert "game 2 is interrupted: 61 Rounds stored, no score" in result.output
    assert "No score: the Game never finished." in report.read_text()


def test_resume_of_a_finished_game_shows_the_stored_score(old_db: Path) -> None:
    before = _counts(old_db)
    result = runner.invoke(app, ["resume", "1", "--db", str(old_db)])
    assert result.exit_code == 0, result.output
    assert "game 1 was played under engine rules 1" in result.output
    assert f"game 1 finished: completed, score {STORED_SCORE} (stored)" in result.output
    assert _counts(old_db) == before


def test_resume_of_an_unfinished_game_is_refused_and_changes_nothing(old_db: Path) -> None:
    with open_database(str(old_db)) as db:
        before = db.load_game(2)
    result = runner.invoke(app, ["resume", "2", "--db", str(old_db)])
    assert result.exit_code == 2
    assert result.output.startswith(
        f"error: game 2 was played under engine rules 1; this tradegame plays rules {ENGINE_RULES}: "
        "it cannot be resumed"
    )
    assert "nothing was changed (its Rounds 0 to 60 stay stored as they are" in result.output
    with open_database(str(old_db)) as db:
        assert db.load_game(2) == before


def test_show_export_and_the_api_say_which_rules(old_db: Path, tmp_path: Path) -> None:
    shown = runner.invoke(app, ["games", "show", "1", "--db", str(old_db)])
    assert shown.exit_code == 0, shown.output
    assert "engine rules" in shown.output and "game 1 was played under engine rules 1" in shown.output
    exported = runner.invoke(app, ["export", "1", "--output", str(tmp_path / "x"), "--db", str(old_db)])
    assert exported.exit_code == 0, exported.output
    with (tmp_path / "x" / "games.csv").open(newline="") as handle:
        assert [row["engine_rules"] for row in csv.DictReader(handle)] == ["1"]
    with open_database(str(old_db)) as db, pytest.raises(OtherRulesError, match="it cannot be replayed"):
        replay_stored(db, 1, MarketStore(tmp_path / "no-data"))


def test_a_game_played_now_in_the_same_database_replays_as_before(old_db: Path, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()  # a named store must exist for a command that reads
    data_dir = str(tmp_path / "data")
    played = runner.invoke(
        app, ["play", str(FIXTURE / "short-sma.toml"), "--json", "--db", str(old_db), "--data-dir", data_dir]
    )
    assert played.exit_code == 0, played.output
    with open_database(str(old_db)) as db:
        assert db.game(3).engine_rules == ENGINE_RULES
    report = tmp_path / "new.html"
    result = runner.invoke(app, ["report", "3", "--output", str(report), "--db", str(old_db), "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"report: {report}"]  # replayed and checked, no notice
    assert "chart-positions" in report.read_text()


def test_a_game_stored_under_rules_2_is_shown_from_its_stored_books(tmp_path: Path) -> None:
    # Rules 3 values cash in another currency at each Round's rate: a Game stored under rules 2 may
    # hold other Round values (and exit elsewhere), so it is shown as stored, never replayed.
    assert ENGINE_RULES == 3
    db_path, data_dir = tmp_path / "games.sqlite", tmp_path / "data"
    data_dir.mkdir()
    played = runner.invoke(
        app, ["play", str(FIXTURE / "short-sma.toml"), "--db", str(db_path), "--data-dir", str(data_dir)]
    )
    assert played.exit_code == 0, played.output
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE games SET engine_rules = 2 WHERE id = 1")
    report = tmp_path / "two.html"
    empty_data = tmp_path / "no-data"  # nothing is replayed, so no market data is read
    empty_data.mkdir()
    result = runner.invoke(
        app, ["report", "1", "--output", str(report), "--db", str(db_path), "--data-dir", str(empty_data)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "game 1 was played under engine rules 2; this tradegame plays rules 3: showing the stored books (not replayed)"
    )
    assert 'data-engine-rules="2"' in report.read_text()
    assert not any(empty_data.iterdir())
    resumed = runner.invoke(app, ["resume", "1", "--db", str(db_path)])
    assert resumed.exit_code == 0 and "game 1 was played under engine rules 2" in resumed.output
    with open_database(str(db_path)) as db, pytest.raises(OtherRulesError, match="it cannot be replayed"):
        replay_stored(db, 1, MarketStore(empty_data))
