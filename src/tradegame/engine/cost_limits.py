"""Sane ranges for an account's costs: fee rates and caps below 10% of the notional, slippage
below 10% (1,000 bps), unless a Game sets ``allow_extreme_costs`` (``domain/limits.py`` holds
the bounds). A 500% fee rate is a typo far more often than a wish.

Standard library, ``tradegame.domain`` and ``engine.costs`` only.
"""

from __future__ import annotations

from decimal import Decimal

from tradegame.domain.limits import MAX_SLIPPAGE_BPS, cost_rate_problem, shown
from tradegame.engine.costs import (
    Combined,
    FeeModel,
    FixedBps,
    MakerTaker,
    PercentOfNotional,
    PerShare,
    SlippageModel,
    Tiered,
    VolumeImpact,
)

__all__ = ["fee_problems", "slippage_problems"]


def fee_problems(model: FeeModel, where: str) -> list[str]:
    """``"where.field: problem"`` for each rate of a built-in fee model outside its sane range."""
    rates: list[tuple[str, Decimal, bool]] = []
    if isinstance(model, PercentOfNotional):
        rates.append(("rate", model.rate, False))
    elif isinstance(model, PerShare) and model.maximum_pct is not None:
        rates.append(("maximum_pct", model.maximum_pct, False))
    elif isinstance(model, MakerTaker):
        rates += [("maker_rate", model.maker_rate, True), ("taker_rate", model.taker_rate, False)]
    elif isinstance(model, Tiered):
        rates += [(f"tiers[{index}].rate", rate, False) for index, (_, rate) in enumerate(model.tiers)]
    elif isinstance(model, Combined):
        return [problem for i, part in enumerate(model.parts) for problem in fee_problems(part, f"{where}.parts[{i}]")]
    out = []
    for field, rate, rebate in rates:
        problem = cost_rate_problem(rate, rebate=rebate)
        if problem is not None:
            out.append(f"{where}.{field}: {problem}")
    return out


def slippage_problems(model: SlippageModel, where: str) -> list[str]:
    """``"where.field: problem"`` for a built-in slippage model that can move a price 10% or more."""
    bps: list[tuple[str, float]] = []
    if isinstance(model, FixedBps):
        bps.append(("bps", model.bps))
    elif isinstance(model, VolumeImpact):
        if model.max_bps is not None:
            bps.append(("max_bps", model.max_bps))
        else:  # uncapped: the coefficient is the impact of a trade as large as the bar's volume
            problem = cost_rate_problem(model.coefficient)
            if problem is not None:
                return [f"{where}.coefficient: {problem}"]
    return [
        f"{where}.{field}: must be below {MAX_SLIPPAGE_BPS:g} bps (10%) (set allow_extreme_costs = true in "
        f"[game] to allow it), got {shown(value)}"
        for field, value in bps
        if value >= MAX_SLIPPAGE_BPS
    ]
