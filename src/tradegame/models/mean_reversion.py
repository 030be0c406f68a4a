"""``MeanReversion``: buy one symbol when it looks oversold, sell when it has recovered.

Two signals, chosen by ``method``:

``"rsi"`` -- Wilder's Relative Strength Index over ``period`` closes (default 14). With the
close-to-close changes split into gains ``max(change, 0)`` and losses ``max(-change, 0)``,
the first average gain (loss) is the simple mean of the first ``period`` gains (losses); each
later one is Wilder's smoothing ``avg = (avg_before * (period - 1) + current) / period`` (an
exponential average with ``alpha = 1/period``). ``RSI = 100 - 100 / (1 + avg_gain/avg_loss)``;
100 when there were no losses, 50 when there was no change at all. Buy (target ``weight``) when
flat and ``RSI < lower`` (default 30); sell all when holding and ``RSI > upper`` (default 70).
To keep each Round's cost fixed the RSI is computed from the last ``history`` closes (default
``20 * period``), seeded at the start of that slice. While fewer closes are known, that is the
whole history and the value is exact; after that the seed's weight in the average is
``(1 - 1/period) ** (history - period)``, about 3e-9 for the defaults, so the value agrees with
a full-history RSI to many digits.

``"bollinger"`` -- Bollinger bands over ``period`` closes (default 20): ``mean`` and the
population standard deviation ``std`` (ddof 0, as Bollinger and TA-Lib define it) of the last
``period`` closes including the latest. Buy (target ``weight``) when flat and
``close < mean - k * std`` (default ``k = 2``); sell all when holding and ``close > mean``.

Both decide on the latest close and place market orders that fill at the next bar's open.
Nothing happens while fewer closes are known than the signal needs (``period + 1`` for RSI,
``period`` for Bollinger) or while a Move on the symbol is still open.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from tradegame.domain.errors import InvalidInputError
from tradegame.engine.context import RoundContext
from tradegame.engine.moves import Action, Move
from tradegame.models._common import (
    as_decimal,
    as_float,
    as_positive_int,
    as_symbol,
    has_open_move,
    recent_closes,
)

__all__ = ["MeanReversion", "wilder_rsi"]


def wilder_rsi(closes: np.ndarray, period: int) -> float:
    """Wilder's RSI at the last of ``closes`` (1-D, oldest first), seeded at the first; NaN if
    fewer than ``period + 1`` closes.

    The smoothing recursion is evaluated in closed form: after the seed ``s`` and ``m`` more
    values ``x_1..x_m``, ``avg = (1-a)**m * s + a * sum((1-a)**(m-j) * x_j)`` with ``a = 1/period``.
    """
    if len(closes) < period + 1:
        return float("nan")
    changes = np.diff(closes)
    gains = np.clip(changes, 0.0, None)
    losses = np.clip(-changes, 0.0, None)
    alpha = 1.0 / period
    later = len(changes) - period
    weights = alpha * (1.0 - alpha) ** np.arange(later - 1, -1, -1, dtype=np.float64)
    decay = (1.0 - alpha) ** later
    avg_gain = decay * float(gains[:period].mean()) + float(weights @ gains[period:])
    avg_loss = decay * float(losses[:period].mean()) + float(weights @ losses[period:])
    if avg_loss == 0.0:
        return 100.0 if avg_gain > 0.0 else 50.0
    return 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)


class MeanReversion:
    """Buy oversold, sell recovered: RSI or Bollinger bands on one symbol; see the module docstring.

    Parameters for the other method are refused (``k`` with ``"rsi"``; ``lower``, ``upper``,
    ``history`` with ``"bollinger"``).
    """

    name = "mean-reversion"

    def __init__(
        self,
        symbol: str,
        method: str = "rsi",
        period: int | None = None,
        lower: float | int | Decimal | None = None,
        upper: float | int | Decimal | None = None,
        k: float | int | Decimal | None = None,
        weight: Decimal | int | float | str = Decimal(1),
        history: int | None = None,
    ) -> None:
        self.symbol = as_symbol(self.name, "symbol", symbol)
        if method not in ("rsi", "bollinger"):
            raise InvalidInputError(f"{self.name}: method must be 'rsi' or 'bollinger', got {method!r}")
        self.method = method
        self.weight = as_decimal(self.name, "weight", weight, low=Decimal(0), high=Decimal(1), low_open=True)
        if method == "rsi":
            if k is not None:
                raise InvalidInputError(f"{self.name}: k is a Bollinger parameter; with method 'rsi' leave it out")
            self.period = as_positive_int(self.name, "period", 14 if period is None else period)
            self.lower = as_float(self.name, "lower", 30 if lower is None else lower, low=0.0, high=100.0)
            self.upper = as_float(self.name, "upper", 70 if upper is None else upper, low=0.0, high=100.0)
            if self.lower >= self.upper:
                raise InvalidInputError(f"{self.name}: lower must be below upper, got {self.lower} and {self.upper}")
            self.history = as_positive_int(
                self.name, "history", 20 * self.period if history is None else history, minimum=self.period + 1
            )
            self.k = 0.0
        else:
            for given, what in ((lower, "lower"), (upper, "upper"), (history, "history")):
                if given is not None:
                    raise InvalidInputError(
                        f"{self.name}: {what} is an RSI parameter; with method 'bollinger' leave it out"
                    )
            self.period = as_positive_int(self.name, "period", 20 if period is None else period, minimum=2)
            self.k = as_float(self.name, "k", 2.0 if k is None else k, low=0.0)
            if self.k == 0:
                raise InvalidInputError(f"{self.name}: k must be positive, got {k!r}")
            self.lower, self.upper, self.history = 0.0, 0.0, self.period

    def __repr__(self) -> str:
        if self.method == "rsi":
            detail = f"period={self.period}, lower={self.lower}, upper={self.upper}, history={self.history}"
        else:
            detail = f"period={self.period}, k={self.k}"
        return f"MeanReversion({self.symbol!r}, method={self.method!r}, {detail}, weight={self.weight})"

    def decide(self, ctx: RoundContext) -> list[Action] | None:
        if has_open_move(ctx, self.symbol):
            return None
        if self.method == "rsi":
            closes = recent_closes(ctx, self.symbol, self.history, minimum=self.period + 1)
            if closes is None:
                return None
            rsi = wilder_rsi(closes, self.period)
            buy, sell = rsi < self.lower, rsi > self.upper
            why = f"rsi {rsi:.2f}"
        else:
            closes = recent_closes(ctx, self.symbol, self.period)
            if closes is None:
                return None
            mean, std, last = float(closes.mean()), float(closes.std()), float(closes[-1])
            buy, sell = last < mean - self.k * std, last > mean
            why = f"close {last:.4f}, band {mean - self.k * std:.4f}..{mean:.4f}"
        held = ctx.quantity(self.symbol)
        if buy and not held:
            return [Move.target(self.symbol, self.weight, reason=f"oversold: {why}")]
        if sell and held > 0:
            return [Move.sell(self.symbol, sell_all=True, reason=f"recovered: {why}")]
        return None
