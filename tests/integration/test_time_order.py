"""Whatever the schedule and fill rule, the books stay in time order and refuse nothing for it.

Weekly and monthly Rounds learn of fills days after they happened; hourly Rounds on daily bars
book operations inside a bar before the engine knows the bar. Running costs, taxes and fills
must still land in the journal in time order, with no Move refused as "before the last operation".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import EveryNDays, Monthly, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import play
from tradegame.engine.spec import AccountSpec, DataSpec, GameSpec
from tradegame.engine.universe import Universe
from tradegame.models import make_model

D = Decimal


@pytest.fixture(scope="module")
def spx() -> Universe:
    bars = load_dataset("arch-sp500").bars
    return Universe.from_panel(Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD"), currency=USD)


@pytest.mark.parametrize("fill_at", ["next_open", "close"])
@pytest.mark.parametrize("schedule", ["hourly", "daily", "weekly", "monthly"])
@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("dca", {"symbol": "SPX", "amount": "1000", "every_rounds": 3}),
        ("sma-crossover", {"symbol": "SPX", "fast": 5, "slow": 20}),
    ],
)
def test_the_books_stay_in_time_order(
    spx: Universe, schedule: str, fill_at: str, model: str, params: dict[str, object]
) -> None:
    costs = (
        ("main", RunningCost("feed", Money(D("9.99"), USD), Monthly(date(2001, 1, 13)))),
        ("main", RunningCost("server", Money(D("1.00"), USD), EveryNDays(date(2001, 1, 1), 3))),
    )
    spec = GameSpec(
        "time-order", date(2001, 11, 1), D(100000), end=date(2002, 2, 28) if schedule == "hourly" else date(2003, 6, 30),
        schedule=schedule, fill_at=fill_at, data=(DataSpec("arch-sp500"),),  # type: ignore[arg-type]
        accounts=(AccountSpec("main", fees=PercentOfNotional(D("0.001"))),), running_costs=costs,
        tax=TaxProfile.flat("0.3", "0.15"),
    )  # fmt: skip
    result = play(spec, spx, make_model(model, params))
    refused = [e.detail for e in result.events if e.kind == "rejected"]
    assert refused == []
    stamps = [entry.timestamp for entry in result.books.entries]
    assert stamps == sorted(stamps)
    assert sum(1 for e in result.events if e.kind == "filled") >= 3
    assert any(e.kind == "running-cost" for e in result.events)
