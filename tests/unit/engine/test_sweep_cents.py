"""The sweep's cent books (sweep_cents.py): on prices on the cent grid, with no fee, slippage, tax,
running cost or exit rule, a column is played in whole cents; it must still be its Game, field for
field, and write every Decimal as the general books write it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from tests.unit.engine.test_sweep import assert_same, flipping_signals, spec_of
from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import USD
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import play
from tradegame.engine.spec import AccountSpec, GameSpec
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
    ],
    ids=["next-open", "close", "weekly", "hourly"],
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
    fee = replace(short, accounts=(AccountSpec("main", fees=PercentOfNotional(D("0.001"))),))
    assert CentBook.of(_plan(fee, cents, enter, leave), D(1)) is None  # a fee
    assert CentBook.of(_plan(short, spx_raw, enter, leave), D(1)) is None  # prices off the cent grid


@pytest.fixture(scope="module")
def spx_raw() -> Universe:
    bars = load_dataset("arch-sp500").bars.iloc[:1900]
    return Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)


def _plan(spec: GameSpec, universe: Universe, enter: np.ndarray, leave: np.ndarray) -> SweepPlan:
    return SweepPlan(spec, universe, "SPX", enter, leave)


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
