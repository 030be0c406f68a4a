"""Transaction costs for the simulated market: fee models and slippage models.

The engine fills an order, then asks a ``SlippageModel`` for the execution price and a
``FeeModel`` for the commission. Both are small frozen dataclasses behind a Protocol, so a game
can plug in its own (zipline style).

Fees are money and therefore exact: every rate and amount is a ``Decimal``, the arithmetic is
done unrounded, and the result is rounded **once, at the end**, to the currency's minor unit
(``Currency.quantum``) with ``ROUND_HALF_UP``. Python's ``ROUND_HALF_UP`` rounds halves away from
zero, so 333 shares at 0.005 = 1.665 costs 1.67, and a half-cent rebate of -0.005 becomes -0.01.
Conventions:

* ``PerShare``: ``min(max(rate * quantity, minimum), maximum_pct * notional)``. As at Interactive
  Brokers, the percentage cap beats the per-order minimum: 10 shares at 1.00 with a 1.00 minimum
  and a 1% cap cost 0.10, not 1.00.
* ``MakerTaker``: a negative ``maker_rate`` is a rebate and the fee comes back negative (money
  paid to the trader). The ``minimum`` lifts only charges, i.e. when the rate that applies is
  positive; a free (zero-rate) or rebated fill is never raised to the minimum.
* ``Tiered``: marginal rates on slices of the notional, like income-tax brackets; a notional
  exactly on a bound is charged entirely at the lower tier's rate.
* ``Combined``: each part is a separate charge (commission, exchange fee, ...) rounded on its own,
  as the lines of a broker statement are, so ``Combined(parts).fee(...)`` equals the sum of the
  parts' fees exactly.

Slippage works on floats, because market prices arrive as floats and the engine snaps the slipped
price back to the instrument's tick grid as a ``Decimal`` itself. Slippage is always adverse:
buys pay more, sells receive less, and a sell price never goes below zero. ``VolumeImpact`` is
the square-root market-impact model ``impact = coefficient * (quantity / bar_volume) ** exponent``
(a fraction of the price), capped at ``max_bps``. A bar whose volume is unknown (NaN) or zero
carries no volume information: the impact is then ``max_bps`` when a cap is set (the worst case
the user allowed for) and 0 otherwise.

Game TOML files describe both with ``fee_model_from_config`` / ``slippage_model_from_config``;
``fee_model_to_config`` / ``slippage_model_to_config`` write them back. Every problem raises
``InvalidInputError`` with a message that starts with the field path, e.g.
``fees.rate: must be a number >= 0, got 'abc'``.

Where each job lives: ``fee_models`` (the fee Protocol and models), ``slippage_models`` (the
slippage Protocol and models), ``cost_fields`` (checking fields, rounding fees), ``cost_config``
(the Game TOML form). This module re-exports them all under their public names.

Standard library and ``tradegame.domain`` only: no pandas, numpy or I/O.
"""

from __future__ import annotations

from tradegame.engine.cost_config import (
    fee_model_from_config,
    fee_model_to_config,
    slippage_model_from_config,
    slippage_model_to_config,
)
from tradegame.engine.cost_fields import FEE_ROUNDING as FEE_ROUNDING
from tradegame.engine.fee_models import (
    Combined,
    FeeModel,
    Flat,
    MakerTaker,
    NoFee,
    PercentOfNotional,
    PerShare,
    Tiered,
)
from tradegame.engine.slippage_models import FixedBps, NoSlippage, SlippageModel, VolumeImpact

__all__ = [
    "Combined",
    "FeeModel",
    "FixedBps",
    "Flat",
    "MakerTaker",
    "NoFee",
    "NoSlippage",
    "PerShare",
    "PercentOfNotional",
    "SlippageModel",
    "Tiered",
    "VolumeImpact",
    "fee_model_from_config",
    "fee_model_to_config",
    "slippage_model_from_config",
    "slippage_model_to_config",
]
