"""The end of a Game fills by the Game's own fill rule (issue 12, item 5).

Under next-open fills, the liquidation at the end, at an exit or when the Model ends the Game is
a set of market Moves decided at the last Round's close and filled at the next session's open,
with the account's slippage and fees. Only without a later bar (or with ``fill_at = "close"``)
does it fill at the last close, and the decision log says so. Each case is worked by hand.
"""

from __future__ import annotations

from decimal import Decimal

from tradegame.engine.costs import FixedBps, PerShare
from tradegame.engine.game import play
from tradegame.engine.moves import EndGame, Move
from tradegame.engine.spec import AccountSpec, ExitRules

from .game_kit import Script, at_round, bars_from, flat, spec, universe_of

D = Decimal
# Five quiet sessions, then a crash at the sixth session's open (after the last Round's close).
CRASH = [
    (100.0, 101.0, 99.0, 100.0, 1e6),
    (101.0, 102.0, 100.0, 101.0, 1e6),
    (102.0, 104.0, 101.0, 103.0, 1e6),
    (104.0, 105.0, 103.0, 104.0, 1e6),
    (105.0, 107.0, 104.0, 106.0, 1e6),
    (80.0, 82.0, 70.0, 75.0, 1e6),
]
COSTS = AccountSpec("main", fees=PerShare(D("0.01"), minimum=D("1.00")), slippage=FixedBps(D(10)))


def liquidations(result: object) -> list[str]:
    return [e.detail for e in result.events if e.kind == "liquidated"]  # type: ignore[attr-defined]


def test_the_end_sells_at_the_next_open_with_slippage_and_fees() -> None:
    universe = universe_of(bars_from({"ACME": CRASH}))
    result = play(spec(rounds=5, accounts=(COSTS,)), universe, Script(at_round({0: [Move.buy("ACME", 10)]})))
    # Buy 10 at the second open 101 + 10 bps = 101.101 -> 101.10 (fee 1.00): cash 8988.00.
    # The last Round sees the close of 106; the end sells at the next open, 80 - 10 bps = 79.92, fee 1.00:
    # 8988.00 + 799.20 - 1.00 = 9786.20. Today's rule sold at the close just seen (106 -> 105.89): 10045.90.
    assert result.score.final_value == D("9786.20")
    assert result.score.fees == D("2.00")
    (detail,) = liquidations(result)
    assert "next open" in detail
    (sale,) = [e for e in result.events if e.kind == "filled" and e.detail.startswith("sell")]
    assert sale.time.startswith("2024-01-09T14:30")  # the sixth session's open (NYSE, UTC)


def test_a_catastrophic_exit_sells_at_the_next_open_not_the_close_that_triggered_it() -> None:
    falling = [(100.0,) * 4 + (1e6,)] * 2 + [(80.0,) * 4 + (1e6,), (60.0, 60.0, 40.0, 45.0, 1e6), (30.0,) * 4 + (1e6,)]
    universe = universe_of(bars_from({"ACME": falling}))
    rules = ExitRules(max_drawdown=D("0.15"))
    result = play(spec(exits=rules), universe, Script(at_round({0: [Move.buy("ACME", 100)]})))
    # Buy 100 @ 100 (the second open); the third close (80) is a 20% drawdown: exit at Round 2.
    # The exit's sale fills at the fourth open, 60: 0 + 6000 = 6000 (today: at the close of 80, 8000).
    assert (result.outcome, result.outcome_round) == ("catastrophic_exit", 2)
    assert result.score.final_value == D("6000.00")


def test_the_models_end_sells_at_the_next_open() -> None:
    universe = universe_of(bars_from({"ACME": CRASH}))
    plan = at_round({0: [Move.buy("ACME", 10)], 4: [EndGame("done")]})
    result = play(spec(rounds=5), universe, Script(plan))
    # 10000 - 1010 + 10 x 80 = 9790.00
    assert result.outcome == "ended_by_model"
    assert result.score.final_value == D("9790.00")


