"""Order matching on one bar, against hand-worked cases (including gaps and close-only data)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradegame.engine.market import Bar, close_only, market_price, match
from tradegame.engine.moves import OrderType, Side

BUY, SELL = Side.BUY, Side.SELL
MARKET, LIMIT, STOP, STOP_LIMIT = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
BAR = Bar(open=100.0, high=105.0, low=96.0, close=102.0, volume=1000.0)
GAP_DOWN = Bar(open=90.0, high=93.0, low=88.0, close=91.0, volume=1000.0)
CLOSE_ONLY = Bar(open=math.nan, high=math.nan, low=math.nan, close=102.0, volume=math.nan)


@pytest.mark.parametrize(
    ("side", "kind", "limit", "stop", "bar", "price", "triggered"),
    [
        (BUY, MARKET, None, None, BAR, 100.0, False),
        (SELL, MARKET, None, None, BAR, 100.0, False),
        (BUY, LIMIT, 98.0, None, BAR, 98.0, False),  # the low reaches the limit
        (BUY, LIMIT, 95.0, None, BAR, None, False),  # never that low
        (BUY, LIMIT, 101.0, None, BAR, 100.0, False),  # opens below the limit: the open is better
        (SELL, LIMIT, 104.0, None, BAR, 104.0, False),
        (SELL, LIMIT, 106.0, None, BAR, None, False),
        (SELL, LIMIT, 95.0, None, GAP_DOWN, None, False),  # opens at 90, high 93: never 95
        (SELL, STOP, None, 97.0, BAR, 97.0, True),  # stop-loss hit inside the bar
        (SELL, STOP, None, 95.0, BAR, None, False),
        (SELL, STOP, None, 95.0, GAP_DOWN, 90.0, True),  # gapped through the stop: the open
        (BUY, STOP, None, 104.0, BAR, 104.0, True),
        (BUY, STOP, None, 99.0, BAR, 100.0, True),  # opens above a buy stop
        (SELL, STOP_LIMIT, 94.0, 97.0, BAR, 97.0, True),  # triggered at 97, within the limit
        (SELL, STOP_LIMIT, 92.0, 95.0, GAP_DOWN, None, True),  # gap to 90 below the 92 limit: rests
        (SELL, STOP_LIMIT, 89.0, 95.0, GAP_DOWN, 90.0, True),  # gap to 90, limit 89: fills at the open
    ],
)
def test_next_bar_rules(
    side: Side, kind: OrderType, limit: float | None, stop: float | None, bar: Bar, price: float | None, triggered: bool
) -> None:
    fill = match(side, kind, limit, stop, False, bar)
    assert (fill.price, fill.triggered) == (price, triggered)


def test_a_triggered_stop_limit_rests_as_a_limit() -> None:
    later = Bar(open=91.0, high=93.5, low=90.5, close=93.0, volume=500.0)
    assert match(SELL, STOP_LIMIT, 92.0, 95.0, True, later).price == 92.0
    assert match(SELL, STOP_LIMIT, 94.0, 95.0, True, later).price is None


@pytest.mark.parametrize(
    ("side", "kind", "limit", "stop", "price"),
    [
        (BUY, MARKET, None, None, 102.0),
        (BUY, LIMIT, 101.0, None, None),  # the close 102 is above the buy limit
        (BUY, LIMIT, 103.0, None, 102.0),
        (SELL, STOP, None, 103.0, 102.0),  # triggers on the close
        (SELL, STOP, None, 101.0, None),
    ],
)
def test_close_only_data_uses_the_close(
    side: Side, kind: OrderType, limit: float | None, stop: float | None, price: float | None
) -> None:
    assert match(side, kind, limit, stop, False, CLOSE_ONLY).price == price


def test_fill_at_close_ignores_the_range() -> None:
    # Judged by the close only: a buy limit at 98 does not fill on a bar that closed at 102.
    assert match(BUY, LIMIT, 98.0, None, False, BAR, at_close=True).price is None
    assert match(BUY, MARKET, None, None, False, BAR, at_close=True).price == 102.0


def test_the_market_rules_of_several_bars_at_once_are_those_of_each_bar() -> None:
    # A row's Moves are priced at once (Execution._planned): the same rule on arrays, bar by bar.
    nan = math.nan
    bars = [BAR, GAP_DOWN, CLOSE_ONLY, Bar(open=50.0, high=nan, low=49.0, close=51.0, volume=1.0)]
    opens, highs, lows, closes = (
        np.array([getattr(bar, field) for bar in bars]) for field in ("open", "high", "low", "close")
    )
    flags = close_only(opens, highs, lows)
    assert flags.tolist() == [bar.close_only for bar in bars] == [False, False, True, True]
    for at_close in (False, True):
        prices = market_price(opens, closes, flags, at_close).tolist()
        assert prices == [match(BUY, MARKET, None, None, False, bar, at_close=at_close).price for bar in bars]
    assert market_price(opens, closes, flags, False).tolist() == [100.0, 90.0, 102.0, 51.0]  # by hand


@pytest.mark.parametrize("fill_at", ["next_open", "close"])
def test_a_rows_moves_priced_as_arrays_or_bar_by_bar_play_the_same_game(
    fill_at: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Execution prices a row's market Moves on the arrays of its bars when there are many and bar by
    # bar when there are few: the same rules (close_only, market_price) either way. Full bars, a
    # close-only symbol, one with opens but no highs or lows, one whose bars stop (no bar: no fill).
    from tradegame.engine import execution
    from tradegame.engine.game import play
    from tradegame.engine.moves import Move

    from .game_kit import Script, at_round, bars_from, spec, universe_of

    nan = math.nan
    rows = {f"S{i}": [(10.0 + i + r, 12.0 + i + r, 9.0 + i + r, 11.0 + i + r, 1e6) for r in range(5)] for i in range(7)}
    rows["CLOSES"] = [(nan, nan, nan, 20.0 + r, nan) for r in range(5)]
    rows["NO_RANGE"] = [(30.0 + r, nan, nan, 31.0 + r, 1e6) for r in range(5)]
    rows["GONE"] = [(40.0, 41.0, 39.0, 40.0, 1e6)]
    universe = universe_of(bars_from(rows))
    buys = [Move.buy(symbol, 10) for symbol in rows]
    plan = {0: [*buys, Move.target("S0", "0.2")], 2: [Move.sell(symbol, 5) for symbol in list(rows)[:-1]]}

    def played(arrays_from: int) -> tuple[str, str]:
        monkeypatch.setattr(execution, "_ARRAYS_FROM", arrays_from)
        result = play(spec(rounds=4, fill_at=fill_at), universe, Script(at_round(plan)))
        return result.ledger_jsonl(), result.events_jsonl()

    as_arrays, bar_by_bar = played(1), played(10_000)
    assert as_arrays == bar_by_bar
    assert as_arrays[0].count('"sell') >= 8  # the sales traded (a row of 8 Moves or more)
