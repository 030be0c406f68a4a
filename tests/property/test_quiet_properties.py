"""Property: for any signals, costs, exit rule, schedule, fill rule and tax, skipping the Rounds a
Model sleeps through changes nothing: the same logs, ledgers, Round values and score, byte for byte."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import EveryNDays, Monthly, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.context import RoundContext
from tradegame.engine.costs import PercentOfNotional
from tradegame.engine.game import Game
from tradegame.engine.moves import Action
from tradegame.engine.spec import AccountSpec, DataSpec, ExitRules, GameSpec
from tradegame.engine.sweep import SignalFollower

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
