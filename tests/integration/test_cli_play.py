"""`tradegame play` and `tradegame demo` end to end, and every bad input's one clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradegame.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples" / "games"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def test_play_prints_the_summary_as_json(data_dir: Path) -> None:
    result = runner.invoke(app, ["play", str(EXAMPLES / "sma-2008.toml"), "--json", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["outcome"] == "completed" and summary["game"] == "sma-2008"
    parts = ("gross_profit", "fees", "running_costs", "taxes")
    gross, fees, running, taxes = (float(summary[k]) for k in parts)
    assert float(summary["score"]) == pytest.approx(gross - fees - running - taxes, abs=0.005)
    assert summary["benchmark"] == "SPX" and len(summary["data_hash"]) == 64
    # The return is the final value over the start capital (the data subscription paid at the first Round counts).
    start, final = float(summary["start_capital"]), float(summary["final_value"])
    assert summary["total_return"] == pytest.approx(final / start - 1, abs=1e-12)


def test_demo_plays_through_2020(data_dir: Path) -> None:
    result = runner.invoke(app, ["demo", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "demo-momentum" in result.output and "score" in result.output


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "game.toml"
    path.write_text(text)
    return path


GOOD = (EXAMPLES / "sma-2008.toml").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("start_fund", "start_fnd"), "did you mean 'start_fund'"),
        (GOOD.replace('name = "sma-crossover"', 'name = "sma-crossed"'), "unknown model 'sma-crossed'"),
        (GOOD.replace("end = 2009-12-31", "end = 2031-12-31"), "after the data ends"),
        (GOOD.replace('dataset = "arch-sp500"', 'dataset = "no-such-data"'), "no dataset 'no-such-data'"),
        (GOOD.replace("[game]", "[game"), "invalid TOML"),
    ],
    ids=["typo", "unknown-model", "missing-range", "unknown-dataset", "syntax"],
)
def test_bad_game_files_get_one_clear_message(tmp_path: Path, data_dir: Path, text: str, message: str) -> None:
    result = runner.invoke(app, ["play", str(write(tmp_path, text)), "--data-dir", str(data_dir)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output


# A Game that goes bust: a 1,000 fund and a 250 data feed every month, holding only cash. The
# fourth charge (2008-04-02) takes the last of the cash: the Game is worth nothing from then on.
BUST = """
[game]
name = "data-feed-eats-the-fund"
start = 2008-01-02
end = 2008-06-30
schedule = "daily"
start_fund = "1000"
symbols = ["SPX"]

[[data]]
dataset = "arch-sp500"
symbols = ["SPX"]

[[running_costs]]
name = "data-feed"
amount = "250"
schedule = "monthly"

[model]
name = "buy-and-hold"
params = { symbols = ["SPX"], weights = ["0"] }
"""


def test_a_game_that_goes_bust_is_a_result_in_the_summary_the_database_and_the_report(
    tmp_path: Path, data_dir: Path
) -> None:
    db = str(tmp_path / "games.sqlite")
    report = tmp_path / "bust.html"
    args = ["play", str(write(tmp_path, BUST)), "--data-dir", str(data_dir), "--db", db]
    result = runner.invoke(app, [*args, "--json", "--report", str(report)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)  # strict JSON: no NaN, no Infinity
    assert summary["bust"] is True
    assert float(summary["final_value"]) <= 0 and summary["outcome"] == "completed"
    # Round 62 (2008-04-02) books the fourth fee: the Game is worth nothing from then on.
    assert summary["bust_round"] == 62 and "bust at round 62" in summary["note"]
    assert summary["total_return"] <= -1.0
    assert summary["cagr"] == -1.0 and summary["max_drawdown"] <= -1.0
    assert summary["sharpe"] is not None and summary["sharpe"] < 0

    table = runner.invoke(app, args)  # the table, played again into the same database
    assert table.exit_code == 0, table.output
    assert "bust at round 62" in table.output and "-100.00%" in table.output

    shown = runner.invoke(app, ["games", "show", str(summary["id"]), "--db", db])
    assert shown.exit_code == 0, shown.output
    assert "bust           │ yes: at round 62 (2008-04-02)" in shown.output

    page = report.read_text()
    assert "No metrics" not in page and "went bust" in page
    assert '<td class="num">-100.00%</td>' in page  # total return, CAGR and max drawdown


TICKS = """
[game]
name = "es-ticks"
start = 2013-09-02
end = 2013-09-03
schedule = "hourly"
start_fund = "100000"

[[data]]
dataset = "mlfinpy-es-ticks"

[model]
name = "buy-and-hold"
params = { symbols = ["ES"] }
"""


def test_a_game_on_tick_data_plays_on_minute_bars_made_from_the_trades(tmp_path: Path, data_dir: Path) -> None:
    import pandas as pd

    from tradegame.app.play import play_file
    from tradegame.data.store import MarketStore

    path = write(tmp_path, TICKS)
    result = runner.invoke(
        app, ["play", str(path), "--json", "--data-dir", str(data_dir), "--db", str(tmp_path / "g.db")]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["outcome"] == "completed" and summary["trades"] == 2  # the buy, and the sale at the end

    store = MarketStore(data_dir)
    played = play_file(path, store)
    assert played.universe.panel.frequency == "1m"
    # The Model buys at the first Round (on a whole minute); the buy fills at the next bar's
    # open: the first trade of the minute that starts then, straight from the ticks.
    ticks = store.bars("mlfinpy-es-ticks", ["ES"], None, None)
    first_round = int(played.result.times[0])
    assert first_round % (60 * 10**9) == 0
    tick_ns = pd.DatetimeIndex(ticks["ts"]).as_unit("ns").asi8
    after = tick_ns >= first_round
    (buy,) = [c for c in played.result.books.cost_ledger if c.action == "buy"]
    assert float(buy.notional.amount / buy.quantity) == ticks["close"].to_numpy()[after][0]


def test_data_list_says_how_tick_data_is_played(data_dir: Path) -> None:
    result = runner.invoke(app, ["data", "list", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "tick: trades, played as 1-minute bars" in " ".join(result.output.split())


def test_a_paced_game_takes_its_time_and_keeps_its_books(tmp_path: Path, data_dir: Path) -> None:
    import time

    game = str(EXAMPLES / "sma-2008.toml")
    db = f"sqlite:///{tmp_path / 'games.sqlite'}"
    fast = runner.invoke(app, ["play", game, "--json", "--data-dir", str(data_dir), "--db", db])
    began = time.monotonic()
    paced = runner.invoke(app, ["play", game, "--json", "--pace", "2000", "--data-dir", str(data_dir), "--db", db])
    took = time.monotonic() - began
    assert fast.exit_code == 0 and paced.exit_code == 0, paced.output
    fast_numbers, paced_numbers = json.loads(fast.output), json.loads(paced.output)
    assert (fast_numbers.pop("id"), paced_numbers.pop("id")) == (1, 2)
    assert paced_numbers == fast_numbers
    assert took >= (paced_numbers["rounds"] - 1) / 2000  # Round i ends no sooner than i / pace seconds in


@pytest.mark.parametrize("pace", ["0", "-5", "fast"])
def test_a_bad_pace_is_refused_before_anything_is_written(tmp_path: Path, data_dir: Path, pace: str) -> None:
    db = tmp_path / "games.sqlite"
    game = str(EXAMPLES / "sma-2008.toml")
    result = runner.invoke(app, ["play", game, "--pace", pace, "--data-dir", str(data_dir), "--db", f"sqlite:///{db}"])
    assert result.exit_code == 2 and "--pace" in result.output
    assert not db.exists()
