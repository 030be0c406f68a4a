"""Oracle: a population of buy-and-hold Games over many start dates equals a plain pandas
computation of the same Games by start date.

No fees, slippage or tax. By hand, as the engine plays it: the first Round is at the close of the
first session on or after the start; its target of the whole Game buys whole shares at the next
session's open (the price on the cent grid, half to even), as many as the Start Fund pays; the
last Round is the last session on or before the end (start plus one year); the end sells every
share at the next session's open. Final value = cash left + shares x that open, in cents.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pandas as pd

from tradegame.data.catalog import sync_bundled
from tradegame.data.store import MarketStore
from tradegame.experiments.plan import add_span
from tradegame.experiments.prepare import load_experiment, prepare_experiment
from tradegame.experiments.runner import LocalPool, run_experiment
from tradegame.experiments.spec import Length
from tradegame.store import open_database
from tradegame.store.experiments import experiment_rows

BASE = """
[game]
name = "hold"
start = 2005-01-03
end = 2005-12-30
schedule = "daily"
start_fund = "100000"
fill_at = "next_open"

[[data]]
dataset = "arch-sp500"
symbols = ["SPX"]

[model]
name = "buy-and-hold"
params = { symbols = ["SPX"] }
"""

EXPERIMENT = """
[experiment]
name = "hold-oracle"
game = "base.toml"

[axes.start]
from = 2001-01-02
to = 2016-12-30
every = 15

[axes]
length = ["1y"]
"""

CENT = Decimal("0.01")
FUND = Decimal(100000)


def by_hand(bars: pd.DataFrame, start: date) -> Decimal:
    """The buy-and-hold Game started on ``start``, worked out from the bars."""
    days = bars.index.date
    first = int((days < start).sum())  # the row of the first session on or after the start
    last = int((days <= add_span(start, Length(years=1))).sum()) - 1  # the last Round's row
    buy_open, sell_open = bars["open"].iloc[first + 1], bars["open"].iloc[last + 1]
    buy_price = Decimal(repr(float(buy_open))).quantize(CENT, ROUND_HALF_EVEN)
    sell_price = Decimal(repr(float(sell_open))).quantize(CENT, ROUND_HALF_EVEN)
    shares = (FUND / Decimal(repr(float(buy_open)))).to_integral_value(ROUND_DOWN)
    while (shares * buy_price).quantize(CENT, ROUND_HALF_EVEN) > FUND:
        shares -= 1
    cash = FUND - (shares * buy_price).quantize(CENT, ROUND_HALF_EVEN)
    return cash + (shares * sell_price).quantize(CENT, ROUND_HALF_EVEN)


def test_buy_and_hold_games_equal_the_pandas_computation_by_start_date(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "hold.toml").write_text(EXPERIMENT)
    store = MarketStore(None)
    prepared = prepare_experiment(load_experiment(tmp_path / "hold.toml"), store, tmp_path)
    assert len(prepared.games) > 250
    with open_database(str(tmp_path / "games.sqlite")) as db:
        run_experiment(prepared, db, LocalPool(2))
        rows = experiment_rows(db, prepared.experiment_id)
    sync_bundled(store, ["arch-sp500"])
    bars = store.bars("arch-sp500", ["SPX"]).set_index("ts").sort_index()
    engine = pd.Series(
        {date.fromisoformat(str(r["coordinates"]["start"])): r["final_value"] for r in rows}  # type: ignore[index]
    ).sort_index()
    oracle = pd.Series({start: by_hand(bars, start) for start in engine.index})
    assert len(engine) == len(prepared.games)
    mismatched = engine[engine != oracle]
    assert mismatched.empty, pd.DataFrame({"engine": mismatched, "oracle": oracle[mismatched.index]})
    # The same returns by start date, and they are not all alike (the population spans 2001-2016).
    returns = engine.map(float) / float(FUND) - 1
    assert returns.min() < -0.3 and returns.max() > 0.3
    assert {r["outcome"] for r in rows} == {"completed"} and all(r["fees"] == 0 for r in rows)
