"""Property: for any signals, trading and running costs, weight, fill rule, schedule, exit rule and tax,
a sweep column is its Game."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradegame.data.datasets import load_dataset
from tradegame.data.panel import Panel
from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import Monthly, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.costs import FixedBps, PercentOfNotional, PerShare
from tradegame.engine.game import play
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec
from tradegame.engine.sweep import SignalFollower, sweep
from tradegame.engine.universe import Universe

ROWS = 700  # about 2.8 years of the S&P 500 from 1999
_universe: list[Universe] = []


def universe() -> Universe:
    if not _universe:
        bars = load_dataset("arch-sp500").bars.iloc[:ROWS]
        panel = Panel.from_bars(bars, frequency="1d", calendar="XNYS", currency="USD")
        _universe.append(Universe.from_panel(panel, currency=USD))
    return _universe[0]


runs = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 40)), min_size=1, max_size=60)
exits = st.one_of(
    st.just(ExitRules()),
    st.decimals("0.02", "0.3", places=2).map(lambda dd: ExitRules(max_drawdown=dd)),
    st.integers(2, 10).map(lambda n: ExitRules(max_losing_rounds=n)),
    st.decimals("0.02", "0.5", places=2).map(lambda target: ExitRules(target_return=target)),
    st.decimals("0.8", "0.99", places=2).map(lambda low: ExitRules(min_value_fraction=low)),
)
costs = st.one_of(
    st.just(()),
    st.decimals("1", "300", places=2).map(
        lambda amount: (("main", RunningCost("feed", Money(amount, USD), Monthly(date(1999, 1, 31)))),)
    ),
)
fees = st.one_of(
    st.just(None),
    st.decimals("0", "0.01", places=4).map(lambda rate: PercentOfNotional(rate)),
    st.decimals("0", "0.02", places=3).map(lambda rate: PerShare(rate, minimum=Decimal("1.00"))),
)


def signals(plan: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    enter, leave = np.zeros(ROWS, dtype=bool), np.zeros(ROWS, dtype=bool)
    row = 0
    for kind, length in plan:
        if kind == 0:
            enter[row : row + length] = True
        elif kind == 1:
            leave[row : row + length] = True
        row += length
    return enter, leave


@given(
    plans=st.lists(runs, min_size=1, max_size=3),
    fee=fees,
    bps=st.sampled_from([0.0, 3.0]),
    weight=st.decimals("0.05", "1", places=2),
    fill_at=st.sampled_from(["next_open", "close"]),
    taxed=st.booleans(),
    fund=st.sampled_from([Decimal("3000"), Decimal("100000")]),
    rules=exits,
    schedule=st.sampled_from(["daily", "daily", "weekly", "monthly", "hourly"]),
    running=costs,
)
def test_a_sweep_column_is_its_game(
    plans: list[list[tuple[int, int]]],
    fee: object,
    bps: float,
    weight: Decimal,
    fill_at: str,
    taxed: bool,
    fund: Decimal,
    rules: ExitRules,
    schedule: str,
    running: tuple[tuple[str, RunningCost], ...],
) -> None:
    account = (
        AccountSpec("main", slippage=FixedBps(bps))
        if fee is None
        else AccountSpec("main", fees=fee, slippage=FixedBps(bps))
    )  # type: ignore[arg-type]
    spec = GameSpec(
        "property", date(1999, 3, 1), fund, end=date(2001, 10, 12), data=(DataSpec("arch-sp500"),),
        accounts=(account,), tax=TaxProfile.flat("0.3", "0.1") if taxed else None,
    )  # fmt: skip
    spec = replace(spec, fill_at=fill_at, exits=rules, schedule=schedule, running_costs=running)  # type: ignore[arg-type]
    if schedule == "hourly":  # Rounds inside the daily bars; seven times as many, so a shorter Game
        spec = replace(spec, end=date(1999, 9, 30), fill_at="next_open")  # a sweep refuses close fills there
    pairs = [signals(plan) for plan in plans]
    enter = np.stack([e for e, _ in pairs], axis=1)
    leave = np.stack([lv for _, lv in pairs], axis=1)
    result = sweep(spec, universe(), "SPX", enter, leave, weight=weight)
    for index, column in enumerate(result.columns):
        game = play(spec, universe(), SignalFollower("SPX", enter[:, index], leave[:, index], weight))
        booked = [
            (int(e.timestamp.timestamp()) * 10**9, e.action, e.quantity, e.notional.amount, e.fee.amount)
            for e in game.books.cost_ledger
        ]
        ours = [
            (f.time_ns, f.side, f.quantity, (f.quantity * f.price).quantize(Decimal("0.01")), f.fee)
            for f in column.fills
        ]
        assert ours == booked
        assert column.score == game.score
        assert (column.outcome, column.outcome_round) == (game.outcome, game.outcome_round)
        assert column.values.tobytes() == game.values.tobytes()
        assert result.times[: column.rounds].tobytes() == game.times.tobytes()
