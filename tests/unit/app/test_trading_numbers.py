"""How much a Game traded (``app.play.trading_numbers``): worked by hand on tiny Games."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.engine.game_kit import Script, at_round, bars_from, spec, universe_of
from tradegame.app.play import trading_numbers
from tradegame.engine.game import play
from tradegame.engine.moves import Move
from tradegame.engine.spec import AccountSpec

D = Decimal


def bar(price: float, volume: float) -> tuple[float, float, float, float, float]:
    return (price, price, price, price, volume)


def test_a_capped_buy_counts_its_cut_fills_and_the_end_sale_counts_in_the_traded_value() -> None:
    # A 10% cap on 1,000 shares a bar lets 100 a bar: a buy of 250 fills 100, 100 (both cut) and 50.
    universe = universe_of(bars_from({"ACME": [bar(100, 1000.0)] * 7}))
    account = AccountSpec("main", volume_cap=D("0.1"))
    result = play(
        spec(accounts=(account,), start_fund=D(100_000)), universe, Script(at_round({0: [Move.buy("ACME", 250)]}))
    )
    numbers = trading_numbers(result, universe)
    # 250 bought at 100 and the end's sale of 250 at 100: 50,000.00, half the start capital.
    assert numbers == {"traded_value": "50000.00", "turnover": 0.5, "capped_fills": 2}


def test_without_a_cap_nothing_is_cut_and_a_game_that_never_trades_traded_nothing() -> None:
    universe = universe_of(bars_from({"ACME": [bar(100, 1000.0)] * 7}))
    result = play(spec(start_fund=D(100_000)), universe, Script(at_round({0: [Move.buy("ACME", 250)]})))
    assert trading_numbers(result, universe) == {"traded_value": "50000.00", "turnover": 0.5, "capped_fills": 0}
    idle = play(spec(start_fund=D(100_000)), universe, Script(at_round({})))
    assert trading_numbers(idle, universe) == {"traded_value": "0.00", "turnover": 0.0, "capped_fills": 0}
