"""``RegimeSwitch``: invested in one symbol or flat, by the market's trend and volatility state.

A trainable Model (engine/training.py). The state of the bar ending at close t is a pair:

* trend: up when the close is above its simple moving average of ``trend`` closes, else down;
* volatility: calm when the standard deviation of the ``vol_window`` latest returns is below
  ``vol_factor`` times the median of that measure over the training history, else stormy.

``fit`` learns the median volatility and, for each of the four states, the mean next return
over the training rows in that state: a state is invested when that mean is above 0 and it was
seen at least ``min_count`` times; a state seen fewer times is invested only when trending up.
It learns nothing (returns None) from fewer than ``min_rows`` rows with a state.
``decide`` finds the latest bar's state: invested and nothing held, buy
``Move.target(symbol, weight)``; flat and units held, sell them all. Nothing while a Move on the
symbol is open or before the first fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action
from tradegame.engine.training import TrainingHistory
from tradegame.models._common import (
    as_decimal,
    as_float,
    as_positive_int,
    as_symbol,
    has_open_move,
    long_or_flat,
    recent_closes,
)

__all__ = ["RegimeSwitch", "regime_states"]

_NAMES = ("down-stormy", "down-calm", "up-stormy", "up-calm")  # index: 2 * trend_up + calm


def regime_states(closes: np.ndarray, trend: int, vol_window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bar with enough history (``trend`` closes and ``vol_window`` returns): whether it trends up,
    its realized volatility, and its next return (NaN for the last bar)."""
    closes = closes[~np.isnan(closes)]
    depth = max(trend, vol_window + 1)  # closes needed for one state
    if len(closes) < depth:
        return np.empty(0, bool), np.empty(0), np.empty(0)
    returns = closes[1:] / closes[:-1] - 1.0
    means = sliding_window_view(closes, trend).mean(axis=1)[depth - trend :]
    up = closes[depth - 1 :] > means
    volatility = sliding_window_view(returns, vol_window).std(axis=1)[depth - 1 - vol_window :]
    following = np.append(returns[depth - 1 :], np.nan)
    return up, volatility, following


@dataclass(frozen=True)
class _Regimes:
    """What one fit learned: the median volatility and which states are invested."""

    median_volatility: float
    invested: tuple[bool, bool, bool, bool]  # by state index (see _NAMES)

    def fingerprint(self) -> str:
        return f"{self.median_volatility!r} {self.invested}"


class RegimeSwitch:
    """Invested in ``symbol`` in the trend/volatility states that paid in training, else flat.

    Trainable: ``fit`` learns the states (see the module docstring); ``[model.training]`` says when.
    """

    name = "regime"

    def __init__(
        self,
        symbol: str,
        trend: int = 200,
        vol_window: int = 20,
        vol_factor: float = 1.0,
        min_count: int = 20,
        min_rows: int = 60,
        weight: Decimal | int | float | str = Decimal(1),
    ) -> None:
        self.symbol = as_symbol(self.name, "symbol", symbol)
        self.trend = as_positive_int(self.name, "trend", trend, minimum=2)
        self.vol_window = as_positive_int(self.name, "vol_window", vol_window, minimum=2)
        self.vol_factor = as_float(self.name, "vol_factor", vol_factor, low=0.0)
        if self.vol_factor <= 0:
            raise InvalidInputError(f"{self.name}: vol_factor must be above 0, got {vol_factor!r}")
        self.min_count = as_positive_int(self.name, "min_count", min_count)
        self.min_rows = as_positive_int(self.name, "min_rows", min_rows, minimum=2)
        self.weight = as_decimal(self.name, "weight", weight, low=Decimal(0), high=Decimal(1), low_open=True)

    def __repr__(self) -> str:
        return f"RegimeSwitch({self.symbol!r}, trend={self.trend}, vol_window={self.vol_window})"

    def fit(self, history: TrainingHistory) -> _Regimes | None:
        """The median volatility and the invested states of the history (see the module docstring)."""
        up, volatility, following = regime_states(history.close([self.symbol])[:, 0], self.trend, self.vol_window)
        up, volatility, following = up[:-1], volatility[:-1], following[:-1]  # the last bar's next return is unknown
        if len(up) < self.min_rows:
            return None
        median = float(np.median(volatility))
        states = 2 * up.astype(np.int64) + (volatility < median * self.vol_factor)
        invested = []
        for state in range(4):
            seen = following[states == state]
            trending = state >= 2
            invested.append(bool(seen.mean() > 0) if len(seen) >= self.min_count else trending)
        return _Regimes(median, (invested[0], invested[1], invested[2], invested[3]))

    def state(self, ctx: RoundContext) -> tuple[str, bool] | None:
        """The latest bar's state and whether the live version is invested in it (None before a fit)."""
        fitted = ctx.fitted
        if not isinstance(fitted, _Regimes):
            return None
        closes = recent_closes(ctx, self.symbol, max(self.trend, self.vol_window + 1))
        if closes is None:
            return None
        up, volatility, _ = regime_states(closes, self.trend, self.vol_window)
        index = 2 * int(up[-1]) + int(volatility[-1] < fitted.median_volatility * self.vol_factor)
        return _NAMES[index], fitted.invested[index]

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if has_open_move(ctx, self.symbol):
            return None
        found = self.state(ctx)
        if found is None:
            return None
        name, invested = found
        reason = f"regime {name}: {'invested' if invested else 'flat'}"
        return long_or_flat(ctx, self.symbol, invested, self.weight, reason)
