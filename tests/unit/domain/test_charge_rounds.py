"""Which Round charges each running-cost occurrence: ``charge_rounds``, the one rule the Round
loop and the sweep follow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradegame.domain.money import USD, Money
from tradegame.domain.running_costs import Charge, Monthly, OneOff, RunningCost, charge_rounds


def _cost(name: str, schedule: Monthly | OneOff) -> RunningCost:
    return RunningCost(name, Money(Decimal("10.00"), USD), schedule)


def test_a_day_is_charged_by_the_first_round_on_or_after_it_and_never_outside_the_rounds() -> None:
    data = _cost("data", Monthly(date(2024, 1, 5)))  # due on the 5th of each month
    server = _cost("server", OneOff(date(2024, 2, 5)))
    days = [date(2024, 1, 8), date(2024, 2, 5), date(2024, 2, 5), date(2024, 3, 6), date(2024, 4, 8)]
    charges = charge_rounds([("main", data), ("main", server)], days)
    assert [(c.round, c.day, c.cost.name) for c in charges] == [
        # January 5 falls before the first Round's day: never charged.
        (1, date(2024, 2, 5), "data"),  # the first of the two Rounds on that day; before server, listed first
        (1, date(2024, 2, 5), "server"),
        (3, date(2024, 3, 5), "data"),  # no Round that day: the next Round charges it
        (4, date(2024, 4, 5), "data"),
    ]
    assert all(isinstance(c, Charge) and c.account == "main" for c in charges)


def test_no_costs_or_no_rounds_charge_nothing() -> None:
    assert charge_rounds([], [date(2024, 1, 2)]) == []
    assert charge_rounds([("main", _cost("x", OneOff(date(2024, 1, 2))))], []) == []
