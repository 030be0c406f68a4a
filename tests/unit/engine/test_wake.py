"""Skipping quiet Rounds changes nothing: the same Games, with and without ``wake``, byte for byte."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.domain.tax import TaxProfile
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import Game, GameResult
from tradegame.engine.moves import Action
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.universe import Universe
from tradegame.engine.wake import Signals
from tradegame.models import SmaCrossover


@pytest.fixture(scope="module")
def spx() -> Universe:
    bars = load_dataset("arch-sp500").bars
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD")
    return Universe.from_panel(panel, currency=USD)


class Awake:
    """The same Model without ``wake``: the engine calls it every Round."""

    def __init__(self, model: SmaCrossover) -> None:
        self.model = model
        self.name = model.name

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        return self.model.decide(ctx)


def both(spec: GameSpec, universe: Universe, fast: int, slow: int) -> tuple[GameResult, GameResult]:
    quiet = Game(spec, universe, SmaCrossover("SPX", fast, slow)).run()
    every = Game(spec, universe, Awake(SmaCrossover("SPX", fast, slow))).run()
    return quiet, every


@pytest.mark.parametrize(
    ("fast", "slow", "fill_at", "fee", "taxed"),
    [(50, 200, "next_open", "0", False), (10, 30, "close", "0.001", True), (5, 20, "next_open", "0.001", True)],
)
def test_quiet_rounds_give_identical_logs_ledgers_and_values(
    spx: Universe, fast: int, slow: int, fill_at: str, fee: str, taxed: bool
) -> None:
    spec = GameSpec(
        "wake",
        date(2001, 1, 2),
        Decimal(100000),
        end=date(2012, 12, 31),
        data=(DataSpec("arch-sp500"),),
        fill_at=fill_at,  # type: ignore[arg-type]
        accounts=(AccountSpec("main", fees=PercentOfNotional(Decimal(fee))),),
        tax=TaxProfile.flat("0.3", "0.15") if taxed else None,
    )
    quiet, every = both(spec, spx, fast, slow)
    assert quiet.events_jsonl() == every.events_jsonl()
    assert quiet.ledger_jsonl() == every.ledger_jsonl()
    assert quiet.score == every.score
    np.testing.assert_array_equal(quiet.values, every.values)
    assert len([e for e in quiet.events if e.kind == "filled"]) > 10


def test_sma_signals_use_only_earlier_rows(spx: Universe) -> None:
    full = Signals(spx).sma("SPX", 50)
    bars = load_dataset("arch-sp500").bars.iloc[:1000]
    short = Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)
    np.testing.assert_array_equal(Signals(short).sma("SPX", 50), full[:1000])  # nothing from later rows
    closes = spx.panel.fields["close"][:, 0]
    assert full[99] == pytest.approx(closes[50:100].mean(), rel=1e-12)
    assert np.isnan(full[48]) and not np.isnan(full[49])


def test_buy_and_hold_skips_every_round_after_the_first(spx: Universe) -> None:
    from tradegame.models import BuyAndHold

    class Always:
        name = "buy-and-hold"

        def decide(self, ctx: RoundContext) -> list[Action] | None:
            return BuyAndHold(["SPX"]).decide(ctx)

    spec = GameSpec("hold", date(2007, 10, 9), Decimal(100000), end=date(2009, 3, 9), data=(DataSpec("arch-sp500"),))
    quiet = Game(spec, spx, BuyAndHold(["SPX"])).run()
    every = Game(spec, spx, Always()).run()
    assert quiet.ledger_jsonl() == every.ledger_jsonl() and quiet.events_jsonl() == every.events_jsonl()
    np.testing.assert_array_equal(quiet.values, every.values)
