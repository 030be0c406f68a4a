"""CryptoRotator: one chained Move rolls the proceeds of the held coin into the better one."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.unit.models.kit import fill_parts, of_kind, run
from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import GameResult
from tradegame.engine.moves import Action
from tradegame.engine.spec import AccountSpec
from tradegame.models import CryptoRotator

DAYS = pd.date_range("2024-01-01", periods=20, freq="D", tz="UTC")
BTC = [100, 101, 102, 103, 104, 105, 104, 103, 102, 101, 100, 99, 98, 97, 96, 95, 94, 93, 92, 91]
ETH = [50, 50, 50, 50, 50, 50, 52, 54, 56, 58, 60, 62, 64, 66, 68, 70, 72, 74, 76, 78]


def coin_bars() -> pd.DataFrame:
    frames = []
    for symbol, closes in (("BTC", BTC), ("ETH", ETH)):
        close = np.asarray(closes, dtype=float)
        frames.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "ts": DAYS,
                    "open": close + 0.5,
                    "high": close + 1,
                    "low": close - 1,
                    "close": close,
                    "volume": 1e6,
                    "adj_close": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


class CashRecorder:
    """Wraps a Model and notes the cash it saw each Round."""

    def __init__(self, inner: CryptoRotator) -> None:
        self.inner, self.name, self.cash = inner, inner.name, list[Decimal]()

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        self.cash.append(ctx.cash())
        return self.inner.decide(ctx)


def play_rotator(account: AccountSpec | None = None) -> tuple[CashRecorder, GameResult]:
    model = CashRecorder(CryptoRotator(["BTC", "ETH"], lookback=3, every_rounds=2))
    result = run(model, coin_bars(), start=DAYS[3].date(), end=DAYS[18].date(), calendar="24/7", account=account)
    return model, result


def test_first_round_buys_the_best_then_one_chained_move_switches() -> None:
    model, result = play_rotator()
    placed = of_kind(result, "placed")
    # Round 0 (after the close of Jan 4): BTC rose 3% over 3 days, ETH 0%: buy BTC at weight 1.
    assert (placed[0].round, placed[0].symbol) == (0, "BTC")
    assert "target weight 1" in placed[0].detail
    # ETH's 3-day return first beats BTC's after Jan 7; Round 4 (after Jan 8) is the first
    # rebalance Round since: ONE Move with a chained leg.
    assert (placed[1].round, placed[1].symbol) == (4, "BTC")
    assert "sell all BTC" in placed[1].detail and "then 1 more leg" in placed[1].detail
    assert len(placed) == 3  # the buy leg is placed by the engine when the sell fills

    sell, buy = [e for e in result.events if e.kind == "filled" and e.round == 5]
    assert (sell.symbol, buy.symbol) == ("BTC", "ETH")
    assert sell.seq < placed[2].seq < buy.seq
    side, sold, sell_price = fill_parts(sell)
    proceeds = sold * sell_price
    assert placed[2].symbol == "ETH" and f"notional {proceeds:.2f}" in placed[2].detail
    side, bought, buy_price = fill_parts(buy)
    assert side == "buy"
    assert Decimal(0) <= proceeds - bought * buy_price < Decimal("0.01")
    # Round 0's buy spent (nearly) all the cash; the switch leaves it (nearly) at zero too.
    assert model.cash[4] < Decimal("0.01")
    assert model.cash[5] < Decimal("0.02")
    assert of_kind(result, "rejected") == []


def test_the_chained_buy_spends_the_proceeds_after_fees() -> None:
    _, result = play_rotator(AccountSpec("main", fees=PercentOfNotional(Decimal("0.001"))))
    sell = next(e for e in of_kind(result, "filled", "BTC") if e.round == 5)
    _, sold, price = fill_parts(sell)
    fee = Decimal(sell.detail.split("fee ")[1].split()[0])
    chained = next(e for e in of_kind(result, "placed", "ETH"))
    assert f"notional {sold * price - fee:.2f}" in chained.detail


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"symbols": ["BTC"]}, "at least 2"),
        ({"lookback": 0}, "lookback"),
        ({"every_rounds": True}, "every_rounds"),
        ({"weight": "0"}, "weight"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, object], named: str) -> None:
    params: dict[str, object] = {"symbols": ["BTC", "ETH"]} | kwargs
    with pytest.raises(InvalidInputError, match=named):
        CryptoRotator(**params)  # type: ignore[arg-type]
