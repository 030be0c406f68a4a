"""One pass over a Game file (issue 14): every problem at once, before any row; ``tradegame check``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tradegame as tg
from tradegame.app.checking import check_game_file
from tradegame.cli import app
from tradegame.data.catalog import sync_bundled
from tradegame.data.store import MarketStore
from tradegame.engine.gamefile import GameFileError

GOOD = """\
[game]
name = "one-pass"
start = 2008-01-02
end = 2008-03-31
schedule = "daily"
start_fund = "10000"

[[data]]
dataset = "arch-sp500"
symbols = ["SPX"]

[[accounts]]
name = "main"
fees = { model = "percent", rate = "0.001" }

[model]
name = "sma-crossover"
params = { symbol = "SPX", fast = 5, slow = 20 }
"""

# One problem of each kind, each in another stage of the checks.
BAD = (
    GOOD.replace("start = 2008-01-02", "start = 1950-01-03")  # before the data begins
    .replace('rate = "0.001"', 'rate = "cheap"')  # a bad field
    .replace('symbols = ["SPX"]', 'symbols = ["SPX", "NOPE"]\n\n[[data]]\ndataset = "no-such-data"')
    .replace(
        'params = { symbol = "SPX", fast = 5, slow = 20 }',
        'params = { symbol = "XYZ", fastt = 5, slow = "twenty" }',  # unknown symbol, unknown and mistyped params
    )
)
EXPECTED = (
    "accounts[0].fees.rate: must be a number",
    "model.params.fastt: unknown parameter 'fastt' of sma-crossover (did you mean 'fast'?)",
    "model.params.slow: sma-crossover takes int, got 'twenty' (str)",
    "data[0].symbols: dataset 'arch-sp500' has no symbol NOPE",
    "data[1].dataset: no dataset 'no-such-data'",
    "game.start: 1950-01-03 is outside the data (1999-01-04 to",
    "model.params.symbol: unknown symbol 'XYZ' (the Game's data has SPX)",
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("one-pass") / "store"
    sync_bundled(MarketStore(root), ["arch-sp500"])
    return root


def _problem_lines(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert lines[0].endswith(": invalid game definition:"), stderr
    assert all(line.startswith("  - ") for line in lines[1:]), stderr
    return [line[4:] for line in lines[1:]]


def _assert_every_problem(problems: list[str]) -> None:
    assert len(problems) == len(EXPECTED), problems
    for line, expected in zip(problems, EXPECTED, strict=True):
        assert line.startswith(expected), (line, expected)


def test_play_reports_every_problem_at_once_and_writes_nothing(tmp_path: Path, store: Path) -> None:
    game = tmp_path / "bad.toml"
    game.write_text(BAD)
    db = tmp_path / "games.sqlite"
    result = CliRunner().invoke(app, ["play", str(game), "--db", str(db), "--data-dir", str(store)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {game}: invalid game definition:\n"), result.stderr
    _assert_every_problem(_problem_lines(result.stderr))
    assert result.stdout == ""
    assert not db.exists(), "a Game that cannot start made the database"


def test_a_game_that_cannot_start_adds_no_row_to_an_existing_database(tmp_path: Path, store: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("start = 2008-01-02", "start = 1950-01-03"))
    db = tmp_path / "games.sqlite"
    argv = ["--db", str(db), "--data-dir", str(store)]
    assert CliRunner().invoke(app, ["play", str(good), "--json", *argv]).exit_code == 0
    with sqlite3.connect(db) as connection:
        before = connection.execute("SELECT count(*) FROM games").fetchone()
    result = CliRunner().invoke(app, ["play", str(bad), *argv])
    assert result.exit_code == 2 and "game.start: 1950-01-03 is outside the data" in result.stderr, result.stderr
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM games").fetchone() == before


def test_later_stages_run_past_an_unknown_model(tmp_path: Path, store: Path) -> None:
    game = tmp_path / "game.toml"
    game.write_text(
        GOOD.replace('name = "sma-crossover"', 'name = "no-such-model"')
        .replace("end = 2008-03-31", "end = 2031-12-31")
        .replace('name = "main"', 'name = "main"\nsymbols = ["SPX", "QQQ"]')
    )
    problems = check_game_file(game, MarketStore(store))
    assert problems[0].startswith("model.name: unknown model 'no-such-model'"), problems
    assert "accounts[0].symbols: not in the data: QQQ" in problems, problems
    assert any(p.startswith("game.end: 2031-12-31 is after the data ends") for p in problems), problems
    assert len(problems) == 3, problems


def test_a_currency_without_a_rate_is_reported_with_the_symbols(tmp_path: Path, store: Path) -> None:
    game = tmp_path / "game.toml"
    game.write_text(
        GOOD.replace('start_fund = "10000"', 'start_fund = "10000"\ncurrency = "EUR"\nsymbols = ["SPX", "DAX"]')
    )
    problems = check_game_file(game, MarketStore(store))
    assert problems[0] == "game.symbols: not in the data: DAX", problems
    assert problems[1].startswith("fx_rates.USD: no rate from USD to EUR at the start"), problems
    assert len(problems) == 2, problems


def test_check_ok_prints_one_line_and_writes_no_database(
    tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADEGAME_DB", str(tmp_path / "games.sqlite"))
    game = tmp_path / "good.toml"
    game.write_text(GOOD)
    result = CliRunner().invoke(app, ["check", str(game), "--data-dir", str(store)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"ok: {game}: Game 'one-pass', model sma-crossover, 61 rounds from 2008-01-02 to 2008-03-31 on arch-sp500 (SPX)"
    ]
    assert not (tmp_path / "games.sqlite").exists()
    as_json = CliRunner().invoke(app, ["check", str(game), "--json", "--data-dir", str(store)])
    numbers = json.loads(as_json.stdout)
    assert as_json.exit_code == 0 and numbers["ok"] is True and numbers["problems"] == []
    assert (numbers["rounds"], numbers["first_round"], numbers["symbols"]) == (61, "2008-01-02", ["SPX"])
    assert numbers["datasets"][0]["hash"] and numbers["datasets"][0]["dataset"] == "arch-sp500"


def test_check_not_ok_lists_every_problem_exit_2(tmp_path: Path, store: Path) -> None:
    game = tmp_path / "bad.toml"
    game.write_text(BAD)
    result = CliRunner().invoke(app, ["check", str(game), "--data-dir", str(store)])
    assert result.exit_code == 2 and result.stdout == "", result.output
    _assert_every_problem(_problem_lines(result.stderr))
    as_json = CliRunner().invoke(app, ["check", str(game), "--json", "--data-dir", str(store)])
    assert as_json.exit_code == 2, as_json.output
    numbers = json.loads(as_json.stdout)
    assert numbers["ok"] is False and numbers["file"] == str(game)
    _assert_every_problem(numbers["problems"])


def test_sweep_and_the_python_face_report_every_problem(tmp_path: Path, store: Path) -> None:
    game = tmp_path / "bad.toml"
    game.write_text(BAD)
    swept = CliRunner().invoke(app, ["sweep", str(game), "--fast", "5", "--slow", "20", "--data-dir", str(store)])
    assert swept.exit_code == 2, swept.output
    _assert_every_problem(_problem_lines(swept.stderr))
    for call in (tg.load_game, tg.play):
        with pytest.raises(GameFileError) as caught:
            call(game, data_dir=store)
        _assert_every_problem(caught.value.problems)
    with pytest.raises(GameFileError):
        tg.play(game, db=tmp_path / "games.sqlite", data_dir=store)
    assert not (tmp_path / "games.sqlite").exists()
