"""A Model's ``Expense`` (a language model's call, a training run) is a one-off running cost booked at
the Round it is returned: in the score, in the decision log with what it paid for, owed when the cash
cannot pay it, and refused (changing nothing) for an unknown account or a fraction of a cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.game import play
from tradegame.engine.moves import Expense, Move

from .game_kit import Script, at_round, bars_from, spec, universe_of

D = Decimal
ACME = [(100.0, 101.0, 99.0, 100.0, 1e6)] * 5


def test_expenses_are_running_costs_in_the_score_and_the_log() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    plan = at_round({0: [Expense("llm", D("0.37"), reason="call c1")], 2: [Expense("llm", D("1.25"), reason="c2")]})
    result = play(spec(), universe, Script(plan))
    score = result.score
    assert (score.running_costs, score.final_value, score.score) == (D("1.62"), D("9998.38"), D("-1.62"))
    lines = [(e.round, e.kind, e.symbol, e.detail) for e in result.events if e.kind == "running-cost"]
    assert lines == [(0, "running-cost", "llm", "0.37 USD for call c1"), (2, "running-cost", "llm", "1.25 USD for c2")]
    entries = [e for e in result.books.entries if e.kind == "running-cost"]
    assert [sum(p.units for p in e.postings) for e in entries] == [0, 0]  # each entry balances


def test_an_expense_the_cash_cannot_pay_is_owed_and_paid_by_a_sale() -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    plan = at_round({0: [Move.buy("ACME", 99)], 1: [Expense("llm", D("150.00"))], 2: [Move.sell("ACME", 99)]})
    result = play(spec(), universe, Script(plan))
    kinds = [e.kind for e in result.events if e.kind in ("on-credit", "debt-paid")]
    assert kinds[0] == "on-credit" and "debt-paid" in kinds
    assert result.score.running_costs == D("150.00") and result.books.payables() == {}


@pytest.mark.parametrize(
    ("expense", "why"),
    [
        (Expense("llm", D("0.001")), "expense"),
        (Expense("llm", D("1.00"), account="nowhere"), "no account 'nowhere'"),
        (Expense("a b", D("1.00")), "without spaces"),
    ],
    ids=["fraction-of-a-cent", "unknown-account", "bad-name"],
)
def test_a_bad_expense_is_refused_and_changes_nothing(expense: Expense, why: str) -> None:
    universe = universe_of(bars_from({"ACME": ACME}))
    result = play(spec(), universe, Script(at_round({1: [expense]})))
    refused = [e.detail for e in result.events if e.kind == "rejected"]
    assert len(refused) == 1 and why in refused[0]
    assert result.score.running_costs == 0 and result.score.final_value == D("10000")


@pytest.mark.parametrize("amount", ["0", "-1", "nan"])
def test_an_expense_must_cost_something(amount: str) -> None:
    with pytest.raises(InvalidInputError):
        Expense("llm", D(amount))
