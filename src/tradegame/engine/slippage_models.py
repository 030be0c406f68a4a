"""The slippage models: the price a fill actually gets, always against the trader.

``SlippageModel`` is the Protocol; ``NoSlippage``, ``FixedBps`` and ``VolumeImpact`` are the
built-in models (``engine.costs`` documents their conventions). Slippage works on floats: the
engine snaps the slipped price back to the tick grid. Standard library and ``tradegame.domain`` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.cost_fields import _float, _set, _show

__all__ = ["FixedBps", "NoSlippage", "SlippageModel", "VolumeImpact"]

_BPS: Final = 10_000.0


class SlippageModel(Protocol):
    """Moves a market price against the trader to give the execution price."""

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        """The price a ``side`` order of ``quantity`` units actually gets when the market is at ``price``."""
        ...


def _trade(side: object, price: object, quantity: object, bar_volume: object) -> tuple[float, float, float]:
    if side not in ("buy", "sell"):
        raise InvalidInputError(f"side must be 'buy' or 'sell', got {_show(side)}")
    numbers: list[float] = []
    for name, value in (("price", price), ("quantity", quantity), ("bar_volume", bar_volume)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(f"{name} must be a float, got {_show(value)}")
        numbers.append(float(value))
    market_price, fill_quantity, volume = numbers
    if not math.isfinite(market_price) or market_price < 0:
        raise InvalidInputError(f"price must be a finite number >= 0, got {price}")
    if not math.isfinite(fill_quantity) or fill_quantity <= 0:
        raise InvalidInputError(f"quantity must be a finite number > 0, got {quantity}")
    if volume < 0:  # NaN compares False: unknown volume is allowed
        raise InvalidInputError(f"bar_volume must be >= 0 or NaN, got {bar_volume}")
    return market_price, fill_quantity, volume


def _adverse(side: object, price: float, fraction: float) -> float:
    if side == "buy":
        return price * (1.0 + fraction)
    return max(0.0, price * (1.0 - fraction))


@dataclass(frozen=True, slots=True)
class NoSlippage:
    """Fills at the market price."""

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        market_price, _, _ = _trade(side, price, quantity, bar_volume)
        return market_price


@dataclass(frozen=True, slots=True)
class FixedBps:
    """A fixed ``bps`` (basis points, 1/10,000) against the trader: ``price * (1 ± bps / 10000)``."""

    bps: float

    def __post_init__(self) -> None:
        _set(self, "bps", _float(self.bps, "FixedBps", "bps", maximum=_BPS))

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        market_price, _, _ = _trade(side, price, quantity, bar_volume)
        return _adverse(side, market_price, self.bps / _BPS)


@dataclass(frozen=True, slots=True)
class VolumeImpact:
    """Square-root market impact: ``coefficient * (quantity / bar_volume) ** exponent`` of the price.

    Capped at ``max_bps`` basis points when given. When the bar's volume is NaN (unknown) or 0 there
    is no volume information: the impact is ``max_bps`` if set, else 0.

    >>> VolumeImpact(0.1).execution_price(side="buy", price=50.0, quantity=10_000, bar_volume=1_000_000)
    50.5
    """

    coefficient: float
    exponent: float = 0.5
    max_bps: float | None = None

    def __post_init__(self) -> None:
        _set(self, "coefficient", _float(self.coefficient, "VolumeImpact", "coefficient"))
        _set(self, "exponent", _float(self.exponent, "VolumeImpact", "exponent", strict=True))
        if self.max_bps is not None:
            _set(self, "max_bps", _float(self.max_bps, "VolumeImpact", "max_bps", maximum=_BPS))

    def impact(self, *, quantity: float, bar_volume: float) -> float:
        """The adverse move as a fraction of the price (0.01 is 1%, 100 bps)."""
        cap = None if self.max_bps is None else self.max_bps / _BPS
        if math.isnan(bar_volume) or bar_volume == 0:
            return 0.0 if cap is None else cap
        try:
            fraction = self.coefficient * math.pow(quantity / bar_volume, self.exponent)
        except OverflowError:
            fraction = math.inf
        if cap is not None:
            fraction = min(fraction, cap)
        if not math.isfinite(fraction):
            raise InvalidInputError(
                f"market impact of {quantity} units on a bar volume of {bar_volume} overflows; set max_bps"
            )
        return fraction

    def execution_price(
        self, *, side: Literal["buy", "sell"], price: float, quantity: float, bar_volume: float
    ) -> float:
        market_price, fill_quantity, volume = _trade(side, price, quantity, bar_volume)
        return _adverse(side, market_price, self.impact(quantity=fill_quantity, bar_volume=volume))
