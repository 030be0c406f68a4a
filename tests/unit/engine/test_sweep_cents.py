"""The sweep's cent books (sweep_cents.py): on prices on the cent grid, with no slippage, tax,
running cost or exit rule, a column is played in whole cents; it must still be its Game, field for
field, and write every Decimal as the general books write it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tests.unit.engine.test_sweep import assert_same, flipping_signals, spec_of
from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.costs import FixedBps, Flat, PercentOfNotional, PerShare
from tradegame.engine.game import play
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.sweep import SignalFollower, SweepResult, sweep
from tradegame.engine.sweep_cents import CentBook, CentColumn
from tradegame.engine.sweep_plan import SweepPlan
from tradegame.engine.universe import Universe

D = Decimal


@pytest.fixture(scope="module")
def cents() -> Universe:
    """The S&P 500 from 1999 to 2006 with its prices rounded to the cent."""
    bars = load_dataset("arch-sp500").bars.iloc[:1900].copy()
    for name in ("open", "high", "low", "close"):
        bars[name] = bars[name].round(2)
    panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD")
    return Universe.from_panel(panel, currency=USD)


def written(result: SweepResult) -> list[object]:
    """Everything a sweep's columns hold, each Decimal as written (its digits and exponent)."""
    return [
        (
            column.label, repr(column.score), column.outcome, column.outcome_round, column.values.tobytes(),
            [tuple(map(str, fill)) for fill in column.fills],
            column.path.starts, [str(c) for c in column.path.cash], [str(h) for h in column.path.held],
        )
        for column in result.columns
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "weight"),
    [
        ({}, D(1)),
        ({"fill_at": "close"}, D("0.6")),
        ({"schedule": "weekly", "start_fund": D("2500.00")}, D("0.37")),
        ({"schedule": "hourly", "start_fund": D("1100.50")}, D(1)),  # buys afford no unit above 1,100
        ({"accounts": (AccountSpec("main", fees=PercentOfNotional(D("0.001"))),)}, D(1)),  # buys cut to the cash
        (
            {"accounts": (AccountSpec("main", fees=PerShare(D("0.01"), minimum=D("40"))),), "fill_at": "close"},
            D("0.8"),
        ),
    ],
    ids=["next-open", "close", "weekly", "hourly", "percent-fee", "per-share-fee-close"],
)
def test_a_column_in_cents_is_its_game(
    cents: Universe, changes: dict[str, object], weight: Decimal, monkeypatch: pytest.MonkeyPatch
) -> None:
    hourly = changes.get("schedule") == "hourly"  # seven Rounds a day: a shorter Game
    spec = spec_of(**{"end": date(2002, 9, 30) if hourly else date(2005, 12, 30), **changes})
    enter, leave = flipping_signals(cents.panel.rows, 3, seed=7)
    assert CentBook.of(_plan(spec, cents, enter, leave), weight) is not None  # the cent books play it
    result = sweep(spec, cents, "SPX", enter, leave, weight=weight)
    assert sum(len(column.fills) for column in result.columns) > 10
    for index, column in enumerate(result.columns):
        assert_same(column, play(spec, cents, SignalFollower("SPX", enter[:, index], leave[:, index], weight)))
    monkeypatch.setattr(CentBook, "of", classmethod(lambda cls, plan, weight: None))
    assert written(sweep(spec, cents, "SPX", enter, leave, weight=weight)) == written(result)


def test_the_general_books_play_what_cents_cannot(cents: Universe, spx_raw: Universe) -> None:
    enter, leave = flipping_signals(cents.panel.rows, 1, seed=3)
    short = spec_of(end=date(2005, 12, 30))
    slipping = replace(short, accounts=(AccountSpec("main", slippage=FixedBps(2.0)),))
    assert CentBook.of(_plan(slipping, cents, enter, leave), D(1)) is None  # slippage
    assert CentBook.of(_plan(short, spx_raw, enter, leave), D(1)) is None  # prices off the cent grid


@pytest.fixture(scope="module")
def spx_raw() -> Universe:
    bars = load_dataset("arch-sp500").bars.iloc[:1900]
    return Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)


def _plan(spec: GameSpec, universe: Universe, enter: np.ndarray, leave: np.ndarray, symbol: str = "SPX") -> SweepPlan:
    return SweepPlan(spec, universe, symbol, enter, leave)


def test_a_cash_too_large_for_cents_goes_to_the_general_books(cents: Universe) -> None:
    # 2 x 10**13 dollars: more digits than a float keeps, which target_units reads the cash through
    spec = spec_of(end=date(2003, 12, 31), start_fund=D("20000000000000.00"))
    enter, leave = flipping_signals(cents.panel.rows, 1, seed=5)
    book = CentBook.of(_plan(spec, cents, enter, leave), D(1))
    assert book is not None
    result = sweep(spec, cents, "SPX", enter, leave)
    assert result.columns[0].fills
    assert not isinstance(result.columns[0].kept, CentColumn)  # played by the general books
    assert_same(result.columns[0], play(spec, cents, SignalFollower("SPX", enter[:, 0], leave[:, 0])))


def test_a_sale_whose_fee_exceeds_its_value_is_refused_as_in_the_game() -> None:
    # 10.00, then 0.50 (a sale would bring 4.50 for an 8.00 fee: refused, still held), then 10.00 again
    closes = np.array(([10.0] * 5 + [0.5] * 5) * 12 + [10.0] * 5)
    times = pd.bdate_range("2020-01-01", periods=len(closes), tz="UTC")
    bars = pd.DataFrame(
        {"symbol": "TOY", "ts": times, "open": closes, "high": closes, "low": closes, "close": closes,
         "volume": 1e6, "adj_close": np.nan}
    )  # fmt: skip
    toy = Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)
    spec = GameSpec(
        "toy", times[0].date(), D("100.00"), end=times[-1].date(), data=(DataSpec("toy"),),
        accounts=(AccountSpec("main", fees=Flat(D("8.00"))),),
    )  # fmt: skip
    enter = np.zeros((len(closes), 1), dtype=bool)
    enter[2::10] = True  # buys at 10.00 (9 units with the fee: the cash cut)
    leave = np.roll(enter, 5, axis=0)  # sells at 0.50 (refused) and on until a price of 10.00
    leave[np.arange(len(closes)) % 10 == 0] = True
    assert CentBook.of(_plan(spec, toy, enter, leave, "TOY"), D(1)) is not None
    result = sweep(spec, toy, "TOY", enter, leave)
    game = play(spec, toy, SignalFollower("TOY", enter[:, 0], leave[:, 0]))
    assert_same(result.columns[0], game)
    assert [fill.quantity for fill in result.columns[0].fills][:2] == [D(9), D(9)]
    assert len(result.columns[0].fills) < 2 * enter.sum()  # some sales were refused
