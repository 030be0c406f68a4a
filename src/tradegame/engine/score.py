"""The Score of a Game: what it made after fees, running costs and taxes, in the Game currency.

``score_of`` is the one place the formula lives; the Round loop (engine/game.py) and the sweep
(engine/sweep.py) both call it. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Score", "score_of"]


@dataclass(frozen=True)
class Score:
    """The result in the Game currency: ``score = gross_profit - fees - running_costs - taxes``."""

    start_capital: Decimal
    final_value: Decimal
    gross_profit: Decimal
    fees: Decimal
    running_costs: Decimal
    taxes: Decimal
    score: Decimal


def score_of(
    start_capital: Decimal, final_value: Decimal, fees: Decimal, running_costs: Decimal, taxes: Decimal
) -> Score:
    """The Score of a Game that started with ``start_capital`` and ended with ``final_value``
    (cash less what is still owed) after paying ``fees``, ``running_costs`` and ``taxes``: the gross
    profit is what it made before those costs."""
    gross = final_value - start_capital + fees + running_costs
    return Score(start_capital, final_value, gross, fees, running_costs, taxes, gross - fees - running_costs - taxes)