def test_without_a_later_bar_the_end_sells_at_the_last_close_and_says_so() -> None:
    universe = universe_of(bars_from({"ACME": CRASH[:5]}))
    result = play(spec(rounds=5), universe, Script(at_round({0: [Move.buy("ACME", 10)]})))
    assert result.score.final_value == D("10050.00")  # 10000 - 1010 + 10 x 106
    (detail,) = liquidations(result)
    assert "last close" in detail and "no later bar" in detail


def test_with_close_fills_the_end_sells_at_the_last_close_with_slippage() -> None:
    universe = universe_of(bars_from({"ACME": CRASH}))
    result = play(
        spec(rounds=5, fill_at="close", accounts=(COSTS,)), universe, Script(at_round({0: [Move.buy("ACME", 10)]}))
    )
    # Buy 10 at the first close 100 + 10 bps = 100.10 (fee 1.00): 8998.00; sell at 106 - 10 bps = 105.894 -> 105.89.
    assert result.score.final_value == D("8998.00") + D("1058.90") - D("1.00")
    (detail,) = liquidations(result)
    assert "close" in detail


def test_a_fill_on_close_only_data_is_stamped_at_the_close_it_trades_at() -> None:
    nan = float("nan")
    closes = [(nan, nan, nan, c, 1e6) for c in (100.0, 101.0, 102.0, 103.0, 104.0)]
    universe = universe_of(bars_from({"ACME": closes}))
    result = play(spec(rounds=4), universe, Script(at_round({0: [Move.buy("ACME", 10)]})))
    (buy,) = [e for e in result.events if e.kind == "filled" and e.detail.startswith("buy")]
    # The next close, 101 on Jan 3, at 21:00 UTC (the NYSE close), not the session's open at 14:30.
    assert buy.detail.startswith("buy 10 @ 101.00") and buy.time == "2024-01-03T21:00:00+00:00"
    (sale,) = [e for e in result.events if e.kind == "filled" and e.detail.startswith("sell")]
    assert sale.detail.startswith("sell 10 @ 104.00") and sale.time == "2024-01-08T21:00:00+00:00"


def test_on_close_only_data_the_end_sells_at_the_next_close_and_says_so() -> None:
    nan = float("nan")
    closes = [(nan, nan, nan, c, 1e6) for c in (100.0, 101.0, 102.0, 103.0, 104.0, 90.0)]
    universe = universe_of(bars_from({"ACME": closes}))
    result = play(spec(rounds=5), universe, Script(at_round({0: [Move.buy("ACME", 10)]})))
    # The last Round sees the close of 104; the end sells at the next close, 90, at 21:00 UTC.
    assert result.score.final_value == D("10000") - D("1010.00") + D("900.00")
    assert liquidations(result) == ["10 at the next close, 2024-01-09T21:00:00+00:00"]


def test_on_one_row_a_close_only_bar_and_an_open_bar_stamp_their_fills_in_time_order() -> None:
    # The sale of ACME (close-only) comes first and is booked at the close; the buy of BETA (a full
    # bar) on the same row is then stamped just after it, the price staying BETA's open.
    nan = float("nan")
    acme = [*flat(100.0, 2), (nan, nan, nan, 101.0, 1e6), *flat(102.0, 2)]
    universe = universe_of(bars_from({"ACME": acme, "BETA": flat(50.0, 5)}))
    moves = {0: [Move.buy("ACME", 10)], 1: [Move.sell("ACME", 10), Move.buy("BETA", 10), Move.buy("BETA", 5)]}
    result = play(spec(rounds=4), universe, Script(at_round(moves)))
    fills = [(e.detail.split(" (")[0], e.time) for e in result.events if e.kind == "filled"]
    assert fills[1:4] == [
        ("sell 10 @ 101.00 fee 0.00", "2024-01-04T21:00:00+00:00"),
        ("buy 10 @ 50.00 fee 0.00", "2024-01-04T21:00:00+00:00"),
        ("buy 5 @ 50.00 fee 0.00", "2024-01-04T21:00:00+00:00"),
    ]
