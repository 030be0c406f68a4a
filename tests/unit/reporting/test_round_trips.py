"""Round trips from fills: FIFO per Position, partial closes, fees shared by quantity, splits,
positions held before the Game; and their statistics, by hand."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from tests.unit.engine.game_kit import Script, at_round, bars_from, flat, spec, universe_of
from tradegame.engine.costs import Flat
from tradegame.engine.events import EventKind
from tradegame.engine.game import play
from tradegame.engine.moves import Move
from tradegame.engine.spec import AccountSpec, InitialPosition
from tradegame.engine.universe import Universe
from tradegame.reporting.round_trips import form_round_trips, game_round_trips, reason_text
from tradegame.reporting.trade_stats import trade_stats

D = Decimal


def _bars(prices: list[float]) -> list[tuple[float, float, float, float, float]]:
    """Bars opening and closing at each price."""
    return [(p, p + 1, p - 1, p, 1e6) for p in prices]


def test_fifo_partial_closes_and_fees_shared_by_quantity() -> None:
    # ACME: 10 bought at 100 (fee 1), 6 at 110 (fee 1); 4 sold at 105, then 12 at 120 (fee 1 each).
    prices = [100.0, 100.0, 100.0, 105.0, 105.0, 110.0, 110.0, 120.0, 120.0, 120.0]
    universe = universe_of(bars_from({"ACME": _bars(prices)}))
    plan = {
        0: [Move.buy("ACME", 10, reason="first buy")],
        2: [Move.sell("ACME", 4, reason="take profit")],
        4: [Move.buy("ACME", 6)],
        6: [Move.sell("ACME", sell_all=True, reason="all out")],
    }
    account = AccountSpec("main", fees=Flat(D(1)), lot_method="lifo")  # FIFO here, whatever the tax lots
    result = play(spec(rounds=9, accounts=(account,)), universe, Script(at_round(plan)))
    trips = game_round_trips(result, {"ACME"})
    assert trips.open_lots == 0 and trips.outside_units == 0
    got = [(t.quantity, t.entry_price, t.exit_price, t.fees, t.pnl) for t in trips.trips]
    assert got == [
        (4, 100, 105, D("1.4"), D("18.6")),  # 4 x 5 - (0.4 of the buy's fee + the sale's 1)
        (6, 100, 120, D("1.1"), D("118.9")),  # the rest of lot 1: 6 x 20 - (0.6 + half the sale's fee)
        (6, 110, 120, D("1.5"), D("58.5")),  # lot 2: 6 x 10 - (1 + 0.5)
    ]
    assert trips.trips[0].return_fraction == pytest.approx(18.6 / 400)
    assert [(t.entry_reason, t.exit_reason) for t in trips.trips] == [
        ("first buy", "take profit"),
        ("first buy", "all out"),
        ("", "all out"),
    ]
    assert trips.trips[0].holding == timedelta(days=2)
    assert sum(t.pnl for t in trips.trips) == result.score.gross_profit - result.score.fees  # all of the score


def test_units_held_before_the_game_are_no_round_trip_and_open_lots_are_counted() -> None:
    universe = universe_of(bars_from({"ACME": _bars([50.0] * 6), "BETA": flat(10.0, 6)}))
    initial = InitialPosition("ACME", D(20), D(800), date(2022, 6, 1), "main")
    plan = {0: [Move.buy("ACME", 10)], 2: [Move.sell("ACME", 25)]}
    result = play(spec(rounds=4, initial_positions=(initial,)), universe, Script(at_round(plan)))
    trips = game_round_trips(result, {"ACME"})
    # The sale of 25 takes the 20 held before first, then 5 of the 10 bought; the end sells 5 more.
    assert [t.quantity for t in trips.trips] == [5, 5]
    assert trips.outside_units == 20


def test_a_split_scales_the_open_lots() -> None:
    # 15 bought at 101 (1,515); a 1-for-10 split leaves 1.5 units at 1,010 each: 0.5 paid in cash
    # at 1,010 (a sale at no gain), 1 sold at the end at 1,020.
    prices = [101.0, 101.0, 101.0, 1010.0, 1020.0]
    bars = bars_from({"ACME": _bars(prices)})
    splits = pd.DataFrame({"symbol": ["ACME"], "ts": [bars["ts"].iloc[3]], "ratio": ["0.1"]})
    base = universe_of(bars)
    universe = Universe.from_panel(base.panel, currency=base.instruments["ACME"].quote_currency, splits=splits)
    result = play(spec(), universe, Script(at_round({0: [Move.buy("ACME", 15)]})))
    trips = game_round_trips(result, {"ACME"})
    in_lieu, sold = trips.trips
    assert (in_lieu.quantity, in_lieu.entry_price, in_lieu.exit_price, in_lieu.pnl) == (D("0.5"), 1010, 1010, 0)
    assert (sold.quantity, sold.entry_price, sold.exit_price, sold.pnl) == (1, 1010, 1020, 10)
    # The Game's trips skip building the fills' journal entries: the same trips as from every entry.
    books, splits_ops = result.books, {op for e in result.events if e.kind == EventKind.SPLIT for op in e.op_ids}
    every = form_round_trips(books.entries, books.cost_ledger, books.decision_log, assets={"ACME"}, splits=splits_ops)
    assert every == trips
    with pytest.raises(ValueError, match="is not a buy or sell"):
        form_round_trips([e.op_id for e in books.entries], books.cost_ledger, (), assets={"ACME"})


def test_reason_text_drops_the_move_id() -> None:
    assert reason_text("m00012: sma 1.0 > 0.5") == "sma 1.0 > 0.5"
    assert reason_text("m00002") == ""
    assert reason_text("L-main-BETA: liquidation") == "liquidation"
    assert reason_text("start fund") == "start fund"


def test_trade_stats_by_hand() -> None:
    pnls = [10.0, -5.0, 20.0, -5.0]
    returns = [0.10, -0.05, 0.20, -0.04]
    holdings = [timedelta(days=d) for d in (1, 2, 3, 6)]
    stats = trade_stats(pnls, returns, holdings)
    assert stats is not None
    assert (stats.trades, stats.wins, stats.losses, stats.win_rate) == (4, 2, 2, 0.5)
    assert stats.profit_factor == pytest.approx(30 / 10)
    assert stats.expectancy == pytest.approx(5.0)
    assert stats.mean_return == pytest.approx(0.0525)
    # mean 5, deviations 5, -10, 15, -10: sample variance 450 / 3 = 150; SQN = sqrt(4) * 5 / sqrt(150).
    assert stats.sqn == pytest.approx(2 * 5 / math.sqrt(150))
    assert (stats.best_return, stats.best_pnl, stats.worst_return, stats.worst_pnl) == (0.20, 20.0, -0.05, -5.0)
    assert stats.mean_holding == timedelta(days=3) and stats.longest_holding == timedelta(days=6)


def test_trade_stats_edges() -> None:
    assert trade_stats([], [], []) is None
    one = trade_stats([3.0], [0.03], [timedelta(1)])
    assert one is not None and one.profit_factor == math.inf and math.isnan(one.sqn)
    even = trade_stats([0.0, 0.0], [0.0, 0.0], [timedelta(1)] * 2)
    assert even is not None and math.isnan(even.profit_factor) and even.win_rate == 0 and math.isnan(even.sqn)
    with pytest.raises(ValueError, match="one P&L"):
        trade_stats([1.0], [], [])
