"""`tradegame sweep` end to end: every pair's row is the score of the Game file played with that pair."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.app.play import prepare
from tradegame.cli import app
from tradegame.data.store import MarketStore
from tradegame.io.gamefile import load_game

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples" / "games"
SWEEP = EXAMPLES / "sma-sweep.toml"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def test_every_row_is_its_pairs_game(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    args = ["sweep", str(SWEEP), "--fast", "10,40", "--slow", "30:150:60", "--json", "--csv", str(out)]
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["fast"], r["slow"]) for r in rows] != []
    assert {(r["fast"], r["slow"]) for r in rows} == {(10, 30), (10, 90), (10, 150), (40, 90), (40, 150)}
    scores = [Decimal(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    with out.open() as handle:
        assert list(csv.DictReader(handle)) == [{k: str(v) for k, v in r.items()} for r in rows]
    game_file = load_game(SWEEP)
    for row in rows[:2] + rows[-1:]:
        params = {**game_file.model_params, "fast": row["fast"], "slow": row["slow"]}
        _, game = prepare(replace(game_file, model_params=params), MarketStore(data_dir))
        played = game.run()
        score = played.score
        assert row["outcome"] == played.outcome
        assert (
            str(score.final_value),
            str(score.fees),
            str(score.running_costs),
            str(score.taxes),
            str(score.score),
        ) == (row["final_value"], row["fees"], row["running_costs"], row["taxes"], row["score"])
        assert score.running_costs > 0
        assert row["fills"] > 0


def test_the_table_names_the_best_pair(data_dir: Path) -> None:
    result = runner.invoke(app, ["sweep", str(SWEEP), "--fast", "50", "--slow", "200", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "1 pairs on SPX" in result.output and "1 Games" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fast", "a:b", "--slow", "200"], "--fast: give start:stop:step"),
        (["--fast", "5:50:0", "--slow", "200"], "--fast: give start:stop:step"),
        (["--fast", "0,5", "--slow", "200"], "at least 1"),
        (["--fast", "300", "--slow", "200"], "no pair has fast < slow"),
        (["--fast", "5", "--slow", "200", "--symbol", "NOPE"], "unknown symbol 'NOPE'"),
    ],
)
def test_bad_windows_and_symbols_get_one_clear_message(data_dir: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["sweep", str(SWEEP), *args, "--data-dir", str(data_dir)])
    assert result.exit_code == 2
    assert message in result.output


def test_a_game_the_sweep_cannot_reproduce_is_refused(data_dir: Path) -> None:
    # sma-2008 has a volume cap (partial fills): the Round loop must play it.
    result = runner.invoke(
        app, ["sweep", str(EXAMPLES / "sma-2008.toml"), "--fast", "10", "--slow", "50", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 2
    assert "volume_cap" in result.output and "one by one" in result.output


def test_a_sweep_reports_its_progress_and_its_rows_do_not_change(data_dir: Path) -> None:
    from tradegame.app.sweep import sweep_file, sweep_rows

    store = MarketStore(data_dir)
    calls: list[tuple[int, int]] = []
    fasts, slows = list(range(2, 40, 2)), list(range(20, 100, 10))
    followed = sweep_file(SWEEP, store, fasts, slows, progress=lambda done, count: calls.append((done, count)))
    count = len(followed.result.columns)
    assert count > 64 and calls[-1] == (count, count)
    assert [done for done, _ in calls] == [*range(64, count, 64), count]
    assert sweep_rows(followed.result) == sweep_rows(sweep_file(SWEEP, store, fasts, slows).result)
