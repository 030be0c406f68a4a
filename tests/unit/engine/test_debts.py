"""An unpaid running cost is a debt (issue 12, item 4): booked as payable, paid when cash
arrives, and whatever is still owed at the end is counted in the score. Worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import EveryNDays, OneOff, RunningCost
from tradegame.domain.tax import TaxProfile
from tradegame.engine.costs import PerShare
from tradegame.engine.game import play
from tradegame.engine.moves import Move
from tradegame.engine.spec import AccountSpec

from .game_kit import START, Script, at_round, bars_from, spec, universe_of

D = Decimal
ACME = [
    (100.0, 101.0, 99.0, 100.0, 1e6),
    (101.0, 102.0, 100.0, 101.0, 1e6),
    (102.0, 104.0, 101.0, 103.0, 1e6),
    (104.0, 105.0, 103.0, 104.0, 1e6),
    (105.0, 107.0, 104.0, 106.0, 1e6),
]


def test_a_cost_the_cash_cannot_pay_is_owed_and_paid_when_a_sale_brings_cash() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    costs = (("main", RunningCost("data", Money.of("50.00", USD), OneOff(date(2024, 1, 4)))),)
    plan = at_round({0: [Move.buy("ACME", 99)], 2: [Move.sell("ACME", 99)]})
    result = play(spec(running_costs=costs), universe, Script(plan))
    # 99 @ 101 = 9999 leaves 1.00; the 50.00 due on Jan 4 pays 1.00 and owes 49.00; the sale of
    # 99 @ 104 (Jan 5 open) brings 10296.00, which pays the 49.00 first: 10247.00 at the end.
    kinds = [(e.kind, e.detail) for e in result.events if e.kind in ("on-credit", "debt-paid")]
    assert kinds == [
        ("on-credit", "50.00 USD: owed until cash arrives"),
        ("debt-paid", "1.00 USD"),
        ("debt-paid", "49.00 USD"),
    ]
    score = result.score
    assert (score.final_value, score.running_costs) == (D("10247.00"), D("50.00"))
    assert (score.gross_profit, score.score) == (D("297.00"), D("247.00"))  # today: 10297.00 and 297.00, the cost lost
    assert result.books.payables() == {}


def test_what_is_still_owed_at_the_end_counts_in_the_score() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    costs = (("main", RunningCost("big", Money.of("150.00", USD), OneOff(START))),)
    result = play(spec(start_fund=D(100), running_costs=costs), universe, Script(lambda ctx: None))
    score = result.score
    assert score.final_value == D("-50.00")  # 100 cash, 150 charged: 50 owed
    assert (score.running_costs, score.score) == (D("150.00"), D("-150.00"))
    assert result.books.payables() == {("main", "USD"): D("50.00")}
    assert [e.kind for e in result.events if e.kind == "owed"] == ["owed"]
    assert result.values[1] == -50.0  # the Game's value carries the debt every Round


def test_a_debt_lowers_the_value_the_exit_rules_and_the_model_see() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    costs = (("main", RunningCost("big", Money.of("300.00", USD), OneOff(date(2024, 1, 3)))),)
    seen: list[float] = []

    def plan(ctx: object) -> list[Move]:
        seen.append(ctx.value)  # type: ignore[attr-defined]
        return [Move.buy("ACME", 99)] if ctx.round == 0 else []  # type: ignore[attr-defined]

    play(spec(running_costs=costs), universe, Script(plan))
    # Round 1 (Jan 3): 99 shares at 101 close, 1.00 cash, 299.00 owed: 9999 + 1 - 300 = 9700.
    assert seen[:2] == [10000.0, 9700.0]


@settings(max_examples=40, deadline=None)
@given(
    prices=st.lists(st.integers(50, 150), min_size=6, max_size=12),
    buys=st.lists(st.tuples(st.integers(0, 11), st.integers(1, 150)), max_size=4),
    sells=st.lists(st.tuples(st.integers(0, 11), st.integers(1, 150)), max_size=4),
    cost=st.integers(1, 4000),
    every=st.integers(1, 5),
    taxed=st.booleans(),
)
def test_the_score_adds_up_to_the_cent_for_every_game(
    prices: list[int], buys: list[tuple[int, int]], sells: list[tuple[int, int]], cost: int, every: int, taxed: bool
) -> None:
    """Whatever the Game, with costs it can or cannot pay: the final value is the Start Fund plus
    what the trades brought minus what they cost, minus every charge that fell due (paid or owed);
    and ``score = gross profit - fees - running costs - taxes``."""
    bars = [(float(p), float(p) + 1, float(p) - 1, float(p), 1e6) for p in prices]
    universe = universe_of(bars_from({"ACME": bars}))
    plan: dict[int, list[Move]] = {}
    for day, units in buys:
        plan.setdefault(day, []).append(Move.buy("ACME", units))
    for day, units in sells:
        plan.setdefault(day, []).append(Move.sell("ACME", units))
    charge = RunningCost("server", Money(D(cost) / 100, USD), EveryNDays(START, every))
    game = spec(
        rounds=len(prices),
        start_fund=D(5000),
        running_costs=(("main", charge),),
        accounts=(AccountSpec("main", fees=PerShare(D("0.01"), minimum=D("1.00"))),),
        tax=TaxProfile.flat("0.24", "0.15") if taxed else None,
    )
    result = play(game, universe, Script(at_round(plan)))
    score, books = result.score, result.books
    traded = sum(
        (c.notional.amount - c.fee.amount if c.action == "sell" else -(c.notional.amount + c.fee.amount))
        for c in books.cost_ledger
    )
    days = [e.time[:10] for e in result.events if e.kind in ("running-cost", "on-credit")]
    last_round_day = np.datetime64(int(result.times[-1]), "ns").astype("datetime64[D]").astype(date)
    assert len(days) == len(charge.occurrences(START, last_round_day))
    charged = charge.amount.amount * len(days)
    assert score.running_costs == charged
    assert score.final_value == D(5000) + traded - charged
    assert score.score == score.gross_profit - score.fees - score.running_costs - score.taxes
    assert score.score == score.final_value - score.start_capital - score.taxes
