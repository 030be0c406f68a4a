"""Trading pairs with a base and a quote asset (issue 12, item 8), on hand-made bars for BTC/USD,
ETH/USD and ETH/BTC: assets are held per account, a buy of ETH/BTC spends BTC and delivers ETH,
chains pass each leg's actual delivery across cross pairs, routes go over the pairs the data has,
the end sells a coin held only through a cross pair, and a cross-pair trade is a disposal of the
asset given at fair value (the same gain ``tradegame tax lots`` finds for the same swap)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from tradegame.cli import app
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.domain.tax import TaxProfile
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import GameResult, play
from tradegame.engine.moves import Action, Move
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.universe import Universe

from .game_kit import Script, at_round

D = Decimal
DAYS = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC")
PRICES = {  # one price a day (open = high = low = close)
    "BTC/USD": [20000, 20000, 30000, 30000, 30000, 30000],
    "ETH/USD": [1000, 1000, 1500, 1500, 1500, 1500],
    "ETH/BTC": [0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
}


def market(*symbols: str) -> Universe:
    frames = [
        pd.DataFrame(
            {
                "symbol": symbol,
                "ts": DAYS,
                **{f: np.asarray(PRICES[symbol], dtype=float) for f in ("open", "high", "low", "close")},
                "volume": 1e9,
                "adj_close": np.nan,
            }
        )
        for symbol in symbols
    ]
    panel = Panel.from_bars(pd.concat(frames), frequency="1d", calendar="24/7", currency="USD", content_hash="t")
    return Universe.from_panel(panel, currency=USD)


def game(fee: str = "0", **changes: object) -> GameSpec:
    base: dict[str, object] = {
        "name": "pairs",
        "start": date(2024, 1, 1),
        "start_fund": D(10000),
        "rounds": 5,
        "data": (DataSpec("t"),),
        "accounts": (AccountSpec("main", fees=PercentOfNotional(D(fee))),),
    }
    base.update(changes)
    return GameSpec(**base)  # type: ignore[arg-type]


def fills(result: GameResult) -> list[tuple[str, str, Decimal, Decimal, Decimal]]:
    """(symbol, side, units, price, fee) of every fill, from the decision log."""
    out = []
    for event in result.events:
        if event.kind in ("filled", "partial") and event.detail.split(" ")[0] in ("buy", "sell"):
            words = event.detail.split(" (")[0].split(" ")
            out.append((event.symbol or "", words[0], D(words[1]), D(words[3]), D(words[words.index("fee") + 1])))
    return out


def test_a_three_leg_chain_passes_each_legs_delivery_across_the_cross_pair() -> None:
    chain = Move.buy("BTC/USD", notional=D(10000)).chain(Move.buy("ETH/BTC", notional=D(1)), Move.sell("ETH/USD", D(1)))
    result = play(game(), market("BTC/USD", "ETH/USD", "ETH/BTC"), Script(at_round({0: [chain]})))
    # Day 2's opens: 10000 USD buys 0.5 BTC at 20000; 0.5 BTC buys 10 ETH at 0.05; 10 ETH sell at 1000.
    assert fills(result)[:3] == [
        ("BTC/USD", "buy", D("0.5"), D(20000), D(0)),
        ("ETH/BTC", "buy", D(10), D("0.05"), D(0)),
        ("ETH/USD", "sell", D(10), D(1000), D(0)),
    ]
    assert result.score.final_value == D("10000.00")


def test_a_buy_of_eth_btc_spends_btc_and_delivers_eth_with_the_fee_in_btc() -> None:
    plan = at_round({0: [Move.buy("BTC/USD", notional=D(10000))], 1: [Move.buy("ETH/BTC", D(5))]})
    seen: list[tuple[Decimal, Decimal]] = []

    def watch(ctx: RoundContext) -> list[Action]:
        seen.append((ctx.quantity("BTC"), ctx.quantity("ETH")))
        return plan(ctx)

    result = play(game(fee="0.001"), market("BTC/USD", "ETH/USD", "ETH/BTC"), Script(watch))
    # 10000 USD with a 0.1% fee buys 0.49950074 BTC (9990.01 + 9.99 fee: one satoshi more costs
    # 9990.02). 5 ETH on ETH/BTC cost 0.25 BTC and a fee of 0.00025 BTC, paid in BTC: 0.24925074 BTC
    # and 5 ETH are held after it.
    assert seen[1] == (D("0.49950074"), D(0))
    assert seen[2] == (D("0.24925074"), D(5))
    assert ("ETH/BTC", "buy", D(5), D("0.05"), D("0.00025")) in fills(result)


def test_the_cheapest_route_takes_the_cross_pair_and_beats_the_usd_path() -> None:
    universe = market("BTC/USD", "ETH/USD", "ETH/BTC")
    routes: list[tuple[str, ...]] = []

    def plan(ctx: RoundContext) -> list[Action]:
        if ctx.round == 0:
            return [Move.buy("BTC/USD", notional=D(5000))]
        if ctx.round == 1:
            route = ctx.route("BTC", "ETH")
            routes.append(route.symbols)
            return [ctx.route_moves("BTC", "ETH", ctx.quantity("BTC"))]
        return []

    result = play(game(fee="0.001"), universe, Script(plan))
    assert routes == [("ETH/BTC",)]  # one leg at 0.1%, not BTC -> USD -> ETH at twice that
    # 0.25 BTC (5000.00 + 5.00 fee) buys, on ETH/BTC at 0.05 with 0.1% of it as fee, 4.99500509 ETH
    # (0.24975025 BTC + 0.00024975 fee); the USD path delivers 4.995 ETH less its fee (4995.00 USD at
    # 1000), about 4.990 ETH.
    (cross,) = [f for f in fills(result) if f[0] == "ETH/BTC"]
    assert cross == ("ETH/BTC", "buy", D("4.99500509"), D("0.05"), D("0.00024975"))


def test_the_end_sells_a_coin_held_only_through_a_cross_pair() -> None:
    universe = market("BTC/USD", "ETH/BTC")  # no ETH/USD: ETH reaches dollars only through BTC
    chain = Move.buy("BTC/USD", notional=D(10000)).chain(Move.buy("ETH/BTC", notional=D(1)))
    result = play(game(rounds=4), universe, Script(at_round({0: [chain]})))
    # 10 ETH held; the end sells them on ETH/BTC for 0.5 BTC, then the BTC on BTC/USD at day 5's open, 30000.
    assert fills(result)[-2:] == [
        ("ETH/BTC", "sell", D(10), D("0.05"), D(0)),
        ("BTC/USD", "sell", D("0.5"), D(30000), D(0)),
    ]
    assert result.books.open_lots() == ()
    assert result.score.final_value == D("15000.00")


def test_a_btc_to_eth_swap_realizes_btcs_gain_as_tax_lots_does(tmp_path: Path) -> None:
    universe = market("BTC/USD", "ETH/USD", "ETH/BTC")
    plan = at_round({0: [Move.buy("BTC/USD", notional=D(10000))], 1: [Move.buy("ETH/BTC", D(10))]})
    result = play(game(tax=TaxProfile.flat("0.3", "0.15")), universe, Script(plan))
    # BTC bought at 20000 (day 2); the swap on day 3, when BTC opens at 30000: 0.5 BTC given at a
    # fair value of 15000.00 against a basis of 10000.00: a gain of 5000.00 on BTC.
    disposals = [t for t in result.books.tax_ledger if t.kind.value == "disposal"]
    assert (disposals[0].symbol, disposals[0].amount.amount) == ("BTC", D("5000.00"))
    assert result.books.disposals()[0].date_sold == date(2024, 1, 3)
    # The same trades in the tax-lot command: a buy, then a swap (sell BTC, buy ETH at fair value).
    trades = tmp_path / "trades.csv"
    trades.write_text(
        "date,account,symbol,side,quantity,price,fee,asset_class,swap_id\n"
        "2024-01-02,main,BTC,buy,0.5,20000,0,crypto,\n"
        "2024-01-03,main,BTC,sell,0.5,30000,0,crypto,s1\n"
        "2024-01-03,main,ETH,buy,10,1500,0,crypto,s1\n"
    )
    output = CliRunner().invoke(app, ["tax", "lots", str(trades), "--json"])
    assert output.exit_code == 0, output.output
    (line,) = json.loads(output.stdout)["disposals"]
    assert D(line["gain"]) == disposals[0].amount.amount
    # The ETH lot's basis is that fair value too, and so is the Game's book of it.
    (eth,) = [lot for lot in result.books.disposals() if lot.symbol == "ETH"]
    assert eth.cost_basis == D("15000.00")


def test_a_currency_pair_converts_cash_both_ways() -> None:
    PRICES["EUR/USD"] = [1.10, 1.10, 1.20, 1.20, 1.25, 1.25]
    try:
        universe = market("EUR/USD")
        plan = at_round({0: [Move.buy("EUR/USD", D(1000))], 2: [Move.sell("EUR/USD", D(400))]})
        seen: list[Decimal] = []

        def watch(ctx: RoundContext) -> list[Action]:
            seen.append(ctx.quantity("EUR/USD"))
            return plan(ctx)

        result = play(game(), universe, Script(watch))
    finally:
        del PRICES["EUR/USD"]
    # 1000 EUR for 1100.00 USD; 400 EUR sold for 480.00 at 1.20; the 600 EUR left are converted at the
    # end at the rate known then (the last close, 1.25): 10000 - 1100 + 480 + 750 = 10130.00.
    assert seen[1:3] == [D(1000), D(1000)] and seen[3] == D(600)
    assert result.books.open_lots() == ()  # currencies are cash, not lots
    assert result.score.final_value == D("10130.00")


def test_an_initial_position_on_a_pair_is_held_as_its_base_asset() -> None:
    from tradegame.engine.spec import InitialPosition

    held = InitialPosition("BTC/USD", D("0.5"), D(9000), date(2023, 12, 1), "main")
    seen: list[Decimal] = []

    def watch(ctx: RoundContext) -> list[Action]:
        seen.append(ctx.quantity("BTC"))
        return []

    result = play(game(initial_positions=(held,)), market("BTC/USD"), Script(watch))
    assert seen[0] == D("0.5")
    # The start capital counts its cost; the end sells the 0.5 BTC at the sixth day's open, 30000.
    assert (result.score.start_capital, result.score.final_value) == (D(19000), D("25000.00"))
