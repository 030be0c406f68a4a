"""Target weights are sized at the fill prices (issue 12, item 7) and a volume cap is liquidity
shared by every Move on a symbol and bar (item 6). Worked by hand."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from tradegame.engine.game import play
from tradegame.engine.moves import Move
from tradegame.engine.spec import AccountSpec

from .game_kit import Script, at_round, bars_from, flat, spec, universe_of

D = Decimal


def bar(open_: float, close: float, volume: float = 1e6) -> tuple[float, float, float, float, float]:
    return (open_, max(open_, close), min(open_, close), close, volume)


def test_a_rebalance_is_sized_at_the_open_it_fills_at() -> None:
    # A and B close at 100 on days 1-2; A opens day 3 at 200 (a gap the Model cannot see).
    a = [bar(100, 100), bar(100, 100), bar(200, 200), bar(200, 200)]
    b = [bar(100, 100), bar(100, 100), bar(100, 100), bar(100, 100)]
    universe = universe_of(bars_from({"A": a, "B": b}))
    half = D("0.5")
    rebalance = [Move.target("A", half), Move.target("B", half)]
    result = play(spec(rounds=4), universe, Script(at_round({0: rebalance, 1: rebalance})))
    # Round 0: 50 A and 50 B at 100. Round 1's rebalance fills at day 3's opens, A 200 and B 100,
    # where the Game is worth 50 x 200 + 50 x 100 = 15000: 7500 each, 37 A (sell 13) and 75 B (buy 25).
    # (Sized at the closes the Model saw, 10000, it sold 25 A and ended at one third each.)
    rebalanced = [e.detail.split(" (")[0] for e in result.events if e.kind == "filled" and e.round == 2]
    assert rebalanced == ["sell 13 @ 200.00 fee 0.00", "buy 25 @ 100.00 fee 0.00"]
    # Cash after it: 13 x 200 - 25 x 100 = 100; the end sells 37 A and 75 B at the last close.
    assert result.score.final_value == D("100.00") + 37 * 200 + 75 * 100


def test_ten_names_at_ten_percent_end_at_ten_percent_each() -> None:
    rng = np.random.default_rng(7)
    rows = 8
    names = [f"S{i}" for i in range(10)]
    market = {}
    for name in names:
        closes = 100 * np.cumprod(1 + rng.normal(0, 0.02, rows))
        gaps = closes * (1 + rng.normal(0, 0.05, rows))  # each open gaps away from the last close
        market[name] = [bar(float(round(o, 2)), float(round(c, 2))) for o, c in zip(gaps, closes, strict=True)]
    universe = universe_of(bars_from(market))
    tenth = D("0.1")
    moves = [Move.target(name, tenth) for name in names]
    result = play(spec(rounds=rows - 1, start_fund=D(1_000_000)), universe, Script(at_round({0: moves, 3: moves})))
    fills = [e for e in result.events if e.kind in ("filled", "partial") and e.round == 4]
    assert len(fills) >= 5  # the second rebalance traded at day 5's opens
    opens = {name: market[name][4][0] for name in names}
    held = dict.fromkeys(names, D(0))
    cash = D(1_000_000)
    for event in result.events:
        if event.kind in ("filled", "partial") and event.round <= 4 and event.detail[:4] in ("buy ", "sell"):
            side, units, _, price = event.detail.split(" ")[:4]
            sign = 1 if side == "buy" else -1
            held[event.symbol] += sign * D(units)  # type: ignore[index]
            cash -= sign * D(units) * D(price)
    value = float(cash) + sum(float(held[n]) * opens[n] for n in names)
    for name in names:
        weight = float(held[name]) * opens[name] / value
        assert abs(weight - 0.1) <= opens[name] / value, (name, weight)  # within one share of 10%


def test_the_targets_of_one_bar_share_its_value_but_not_their_weights() -> None:
    # A, B, C and D open day 2 at 100, 50, 20 and 100; the 10000 fund is the value all four are sized by.
    flat = {"A": 100.0, "B": 50.0, "C": 20.0, "D": 100.0}
    universe = universe_of(bars_from({name: [bar(price, price)] * 3 for name, price in flat.items()}))
    moves = [
        Move.target("A", D("0.4")),  # 4000 at 100: 40
        Move.target("B", D("0.2")),  # 2000 at 50: 40
        Move.target("C", D("0.20")),  # an equal weight written otherwise: 2000 at 20: 100
        Move.target("D", D("0.1")),  # 1000 at 100: 10 (the buys before it leave 2000 cash: all of it fills)
    ]
    result = play(spec(rounds=2), universe, Script(at_round({0: moves})))
    bought = [(e.symbol, e.detail.split(" @")[0]) for e in result.events if e.kind == "filled" and e.round == 1]
    assert bought[:4] == [("A", "buy 40"), ("B", "buy 40"), ("C", "buy 100"), ("D", "buy 10")]


def test_a_volume_cap_is_shared_by_the_moves_on_a_symbol_and_bar() -> None:
    thin = [bar(100, 100, 1000.0)] * 5  # a 10% cap allows 100 shares a bar
    universe = universe_of(bars_from({"ACME": thin}))
    account = AccountSpec("main", volume_cap=D("0.1"))
    split = [Move.buy("ACME", 100, reason="first"), Move.buy("ACME", 100, reason="second")]
    result = play(spec(accounts=(account,), start_fund=D(100_000)), universe, Script(at_round({0: split})))
    fills = [
        (e.move_id, e.time[:10], e.detail.split(" @")[0]) for e in result.events if e.kind in ("filled", "partial")
    ]
    # The first Move takes the bar's 100; the second waits for the next bar (today both filled on day 2: 200).
    assert fills == [
        ("m00001", "2024-01-03", "buy 100"),
        ("m00002", "2024-01-04", "buy 100"),
        ("L-main-ACME", "2024-01-08", "sell 200"),  # the end sells everything at once: no cap
    ]


@pytest.mark.parametrize("other", [False, True], ids=["one position", "two positions"])
def test_a_target_weight_is_sized_at_the_price_its_bar_fills_at_when_high_and_low_are_unknown(other: bool) -> None:
    # A source with opens and closes but no highs or lows: by the market's rule every bar is
    # close-only, so a market Move fills at the close. The target weight's sizing values the
    # Position at that same price (the close), not at the open: with one Position held, and with
    # a second one (a full bar at 50), which values the row's marks as arrays.
    nan = float("nan")
    acme = [(100.0, nan, nan, 200.0, 1e6)] * 4
    universe = universe_of(bars_from({"ACME": acme, "BETA": flat(50.0, 4)}))
    first = [Move.buy("ACME", 10), *([Move.buy("BETA", 20)] if other else [])]
    moves = {0: first, 1: [Move.target("ACME", D("0.5"))]}
    result = play(spec(rounds=3), universe, Script(at_round(moves)))
    fills = [e.detail.split(" (")[0] for e in result.events if e.kind == "filled" and e.symbol == "ACME"]
    # Buy 10 at the second close, 200 (and 20 BETA at 50): cash 8000 (7000). At the third bar the
    # Game is worth 8000 + 10 x 200 (+ 20 x 50) = 10000 at the prices the target fills at: half is
    # 5000, 25 units, so 15 more (at the open, 100, it would be 9000: 22 units, 12 more).
    assert fills[:2] == ["buy 10 @ 200.00 fee 0.00", "buy 15 @ 200.00 fee 0.00"]
