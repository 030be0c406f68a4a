"""Property: for any signals, costs, exit rule, schedule, fill rule and tax, skipping the Rounds a
Model sleeps through changes nothing: the same logs, ledgers, Round values and score, byte for byte."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.data.panel import Panel
from tradegame.domain.money import KRW, USD, Money
from tradegame.domain.running_costs import EveryNDays, Monthly, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import Game
from tradegame.engine.moves import Action
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec
from tradegame.engine.sweep import SignalFollower
from tradegame.engine.universe import Universe

from .test_sweep_properties import ROWS, exits, runs, signals, universe


class Awake:
    """The same Model without ``wake``: called every Round."""

    def __init__(self, model: SignalFollower) -> None:
        self.model, self.name = model, model.name

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        return self.model.decide(ctx)


costs = st.lists(
    st.tuples(
        st.decimals("1", "5000", places=2),
        st.sampled_from([Monthly(date(1999, 1, 31)), Monthly(date(1999, 2, 10)), EveryNDays(date(1999, 3, 3), 9)]),
    ),
    max_size=2,
).map(lambda found: tuple(("main", RunningCost(f"cost{i}", Money(a, USD), s)) for i, (a, s) in enumerate(found)))


@settings(max_examples=40, deadline=None)
@given(
    plan=runs,
    rules=exits,
    running=costs,
    fee=st.decimals("0", "0.005", places=4),
    weight=st.decimals("0.2", "1", places=2),
    fill_at=st.sampled_from(["next_open", "close"]),
    schedule=st.sampled_from(["daily", "daily", "weekly"]),
    taxed=st.booleans(),
    fund=st.sampled_from([Decimal("3000"), Decimal("100000")]),
)
def test_quiet_rounds_change_nothing(
    plan: list[tuple[int, int]],
    rules: ExitRules,
    running: tuple[tuple[str, RunningCost], ...],
    fee: Decimal,
    weight: Decimal,
    fill_at: str,
    schedule: str,
    taxed: bool,
    fund: Decimal,
) -> None:
    spec = GameSpec(
        "quiet", date(1999, 3, 1), fund, end=date(2001, 10, 12), data=(DataSpec("arch-sp500"),),
        accounts=(AccountSpec("main", fees=PercentOfNotional(fee)),),
        tax=TaxProfile.flat("0.3", "0.1") if taxed else None,
    )  # fmt: skip
    spec = replace(spec, fill_at=fill_at, exits=rules, schedule=schedule, running_costs=running)  # type: ignore[arg-type]
    enter, leave = signals(plan)
    assert len(enter) == ROWS
    model = SignalFollower("SPX", enter, leave, weight)
    quiet = Game(spec, universe(), model).run()
    every = Game(spec, universe(), Awake(model)).run()
    assert quiet.events_jsonl() == every.events_jsonl()
    assert quiet.ledger_jsonl() == every.ledger_jsonl()
    assert quiet.score == every.score
    assert (quiet.outcome, quiet.outcome_round, quiet.outcome_reason) == (
        every.outcome,
        every.outcome_round,
        every.outcome_reason,
    )
    assert np.asarray(quiet.values).tobytes() == np.asarray(every.values).tobytes()


_won: list[Universe] = []


def won_universe() -> Universe:
    """SPX, SAMS (SPX x 1200, in won) and a USDKRW random walk: a Game trading SAMS keeps won between trades."""
    if not _won:
        spx = universe()
        days = pd.DatetimeIndex(spx.panel.labels, tz="UTC")
        fields = {name: spx.panel.fields[name][:, 0] for name in ("open", "high", "low", "close", "volume")}
        walk = 1150 * np.exp(np.cumsum(np.random.default_rng(7).normal(0, 0.01, len(days))))
        frames = [
            pd.DataFrame({"symbol": "SPX", "ts": days, **fields, "adj_close": np.nan}),
            pd.DataFrame({"symbol": "SAMS", "ts": days, **{k: np.round(v * 1200) for k, v in fields.items()},
                          "adj_close": np.nan}),
            pd.DataFrame({"symbol": "USDKRW", "ts": days, "open": walk, "high": walk, "low": walk, "close": walk,
                          "volume": 1e9, "adj_close": np.nan}),
        ]  # fmt: skip
        panel = Panel.from_bars(pd.concat(frames, ignore_index=True), frequency="1d", calendar="XNYS", currency="USD")
        _won.append(Universe.from_panel(panel, currency=USD, currencies={"SAMS": KRW, "USDKRW": KRW}))
    return _won[0]


@settings(max_examples=25, deadline=None)
@given(
    plan=runs,
    rules=exits,
    won_cost=st.sampled_from([None, Decimal("50000"), Decimal("900000")]),
    fee=st.decimals("0", "0.005", places=4),
    weight=st.decimals("0.2", "1", places=2),
    fill_at=st.sampled_from(["next_open", "close"]),
    schedule=st.sampled_from(["daily", "weekly"]),
)
def test_quiet_rounds_change_nothing_while_the_game_holds_won_and_the_rate_moves(
    plan: list[tuple[int, int]],
    rules: ExitRules,
    won_cost: Decimal | None,
    fee: Decimal,
    weight: Decimal,
    fill_at: str,
    schedule: str,
) -> None:
    # A sale of SAMS leaves won in the account (and a cost in won may be owed): valued at each
    # Round's USDKRW, in quiet stretches as in the Round loop, byte for byte.
    running = (
        () if won_cost is None else (("main", RunningCost("kr", Money(won_cost, KRW), Monthly(date(1999, 2, 10)))),)
    )
    spec = GameSpec(
        "won", date(1999, 3, 1), Decimal("100000"), end=date(2001, 10, 12), data=(DataSpec("won"),),
        symbols=("SAMS",), accounts=(AccountSpec("main", fees=PercentOfNotional(fee)),),
    )  # fmt: skip
    spec = replace(spec, fill_at=fill_at, exits=rules, schedule=schedule, running_costs=running)  # type: ignore[arg-type]
    enter, leave = signals(plan)
    model = SignalFollower("SAMS", enter, leave, weight)
    quiet = Game(spec, won_universe(), model).run()
    every = Game(spec, won_universe(), Awake(model)).run()
    assert quiet.events_jsonl() == every.events_jsonl()
    assert quiet.ledger_jsonl() == every.ledger_jsonl()
    assert quiet.score == every.score
    assert (quiet.outcome, quiet.outcome_round) == (every.outcome, every.outcome_round)
    assert np.asarray(quiet.values).tobytes() == np.asarray(every.values).tobytes()
